"""Group commit: appends that arrive while another is being written share its next transaction.

Each caller queues its entry and then takes the writer lock. Whoever holds the lock writes every
entry queued so far in one transaction (one ``fsync``) and hands each caller its result, so a
caller whose entry was written by another returns as soon as it gets the lock. Every entry is
durable before its ``append`` returns; a lone writer pays exactly what it did before.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from ._chain import LedgerEntry, Row, canonical
from ._store import LedgerError

__all__ = ["GroupCommit", "Pending", "dump_body", "placed_rows"]


def dump_body(record: Mapping[str, Any]) -> str:
    """An entry's body: canonical JSON (sorted keys, no spaces, UTF-8 kept).

    orjson writes the same text as :func:`canonical` ~10x faster; values it refuses (non-string
    keys, integers beyond 64 bits) go through the standard library instead.
    """
    import orjson

    try:
        return orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return canonical(record)


class Pending:
    """An entry waiting to be written: everything but its place in the chain."""

    __slots__ = ("body", "entry", "error", "id", "kind", "time")

    def __init__(self, kind: str, record: Mapping[str, Any]) -> None:
        self.id = uuid.uuid4().hex
        self.kind = kind
        self.time = datetime.now(timezone.utc).isoformat(timespec="microseconds")
        self.body = dump_body({**record, "id": self.id, "kind": kind, "time": self.time})
        self.entry: LedgerEntry | None = None
        self.error: BaseException | None = None

    def placed(self, seq: int, prev_hash: str, digest: str) -> Row:
        """The stored row once the chain gives this entry ``seq`` and ``prev_hash``."""
        return (seq, self.id, self.time, self.kind, self.body, prev_hash, digest)


def placed_rows(batch: list[Pending], last_seq: int, last_hash: str,
            hash_of: Callable[[int, str, str, str, str, str], str]) -> list[Row]:
    """The rows of ``batch`` placed after the entry ``last_seq`` whose hash is ``last_hash``."""
    rows: list[Row] = []
    seq, prev = last_seq, last_hash
    for pending in batch:
        seq += 1
        digest = hash_of(seq, pending.id, pending.kind, pending.time, prev, pending.body)
        rows.append(pending.placed(seq, prev, digest))
        prev = digest
    return rows


class GroupCommit:
    """Serialises appends through ``write``, batching those that queue up meanwhile.

    ``write(batch)`` stores the batch in one transaction and returns its rows in order, or
    raises; ``lock`` is the store's connection lock.
    """

    def __init__(self, write: Callable[[list[Pending]], list[Row]],
                 lock: threading.Lock) -> None:
        self._write = write
        self._lock = lock
        self._queue: list[Pending] = []
        self._queue_lock = threading.Lock()

    def append(self, kind: str, record: Mapping[str, Any]) -> LedgerEntry:
        """Queue one entry and return it once it is committed (raises what the write raised)."""
        mine = Pending(kind, record)
        with self._queue_lock:
            self._queue.append(mine)
        with self._lock:
            if mine.entry is None and mine.error is None:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._commit(batch)
        if mine.error is not None:
            if isinstance(mine.error, LedgerError):  # each caller gets its own traceback
                raise LedgerError(str(mine.error)) from mine.error
            raise mine.error
        assert mine.entry is not None
        return mine.entry

    def _commit(self, batch: list[Pending]) -> None:
        try:
            rows = self._write(batch)
        except BaseException as exc:
            for pending in batch:
                pending.error = exc
            return
        for pending, row in zip(batch, rows, strict=True):
            pending.entry = LedgerEntry(*row)
