"""The SQLite ledger: one file, WAL, appends serialised across processes by the database lock."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._chain import (
    GENESIS,
    LedgerEntry,
    Row,
    VerifyReport,
    batched_rows,
    canonical,
    entry_hash,
    ledger_key,
    verify_rows,
)
from ._store import Hold, LedgerError

__all__ = ["SQLiteLedger"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS holds (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL,
    created TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT,
    output TEXT NOT NULL,
    decisions TEXT NOT NULL DEFAULT '[]'
);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class SQLiteLedger:
    """An append-only, hash-chained ledger in a SQLite file (or ``":memory:"``).

    Writers in several threads or processes keep one valid chain: each append runs in an
    IMMEDIATE transaction that reads the last hash and inserts the next entry.
    ``synchronous`` is FULL by default: an entry is on disk before ``append`` returns.
    """

    def __init__(self, path: str | os.PathLike[str] = ":memory:", *,
                 key: bytes | None = None, synchronous: str = "FULL",
                 timeout_s: float = 30.0) -> None:
        self.path = os.fspath(path)
        self.key = key if key is not None else ledger_key()
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None,
                                         check_same_thread=False)
            if self.path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(f"PRAGMA synchronous={synchronous}")
            self._conn.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise LedgerError(f"cannot open the ledger at {self.path}: {exc}; set ARIFOS_HOME "
                              "or pass ledger=<path> to a writable place") from exc
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SQLiteLedger({self.path!r})"

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise LedgerError(f"cannot write the ledger at {self.path}: {exc}") from exc
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise LedgerError(f"cannot commit to the ledger at {self.path}: {exc}") from exc

    def append(self, kind: str, record: Mapping[str, Any]) -> LedgerEntry:
        """Add an entry; returns it with its place in the chain. LedgerError if it cannot be
        written."""
        entry_id = uuid.uuid4().hex
        time = _now()
        body = canonical({**record, "id": entry_id, "kind": kind, "time": time})
        try:
            with self._write() as conn:
                row = conn.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1"
                                   ).fetchone()
                seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
                digest = entry_hash(seq, entry_id, kind, time, prev, body, self.key)
                conn.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (seq, entry_id, time, kind, body, prev, digest))
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot append to the ledger at {self.path}: {exc}") from exc
        return LedgerEntry(seq, entry_id, time, kind, body, prev, digest)

    def _rows(self, sql: str, *args: Any) -> list[LedgerEntry]:
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [LedgerEntry(*row) for row in rows]

    def get(self, entry_id: str) -> LedgerEntry:
        """The entry with this id (KeyError if none)."""
        rows = self._rows("SELECT seq, id, time, kind, body, prev_hash, hash FROM entries "
                          "WHERE id = ?", entry_id)
        if not rows:
            raise KeyError(f"no ledger entry {entry_id!r} in {self.path}")
        return rows[0]

    def tail(self, count: int = 10) -> list[LedgerEntry]:
        """The last ``count`` entries, oldest first."""
        rows = self._rows("SELECT seq, id, time, kind, body, prev_hash, hash FROM entries "
                          "ORDER BY seq DESC LIMIT ?", count)
        return rows[::-1]

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def entries(self, batch: int = 5000) -> Iterator[LedgerEntry]:
        """Every entry in sequence order, read in batches."""
        return (LedgerEntry(*row) for row in self._entry_rows(batch))

    def _entry_rows(self, batch: int = 5000) -> Iterator[Row]:
        def fetch(after: int) -> list[Row]:
            with self._lock:
                return self._conn.execute(
                    "SELECT seq, id, time, kind, body, prev_hash, hash FROM entries "
                    "WHERE seq > ? ORDER BY seq LIMIT ?", (after, batch)).fetchall()

        return batched_rows(fetch)

    def verify(self) -> VerifyReport:
        """Walk the whole chain; the report names the first bad entry."""
        return verify_rows(self._entry_rows(), self.key)

    # -- holds --------------------------------------------------------------------------------

    def put_hold(self, hold: Hold) -> None:
        """Store a withheld output awaiting review."""
        with self._write() as conn:
            conn.execute("INSERT INTO holds VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (hold.id, hold.entry_id, hold.created, hold.status, hold.requested_by,
                          hold.output, canonical(list(hold.decisions))))

    def get_hold(self, hold_id: str) -> Hold:
        with self._lock:
            row = self._conn.execute("SELECT * FROM holds WHERE id = ?", (hold_id,)).fetchone()
        if row is None:
            raise KeyError(f"no hold {hold_id!r} in {self.path}")
        return Hold.from_row(row)

    def list_holds(self, status: str | None = "pending") -> list[Hold]:
        with self._lock:
            if status is None:
                rows = self._conn.execute("SELECT * FROM holds ORDER BY created").fetchall()
            else:
                rows = self._conn.execute("SELECT * FROM holds WHERE status = ? "
                                          "ORDER BY created", (status,)).fetchall()
        return [Hold.from_row(row) for row in rows]

    def update_hold(self, hold: Hold) -> None:
        with self._write() as conn:
            conn.execute("UPDATE holds SET status = ?, decisions = ? WHERE id = ?",
                         (hold.status, canonical(list(hold.decisions)), hold.id))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
