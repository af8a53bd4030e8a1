"""`arifos run`, `arifos ledger` and `arifos holds`, as a user runs them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fakes._http import FakeServer
from fakes.openai import OpenAIFake, Script, error_body

from arifos_core.backends import MockBackend
from arifos_core.governance import GovernedPipeline

ARIFOS = Path(sys.executable).parent / "arifos"
KEY = "sk-cli-canary-5d1e0a"

POLICY = {
    "version": "43.0", "name": "cli-test",
    "messages": {"refusal": "REFUSED", "hold": "HELD FOR REVIEW", "sabar": "LATER",
                 "uncertainty_note": "NOTE"},
    "defaults": {"on_error": "fail_closed", "timeout_ms": 250},
    "floors": [{"id": "input.budget", "stage": "pre", "action": "void",
                "thresholds": {"max_chars": 60}},
               {"id": "output.refusal", "stage": "post", "action": "seal"}],
}


def arifos(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ARIFOS), *args], capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, **(env or {})})


@pytest.fixture()
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(POLICY), encoding="utf-8")
    return path


@pytest.fixture()
def server() -> Iterator[FakeServer]:
    with FakeServer(OpenAIFake(Script(text="Governed hello."), api_key=KEY),
                    error_body=error_body) as fake:
        yield fake


def test_run_prints_output_and_verdict(server: FakeServer, policy: Path, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    result = arifos("run", "Say hello", "--backend", "openai:gpt-4o", "--base-url",
                    server.url + "/v1", "--policy", str(policy), "--ledger", str(ledger),
                    env={"OPENAI_API_KEY": KEY})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Governed hello."
    assert "verdict: SEAL (all floors passed), audit " in result.stderr
    assert KEY not in result.stdout + result.stderr
    streamed = arifos("run", "Say hello", "--backend", "openai:gpt-4o", "--base-url",
                      server.url + "/v1", "--policy", str(policy), "--ledger", str(ledger),
                      "--stream", env={"OPENAI_API_KEY": KEY})
    assert streamed.returncode == 0 and streamed.stdout.strip() == "Governed hello."
    as_json = arifos("run", "x" * 80, "--backend", "openai:gpt-4o", "--base-url",
                     server.url + "/v1", "--policy", str(policy), "--ledger", str(ledger),
                     "--json", env={"OPENAI_API_KEY": KEY})
    assert as_json.returncode == 1
    data = json.loads(as_json.stdout)
    assert data["verdict"] == "VOID" and data["output"] == "REFUSED"
    verify = arifos("ledger", "verify", "--ledger", str(ledger))
    assert verify.returncode == 0 and "3 entries verified" in verify.stdout


def test_run_setup_errors_are_messages_not_tracebacks(policy: Path) -> None:
    env = {k: "" for k in ("OPENAI_API_KEY",)}
    missing_key = arifos("run", "hi", "--backend", "gpt-4o", "--policy", str(policy), env=env)
    assert missing_key.returncode == 2 and "OPENAI_API_KEY" in missing_key.stderr
    unknown = arifos("run", "hi", "--backend", "gpt-99-ultra", "--policy", str(policy))
    assert unknown.returncode == 2 and "not supported" in unknown.stderr
    bad_policy = arifos("run", "hi", "--backend", "mock:m", "--policy", "/nope/policy.yaml")
    assert bad_policy.returncode == 2 and "/nope/policy.yaml" in bad_policy.stderr
    for result in (missing_key, unknown, bad_policy):
        assert "Traceback" not in result.stderr


def _seeded(tmp_path: Path, policy: Path) -> tuple[Path, GovernedPipeline]:
    ledger = tmp_path / "ledger.sqlite3"
    gov = GovernedPipeline(backend=MockBackend(["first", "second"]), policy=policy,
                           ledger=str(ledger))
    gov.run("one")
    gov.run("two")
    return ledger, gov


def test_ledger_verify_detects_a_modified_entry(tmp_path: Path, policy: Path) -> None:
    ledger, _ = _seeded(tmp_path, policy)
    assert arifos("ledger", "verify", "--ledger", str(ledger)).returncode == 0
    with sqlite3.connect(ledger) as conn:
        body = conn.execute("SELECT body FROM entries WHERE seq = 2").fetchone()[0]
        conn.execute("UPDATE entries SET body = ? WHERE seq = 2",
                     (body.replace('"SEAL"', '"VOID"'),))
    broken = arifos("ledger", "verify", "--ledger", str(ledger))
    assert broken.returncode == 1 and "BROKEN" in broken.stdout and "seq 2" in broken.stdout


def test_ledger_tail_and_show(tmp_path: Path, policy: Path) -> None:
    ledger, _ = _seeded(tmp_path, policy)
    tail = arifos("ledger", "tail", "--ledger", str(ledger), "--json")
    entries = [json.loads(line) for line in tail.stdout.splitlines()]
    assert [e["seq"] for e in entries] == [1, 2] and entries[0]["record"]["verdict"] == "SEAL"
    shown = arifos("ledger", "show", entries[1]["id"], "--ledger", str(ledger))
    assert json.loads(shown.stdout)["hash"] == entries[1]["hash"]
    missing = arifos("ledger", "show", "nope", "--ledger", str(ledger))
    assert missing.returncode == 2 and "no ledger entry" in missing.stderr
    absent = arifos("ledger", "verify", "--ledger", str(tmp_path / "none.sqlite3"))
    assert absent.returncode == 2 and "no ledger at" in absent.stderr


def test_holds_list_approve_reject(tmp_path: Path) -> None:
    policy = dict(POLICY)
    policy["floors"] = [*POLICY["floors"], {"id": "output.review", "stage": "post",
                                             "action": "hold", "callable": "tests_cli_floor:yes"}]
    (tmp_path / "tests_cli_floor.py").write_text("def yes(text, ctx):\n    return True\n")
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy))
    sys.path.insert(0, str(tmp_path))
    try:
        ledger = tmp_path / "ledger.sqlite3"
        gov = GovernedPipeline(backend=MockBackend(["needs review", "also held"]), policy=path,
                               ledger=str(ledger))
        first, second = gov.run("a"), gov.run("b")
    finally:
        sys.path.remove(str(tmp_path))
    listed = arifos("holds", "list", "--ledger", str(ledger))
    assert first.hold_id in listed.stdout and second.hold_id in listed.stdout  # type: ignore[operator]
    wrong = arifos("holds", "approve", first.hold_id, "--reviewer", "bo", "--role", "intern",  # type: ignore[arg-type]
                   "--ledger", str(ledger))
    assert wrong.returncode == 1 and "may not decide" in wrong.stderr
    approved = arifos("holds", "approve", first.hold_id, "--reviewer", "bo",  # type: ignore[arg-type]
                      "--role", "safety_reviewer", "--ledger", str(ledger))
    assert approved.returncode == 0 and "needs review" in approved.stdout
    rejected = arifos("holds", "reject", second.hold_id, "--reviewer", "bo",  # type: ignore[arg-type]
                      "--role", "domain_expert", "--reason", "unsafe", "--ledger", str(ledger))
    assert rejected.returncode == 0 and "rejected hold" in rejected.stdout
    assert "also held" not in rejected.stdout
    assert arifos("holds", "list", "--ledger", str(ledger)).stdout.strip() == "no holds"
    assert arifos("ledger", "verify", "--ledger", str(ledger)).returncode == 0
