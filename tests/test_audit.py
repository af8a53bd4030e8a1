"""The compliance audit: each probe against the provider fakes, configured to honour and to
violate its capability; repeats and majority; redaction, escaping and truncation of evidence;
the ledger record; the catalog fragment; the static matrix; and ``arifos audit`` in-process and
in a subprocess (JSON, JUnit parsed, HTML)."""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import CATALOG, ROOT

from arifos_core import audit
from arifos_core.audit import (
    PROBES,
    AuditTarget,
    Exchange,
    Redactor,
    catalog_update,
    ledger_record,
    majority,
    probe_for,
    record_audit,
    render_html,
    render_json,
    render_junit,
    render_static_junit,
    render_static_table,
    run_audit,
    static_matrix,
)
from arifos_core.backends import (
    AuthenticationError,
    Completion,
    LLMBackend,
    MockBackend,
    Request,
    StreamChunk,
)
from arifos_core.backends._anthropic import AnthropicBackend
from arifos_core.backends._gemini import GeminiBackend
from arifos_core.backends._ollama import OllamaBackend
from arifos_core.backends._openai import OpenAIBackend
from arifos_core.cli import audit as audit_cli
from arifos_core.contracts import load_catalog, load_contract, vocabulary
from arifos_core.ledger import SQLiteLedger
from tests.fakes import anthropic as ant
from tests.fakes import gemini as gem
from tests.fakes import ollama as oll
from tests.fakes import openai as oai
from tests.fakes._http import FakeRequest, FakeServer, Fault

COUNTING = "one two three four five six seven eight nine ten"
CAPITAL = {"country": "France", "city": "Paris"}
App = Callable[[FakeRequest], Any]


def _nodelay(server: FakeServer) -> FakeServer:
    server._httpd.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
    return server.start()


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, FakeServer]]:
    """One loopback server per provider for the module; each test sets its app."""
    made = {"openai": FakeServer(oai.OpenAIFake(), error_body=oai.error_body),
            "anthropic": FakeServer(ant.AnthropicFake(), error_body=ant.error_body),
            "gemini": FakeServer(gem.GeminiApp()),
            "ollama": FakeServer(oll.OllamaApp(), error_body=oll.error_body)}
    for server in made.values():
        _nodelay(server)
    yield made
    for server in made.values():
        server.stop()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
                 "GOOGLE_API_KEY", "GEMINI_API_KEY", "OLLAMA_HOST", "ARIFOS_LEDGER_DSN"):
        monkeypatch.delenv(name, raising=False)


def routed(fake: Any, scripts: dict[str, Any], default: Any) -> App:
    """The fake answering with the script of the first key found in the request body."""
    def app(request: FakeRequest) -> Any:
        text = request.body.decode("utf-8", "replace")
        fake.script = next((s for key, s in scripts.items() if key in text), default)
        return fake(request)
    return app


def dropping(fake: Any, edit: Callable[[dict[str, Any]], None]) -> App:
    """A server that ignores part of the request (as some compatible servers do)."""
    def app(request: FakeRequest) -> Any:
        body = request.json
        if isinstance(body, dict):
            edit(body)
            request.body = json.dumps(body).encode()
        return fake(request)
    return app


def without_stop(body: dict[str, Any]) -> None:
    body.pop("stop", None)


def without_system(body: dict[str, Any]) -> None:
    body["messages"] = [m for m in body["messages"] if m.get("role") != "system"]


def make(provider: str, servers: dict[str, FakeServer], app: App, **kwargs: Any) -> LLMBackend:
    server = servers[provider]
    server.app = app
    server.requests.clear()
    server.faults.clear()
    if provider == "openai":
        return OpenAIBackend(kwargs.pop("model", "gpt-4o"), api_key="sk-test-openai",
                             base_url=server.url + "/v1", timeout=5, **kwargs)
    if provider == "anthropic":
        return AnthropicBackend(kwargs.pop("model", "claude-sonnet-4-6"),
                                api_key="sk-ant-test", base_url=server.url, timeout=5, **kwargs)
    if provider == "gemini":
        server.error_body = app.error_body if isinstance(app, gem.GeminiApp) else gem.gemini_error
        return GeminiBackend(kwargs.pop("model", "gemini-2.5-flash"), api_key="g-test",
                             base_url=server.url, timeout=5, **kwargs)
    return OllamaBackend(kwargs.pop("model", "llama3.1"), base_url=server.url, timeout=5,
                         **kwargs)


def response(exchange: Exchange) -> Mapping[str, Any]:
    assert exchange.response is not None, exchange.error
    return exchange.response


def trial(capability: str, backend: LLMBackend) -> Any:
    with backend:
        return probe_for(capability).run(backend)


# -- each probe, honoured and violated ----------------------------------------------------------

def _cases() -> list[Any]:
    o, a, g, ol = oai.Script, ant.Script, gem.Script, oll.Script
    easy = "2 + 2"
    return [
        # refusal: a structured signal passes; a refusal in plain text fails
        ("supports_refusal", "openai", lambda: oai.OpenAIFake(o(refusal="I can't help.")), True),
        ("supports_refusal", "anthropic", lambda: ant.AnthropicFake(a(refusal="")), True),
        ("supports_refusal", "gemini", lambda: gem.GeminiApp(script=g(finish_reason="SAFETY")),
         True),
        ("supports_refusal", "ollama", lambda: oll.OllamaApp(ol(refusal="I'm sorry, no.")), False),
        ("supports_refusal", "openai", lambda: oai.OpenAIFake(o(text="Step 1: ...")), False),
        # uncertainty: the unanswerable question must be less sure than the trivial one
        ("supports_uncertainty_expression", "openai", lambda: routed(
            oai.OpenAIFake(), {easy: o(text="4", logprob=-0.01)}, o(text="12345", logprob=-2.5)),
         True),
        ("supports_uncertainty_expression", "ollama", lambda: routed(
            oll.OllamaApp(), {easy: ol(text="4", logprobs=[-0.01])},
            ol(text="9 9 9", logprobs=[-3.0])), True),
        ("supports_uncertainty_expression", "gemini", lambda: routed(
            gem.GeminiApp(), {easy: g(text="4", logprobs=[-0.02])},
            g(text="777", logprobs=[-4.0])), True),
        ("supports_uncertainty_expression", "openai", lambda: oai.OpenAIFake(o(text="4")), False),
        ("supports_uncertainty_expression", "anthropic", lambda: ant.AnthropicFake(), False),
        # system prompts: the code word comes back
        ("supports_system_prompts", "anthropic", lambda: ant.AnthropicFake(), True),
        ("supports_system_prompts", "openai", lambda: oai.OpenAIFake(), True),
        ("supports_system_prompts", "gemini", lambda: gem.GeminiApp(), True),
        ("supports_system_prompts", "ollama", lambda: oll.OllamaApp(ol(chunks=["Red, ", "blue"])),
         False),
        ("supports_system_prompts", "openai", lambda: dropping(oai.OpenAIFake(), without_system),
         False),
        # stop signal: the text ends before the stop sequence and a stream can be cancelled
        ("supports_stop_signal", "openai", lambda: oai.OpenAIFake(o(text=COUNTING)), True),
        ("supports_stop_signal", "anthropic", lambda: ant.AnthropicFake(a(text=COUNTING)), True),
        ("supports_stop_signal", "ollama", lambda: oll.OllamaApp(ol(text=COUNTING)), True),
        ("supports_stop_signal", "openai", lambda: dropping(oai.OpenAIFake(o(text=COUNTING)),
                                                            without_stop), False),
        ("supports_stop_signal", "openai", lambda: oai.OpenAIFake(o(text="I won't count.")),
         None),  # not the counted list: undecided
        # tool calls: a forced call whose arguments validate against the schema
        ("supports_tool_call_wrapping", "openai", lambda: oai.OpenAIFake(o(tool_calls=[
            ("record_capital", CAPITAL)])), True),
        ("supports_tool_call_wrapping", "anthropic", lambda: ant.AnthropicFake(a(tool_calls=[
            {"name": "record_capital", "input": CAPITAL}])), True),
        ("supports_tool_call_wrapping", "gemini", lambda: gem.GeminiApp(script=g(tool_calls=[
            {"name": "record_capital", "args": CAPITAL}])), True),
        ("supports_tool_call_wrapping", "ollama", lambda: oll.OllamaApp(ol(tool_calls=[
            ("record_capital", CAPITAL)])), True),
        ("supports_tool_call_wrapping", "openai", lambda: oai.OpenAIFake(), False),  # args {}
        ("supports_tool_call_wrapping", "openai", lambda: oai.OpenAIFake(o(tool_calls=[
            ("record_capital", {"country": "France", "city": 7})])), False),
        ("supports_tool_call_wrapping", "ollama", lambda: oll.OllamaApp(), False),
        # reasoning: returned apart from the answer
        ("supports_reasoning_pause", "anthropic", lambda: ant.AnthropicFake(), True),
        ("supports_reasoning_pause", "openai", lambda: oai.OpenAIFake(o(
            text="no", reasoning="221 = 13 x 17.")), True),
        ("supports_reasoning_pause", "openai", lambda: oai.OpenAIFake(o(text="no")), False),
        ("supports_reasoning_pause", "openai", lambda: oai.OpenAIFake(o(
            text="<think>221 = 13 x 17</think> no")), False),
        # streaming: several chunks that join to the completion's shape
        ("supports_streaming", "openai", lambda: oai.OpenAIFake(), True),
        ("supports_streaming", "anthropic", lambda: ant.AnthropicFake(), True),
        ("supports_streaming", "gemini", lambda: gem.GeminiApp(), True),
        ("supports_streaming", "ollama", lambda: oll.OllamaApp(), True),
        ("supports_streaming", "openai", lambda: oai.OpenAIFake(o(chunks=[COUNTING])), False),
        # logprobs: finite and at most 0
        ("supports_logprobs", "openai", lambda: oai.OpenAIFake(), True),
        ("supports_logprobs", "ollama", lambda: oll.OllamaApp(), True),
        ("supports_logprobs", "openai", lambda: oai.OpenAIFake(o(logprob=0.5)), False),
        ("supports_logprobs", "anthropic", lambda: ant.AnthropicFake(), False),
        # structured output: parses and validates
        ("supports_structured_output", "anthropic", lambda: ant.AnthropicFake(), True),
        ("supports_structured_output", "openai", lambda: oai.OpenAIFake(o(
            text='{"country": "Japan", "city": "Tokyo"}')), True),
        ("supports_structured_output", "openai", lambda: oai.OpenAIFake(), False),
        ("supports_structured_output", "anthropic", lambda: ant.AnthropicFake(a(
            structured={"country": "Japan"})), False),
    ]


@pytest.mark.parametrize(("capability", "provider", "app", "expected"), _cases(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_probe_passes_and_fails(capability: str, provider: str, app: Callable[[], App],
                                expected: bool | None, servers: dict[str, FakeServer]) -> None:
    result = trial(capability, make(provider, servers, app()))
    assert result.outcome is expected, result.reason
    assert result.exchanges and all(e.elapsed_s >= 0 for e in result.exchanges)
    json.dumps(result.to_dict(), allow_nan=False)  # the evidence is plain JSON


def test_all_lists_every_public_name() -> None:
    public = {n for n, v in vars(audit).items() if not n.startswith("_")
              and not isinstance(v, type(audit))}
    assert public == set(audit.__all__) and len(audit.__all__) == len(set(audit.__all__))


def test_target_url_keeps_no_credentials() -> None:
    target = AuditTarget("x", base_url="https://user:sk-secret@host:8443/v1?key=AIzaSecret#f")
    assert target.base_url == "https://host:8443/v1"


def test_every_capability_has_one_probe() -> None:
    assert [p.capability for p in PROBES] == list(vocabulary()["capability"])
    with pytest.raises(KeyError, match="supports_refusal"):
        probe_for("supports_telepathy")


def test_code_word_is_recorded(servers: dict[str, FakeServer]) -> None:
    result = trial("supports_system_prompts", make("openai", servers, oai.OpenAIFake()))
    word = result.notes["code_word"]
    assert word in result.exchanges[0].request["params"]["system"]
    assert word in response(result.exchanges[0])["text"]


def test_adapter_that_cannot_observes_false(servers: dict[str, FakeServer]) -> None:
    backend = make("openai", servers, oai.OpenAIFake(),
                   capabilities={"supports_system_prompts": False})
    result = trial("supports_system_prompts", backend)
    assert result.outcome is False and "cannot honour 'system'" in result.reason
    assert not servers["openai"].requests  # nothing was sent


def test_unforceable_tool_choice_is_asked_with_auto(servers: dict[str, FakeServer]) -> None:
    result = trial("supports_tool_call_wrapping", make("ollama", servers, oll.OllamaApp(
        oll.Script(tool_calls=[("record_capital", CAPITAL)]))))
    assert result.outcome is True and "auto" in result.notes["tool_choice"]
    assert [e.label for e in result.exchanges] == ["forced tool call", "tool call (auto)"]


def test_backend_errors_leave_the_trial_undecided(servers: dict[str, FakeServer]) -> None:
    backend = make("openai", servers, oai.OpenAIFake())
    servers["openai"].inject(Fault(status=503, times=5))
    result = trial("supports_refusal", backend)
    assert result.outcome is None and "BackendUnavailableError" in result.reason
    assert result.exchanges[0].error and result.exchanges[0].response is None
    # a model that rejects the parameter with a 400 is undecided too, and recorded (the
    # catalog's gate is lifted, as `arifos audit` does, so the request reaches the server)
    result = trial("supports_reasoning_pause", make(
        "ollama", servers, oll.OllamaApp(),
        capabilities={"supports_reasoning_pause": "unknown"}))
    assert result.outcome is None and "does not support thinking" in result.reason


def test_authentication_error_aborts(servers: dict[str, FakeServer]) -> None:
    backend = make("anthropic", servers, ant.AnthropicFake(api_key="the-right-key"))
    with backend, pytest.raises(AuthenticationError):
        run_audit(backend, repeat=2)


def test_cancelled_stream_closes_the_connection(servers: dict[str, FakeServer]) -> None:
    server = _nodelay(FakeServer(oai.OpenAIFake(oai.Script(chunks=["tick "] * 200,
                                                           interval=0.02))))
    try:
        with OpenAIBackend("gpt-4o", api_key="k", base_url=server.url + "/v1") as backend:
            result = probe_for("supports_stop_signal").run(backend)
        assert response(result.exchanges[1])["close_s"] < 1.0
        assert response(result.exchanges[1])["yielded_after_close"] is False
        assert server.disconnected.wait(1.0)  # the server saw the connection close
    finally:
        server.stop()


class _Stream:
    """A stream whose close() is slow, or that goes on after close()."""

    def __init__(self, inner: Iterator[StreamChunk], delay: float, leak: bool) -> None:
        self.inner, self.delay, self.leak = inner, delay, leak

    def __iter__(self) -> _Stream:
        return self

    def __next__(self) -> StreamChunk:
        return next(self.inner) if not self.leak else StreamChunk("more ")

    def close(self) -> None:
        time.sleep(self.delay)


class BadCancel(LLMBackend):
    def __init__(self, inner: LLMBackend, *, delay: float = 0.0, leak: bool = False) -> None:
        self.inner, self.delay, self.leak = inner, delay, leak
        self.model, self.provider = inner.model, inner.provider

    def complete(self, messages: Any, **params: Any) -> Completion:
        return self.inner.complete(messages, **params)

    def stream(self, messages: Any, **params: Any) -> Iterator[StreamChunk]:
        return _Stream(self.inner.stream(messages, **params), self.delay, self.leak)


@pytest.mark.parametrize(("delay", "leak", "reason"), [
    (1.3, False, "did not return within 1 s"), (0.0, True, "went on after close()")])
def test_stream_that_cannot_be_cancelled_fails(servers: dict[str, FakeServer], delay: float,
                                               leak: bool, reason: str) -> None:
    inner = make("openai", servers, oai.OpenAIFake(oai.Script(text=COUNTING)))
    result = trial("supports_stop_signal", BadCancel(inner, delay=delay, leak=leak))
    assert result.outcome is False and reason in result.reason
    assert "ended before the stop sequence" in result.reason  # the stop half passed


# -- repeats and majority -----------------------------------------------------------------------

def test_majority_rule() -> None:
    assert majority([True, True, False]) is True
    assert majority([False, False, True]) is False
    assert majority([True, False]) == "unknown"
    assert majority([True, None, None]) is True
    assert majority([None, None]) == "unknown"
    assert majority([]) == "unknown"


def _obeys(request: Request) -> str:
    return (request.system or "").split("reply with ")[1].split()[0]


def test_repeat_decides_by_majority_and_is_repeatable() -> None:
    probe = probe_for("supports_system_prompts")
    backend = MockBackend([_obeys, "Red, green, blue.", _obeys])
    report = run_audit(backend, repeat=3, seed=42, probes=[probe])
    result = report.results[0]
    assert (result.passed, result.failed, result.observed) == (2, 1, True)
    assert [t.status for t in result.trials] == ["pass", "fail", "pass"]
    words = [t.notes["code_word"] for t in result.trials]
    assert len(set(words)) == 3
    again = run_audit(MockBackend([_obeys] * 3), repeat=3, seed=42, probes=[probe])
    assert [t.notes["code_word"] for t in again.results[0].trials] == words
    assert report.seed == 42 and report.repeat == 3


def test_progress_reports_each_trial() -> None:
    seen: list[tuple[int, int, str]] = []
    run_audit(MockBackend([_obeys] * 2), repeat=2, probes=[probe_for("supports_system_prompts")],
              progress=lambda d, t, label: seen.append((d, t, label)))
    assert seen == [(0, 2, "supports_system_prompts 1/2"), (1, 2, "supports_system_prompts 2/2"),
                    (2, 2, "done")]


def test_progress_bar_draws_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = audit.ProgressBar(stream)
        bar(3, 9, "supports_stop_signal 1/1")
        bar.close()
    assert "[########----------------] 3/9 supports_stop_signal" in tty.getvalue()
    assert pipe.getvalue() == ""


# -- evidence: redaction, escaping, truncation, ledger --------------------------------------------

def full_honour_anthropic() -> App:
    s = ant.Script
    return routed(ant.AnthropicFake(), {
        "sarin": s(refusal="I can't help with that."),
        "record_capital": s(tool_calls=[{"name": "record_capital", "input": CAPITAL}]),
        "Count from one": s(text=COUNTING)}, s())


def test_transcripts_are_redacted_escaped_and_truncated(
        servers: dict[str, FakeServer], monkeypatch: pytest.MonkeyPatch) -> None:
    canary = "sk-canary-0123456789abcdef"
    monkeypatch.setenv("ANTHROPIC_API_KEY", canary)
    hostile = f"<script>alert(1)</script> \x00\x1b key {canary} " + "x" * 5000
    backend = make("anthropic", servers, ant.AnthropicFake(ant.Script(text=hostile)))
    with backend:
        report = run_audit(backend, seed=1)
    rendered = {"json": render_json(report), "junit": render_junit(report),
                "html": render_html(report), "ledger": json.dumps(ledger_record(report))}
    for name, text in rendered.items():
        assert canary not in text, name
    assert "<script>" not in rendered["html"] and "&lt;script&gt;" in rendered["html"]
    ET.fromstring(rendered["junit"].split("\n", 1)[1])  # control characters were dropped
    text = response(report.results[0].trials[0].exchanges[0])["text"]  # the refusal probe
    assert "more characters]" in text and len(text) < 2100 and "***" in text
    assert Redactor(["hunter2-secret"]).text("pw hunter2-secret, AIza" + "A" * 30) == "pw ***, ***"


def test_ledger_records_the_hash_of_each_transcript(servers: dict[str, FakeServer],
                                                    tmp_path: Path) -> None:
    backend = make("anthropic", servers, full_honour_anthropic())
    with backend:
        report = run_audit(backend, seed=3, repeat=2)
    ledger = SQLiteLedger(tmp_path / "ledger.sqlite3")
    report, entry = record_audit(ledger, report)
    assert report.ledger_entry == entry.id and entry.kind == "audit"
    body = ledger.get(entry.id).record
    saved = json.loads(render_json(report))
    assert saved["ledger_entry"] == entry.id
    for result in saved["results"]:
        transcript = {k: result[k] for k in ("capability", "rule", "trials")}
        digest = audit._audit._sha256(transcript)
        assert body["capabilities"][result["capability"]]["sha256"] == digest == result["sha256"]
    assert body["evidence_sha256"] == report.evidence_sha256
    assert ledger.verify().ok
    ledger.close()


def test_report_on_a_compliant_backend(servers: dict[str, FakeServer]) -> None:
    backend = make("anthropic", servers, full_honour_anthropic())
    with backend:
        report = run_audit(backend, seed=5)
    observed = report.observed
    assert observed["supports_refusal"] is True and observed["supports_stop_signal"] is True
    assert observed["supports_tool_call_wrapping"] is True
    assert observed["supports_uncertainty_expression"] is False  # Anthropic has no logprobs
    assert report.verdict == "FAIL" and report.exit_code == 1
    assert report.results[1].capability == "supports_uncertainty_expression"
    assert report.failing(report.results[1]) is not None


# -- the catalog fragment -----------------------------------------------------------------------

def test_catalog_update_merges_into_the_catalog(tmp_path: Path) -> None:
    backend = MockBackend([_obeys], model="vendor/model*1")
    report = run_audit(backend, probes=[probe_for("supports_system_prompts")],
                       declared={"supports_system_prompts": False},
                       target=AuditTarget("vllm:vendor/model*1", "openai_compatible", "vllm",
                                          "vendor/model*1", "vllm", "http://127.0.0.1:1"))
    assert [r.capability for r in report.mismatches] == ["supports_system_prompts"]
    fragment = catalog_update(report)
    rule = fragment["families"]["openai_compatible"]["presets"]["vllm"]["models"][0]
    assert rule["capabilities"] == {"supports_system_prompts": True}
    assert "differs from the catalog in supports_system_prompts" in rule["note"]
    catalog = json.loads(CATALOG.read_text("utf-8"))
    preset = catalog["families"]["openai_compatible"]["presets"]["vllm"]
    preset["models"] = [rule, *preset.get("models", [])]
    merged = tmp_path / "catalog.json"
    merged.write_text(json.dumps(catalog), encoding="utf-8")
    loaded = load_catalog(merged)  # still a valid catalog
    assert loaded.capabilities("openai_compatible", "vendor/model*1",
                               preset="vllm")["supports_system_prompts"] is True
    rule_loaded = loaded.family("openai_compatible").preset("vllm").models[0]
    assert rule_loaded.matches("vendor/model*1") and not rule_loaded.matches("vendor/modelX1")


# -- the static matrix --------------------------------------------------------------------------

def test_static_matrix_covers_the_catalog() -> None:
    catalog, contract = load_catalog(), load_contract()
    matrix = static_matrix(catalog, contract, backends=[*catalog.families, "my_plugin"])
    subjects = {row.subject: row for row in matrix.rows}
    for name, family in catalog.families.items():
        assert subjects[name].model == family.connection.default_model
        for preset in family.presets:
            assert subjects[f"{name}/{preset}"].kind == "preset"
        for rule in family.models:
            assert subjects[f"{name} {rule.match}"].kind == "model rule"
    for alias in catalog.aliases:
        assert subjects[alias].kind == "alias"
    assert subjects["llama-3 @vllm"].kind == "alias deployment"
    assert subjects["my_plugin"].kind == "registered backend"
    assert subjects["anthropic claude-3*"].check.verdict == "FAIL"  # declares refusal false
    assert subjects["mock"].check.verdict == "PASS"
    assert subjects["claude"].capabilities["supports_refusal"] is True
    assert matrix.verdict == "FAIL" and matrix.exit_code == 1
    table = render_static_table(matrix)
    assert "anthropic claude-3*" in table and "refusal*" in table
    suite = ET.fromstring(render_static_junit(matrix).split("\n", 1)[1])[0]
    assert int(suite.get("tests", "0")) == len(matrix.rows)
    assert int(suite.get("failures", "0")) == matrix.counts["FAIL"]


# -- the CLI in-process -------------------------------------------------------------------------

def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="arifos")
    audit_cli.register(parser.add_subparsers())
    args = parser.parse_args(["audit", *argv])
    return int(args.func(args))


def test_cli_live_audit_writes_reports(servers: dict[str, FakeServer], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai-key-000")
    o = oai.Script
    servers["openai"].app = routed(oai.OpenAIFake(), {
        "sarin": o(refusal="I can't help with that."),
        "record_capital": o(tool_calls=[("record_capital", CAPITAL)]),
        "Count from one": o(text=COUNTING),
        "2 + 2": o(text="4", logprob=-0.01),
        "grains of sand": o(text="31337", logprob=-3.0),
        "221": o(text="no", reasoning="221 = 13 x 17"),
        "Japan": o(text='{"country": "Japan", "city": "Tokyo"}')}, o())
    out = {k: tmp_path / f"report.{k}" for k in ("json", "xml", "html", "frag")}
    code = cli("gpt-4o", "--base-url", servers["openai"].url + "/v1", "--timeout", "5",
               "--json", str(out["json"]), "--junit", str(out["xml"]), "--html", str(out["html"]),
               "--update-catalog", str(out["frag"]), "--ledger", str(tmp_path / "l.sqlite3"))
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    assert "supports_refusal" in captured.out and "verdict: PASS" in captured.out
    # the catalog declares gpt-4o without reasoning; the fake returned it: a mismatch
    assert "MISMATCH supports_reasoning_pause" in captured.out
    # no progress bar: stderr is not a terminal (the fake servers may log a reset connection)
    assert "\r" not in captured.err and "supports_" not in captured.err
    report = json.loads(out["json"].read_text("utf-8"))
    assert report["observed"]["supports_uncertainty_expression"] is True
    assert report["mismatches"] == ["supports_reasoning_pause"]
    suite = ET.parse(out["xml"]).getroot()[0]
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == list(vocabulary()["capability"])
    failing = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failing == ["supports_reasoning_pause"]
    assert json.loads(out["frag"].read_text("utf-8"))["families"]["openai"]["models"][0][
        "match"] == "gpt-4o"
    page = out["html"].read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http" in page
    assert html.escape("I can't help with that.") in page
    ledger = SQLiteLedger(tmp_path / "l.sqlite3")
    try:
        assert ledger.tail(1)[0].record["evidence_sha256"] == report["evidence_sha256"]
    finally:
        ledger.close()


@pytest.mark.parametrize(("argv", "message"), [
    (["claude"], "ANTHROPIC_API_KEY"),
    (["no-such-model"], "not supported"),
    (["claude", "--repeat", "0"], "--repeat must be at least 1"),
    (["claude", "--static"], "--static checks the catalog offline"),
    ([], "give a BACKEND"),
])
def test_cli_usage_errors_exit_2(argv: list[str], message: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(*argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_rejected_key_aborts_with_exit_2(servers: dict[str, FakeServer],
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong-key-12345")
    servers["anthropic"].app = ant.AnthropicFake(api_key="sk-ant-right-key")
    assert cli("claude", "--base-url", servers["anthropic"].url, "--no-ledger") == 2
    err = capsys.readouterr().err
    assert "authentication failed for claude, audit aborted" in err
    assert "sk-ant-wrong-key-12345" not in err


def test_cli_static(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli("--static", "--junit", str(tmp_path / "s.xml"), "--json", str(tmp_path / "s.json"),
               "--html", str(tmp_path / "s.html"))
    out = capsys.readouterr().out
    assert code == 1 and "anthropic claude-3*" in out and "verdict: FAIL" in out
    assert ET.parse(tmp_path / "s.xml").getroot()[0].get("failures") != "0"
    assert json.loads((tmp_path / "s.json").read_text("utf-8"))["kind"] == "arifos.audit.static"
    assert "<table>" in (tmp_path / "s.html").read_text("utf-8")


# -- `arifos audit` end to end in a subprocess -------------------------------------------------

def arifos(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arifos_core.cli", "audit", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
                          env={**os.environ, **(env or {})})


def test_subprocess_static_prints_the_matrix_offline() -> None:
    result = arifos("--static")
    assert result.returncode == 1, result.stderr
    assert "refusal*" in result.stdout and "claude" in result.stdout
    assert "Traceback" not in result.stderr


def test_subprocess_audit_claude(servers: dict[str, FakeServer], tmp_path: Path) -> None:
    servers["anthropic"].app = full_honour_anthropic()
    files = {k: tmp_path / f"claude.{k}" for k in ("json", "xml", "html")}
    result = arifos("claude", "--base-url", servers["anthropic"].url, "--timeout", "5",
                    "--json", str(files["json"]), "--junit", str(files["xml"]),
                    "--html", str(files["html"]), "--ledger", str(tmp_path / "ledger.sqlite3"),
                    env={"ANTHROPIC_API_KEY": "sk-ant-subprocess-key-42"})
    assert result.returncode == 1, result.stdout + result.stderr  # no uncertainty signal
    assert "declared" in result.stdout and "observed" in result.stdout
    for line in ("supports_refusal", "supports_stop_signal", "supports_streaming"):
        assert line in result.stdout
    assert "\r" not in result.stderr and "Traceback" not in result.stderr
    root = ET.parse(files["xml"]).getroot()
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 9
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {"supports_uncertainty_expression"}
    data = json.loads(files["json"].read_text("utf-8"))
    assert data["verdict"] == "FAIL" and data["ledger_entry"]
    page = files["html"].read_text("utf-8")
    assert "supports_uncertainty_expression" in page and "sk-ant-subprocess-key-42" not in page
