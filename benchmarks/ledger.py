"""Section 6: ledger appends per second (one writer, durable settings as shipped) and entries
verified per second, on SQLite and PostgreSQL.

The record appended is a real one: what the default pipeline writes for a governed run.
PostgreSQL is at ``$ARIFOS_BENCH_PG_DSN`` (default ``postgresql://127.0.0.1:5432/test``); the
benchmark works in a schema of its own and drops it afterwards.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ._stats import Sizes, interleave, summary

PG_DSN = os.environ.get("ARIFOS_BENCH_PG_DSN", "postgresql://127.0.0.1:5432/test")


def sample_record() -> dict[str, Any]:
    """The record the default pipeline writes for a run, without id, kind and time."""
    from arifos_core.governance import GovernedPipeline

    from .governance import prose

    pipeline = GovernedPipeline(llm_generate=lambda _p: prose(4096), ledger=":memory:")
    pipeline.run(prose(1024))
    assert pipeline.ledger is not None
    record = pipeline.ledger.tail(1)[0].record
    pipeline.close()
    return {k: v for k, v in record.items() if k not in ("id", "kind", "time")}


def _appender(ledger: Any, record: Mapping[str, Any]) -> Callable[[int], list[float]]:
    def run(count: int) -> list[float]:
        times = []
        for _ in range(count):
            started = time.perf_counter()
            ledger.append("run", record)
            times.append(time.perf_counter() - started)
        return times

    return run


def _open_postgres() -> tuple[Any | None, str]:
    try:
        from arifos_core.ledger import LedgerError, PostgresLedger
    except ImportError as exc:  # pragma: no cover - the module is always there
        return None, str(exc)
    schema = f"arifos_bench_{uuid.uuid4().hex[:12]}"
    try:
        return PostgresLedger(PG_DSN, schema=schema, connect_timeout=3), schema
    except (ImportError, LedgerError) as exc:
        return None, f"no PostgreSQL ledger at {PG_DSN}: {exc}"


def _drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _server_settings() -> dict[str, str]:
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        return {name: str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
                for name in ("server_version", "synchronous_commit", "fsync", "wal_sync_method")}


def measure(sizes: Sizes) -> dict[str, Any]:
    from arifos_core.ledger import SQLiteLedger

    record = sample_record()
    result: dict[str, Any] = {"record_bytes": len(str(record).encode()), "appends": sizes.appends}
    with tempfile.TemporaryDirectory(prefix="arifos-bench-") as tmp:
        stores: dict[str, Any] = {"sqlite": SQLiteLedger(Path(tmp) / "ledger.sqlite3")}
        postgres, schema = _open_postgres()
        if postgres is not None:
            stores["postgres"] = postgres
        else:
            result["postgres"] = {"skipped": schema}
        try:
            appenders = {name: _appender(store, record) for name, store in stores.items()}
            times = interleave(appenders, sizes.appends, sizes.rounds)
            for name, store in stores.items():
                verify = []
                for _ in range(3):
                    started = time.perf_counter()
                    report = store.verify()
                    verify.append(time.perf_counter() - started)
                result[name] = {
                    "appends_per_s": round(len(times[name]) / sum(times[name])),
                    "append": summary(times[name]),
                    "entries_verified": report.checked, "verified_ok": report.ok,
                    "verified_per_s": round(report.checked / statistics.median(verify))}
            result["sqlite"]["settings"] = "WAL, synchronous=FULL (as shipped)"
            if postgres is not None:
                result["postgres"]["settings"] = _server_settings()
        finally:
            for store in stores.values():
                store.close()
            if postgres is not None:
                _drop_schema(schema)
    return result
