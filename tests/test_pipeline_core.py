"""GovernedPipeline's machinery with a small policy of context and user floors: every verdict,
fail-closed behaviour, repairs, holds, the ledger, sync/async parity."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from arifos_core._errors import HoldError
from arifos_core.backends import (
    AuthenticationError,
    BackendUnavailableError,
    Completion,
    MockBackend,
    RateLimitError,
)
from arifos_core.contracts import load_contract
from arifos_core.governance import FloorContext, GovernedPipeline, register_floor
from arifos_core.ledger import LedgerError, SQLiteLedger

CALLS: list[str] = []


def banned(text: str, context: FloorContext) -> bool:
    CALLS.append(context.where)
    return "forbidden" in text


def shouty(text: str, context: FloorContext) -> bool:
    return text.isupper() and len(text) > 3


def crashing(text: str, context: FloorContext) -> bool:
    raise RuntimeError("detector bug")


async def slow(text: str, context: FloorContext) -> float:
    await asyncio.sleep(1)
    return 0.0


register_floor("test.banned", banned)
register_floor("test.shouty", shouty)
register_floor("test.crashing", crashing)
register_floor("test.slow", slow)

BASE: dict[str, Any] = {
    "version": "43.0", "name": "core-test",
    "messages": {"refusal": "REFUSED", "hold": "HELD", "sabar": "LATER",
                 "uncertainty_note": "NOTE"},
    "defaults": {"on_error": "fail_closed", "timeout_ms": 250},
    "floors": [
        {"id": "input.budget", "stage": "pre", "action": "void",
         "thresholds": {"max_chars": 100}},
        {"id": "input.banned", "stage": "pre", "action": "void", "callable": "test.banned"},
        {"id": "output.schema", "stage": "post", "action": "repair",
         "repair": {"max_attempts": 1, "then": "void"}},
        {"id": "output.refusal", "stage": "post", "action": "seal"},
        {"id": "output.shouty", "stage": "post", "action": "hold", "callable": "test.shouty"},
    ],
}
SCHEMA = {"type": "object", "required": ["a"]}


def policy_file(tmp_path: Path, *extra: dict[str, Any], **changes: Any) -> Path:
    data = json.loads(json.dumps(BASE))
    data["floors"] += list(extra)
    data.update(changes)
    path = tmp_path / f"policy-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture()
def policy(tmp_path: Path) -> Path:
    return policy_file(tmp_path)


def pipeline(policy: Path, script: Any, **kwargs: Any) -> tuple[GovernedPipeline, MockBackend]:
    backend = MockBackend(script)
    kwargs.setdefault("ledger", ":memory:")
    return GovernedPipeline(backend=backend, policy=policy, **kwargs), backend


def test_seal_with_the_quick_start_shape(policy: Path) -> None:
    backend = MockBackend(["arifOS is a governance layer."])
    result = GovernedPipeline(llm_generate=backend.generate, policy=policy,
                              ledger=":memory:").run("What is arifOS?")
    assert result["output"] == result.output == "arifOS is a governance layer."
    assert result.verdict == "SEAL" and result.reason == "all floors passed"
    assert result.audit_id and set(result.timings) >= {"pre_ms", "model_ms", "post_ms",
                                                       "ledger_ms", "total_ms"}
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data and data["floors"][0]["id"] == "input.budget"


def test_pre_check_void_never_calls_the_model(policy: Path) -> None:
    gov, backend = pipeline(policy, ["never"])
    result = gov.run("this is forbidden")
    assert result.verdict == "VOID" and result.output == "REFUSED"
    assert result.floor("input.banned").tripped and backend.requests == []
    budget = gov.run("x" * 101)
    assert budget.verdict == "VOID" and "101 characters exceed the limit of 100" in budget.reason


def test_every_user_and_tool_message_is_checked(policy: Path) -> None:
    CALLS.clear()
    gov, _backend = pipeline(policy, ["ok"])
    result = gov.run([{"role": "system", "content": "forbidden words are fine here"},
                      {"role": "user", "content": "hello"},
                      {"role": "assistant", "content": "", "tool_calls": [
                          {"id": "c1", "function": {"name": "f", "arguments": "{}"}}]},
                      {"role": "tool", "content": "forbidden payload", "tool_call_id": "c1"},
                      {"role": "user", "content": "go on"}])
    assert CALLS == ["messages[1]", "messages[3]", "messages[4]"]
    assert result.verdict == "VOID" and result.floor("input.banned").evidence[0].where == \
        "messages[3]"


def test_crashing_floor_fails_closed(tmp_path: Path) -> None:
    path = policy_file(tmp_path, {"id": "output.crash", "stage": "post", "action": "record",
                                  "callable": "test.crashing"})
    gov, _ = pipeline(path, ["hello"])
    result = gov.run("hi")
    assert result.verdict == "VOID" and result.output == "REFUSED"
    floor = result.floor("output.crash")
    assert floor.status == "errored" and not floor.passed
    assert "output.crash errored (fail closed)" in result.reason and "RuntimeError" in result.reason


def test_fail_open_is_recorded_never_a_clean_pass(tmp_path: Path) -> None:
    path = policy_file(tmp_path, {"id": "output.crash", "stage": "post", "action": "record",
                                  "callable": "test.crashing", "on_error": "fail_open"})
    gov, _ = pipeline(path, ["hello"])
    result = gov.run("hi")
    assert result.verdict == "SEAL" and result.output == "hello"
    floor = result.floor("output.crash")
    assert floor.status == "errored" and floor.fail_open and floor.action == "fail_open"
    entry = gov.ledger.get(result.audit_id).record  # type: ignore[union-attr,arg-type]
    recorded = next(f for f in entry["floors"] if f["id"] == "output.crash")
    assert recorded["status"] == "errored" and recorded["fail_open"] is True


def test_floor_time_limit_counts_as_an_error(tmp_path: Path) -> None:
    path = policy_file(tmp_path, {"id": "output.slow", "stage": "post", "action": "record",
                                  "callable": "test.slow", "timeout_ms": 20})
    gov, _ = pipeline(path, ["hello"])
    result = asyncio.run(gov.arun("hi"))
    assert result.verdict == "VOID" and result.floor("output.slow").status == "errored"
    assert "timed out" in result.floor("output.slow").reason


def test_transient_backend_failure_is_sabar(policy: Path) -> None:
    gov, _ = pipeline(policy, [RateLimitError("slow down", retry_after=7.0),
                               BackendUnavailableError("overloaded", status_code=529)])
    first = gov.run("hi")
    assert first.verdict == "SABAR" and first.output == "LATER" and first.retry_after == 7.0
    assert "RateLimitError" in first.reason
    assert gov.run("hi").verdict == "SABAR"


def test_permanent_backend_failure_is_void_and_never_error_text(policy: Path) -> None:
    gov, _ = pipeline(policy, [AuthenticationError("bad key: set OPENAI_API_KEY")])
    result = gov.run("hi")
    assert result.verdict == "VOID" and result.output == "REFUSED" and result.retry_after is None

    def broken(prompt: str) -> str:
        raise ValueError("[ERROR] something broke")

    failed = GovernedPipeline(llm_generate=broken, policy=policy, ledger=False).run("hi")
    assert failed.verdict == "VOID" and failed.output == "REFUSED"
    assert "[ERROR]" not in failed.output and "ValueError" in failed.reason


def test_refusal_is_sealed_and_marked(policy: Path) -> None:
    gov, _ = pipeline(policy, [Completion("", "refusal", "m", refusal="I can't help with that.")])
    result = gov.run("hi")
    assert result.verdict == "SEAL" and result.refused
    assert result.output == "I can't help with that."


def test_schema_repair_then_partial_or_void(policy: Path) -> None:
    gov, backend = pipeline(policy, ["not json", '{"a": 1}', "still not", "nope", "plain"])
    repaired = gov.run("give json", response_schema=SCHEMA)
    assert repaired.verdict == "PARTIAL" and repaired.output == '{"a": 1}' and repaired.repairs == 1
    assert "The previous answer failed a check: not JSON" in backend.requests[1].system_text
    failed = gov.run("give json", response_schema=SCHEMA)
    assert failed.verdict == "VOID" and "still failing after 1 repair(s)" in failed.reason
    assert gov.run("no schema").floor("output.schema").status == "not_evaluated"


def test_max_repairs_zero_voids_at_once(policy: Path) -> None:
    gov, backend = pipeline(policy, ["not json"], max_repairs=0)
    assert gov.run("json", response_schema=SCHEMA).verdict == "VOID"
    assert len(backend.requests) == 1


def test_hold_approve_and_reject(policy: Path) -> None:
    gov, _ = pipeline(policy, ["LOUD ANSWER", "OTHER LOUD ANSWER"])
    held = gov.run("hi", context={"user": "ana"})
    assert held.verdict == "888_HOLD" and held.output == "HELD" and held.hold_id
    assert [h.id for h in gov.holds.list()] == [held.hold_id]
    with pytest.raises(HoldError, match="may not decide"):
        gov.holds.approve(held.hold_id, "bo", role="intern")
    with pytest.raises(HoldError, match="may not review it"):
        gov.holds.approve(held.hold_id, "ana", role="safety_reviewer")
    decision = gov.holds.approve(held.hold_id, "bo", role="safety_reviewer", note="fine")
    assert decision.released and decision.output == "LOUD ANSWER"
    assert gov.holds.get(held.hold_id).status == "approved" and gov.holds.list() == []
    with pytest.raises(HoldError, match="already approved"):
        gov.holds.reject(held.hold_id, "cy", "no", role="domain_expert")
    other = gov.run("hi")
    with pytest.raises(HoldError, match="needs a reason"):
        gov.holds.reject(other.hold_id, "bo", " ", role="domain_expert")  # type: ignore[arg-type]
    rejected = gov.holds.reject(other.hold_id, "bo", "too risky", role="domain_expert")  # type: ignore[arg-type]
    assert not rejected.released and rejected.output is None
    decisions = [e.record for e in gov.ledger.entries() if e.kind == "hold_decision"]  # type: ignore[union-attr]
    assert [d["decision"] for d in decisions] == ["approve", "reject"]
    assert gov.ledger.verify().ok  # type: ignore[union-attr]


def test_min_approvals_from_the_contract(policy: Path, tmp_path: Path) -> None:
    contract = json.loads(Path(load_contract().source).read_text())
    contract["authority"]["hold_release"]["min_approvals"] = 2
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(contract))
    gov, _ = pipeline(policy, ["LOUD ANSWER"], contract=path)
    held = gov.run("hi")
    first = gov.holds.approve(held.hold_id, "bo", role="safety_reviewer")  # type: ignore[arg-type]
    assert not first.released and gov.holds.get(held.hold_id).status == "pending"  # type: ignore[arg-type]
    with pytest.raises(HoldError, match="already decided"):
        gov.holds.approve(held.hold_id, "bo", role="safety_reviewer")  # type: ignore[arg-type]
    second = gov.holds.approve(held.hold_id, "cy", role="domain_expert")  # type: ignore[arg-type]
    assert second.released and second.output == "LOUD ANSWER"


def test_holds_need_a_ledger(policy: Path) -> None:
    gov, _ = pipeline(policy, ["x"], ledger=False)
    with pytest.raises(HoldError, match="no ledger"):
        gov.holds.list()


class BrokenLedger(SQLiteLedger):
    def append(self, kind: str, record: Any) -> Any:
        raise LedgerError("disk full")


def test_unwritable_ledger_voids_the_run(policy: Path, tmp_path: Path) -> None:
    gov, _ = pipeline(policy, ["fine answer"], ledger=BrokenLedger(":memory:"))
    result = gov.run("hi")
    assert result.verdict == "VOID" and result.audit_id is None
    assert "ledger could not be written (LedgerError)" in result.reason


def test_policy_may_release_when_the_ledger_fails(tmp_path: Path) -> None:
    path = policy_file(tmp_path, ledger={"store_texts": False, "on_write_failure": "release"})
    gov, _ = pipeline(path, ["fine answer"], ledger=BrokenLedger(":memory:"))
    result = gov.run("hi")
    assert result.verdict == "SEAL" and result.output == "fine answer"
    assert "not recorded: ledger failed" in result.reason


def test_ledger_keeps_hashes_not_texts_unless_asked(policy: Path, tmp_path: Path) -> None:
    gov, _ = pipeline(policy, ["secret answer"])
    record = gov.ledger.get(gov.run("private question").audit_id).record  # type: ignore[union-attr,arg-type]
    body = json.dumps(record)
    assert "private question" not in body and "secret answer" not in body
    assert len(record["prompt_sha256"]) == 64 and record["verdict"] == "SEAL"
    assert record["policy"]["digest"] and record["contract"]["name"] == "llm_contract"
    stored = policy_file(tmp_path, ledger={"store_texts": True})
    gov2, _ = pipeline(stored, ["secret answer"])
    record2 = gov2.ledger.get(gov2.run("private question").audit_id).record  # type: ignore[union-attr,arg-type]
    assert record2["texts"] == {"prompt": "private question", "output": "secret answer"}


def test_default_ledger_is_under_arifos_home(policy: Path, _arifos_home: Path) -> None:
    gov = GovernedPipeline(llm_generate=lambda p: "hi", policy=policy)
    result = gov.run("hello")
    assert (_arifos_home / "ledger.sqlite3").exists()
    assert SQLiteLedger(_arifos_home / "ledger.sqlite3").get(result.audit_id).record[  # type: ignore[arg-type]
        "verdict"] == "SEAL"


def test_sync_and_async_give_the_same_results(policy: Path) -> None:
    script = ["fine", "LOUD ANSWER", "not json", '{"a": 2}', RateLimitError("x", retry_after=1)]
    sync_gov, _ = pipeline(policy, list(script))
    async_gov, _ = pipeline(policy, list(script))
    calls = [("a", {}), ("b", {}), ("c", {"response_schema": SCHEMA}), ("d", {})]
    sync = [sync_gov.run(p, **kw) for p, kw in calls]

    async def run_all() -> list[Any]:
        return [await async_gov.arun(p, **kw) for p, kw in calls]

    asyn = asyncio.run(run_all())
    for left, right in zip(sync, asyn, strict=True):
        assert (left.verdict, left.output, left.reason, [f.status for f in left.floors]) == (
            right.verdict, right.output, right.reason, [f.status for f in right.floors])


def test_arun_writes_through_the_ledgers_writer(policy: Path, tmp_path: Path) -> None:
    """Concurrent ``arun`` calls hand their entries to the store's writer thread (aappend),
    not one worker thread each; a held run still records its hold."""
    ledger = SQLiteLedger(tmp_path / "l.sqlite3")
    written: list[str] = []
    real = ledger.aappend

    async def spy(kind: str, record: Any) -> Any:
        written.append(record["verdict"])
        return await real(kind, record)

    ledger.aappend = spy  # type: ignore[method-assign]
    gov, _ = pipeline(policy, ["fine"] * 8 + ["LOUD ANSWER"], ledger=ledger)

    async def main() -> list[Any]:
        results = list(await asyncio.gather(*(gov.arun(f"q{i}") for i in range(8))))
        return [*results, await gov.arun("shout")]

    results = asyncio.run(main())
    assert written == ["SEAL"] * 8
    assert results[-1].verdict == "888_HOLD" and gov.holds.list()[0].id == results[-1].hold_id
    assert {e.id for e in ledger.entries()} == {r.audit_id for r in results}
    assert ledger.verify().ok and len(ledger) == 9


def test_arun_with_a_store_that_has_no_async_append(policy: Path, tmp_path: Path) -> None:
    class SyncOnly:
        """A store with only the protocol's methods."""

        def __init__(self, inner: SQLiteLedger) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> Any:
            if name == "aappend":
                raise AttributeError(name)
            return getattr(self.inner, name)

    inner = SQLiteLedger(tmp_path / "l.sqlite3")
    gov, _ = pipeline(policy, ["fine"], ledger=SyncOnly(inner))
    result = asyncio.run(gov.arun("hi"))
    assert result.verdict == "SEAL" and inner.get(result.audit_id).record["verdict"] == "SEAL"  # type: ignore[arg-type]


def test_async_generate_callables_work_both_ways(policy: Path) -> None:
    async def generate(prompt: str) -> str:
        await asyncio.sleep(0)
        return f"echo: {prompt}"

    gov = GovernedPipeline(llm_generate=generate, policy=policy, ledger=False)
    assert gov.run("hi").output == "echo: hi"
    assert asyncio.run(gov.arun("hi")).output == "echo: hi"


def test_generate_returning_non_text_is_void(policy: Path) -> None:
    gov = GovernedPipeline(llm_generate=lambda p: None, policy=policy, ledger=False)
    result = gov.run("hi")
    assert result.verdict == "VOID" and "TypeError" in result.reason


def test_construction_errors(policy: Path) -> None:
    with pytest.raises(ValueError, match="llm_generate"):
        GovernedPipeline(policy=policy, ledger=False).run("hi")
    with pytest.raises(TypeError, match="callable"):
        GovernedPipeline("not callable", policy=policy)  # type: ignore[arg-type]


def test_stream_without_detectors_releases_and_reports(policy: Path) -> None:
    gov, _backend = pipeline(policy, ["one two three four"])
    chunks = list(gov.stream("hi"))
    final = chunks[-1]
    assert final.verdict == "SEAL" and final.result is not None
    assert "".join(c.text for c in chunks) == "one two three four"
    assert final.result.floor("output.shouty").status == "not_evaluated"
    assert final.result.output == "one two three four" and final.result.audit_id


def test_stream_pre_void_and_backend_failure(policy: Path) -> None:
    gov, _ = pipeline(policy, [BackendUnavailableError("down", retry_after=2)])
    (only,) = list(gov.stream("forbidden"))
    assert only.verdict == "VOID" and only.result.output == "REFUSED"  # type: ignore[union-attr]
    chunks = list(gov.stream("hi"))
    assert chunks[-1].verdict == "SABAR" and chunks[-1].result.retry_after == 2  # type: ignore[union-attr]


def iterate(stream: Iterator[Any]) -> list[Any]:
    return list(stream)


def test_overhead_is_small_without_a_ledger(policy: Path) -> None:
    """Not a benchmark: a guard that a run does no per-call compilation."""
    gov = GovernedPipeline(llm_generate=lambda p: "ok", policy=policy, ledger=False)
    gov.run("warm up")
    started = time.perf_counter()
    for _ in range(50):
        gov.run("hello")
    assert (time.perf_counter() - started) / 50 < 0.05


# -- detectors prepared in the background -------------------------------------------------------


class _Preparing:
    """A detector whose preparation (``ready``) takes time, or fails."""

    window = 64

    def __init__(self, delay: float = 0.0, error: Exception | None = None) -> None:
        self.delay, self.error, self.prepared = delay, error, False

    def ready(self) -> None:
        time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        self.prepared = True

    def scan(self, text: str) -> list[Any]:
        if not self.prepared:
            raise RuntimeError("scanned before it was ready")
        return []


def _timed_floor(detector: _Preparing) -> Any:
    from arifos_core.contracts import FloorSpec
    from arifos_core.governance._runtime import CompiledFloor

    spec = FloorSpec("output.prepared", "post", "void", "fail_closed", timeout_ms=50)
    return CompiledFloor(spec, 0.5, detector)


def test_waiting_for_a_detector_to_be_ready_is_not_its_scan_time() -> None:
    result = _timed_floor(_Preparing(delay=0.2)).scan("hello", "output")
    assert result.status == "passed" and result.duration_ms < 50


def test_a_detector_that_cannot_be_prepared_fails_closed() -> None:
    result = _timed_floor(_Preparing(error=RuntimeError("bad pattern"))).scan("hi", "output")
    assert result.status == "errored" and result.action == "void"
    assert "RuntimeError: bad pattern" in result.reason


def test_rule_tables_compile_once_in_the_background() -> None:
    import uuid

    from arifos_core.governance.floors._text import compile_rules

    lead = "zq" + uuid.uuid4().hex[:8]  # a table no other test compiled
    rules = ((0.9, lead, r"\s+(?:thing|stuff)"), (0.5, ("ab", lead + "x"), r"\s+cd"))
    pattern = compile_rules(rules)
    assert compile_rules(rules) is pattern
    found = [(m.group(), m.lastgroup) for m in pattern.finditer(f" {lead} stuff {lead}x cd ab")]
    assert found == [(f" {lead} stuff", "r0_0"), (f" {lead}x cd", "r1_1")]


def _fork_child(pattern: Any, lead: str, done: Any) -> None:
    """In a forked child: use a pattern the parent was compiling, then compile a new table."""
    from arifos_core.governance.floors._text import compile_rules

    first = [m.group() for m in pattern.finditer(f" {lead}0 thing")]
    fresh = compile_rules(((0.9, lead + "new", r"\s+thing"),))
    second = [m.group() for m in fresh.finditer(f" {lead}new thing")]
    done.put((first, second))


def test_rule_tables_work_in_a_child_forked_while_they_compile() -> None:
    """The compiling thread does not survive a fork (gunicorn --preload, multiprocessing):
    the child compiles for itself instead of waiting forever."""
    import multiprocessing
    import uuid

    from arifos_core.governance.floors._text import compile_rules

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    lead = "zq" + uuid.uuid4().hex[:8]
    # big enough to be still compiling when the fork happens
    rules = tuple((0.9, f"{lead}{i}", rf"\s+(?:thing|stuff|item{i})") for i in range(3000))
    pattern = compile_rules(rules)
    context = multiprocessing.get_context("fork")
    done = context.Queue()
    child = context.Process(target=_fork_child, args=(pattern, lead, done))
    child.start()
    child.join(60)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive and child.exitcode == 0
    assert done.get(timeout=5) == ([f" {lead}0 thing"], [f" {lead}new thing"])
