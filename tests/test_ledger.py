"""The SQLite ledger: a hash chain that detects any edit, shared safely by many writers."""

from __future__ import annotations

import itertools
import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arifos_core.ledger import (
    GENESIS,
    Hold,
    LedgerError,
    SQLiteLedger,
    canonical,
    default_ledger_path,
    open_ledger,
)


def filled(path: Path | str, count: int = 5, key: bytes | None = None) -> SQLiteLedger:
    ledger = SQLiteLedger(path, key=key)
    for index in range(count):
        ledger.append("run", {"verdict": "SEAL", "n": index, "text": "ünïcode ✓"})
    return ledger


def test_entries_chain_and_verify(tmp_path: Path) -> None:
    ledger = filled(tmp_path / "l.sqlite3")
    entries = list(ledger.entries())
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert entries[2].record["n"] == 2 and entries[2].record["kind"] == "run"
    report = ledger.verify()
    assert report.ok and report.checked == 5 and "5 entries verified" in str(report)
    assert ledger.get(entries[1].id) == entries[1]
    assert [e.seq for e in ledger.tail(2)] == [4, 5] and len(ledger) == 5


def test_default_location_and_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARIFOS_HOME", str(tmp_path / "home"))
    assert default_ledger_path() == tmp_path / "home" / "ledger.sqlite3"
    ledger = open_ledger(None)
    assert isinstance(ledger, SQLiteLedger) and ledger.path == str(default_ledger_path())
    assert open_ledger(False) is None
    assert open_ledger(":memory:").path == ":memory:"  # type: ignore[union-attr]
    with pytest.raises(LedgerError, match="PostgreSQL"):
        open_ledger("postgresql://localhost/test")
    with sqlite3.connect(ledger.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _tamper(path: Path, seq: int, column: str, value: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE entries SET {column} = ? WHERE seq = ?", (value, seq))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=st.integers(1, 5), column=st.sampled_from(["body", "id", "time", "kind", "hash",
                                                        "prev_hash"]),
       position=st.integers(0, 10_000), byte=st.integers(32, 126))
def test_changing_any_byte_of_any_entry_is_detected(tmp_path_factory: pytest.TempPathFactory,
                                                    seq: int, column: str, position: int,
                                                    byte: int) -> None:
    path = tmp_path_factory.mktemp("ledger") / "l.sqlite3"
    ledger = filled(path)
    entry = list(ledger.entries())[seq - 1]
    original = getattr(entry, column)
    at = position % len(original)
    changed = original[:at] + chr(byte) + original[at + 1:]
    if changed == original:
        return
    _tamper(path, seq, column, changed)
    report = SQLiteLedger(path).verify()
    assert not report.ok
    assert report.first_bad == (changed if column == "id" else entry.id) or \
        report.first_bad_seq == seq
    assert report.first_bad_seq == seq


def test_deleted_and_reordered_entries_are_detected(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    ledger = filled(path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM entries WHERE seq = 3")
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 4 and "sequence" in report.reason


def test_rewritten_chain_is_detected_with_a_key(tmp_path: Path) -> None:
    """Without a key an attacker can recompute every hash; with one they cannot."""
    path = tmp_path / "l.sqlite3"
    key = b"secret-ledger-key"
    filled(path, key=key)
    from arifos_core.ledger import entry_hash

    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT seq, id, time, kind, body FROM entries ORDER BY seq").fetchall()
        prev = GENESIS
        for seq, entry_id, _time, _kind, body in rows:
            data = __import__("json").loads(body)
            data["verdict"] = "VOID"
            body = canonical(data)
            digest = entry_hash(seq, entry_id, prev, body)  # no key: what a forger can do
            conn.execute("UPDATE entries SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                         (body, prev, digest, seq))
            prev = digest
    assert SQLiteLedger(path, key=b"").verify().ok  # a keyless verify is fooled
    report = SQLiteLedger(path, key=key).verify()
    assert not report.ok and report.first_bad_seq == 1 and "HMAC key" in report.reason


def test_key_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARIFOS_LEDGER_KEY", "k1")
    filled(tmp_path / "l.sqlite3")
    assert SQLiteLedger(tmp_path / "l.sqlite3").verify().ok
    monkeypatch.setenv("ARIFOS_LEDGER_KEY", "k2")
    assert not SQLiteLedger(tmp_path / "l.sqlite3").verify().ok


def _writer(path: str, count: int) -> None:
    ledger = SQLiteLedger(path)
    for index in range(count):
        ledger.append("run", {"pid": multiprocessing.current_process().pid, "n": index})
    ledger.close()


def test_concurrent_processes_keep_one_valid_chain(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite3")
    SQLiteLedger(path).close()
    processes = [multiprocessing.get_context("spawn").Process(target=_writer, args=(path, 40))
                 for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    ledger = SQLiteLedger(path)
    report = ledger.verify()
    assert report.ok and report.checked == 160
    per_writer = {}
    for entry in ledger.entries():
        per_writer.setdefault(entry.record["pid"], []).append(entry.record["n"])
    assert len(per_writer) == 4 and all(ns == list(range(40)) for ns in per_writer.values())


def test_holds_round_trip(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "l.sqlite3")
    hold = Hold("h1", "e1", "2026-01-01T00:00:00+00:00", "withheld text", requested_by="ana")
    ledger.put_hold(hold)
    assert ledger.get_hold("h1") == hold and ledger.list_holds() == [hold]
    decided = hold.with_decision({"reviewer": "bo", "decision": "approve"}, "approved")
    ledger.update_hold(decided)
    assert ledger.list_holds() == [] and ledger.list_holds(None) == [decided]
    with pytest.raises(KeyError, match="no hold"):
        ledger.get_hold("h2")


def test_unwritable_location_is_a_ledger_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(LedgerError, match="cannot open"):
        SQLiteLedger(blocker / "ledger.sqlite3")
