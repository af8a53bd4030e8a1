"""The benchmark harness still runs: ``python -m benchmarks --smoke`` with tiny sizes.

A smoke run only: these are benchmarks, not tests, so nothing here looks at a timing.
litellm is left out (it alone would take seconds to import and warm up); it and a PostgreSQL
server are optional: without them their parts say they were skipped, and every section is
still there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("server_alone", "backend_overhead", "streaming", "governance", "stream_governance",
            "imports", "ledger", "concurrency")


def test_the_smoke_run_writes_every_section(tmp_path: Path) -> None:
    env = {**os.environ, "ARIFOS_HOME": str(tmp_path / "home")}
    env.pop("ARIFOS_LEDGER_DSN", None)
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--no-litellm",
                           "--out", str(tmp_path)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "latest.json").read_text("utf-8"))
    for section in SECTIONS:
        assert isinstance(results.get(section), dict), section
        assert "error" not in results[section], (section, results[section])
    assert results["mode"] == "smoke"
    assert results["machine"]["cpu_count"] >= 1 and results["machine"]["python"]
    assert results["governance"]["ledger_sqlite"]["verdicts"] == ["SEAL"]
    assert results["governance"]["ledger_sqlite"]["ledger_verified"] is True
    assert results["streaming"]["arifos_openai_compatible"]["content_chunks"] == [200]
    assert results["concurrency"]["verdicts"] == ["SEAL"]
    assert results["ledger"]["sqlite"]["verified_ok"] is True
    assert {row["section"] for row in results["targets"]} <= set(SECTIONS)
    report = (tmp_path / "latest.md").read_text("utf-8")
    assert "| benchmark | result | target | met |" in report


def test_the_readme_shows_the_command_and_every_target(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's Performance section cannot drop a target or the command."""
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks._report import TARGETS

    readme = (ROOT / "README.md").read_text("utf-8")
    performance = readme.split("## Performance", 1)[1].split("\n## ", 1)[0]
    assert "python -m benchmarks" in performance
    for target in TARGETS:
        assert f"| {target.name} |" in performance, target.name
