"""The ledger stores: a hash chain that detects any edit, shared safely by many writers.

Every test taking ``store`` runs on SQLite and on PostgreSQL. The PostgreSQL runs use a fresh
schema per test, dropped afterwards, on ``$ARIFOS_TEST_PG_DSN`` (default: the local server); they
are skipped, with the reason shown, only when no server answers there.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import logging
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arifos_core.ledger import (
    DSN_ENV,
    GENESIS,
    Hold,
    LedgerError,
    PostgresLedger,
    SQLiteLedger,
    canonical,
    default_ledger_path,
    entry_hash,
    open_ledger,
)
from arifos_core.ledger._batch import Pending
from arifos_core.ledger._chain import LedgerEntry, Row
from arifos_core.ledger._postgres import mask_dsn

PG_DSN = os.environ.get("ARIFOS_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "s3cr3t-Pa55word"

AnyLedger = SQLiteLedger | PostgresLedger


@dataclass
class Store:
    """One ledger's storage: a SQLite file, or a schema on the PostgreSQL server."""

    kind: str
    target: str  # the SQLite path, or the PostgreSQL schema
    dsn: str = ""
    opened: list[AnyLedger] = field(default_factory=list)

    def open(self, key: bytes | None = None) -> AnyLedger:
        ledger: AnyLedger = (SQLiteLedger(self.target, key=key) if self.kind == "sqlite"
                             else PostgresLedger(self.dsn, key=key, schema=self.target))
        self.opened.append(ledger)
        return ledger

    def sql(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run SQL written with ``?`` placeholders straight on the store, behind the ledger."""
        if self.kind == "sqlite":
            with contextlib.closing(sqlite3.connect(self.target)) as conn, conn:
                return conn.execute(statement, params).fetchall()
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True,
                             options=f"-csearch_path={self.target}") as pg:
            cursor = pg.execute(statement.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        for ledger in self.opened:
            ledger.close()


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed: pip install 'arifos-core[postgres]'")
    try:
        psycopg.connect(PG_DSN, connect_timeout=2).close()
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        pytest.skip(f"no PostgreSQL server reachable at {mask_dsn(PG_DSN)} ({reason}); "
                    "set ARIFOS_TEST_PG_DSN to run the PostgreSQL ledger tests")
    return PG_DSN


@contextlib.contextmanager
def _made_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if kind == "sqlite":
        made = Store("sqlite", str(tmp_path / "l.sqlite3"))
    else:
        made = Store("postgres", f"arifos_test_{uuid.uuid4().hex[:12]}",
                     request.getfixturevalue("pg_dsn"))
    try:
        yield made
    finally:
        made.close()
        if made.kind == "postgres":
            made.sql(f"DROP SCHEMA IF EXISTS {made.target} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with _made_store(request.param, request, tmp_path) as made:
        yield made


@pytest.fixture
def pg_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with _made_store("postgres", request, tmp_path) as made:
        yield made


def filled(store: Store, count: int = 5, key: bytes | None = None) -> AnyLedger:
    ledger = store.open(key=key)
    for index in range(count):
        ledger.append("run", {"verdict": "SEAL", "n": index, "text": "ünïcode ✓"})
    return ledger


def test_entries_chain_and_verify(store: Store) -> None:
    ledger = filled(store)
    entries = list(ledger.entries())
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert entries[2].record["n"] == 2 and entries[2].record["kind"] == "run"
    report = ledger.verify()
    assert report.ok and report.checked == 5 and "5 entries verified" in str(report)
    assert ledger.get(entries[1].id) == entries[1]
    assert [e.seq for e in ledger.tail(2)] == [4, 5] and len(ledger) == 5
    assert list(ledger.entries(batch=2)) == entries
    with pytest.raises(KeyError, match="no ledger entry"):
        ledger.get("missing")


def test_default_location_and_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARIFOS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(DSN_ENV, raising=False)
    assert default_ledger_path() == tmp_path / "home" / "ledger.sqlite3"
    ledger = open_ledger(None)
    assert isinstance(ledger, SQLiteLedger) and ledger.path == str(default_ledger_path())
    assert open_ledger(False) is None
    assert open_ledger(":memory:").path == ":memory:"  # type: ignore[union-attr]
    with pytest.raises(LedgerError, match=r"unknown ledger URL scheme 'mysql'.*postgresql"):
        open_ledger("mysql://localhost/test")
    with sqlite3.connect(ledger.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    monkeypatch.setenv(DSN_ENV, str(tmp_path / "from-env.sqlite3"))
    assert open_ledger(None).path == str(tmp_path / "from-env.sqlite3")  # type: ignore[union-attr]


def test_postgres_urls_and_the_environment_open_postgres(
        pg_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL setting, or ``ARIFOS_LEDGER_DSN`` when the setting is None, opens PostgreSQL; the
    schema can come from ``search_path`` in the URL, created if missing."""
    url = f"{pg_store.dsn}{'&' if '?' in pg_store.dsn else '?'}" \
          f"options=-csearch_path%3D{pg_store.target}"
    monkeypatch.setenv(DSN_ENV, url)
    for setting in (None, True, url, url.replace("postgresql://", "postgres://", 1)):
        ledger = open_ledger(setting)
        assert isinstance(ledger, PostgresLedger) and ledger.schema == pg_store.target
        ledger.append("run", {"setting": str(setting)})
        pg_store.opened.append(ledger)
    assert pg_store.open().verify().checked == 4


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=st.integers(1, 5), column=st.sampled_from(["body", "id", "time", "kind", "hash",
                                                        "prev_hash"]),
       position=st.integers(0, 10_000), byte=st.integers(32, 126))
def test_changing_any_byte_of_any_entry_is_detected(store: Store, seq: int, column: str,
                                                    position: int, byte: int) -> None:
    ledger = store.opened[0] if store.opened else filled(store)
    entry = list(ledger.entries())[seq - 1]
    original = getattr(entry, column)
    at = position % len(original)
    changed = original[:at] + chr(byte) + original[at + 1:]
    if changed == original:
        return
    store.sql(f"UPDATE entries SET {column} = ? WHERE seq = ?", changed, seq)
    try:
        report = ledger.verify()
    finally:  # the next example starts from the intact chain
        store.sql(f"UPDATE entries SET {column} = ? WHERE seq = ?", original, seq)
    assert not report.ok
    assert report.first_bad_seq == seq
    assert ledger.verify().ok


def test_deleted_and_reordered_entries_are_detected(store: Store) -> None:
    ledger = filled(store)
    store.sql("DELETE FROM entries WHERE seq = 3")
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 4 and "sequence" in report.reason


def test_rewritten_chain_is_detected_with_a_key(store: Store) -> None:
    """Without a key an attacker can recompute every hash; with one they cannot."""
    key = b"secret-ledger-key"
    filled(store, key=key)
    prev = GENESIS
    rows = store.sql("SELECT seq, id, kind, time, body FROM entries ORDER BY seq")
    for seq, entry_id, kind, at, body in rows:
        data = json.loads(body)
        data["verdict"] = "VOID"
        body = canonical(data)
        digest = entry_hash(seq, entry_id, kind, at, prev, body)  # no key: what a forger can do
        store.sql("UPDATE entries SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                  body, prev, digest, seq)
        prev = digest
    assert store.open(key=b"").verify().ok  # a keyless verify is fooled
    report = store.open(key=key).verify()
    assert not report.ok and report.first_bad_seq == 1 and "HMAC key" in report.reason


def _first_format(store: Store, key: bytes | None) -> None:
    """Rewrite the chain as the first ledger format hashed it: seq, id, previous hash, body."""
    prev = GENESIS
    for seq, entry_id, body in store.sql("SELECT seq, id, body FROM entries ORDER BY seq"):
        message = f"{seq}\n{entry_id}\n{prev}\n{body}".encode()
        digest = (hmac.new(key, message, hashlib.sha256) if key else hashlib.sha256(message)
                  ).hexdigest()
        store.sql("UPDATE entries SET prev_hash = ?, hash = ? WHERE seq = ?", prev, digest, seq)
        prev = digest


@pytest.mark.parametrize("key", [None, b"k"])
def test_first_format_entries_still_verify_and_edits_are_caught(store: Store,
                                                                key: bytes | None) -> None:
    """Ledgers written before kind and time were hashed directly: valid, and an edit of a
    column the old hash did not cover (kind, time) is still caught through the body."""
    filled(store, key=key)
    _first_format(store, key)
    ledger = store.open(key=key)
    assert ledger.verify().ok
    ledger.append("run", {"after": "upgrade"})  # a new-format entry continues the chain
    assert ledger.verify().ok and ledger.verify().checked == len(ledger)
    store.sql("UPDATE entries SET kind = 'edited' WHERE seq = 2")
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 2 and "column differs" in report.reason
    store.sql("UPDATE entries SET kind = 'run' WHERE seq = 2")
    store.sql("UPDATE entries SET time = '2020-01-01T00:00:00+00:00' WHERE seq = 3")
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 3 and "column differs" in report.reason


def test_key_from_environment(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARIFOS_LEDGER_KEY", "k1")
    filled(store)
    assert store.open().verify().ok
    monkeypatch.setenv("ARIFOS_LEDGER_KEY", "k2")
    assert not store.open().verify().ok


def _writer(kind: str, target: str, dsn: str, count: int) -> None:
    store = Store(kind, target, dsn)
    ledger = store.open()
    for index in range(count):
        ledger.append("run", {"writer": multiprocessing.current_process().pid, "n": index})
    store.close()


def _assert_one_chain(ledger: AnyLedger, writers: int, count: int) -> None:
    report = ledger.verify()
    assert report.ok and report.checked == writers * count, report
    per_writer: dict[Any, list[int]] = {}
    for entry in ledger.entries():
        per_writer.setdefault(entry.record["writer"], []).append(entry.record["n"])
    assert len(per_writer) == writers
    assert all(ns == list(range(count)) for ns in per_writer.values())


def test_concurrent_processes_keep_one_valid_chain(store: Store) -> None:
    """Four processes append at once (on PostgreSQL they also race to create the tables)."""
    if store.kind == "sqlite":
        store.open().close()
    spawn = multiprocessing.get_context("spawn")
    processes = [spawn.Process(target=_writer, args=(store.kind, store.target, store.dsn, 40))
                 for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    _assert_one_chain(store.open(), 4, 40)


def test_concurrent_threads_keep_one_valid_chain(store: Store) -> None:
    """Two threads share one ledger object, two more have their own connections."""
    shared = store.open()
    ledgers = [shared, shared, store.open(), store.open()]

    def write(writer: int) -> None:
        for index in range(40):
            ledgers[writer].append("run", {"writer": writer, "n": index})

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(write, writer) for writer in range(4)]:
            future.result()
    _assert_one_chain(shared, 4, 40)


def _queued_behind_the_lock(ledger: AnyLedger, count: int,
                           pool: ThreadPoolExecutor) -> list[Future[LedgerEntry]]:
    """``count`` appends from other threads, all queued while this thread holds the writer
    lock, so the first to get it commits them together."""
    futures = []
    with ledger._lock:
        for index in range(count):
            futures.append(pool.submit(ledger.append, "run", {"n": index}))
        deadline = time.monotonic() + 10
        while len(ledger._group._queue) < count and time.monotonic() < deadline:
            time.sleep(0.001)
        assert len(ledger._group._queue) == count
    return futures


def _counted_batches(ledger: AnyLedger, inline: bool = False) -> list[int]:
    """The size of each batch the ledger commits from now on (``inline``: on the loop)."""
    batches: list[int] = []
    group = ledger._group
    write = group._try_write if inline else group._write
    assert write is not None

    def counted(batch: list[Pending]) -> Any:
        batches.append(len(batch))
        return write(batch)

    if inline:
        group._try_write = counted
    else:
        group._write = counted
    return batches


def test_appends_that_wait_share_one_commit(store: Store) -> None:
    """Group commit: appends queued while another is being written go in one transaction,
    and every caller gets its own entry back, durable, in one valid chain."""
    ledger = store.open()
    ledger.append("run", {"n": "first"})
    batches = _counted_batches(ledger)
    with ThreadPoolExecutor(8) as pool:
        entries = [f.result() for f in _queued_behind_the_lock(ledger, 8, pool)]
    assert batches == [8]
    assert sorted(e.seq for e in entries) == list(range(2, 10))
    assert {e.record["n"] for e in entries} == set(range(8))
    assert [ledger.get(e.id) for e in entries] == entries
    assert ledger.verify().ok and len(ledger) == 9


def test_a_failed_group_commit_fails_every_caller_and_writes_nothing(store: Store) -> None:
    ledger = store.open()
    ledger.append("run", {"n": "first"})
    write = ledger._group._write

    def failing(batch: list[Pending]) -> list[Row]:
        ledger._group._write = write  # only this batch fails
        raise LedgerError("disk full (injected)")

    ledger._group._write = failing
    with ThreadPoolExecutor(4) as pool:
        futures = _queued_behind_the_lock(ledger, 4, pool)
        errors = [f.exception() for f in futures]
    assert all(isinstance(e, LedgerError) and "disk full" in str(e) for e in errors)
    assert len(ledger) == 1
    ledger.append("run", {"n": "after"})
    assert ledger.verify().ok and len(ledger) == 2


def test_a_batch_rolls_back_as_a_whole(store: Store) -> None:
    """An insert failing mid-batch leaves no entry of the batch behind."""
    ledger = store.open()
    ledger.append("run", {"n": "first"})
    taken = ledger.tail(1)[0].id
    real = Pending.__init__

    def colliding(self: Pending, kind: str, record: dict[str, Any]) -> None:
        real(self, kind, record)
        if record.get("n") == 2:
            self.id = taken  # the UNIQUE id column rejects the third insert
    with ThreadPoolExecutor(4) as pool, pytest.MonkeyPatch.context() as patch:
        patch.setattr(Pending, "__init__", colliding)
        errors = [f.exception() for f in _queued_behind_the_lock(ledger, 4, pool)]
    assert all(isinstance(e, LedgerError) for e in errors), errors
    assert len(ledger) == 1 and ledger.verify().ok


# -- appends from coroutines ---------------------------------------------------------------------


async def _queued_async(ledger: AnyLedger, count: int) -> list[asyncio.Task[LedgerEntry]]:
    """``count`` coroutine appends, all queued while the store's writer lock is held (by this
    thread), so the writer thread commits them together once it is released."""
    tasks = []
    with ledger._lock:
        for index in range(count):
            tasks.append(asyncio.create_task(ledger.aappend("run", {"n": index})))
        for _ in range(10_000):
            if len(ledger._group._queue) == count:
                break
            await asyncio.sleep(0.001)
        assert len(ledger._group._queue) == count
    return tasks


def test_async_appends_share_one_commit(store: Store) -> None:
    ledger = store.open()
    ledger.append("run", {"n": "first"})
    batches = _counted_batches(ledger)

    async def main() -> list[LedgerEntry]:
        return list(await asyncio.gather(*await _queued_async(ledger, 16)))

    entries = asyncio.run(main())
    assert batches == [16]
    assert sorted(e.seq for e in entries) == list(range(2, 18))
    assert [e.record["n"] for e in entries] == list(range(16))  # each caller gets its own
    assert [ledger.get(e.id) for e in entries] == entries
    assert ledger.verify().ok and len(ledger) == 17


def test_a_failed_async_commit_fails_every_caller(store: Store) -> None:
    ledger = store.open()
    write = ledger._group._write

    def failing(batch: list[Pending]) -> list[Row]:
        ledger._group._write = write  # only this batch fails
        raise LedgerError("disk full (injected)")

    ledger._group._write = failing

    async def main() -> list[BaseException | LedgerEntry]:
        return await asyncio.gather(*await _queued_async(ledger, 4), return_exceptions=True)

    errors = asyncio.run(main())
    assert all(isinstance(e, LedgerError) and "disk full" in str(e) for e in errors), errors
    assert len(ledger) == 0
    assert asyncio.run(ledger.aappend("run", {"n": "after"})).seq == 1
    assert ledger.verify().ok


def test_a_cancelled_async_append_is_still_written(store: Store) -> None:
    ledger = store.open()

    async def main() -> None:
        task, = await _queued_async(ledger, 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    ledger.close()  # waits for the writer thread to finish what was queued
    assert [e.record["n"] for e in store.open().entries()] == [0]


def test_sync_and_async_appends_keep_one_chain(store: Store) -> None:
    ledger = store.open()

    def sync_writer(writer: int) -> None:
        for index in range(25):
            ledger.append("run", {"writer": writer, "n": index})

    async def async_writer(writer: int) -> None:
        for index in range(25):
            await ledger.aappend("run", {"writer": writer, "n": index})

    async def main() -> None:
        await asyncio.gather(*(async_writer(w) for w in (2, 3)))

    with ThreadPoolExecutor(2) as pool:
        threads = [pool.submit(sync_writer, w) for w in (0, 1)]
        asyncio.run(main())
        for future in threads:
            future.result()
    _assert_one_chain(ledger, 4, 25)


def test_async_appends_commit_on_the_loop_when_sqlite_is_free(tmp_path: Path) -> None:
    """What queued during one pass of the event loop goes in one commit on the loop's thread,
    without starting the writer thread."""
    ledger = SQLiteLedger(tmp_path / "l.sqlite3")
    batches = _counted_batches(ledger, inline=True)

    async def main() -> list[LedgerEntry]:
        return list(await asyncio.gather(*(ledger.aappend("run", {"n": i}) for i in range(16))))

    entries = asyncio.run(main())
    assert batches == [16] and ledger._group._writer is None
    assert [e.record["n"] for e in entries] == list(range(16)) and ledger.verify().ok
    ledger.close()


def test_async_appends_wait_off_the_loop_while_another_process_writes(tmp_path: Path) -> None:
    """While another connection holds SQLite's write lock, the entry goes to the writer thread
    (which waits for the lock) and the event loop keeps running."""
    path = tmp_path / "l.sqlite3"
    ledger = SQLiteLedger(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def main() -> LedgerEntry:
        beat = asyncio.create_task(ticker())
        asyncio.get_running_loop().call_later(0.3, other.execute, "COMMIT")
        entry = await ledger.aappend("run", {"n": 1})
        beat.cancel()
        return entry

    entry = asyncio.run(main())
    other.close()
    assert ticks >= 10  # the loop was not blocked for the 0.3 s the lock was held
    assert ledger._group._writer is not None and entry.seq == 1 and ledger.verify().ok
    ledger.close()


def test_async_append_after_close_is_refused(store: Store) -> None:
    ledger = store.open()
    asyncio.run(ledger.aappend("run", {"n": 1}))
    ledger.close()
    with pytest.raises(LedgerError, match="closed"):
        asyncio.run(ledger.aappend("run", {"n": 2}))
    assert len(store.open()) == 1


def test_holds_round_trip(store: Store) -> None:
    ledger = store.open()
    hold = Hold("h1", "e1", "2026-01-01T00:00:00+00:00", "withheld text", requested_by="ana")
    ledger.put_hold(hold)
    assert ledger.get_hold("h1") == hold and ledger.list_holds() == [hold]
    decided = hold.with_decision({"reviewer": "bo", "decision": "approve"}, "approved")
    ledger.update_hold(decided)
    assert ledger.list_holds() == [] and ledger.list_holds(None) == [decided]
    assert ledger.list_holds("approved") == [decided]
    with pytest.raises(KeyError, match="no hold"):
        ledger.get_hold("h2")


def test_unwritable_location_is_a_ledger_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(LedgerError, match="cannot open"):
        SQLiteLedger(blocker / "ledger.sqlite3")


def test_a_closed_postgres_ledger_is_a_ledger_error(pg_store: Store) -> None:
    ledger = pg_store.open()
    ledger.close()
    with pytest.raises(LedgerError, match="is closed; open a new one"):
        ledger.append("run", {})


def _shown(error: BaseException) -> str:
    """Everything a user could see of an error: its message, its chain, its traceback."""
    return "".join(traceback.format_exception(error))


@pytest.mark.parametrize("dsn", [
    f"postgresql://arifos:{SECRET}@127.0.0.1:1/nowhere",
    f"postgresql://arifos@127.0.0.1:1/nowhere?password={SECRET}&sslmode=disable",
    f"host=127.0.0.1 port=1 dbname=nowhere user=arifos password='{SECRET}'",
    "postgresql://arifos:s3cr%zz@127.0.0.1:1/nowhere",  # unparsable: libpq echoes the token
])
def test_dsn_password_never_shown_when_the_server_is_unreachable(
        dsn: str, caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("psycopg", reason="pip install 'arifos-core[postgres]'")
    secret = SECRET if SECRET in dsn else "s3cr%zz"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(LedgerError) as info:
        PostgresLedger(dsn, connect_timeout=2)
    assert secret not in _shown(info.value) and secret not in caplog.text
    assert "***" in str(info.value) and "cannot open the PostgreSQL ledger" in str(info.value)
    assert "DSN" in str(info.value)  # the fix: what to check


def test_dsn_password_never_shown_by_a_working_ledger(pg_store: Store,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    from psycopg.conninfo import make_conninfo

    caplog.set_level(logging.DEBUG)
    ledger = PostgresLedger(make_conninfo(pg_store.dsn, password=SECRET), schema=pg_store.target)
    pg_store.opened.append(ledger)
    ledger.append("run", {})
    assert SECRET not in repr(ledger) and SECRET not in ledger.dsn and "***" in ledger.dsn
    with pytest.raises(LedgerError) as info:
        PostgresLedger(make_conninfo(pg_store.dsn, password=SECRET,
                                     dbname="arifos_no_such_database"))
    assert "arifos_no_such_database" in str(info.value)
    assert SECRET not in _shown(info.value) and SECRET not in caplog.text


def test_missing_psycopg_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(ImportError, match=r"pip install 'arifos-core\[postgres\]'"):
        PostgresLedger(f"postgresql://arifos:{SECRET}@127.0.0.1:1/nowhere")


def test_importing_the_ledger_does_not_import_psycopg() -> None:
    code = ("import sys, arifos_core.ledger as l; l.open_ledger(':memory:'); "
            "assert 'psycopg' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0, result.stderr
