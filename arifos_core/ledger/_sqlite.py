"""The SQLite ledger: one file, WAL, appends serialised across processes by the database lock."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ._batch import GroupCommit, Pending, placed_rows
from ._chain import (
    GENESIS,
    LedgerEntry,
    Row,
    VerifyReport,
    batched_rows,
    canonical,
    hasher,
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


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds the lock."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (and their extended codes)
    return "locked" in str(exc) or "busy" in str(exc)


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
            wal = self.path == ":memory:"
            if not wal:
                mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                wal = str(mode).lower() == "wal"  # a file system without WAL keeps another
            self._conn.execute(f"PRAGMA synchronous={synchronous}")
            self._conn.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise LedgerError(f"cannot open the ledger at {self.path}: {exc}; set ARIFOS_HOME "
                              "or pass ledger=<path> to a writable place") from exc
        self._busy_ms = int(timeout_s * 1000)
        self._lock = threading.Lock()
        self._hash = hasher(self.key)
        # Inline commits on an event loop only in WAL mode, where a commit never waits for
        # readers; otherwise coroutine appends always go through the writer thread.
        self._group = GroupCommit(self._append_batch, self._lock,
                                  self._try_append_batch if wal else None)

    def __repr__(self) -> str:
        return f"SQLiteLedger({self.path!r})"

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._transaction() as conn:
            yield conn

    def _begin(self, wait: bool = True) -> bool:
        """BEGIN IMMEDIATE (the caller holds ``_lock``); without ``wait``, False at once when
        another connection is writing, instead of waiting for it."""
        conn = self._conn
        try:
            if wait:
                conn.execute("BEGIN IMMEDIATE")
                return True
            conn.execute("PRAGMA busy_timeout = 0")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    return False
                raise
            finally:
                conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
            return True
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot write the ledger at {self.path}: {exc}") from exc

    @contextlib.contextmanager
    def _transaction(self, begun: bool = False) -> Iterator[sqlite3.Connection]:
        """An IMMEDIATE transaction on the connection (``begun`` already); the caller holds
        ``_lock``."""
        conn = self._conn
        if not begun:
            self._begin()
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise LedgerError(f"cannot write the ledger at {self.path}: {exc}") from exc
            raise

    def append(self, kind: str, record: Mapping[str, Any]) -> LedgerEntry:
        """Add an entry; returns it with its place in the chain once it is on disk.
        LedgerError if it cannot be written. Appends from several threads share commits."""
        return self._group.append(kind, record)

    async def aappend(self, kind: str, record: Mapping[str, Any]) -> LedgerEntry:
        """:meth:`append` for a coroutine: the entries queued during one pass of the event loop
        are written together, on the loop's thread when the file is free at once (a short local
        transaction), else by the ledger's writer thread; returns once the entry is on disk."""
        return await self._group.aappend(kind, record)

    def _append_batch(self, batch: list[Pending]) -> list[Row]:
        with self._transaction() as conn:
            return self._insert(conn, batch)

    def _try_append_batch(self, batch: list[Pending]) -> list[Row] | None:
        """:meth:`_append_batch`, or None at once if another connection is writing."""
        if not self._begin(wait=False):
            return None
        with self._transaction(begun=True) as conn:
            return self._insert(conn, batch)

    def _insert(self, conn: sqlite3.Connection, batch: list[Pending]) -> list[Row]:
        last = conn.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (int(last[0]), str(last[1])) if last else (0, GENESIS)
        rows = placed_rows(batch, seq, prev, self._hash)
        conn.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        return rows

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
        self._group.close()
        with self._lock:
            self._conn.close()
