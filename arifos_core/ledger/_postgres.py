"""The PostgreSQL ledger: one chain shared by many processes on many machines.

Appends are serialised by a transaction-scoped advisory lock keyed by the ledger's schema: a
writer takes the lock, reads the last hash, inserts the next entry and commits, which releases the
lock only once the entry is visible to the next writer. Readers are never blocked, and the lock
needs no privilege, so the role can be limited to SELECT and INSERT. ``seq`` is the primary key
as well, so even a writer that skipped the lock could not fork the chain.

psycopg 3 is imported only when a ledger is opened (``pip install 'arifos-core[postgres]'``).
The DSN's password never leaves the connection: ``dsn``, ``repr`` and every error show it as
``***``.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    import psycopg
    from psycopg.rows import TupleRow

__all__ = ["PostgresLedger"]

INSTALL = "pip install 'arifos-core[postgres]'"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {s}.entries (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS {s}.holds (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL,
    created TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT,
    output TEXT NOT NULL,
    decisions TEXT NOT NULL DEFAULT '[]'
);
"""
_ENTRY = "seq, id, time, kind, body, prev_hash, hash"
_HOLD = "id, entry_id, created, status, requested_by, output, decisions"

#: What to do about an error, by SQLSTATE (exact code first, then its two-character class).
#: Errors raised before the server answered (refused, timed out, bad DSN) count as class 08.
_HINTS: dict[str, str] = {
    "08": "check that the server is running and that the DSN (ledger= or ARIFOS_LEDGER_DSN) "
          "names the right host, port, database and user",
    "28": "check the user and password; PGPASSFILE keeps the password out of the DSN",
    "3D": "create the database, or name an existing one in the DSN",
    "42501": "grant the role SELECT and INSERT on the ledger tables (and CREATE on the schema "
             "so they can be created)",
    "55P03": "another writer held the ledger lock longer than timeout_s; retry, or raise it",
    "53": "the server is out of connections, disk or memory",
    "57": "the server cancelled the statement or is shutting down; retry when it is back",
}
_DEFAULT_HINT = "the server log has the details"

_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:@/\s]*):([^@/\s]*)@", re.IGNORECASE)
_PARAM_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]*)", re.IGNORECASE)


def mask_dsn(text: str) -> str:
    """``text`` with every DSN password (URL user info, ``password=`` parameter) as ``***``."""
    return _PARAM_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1:***@", text))


def _secrets(dsn: str) -> tuple[str, ...]:
    """Every spelling of the DSN's password that an error message could echo."""
    found = {m.group(2) for m in _URL_PASSWORD.finditer(dsn)}
    found |= {m.group(2).strip("'") for m in _PARAM_PASSWORD.finditer(dsn)}
    from psycopg import Error, conninfo

    with contextlib.suppress(Error):
        found.add(conninfo.conninfo_to_dict(dsn).get("password") or "")
    return tuple(sorted((s for s in found if s), key=len, reverse=True))


def _hint(sqlstate: str) -> str:
    return _HINTS.get(sqlstate) or _HINTS.get(sqlstate[:2]) or _DEFAULT_HINT


def _quote(name: str) -> str:
    if not name or "%" in name or "\x00" in name:
        raise LedgerError(f"cannot use {name!r} as the ledger schema; pass schema= with a name "
                          "without '%'")
    return '"' + name.replace('"', '""') + '"'


def _lock_key(schema: str) -> int:
    digest = hashlib.sha256(f"arifos_core.ledger:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLedger:
    """An append-only, hash-chained ledger in PostgreSQL tables ``entries`` and ``holds``.

    ``dsn`` is a libpq URL or key/value string; ``schema`` defaults to the connection's current
    schema and is created with the tables if missing. ``timeout_s`` bounds the wait for the
    append lock. One connection per object, shared by its threads; it is reopened if lost.
    """

    def __init__(self, dsn: str, *, key: bytes | None = None, schema: str | None = None,
                 connect_timeout: float = 10.0, timeout_s: float = 30.0) -> None:
        try:
            import psycopg  # noqa: F401  (fail here, with the fix, rather than mid-append)
        except ImportError as exc:
            raise ImportError(f"PostgresLedger needs psycopg 3: {INSTALL}") from exc
        self.dsn = mask_dsn(dsn)
        self.key = key if key is not None else ledger_key()
        self._dsn = dsn
        self._secrets = _secrets(dsn)
        self._connect_timeout = connect_timeout
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._hash = hasher(self.key)
        self._group = GroupCommit(self._append_batch, self._lock)
        self._closed = False
        with self._mapped("open"):
            self._conn = self._connect()
        try:
            with self._mapped("open"):
                self.schema: str = schema or self._current_schema()
            self._s = _quote(self.schema)
            self._key = _lock_key(self.schema)
            self._create_tables()
        except BaseException:
            self._conn.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresLedger({self.dsn!r}, schema={self.schema!r})"

    # -- connection and errors ----------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[TupleRow]:
        import psycopg

        conn = psycopg.connect(self._dsn, autocommit=True,
                               connect_timeout=max(1, math.ceil(self._connect_timeout)))
        conn.execute("SELECT set_config('lock_timeout', %s, false)",
                     (f"{max(1, round(self._timeout_s * 1000))}ms",))
        return conn

    def _current_schema(self) -> str:
        """The current schema, or the first in ``search_path`` when it does not exist yet
        (``?options=-csearch_path%3Dledger`` in a URL picks the schema)."""
        row = self._conn.execute("SELECT current_schema(), current_setting('search_path'), "
                                 "session_user").fetchone()
        current, path, user = row if row else (None, "", "")
        first = str(path).split(",")[0].strip()
        if current:
            return str(current)
        if first in ("$user", '"$user"'):
            return str(user)
        if first.startswith('"') and first.endswith('"') and len(first) > 1:
            return first[1:-1].replace('""', '"')
        if first:
            return first.lower()
        raise LedgerError(f"the connection to {self.dsn} has no search_path; pass schema= or "
                          "add ?options=-csearch_path%3D<schema> to the DSN")

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return mask_dsn(" ".join(text.split()))

    @contextlib.contextmanager
    def _mapped(self, action: str) -> Iterator[None]:
        """Turn any psycopg error into a LedgerError naming the masked DSN and the fix."""
        import psycopg

        try:
            yield
        except psycopg.Error as exc:
            message = str(exc)
            unanswered = action == "open" or isinstance(exc, psycopg.OperationalError)
            state = exc.sqlstate or ("08" if unanswered else "")
            error = LedgerError(f"cannot {action} the PostgreSQL ledger at {self.dsn}: "
                                f"{self._scrub(message)}; {_hint(state)}")
            if any(secret in message for secret in self._secrets):
                raise error from None
            raise error from exc

    @contextlib.contextmanager
    def _session(self, action: str, *, chained: bool = False
                 ) -> Iterator[psycopg.Connection[TupleRow]]:
        """The connection, for one caller at a time; ``chained`` runs the block in a
        transaction holding the append lock."""
        with self._lock, self._held_session(action, chained=chained) as conn:
            yield conn

    @contextlib.contextmanager
    def _held_session(self, action: str, *, chained: bool
                      ) -> Iterator[psycopg.Connection[TupleRow]]:
        """:meth:`_session` for a caller that already holds ``_lock``."""
        with self._mapped(action):
            if self._closed:
                raise LedgerError(f"the ledger at {self.dsn} is closed; open a new one")
            if self._conn.broken:
                self._conn = self._connect()
            if not chained:
                yield self._conn
                return
            with self._conn.transaction():
                self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._key,))
                yield self._conn

    def _create_tables(self) -> None:
        with self._session("create the tables of", chained=True) as conn:
            row = conn.execute("SELECT to_regnamespace(%s), to_regclass(%s), to_regclass(%s)",
                               (self._s, f"{self._s}.entries", f"{self._s}.holds")).fetchone()
            if row and all(row):
                return  # nothing to create: a role without CREATE works
            if row and not row[0]:
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self._s}")
            conn.execute(_SCHEMA.format(s=self._s))

    # -- entries ------------------------------------------------------------------------------

    def append(self, kind: str, record: Mapping[str, Any]) -> LedgerEntry:
        """Add an entry; returns it with its place in the chain once it is committed.
        LedgerError if it cannot be written. Appends from several threads share commits."""
        return self._group.append(kind, record)

    async def aappend(self, kind: str, record: Mapping[str, Any]) -> LedgerEntry:
        """:meth:`append` for a coroutine: written by the ledger's writer thread, together with
        the other entries waiting; returns once the entry is committed."""
        return await self._group.aappend(kind, record)

    def _append_batch(self, batch: list[Pending]) -> list[Row]:
        with self._held_session("append to", chained=True) as conn:
            last = conn.execute(f"SELECT seq, hash FROM {self._s}.entries "
                                "ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (int(last[0]), str(last[1])) if last else (0, GENESIS)
            rows = placed_rows(batch, seq, prev, self._hash)
            with conn.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {self._s}.entries ({_ENTRY}) "
                                   "VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)
        return rows

    def _rows(self, sql: str, *args: Any) -> list[TupleRow]:
        with self._session("read") as conn:
            return conn.execute(sql, args or None).fetchall()

    def get(self, entry_id: str) -> LedgerEntry:
        """The entry with this id (KeyError if none)."""
        rows = self._rows(f"SELECT {_ENTRY} FROM {self._s}.entries WHERE id = %s", entry_id)
        if not rows:
            raise KeyError(f"no ledger entry {entry_id!r} in {self.dsn}")
        return LedgerEntry(*rows[0])

    def tail(self, count: int = 10) -> list[LedgerEntry]:
        """The last ``count`` entries, oldest first."""
        rows = self._rows(f"SELECT {_ENTRY} FROM {self._s}.entries ORDER BY seq DESC LIMIT %s",
                          count)
        return [LedgerEntry(*row) for row in reversed(rows)]

    def __len__(self) -> int:
        return int(self._rows(f"SELECT COUNT(*) FROM {self._s}.entries")[0][0])

    def entries(self, batch: int = 5000) -> Iterator[LedgerEntry]:
        """Every entry in sequence order, read in batches (keyset pagination on ``seq``)."""
        return (LedgerEntry(*row) for row in self._entry_rows(batch))

    def _entry_rows(self, batch: int = 5000) -> Iterator[Row]:
        def fetch(after: int) -> list[Row]:
            return self._rows(f"SELECT {_ENTRY} FROM {self._s}.entries WHERE seq > %s "
                              "ORDER BY seq LIMIT %s", after, batch)

        return batched_rows(fetch)

    def verify(self) -> VerifyReport:
        """Walk the whole chain; the report names the first bad entry.

        The entries stream in one binary COPY on a connection of its own, so a long walk
        neither holds this object's lock nor blocks appends."""
        with self._mapped("verify"):
            if self._closed:
                raise LedgerError(f"the ledger at {self.dsn} is closed; open a new one")
            with self._connect() as conn, conn.cursor() as cursor, cursor.copy(
                    f"COPY (SELECT {_ENTRY} FROM {self._s}.entries ORDER BY seq) "
                    "TO STDOUT (FORMAT BINARY)") as copy:
                copy.set_types(["int8", "text", "text", "text", "text", "text", "text"])
                rows = copy.rows()
                report = verify_rows(rows, self.key)
                for _ in rows:  # after a bad entry: finish the COPY so the connection closes
                    pass
                return report

    # -- holds --------------------------------------------------------------------------------

    def put_hold(self, hold: Hold) -> None:
        """Store a withheld output awaiting review."""
        with self._session("store a hold in") as conn:
            conn.execute(f"INSERT INTO {self._s}.holds ({_HOLD}) "
                         "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                         (hold.id, hold.entry_id, hold.created, hold.status, hold.requested_by,
                          hold.output, canonical(list(hold.decisions))))

    def get_hold(self, hold_id: str) -> Hold:
        rows = self._rows(f"SELECT {_HOLD} FROM {self._s}.holds WHERE id = %s", hold_id)
        if not rows:
            raise KeyError(f"no hold {hold_id!r} in {self.dsn}")
        return Hold.from_row(rows[0])

    def list_holds(self, status: str | None = "pending") -> list[Hold]:
        if status is None:
            rows = self._rows(f"SELECT {_HOLD} FROM {self._s}.holds ORDER BY created")
        else:
            rows = self._rows(f"SELECT {_HOLD} FROM {self._s}.holds WHERE status = %s "
                              "ORDER BY created", status)
        return [Hold.from_row(row) for row in rows]

    def update_hold(self, hold: Hold) -> None:
        with self._session("update a hold in") as conn:
            conn.execute(f"UPDATE {self._s}.holds SET status = %s, decisions = %s WHERE id = %s",
                         (hold.status, canonical(list(hold.decisions)), hold.id))

    def close(self) -> None:
        self._group.close()
        with self._lock:
            self._closed = True
            self._conn.close()
