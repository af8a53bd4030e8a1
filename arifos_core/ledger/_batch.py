"""Group commit: appends that arrive while another is being written share its next transaction.

Each caller queues its entry and then takes the writer lock. Whoever holds the lock writes every
entry queued so far in one transaction (one ``fsync``) and hands each caller its result, so a
caller whose entry was written by another returns as soon as it gets the lock. Every entry is
durable before its ``append`` returns; a lone writer pays exactly what it did before.

Coroutines use ``aappend``: the entry joins the same queue; what queued during one pass of the
event loop is committed together, on the loop's thread when the store can take it at once, else
by one writer thread per store, which wakes each event loop once per batch. No worker thread is
held per call, so a batch is as large as the number of runs waiting, not a thread pool's size.
"""

from __future__ import annotations

import asyncio
import contextlib
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

    __slots__ = ("body", "entry", "error", "id", "kind", "time", "waiter")

    def __init__(self, kind: str, record: Mapping[str, Any]) -> None:
        self.id = uuid.uuid4().hex
        self.kind = kind
        self.time = datetime.now(timezone.utc).isoformat(timespec="microseconds")
        self.body = dump_body({**record, "id": self.id, "kind": kind, "time": self.time})
        self.entry: LedgerEntry | None = None
        self.error: BaseException | None = None
        self.waiter: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None

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
    raises; ``try_write(batch)``, if the store has it, does the same unless the store is busy
    (another thread or process writing), returning None at once instead of waiting; ``lock`` is
    the store's connection lock.
    """

    def __init__(self, write: Callable[[list[Pending]], list[Row]], lock: threading.Lock,
                 try_write: Callable[[list[Pending]], list[Row] | None] | None = None) -> None:
        self._write = write
        self._try_write = try_write
        self._lock = lock
        self._queue: list[Pending] = []
        self._queue_lock = threading.Lock()
        self._queued = threading.Condition(self._queue_lock)
        self._writer: threading.Thread | None = None
        self._flushing: set[asyncio.AbstractEventLoop] = set()
        self._closing = False

    def append(self, kind: str, record: Mapping[str, Any]) -> LedgerEntry:
        """Queue one entry and return it once it is committed (raises what the write raised)."""
        mine = Pending(kind, record)
        with self._queue_lock:
            self._queue.append(mine)
        with self._lock:
            if mine.entry is None and mine.error is None:
                self._commit(self._take())
        return _outcome(mine)

    async def aappend(self, kind: str, record: Mapping[str, Any]) -> LedgerEntry:
        """:meth:`append` for a coroutine; returns once the entry is durable (a cancelled
        caller's entry is still written).

        With ``try_write``, the entries queued during one pass of the event loop are committed
        together on the loop's thread right after it: a local transaction is shorter than a
        hand-off to another thread, which a busy loop holding the GIL makes slow. When the store
        is busy, and for stores without ``try_write``, the store's writer thread commits them
        while the loop goes on.
        """
        mine = Pending(kind, record)
        loop = asyncio.get_running_loop()
        mine.waiter = (loop, loop.create_future())
        with self._queued:
            if self._closing:
                raise LedgerError("the ledger is closed; open it again to append")
            self._queue.append(mine)
            inline = self._try_write is not None and loop not in self._flushing
            if inline:
                self._flushing.add(loop)
            elif self._try_write is None:
                self._hand_over()
        if inline:
            loop.call_soon(self._flush, loop)
        await mine.waiter[1]
        return _outcome(mine)

    def close(self) -> None:
        """Write what is queued and stop the writer thread (call before closing the store)."""
        with self._queued:
            self._closing = True
            writer, self._writer = self._writer, None
            self._queued.notify()
        if writer is not None and writer is not threading.current_thread():
            writer.join()
        with self._lock:
            batch = self._take()
            if batch:
                self._commit(batch)

    def _take(self) -> list[Pending]:
        with self._queue_lock:
            batch, self._queue = self._queue, []
        return batch

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the loop's thread: commit the queue, or hand it over if the store is busy."""
        assert self._try_write is not None
        with self._queued:
            self._flushing.discard(loop)
        if self._lock.acquire(blocking=False):
            try:
                batch = self._take()
                if not batch:
                    return
                try:
                    rows = self._try_write(batch)
                except BaseException as exc:
                    _settle(batch, error=exc)
                    return
                if rows is not None:
                    _settle(batch, rows)
                    return
                with self._queue_lock:
                    self._queue[:0] = batch  # still first in line
            finally:
                self._lock.release()
        with self._queued:
            self._hand_over()

    def _hand_over(self) -> None:
        """Have the writer thread commit the queue (the caller holds ``_queued``)."""
        if self._closing:
            return  # close() writes what is left
        if self._writer is None:
            self._writer = threading.Thread(target=self._drain, name="arifos-ledger-writer",
                                            daemon=True)
            self._writer.start()
        self._queued.notify()

    def _drain(self) -> None:
        while True:
            with self._queued:
                while not self._queue and not self._closing:
                    self._queued.wait()
                if not self._queue:
                    return
            with self._lock:
                batch = self._take()  # appenders in other threads may have taken it already
                if batch:
                    self._commit(batch)

    def _commit(self, batch: list[Pending]) -> None:
        try:
            rows = self._write(batch)
        except BaseException as exc:
            _settle(batch, error=exc)
        else:
            _settle(batch, rows)


def _settle(batch: list[Pending], rows: list[Row] | None = None,
            error: BaseException | None = None) -> None:
    """Give each entry its row (or the error) and wake the coroutines waiting for them."""
    if rows is not None:
        for pending, row in zip(batch, rows, strict=True):
            pending.entry = LedgerEntry(*row)
    else:
        for pending in batch:
            pending.error = error
    waiting: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for pending in batch:
        if pending.waiter is not None:
            waiting.setdefault(pending.waiter[0], []).append(pending.waiter[1])
    for loop, futures in waiting.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            loop.call_soon_threadsafe(_wake, futures)


def _wake(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        if not future.done():  # a cancelled caller's future is done already
            future.set_result(None)


def _outcome(pending: Pending) -> LedgerEntry:
    """The committed entry, or what the write raised (each caller gets its own traceback)."""
    if pending.error is not None:
        if isinstance(pending.error, LedgerError):
            raise LedgerError(str(pending.error)) from pending.error
        raise pending.error
    assert pending.entry is not None
    return pending.entry
