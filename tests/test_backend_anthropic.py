"""AnthropicBackend through the official ``anthropic`` SDK against a fake Messages API on
loopback: the requests it sends, the answers it parses (JSON and server-sent events), and every
fault it maps, sync and async."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import anthropic
import httpx
import httpx2
import pydantic
import pytest

from arifos_core.backends import (
    AuthenticationError,
    BackendError,
    BackendTimeoutError,
    BackendUnavailableError,
    InvalidRequestError,
    Message,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
    StreamChunk,
    Tool,
    ToolCall,
    UnsupportedParameterError,
    collect_stream,
)
from arifos_core.backends._anthropic import REDACTED_THINKING, AnthropicBackend
from arifos_core.backends._registry import get_backend
from tests.fakes._http import FakeServer, Fault
from tests.fakes.anthropic import AnthropicFake, Script, error_body

KEY = "sk-ant-test-key"
CANARY = "sk-canary-5f0c3a9e71d2"
MODEL = "claude-sonnet-4-6"
WEATHER = Tool("get_weather", "Weather for a city",
               {"type": "object", "properties": {"city": {"type": "string"}},
                "required": ["city"]})
TIME = Tool("get_time", "Local time", {"type": "object", "properties": {}})
T = TypeVar("T")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL",
                 "ANTHROPIC_CUSTOM_HEADERS", "ANTHROPIC_LOG"):
        monkeypatch.delenv(name, raising=False)


def start_server() -> FakeServer:
    fake = FakeServer(AnthropicFake(api_key=KEY), error_body=error_body)
    # Headers and body go out in two writes; without TCP_NODELAY the second waits ~40 ms for
    # a delayed ACK on every response.
    fake._httpd.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
    return fake.start()


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeServer]:
    """One server for the module (stopping one takes half a second); reset for each test."""
    fake = start_server()
    yield fake
    fake.stop()


@pytest.fixture()
def server(shared_server: FakeServer) -> FakeServer:
    shared_server.app = AnthropicFake(api_key=KEY)
    shared_server.requests.clear()
    shared_server.faults.clear()
    return shared_server


@pytest.fixture()
def app(server: FakeServer) -> AnthropicFake:
    return server.app  # type: ignore[return-value]


@pytest.fixture()
def fresh_server() -> Iterator[FakeServer]:
    """A server of its own, for tests that watch for disconnects."""
    fake = start_server()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def shared_backend(shared_server: FakeServer) -> Iterator[AnthropicBackend]:
    """One backend (so one sync client: each costs ~30 ms of TLS set-up) for the module."""
    with AnthropicBackend(MODEL, api_key=KEY, base_url=shared_server.url, timeout=5) as made:
        yield made


@pytest.fixture()
def backend(server: FakeServer, shared_backend: AnthropicBackend) -> AnthropicBackend:
    return shared_backend


def run(backend: AnthropicBackend, work: Callable[[], Awaitable[T]]) -> T:
    """Run async work on a fresh loop, closing the backend's async client in that loop."""

    async def main() -> T:
        try:
            return await work()
        finally:
            await backend._aclose()

    return asyncio.run(main())


def body(server: FakeServer, index: int = -1) -> dict[str, Any]:
    sent = [r for r in server.requests if r.path == "/v1/messages"]
    return sent[index].json  # type: ignore[no-any-return]


def astream_all(backend: AnthropicBackend, prompt: Any, **params: Any) -> list[StreamChunk]:
    async def work() -> list[StreamChunk]:
        return [chunk async for chunk in backend.astream(prompt, **params)]

    return run(backend, work)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def same(a: Any, b: Any) -> bool:
    """Two Completions agree on everything but timing and the raw response."""
    skip = {"latency_s", "raw", "response_id"}
    return {k: v for k, v in vars(a).items() if k not in skip} == \
        {k: v for k, v in vars(b).items() if k not in skip}


# -- text, request shape, system prompt, stop, options ------------------------------------------

def test_text_sync_and_async_agree(backend: AnthropicBackend, server: FakeServer) -> None:
    completion = backend.complete("Say hello", max_tokens=50)
    assert completion.text == "Hello! How can I help you today?"
    assert completion.finish_reason == "stop" and completion.raw_finish_reason == "end_turn"
    assert completion.model == MODEL and completion.provider == "anthropic"
    assert completion.response_id and completion.response_id.startswith("msg_fake_")
    assert completion.refusal is None and completion.reasoning is None
    assert completion.logprobs is None and completion.confidence is None
    sent = body(server)
    assert sent == {"model": MODEL, "max_tokens": 50,
                    "messages": [{"role": "user", "content": "Say hello"}]}
    headers = server.requests[-1].headers
    assert headers["anthropic-version"] and headers["authorization"] == f"Bearer {KEY}"
    async_completion = run(backend, lambda: backend.acomplete("Say hello", max_tokens=50))
    assert same(completion, async_completion)
    assert backend.generate("Say hello") == completion.text
    assert run(backend, lambda: backend.agenerate("Say hello")) == completion.text


def test_system_prompt_is_top_level(backend: AnthropicBackend, server: FakeServer) -> None:
    assert backend.generate("Hi", system="Reply with PINEAPPLE") == "PINEAPPLE"
    assert body(server)["system"] == "Reply with PINEAPPLE"
    messages = [Message.system("Be brief."), Message.user("Hi"),
                Message.assistant("Hello."), Message.user("Again"),
                Message.system("Reply with MANGO.")]
    completion = run(backend, lambda: backend.acomplete(messages, system="You are terse."))
    assert completion.text == "MANGO"
    sent = body(server)
    assert sent["system"] == "You are terse.\n\nBe brief.\n\nReply with MANGO."
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]


def test_stop_sequences_cut_the_answer(backend: AnthropicBackend, server: FakeServer) -> None:
    completion = backend.complete("Hi", stop=["How", "zzz"])
    assert completion.text == "Hello! " and completion.metadata["stop_sequence"] == "How"
    assert completion.finish_reason == "stop" and completion.raw_finish_reason == "stop_sequence"
    assert body(server)["stop_sequences"] == ["How", "zzz"]
    chunks = list(backend.stream("Hi", stop="help"))
    assert "".join(c.text for c in chunks) == "Hello! How can I "
    assert chunks[-1].metadata and chunks[-1].metadata["raw_finish_reason"] == "stop_sequence"
    assert chunks[-1].metadata["stop_sequence"] == "help"


def test_max_tokens_gives_length(backend: AnthropicBackend) -> None:
    completion = backend.complete("Hi", max_tokens=2)
    assert completion.text == "Hello! How " and completion.finish_reason == "length"
    assert completion.raw_finish_reason == "max_tokens"


@pytest.mark.parametrize(("raw", "finish"), [
    ("pause_turn", "length"), ("model_context_window_exceeded", "length"),
    ("end_turn", "stop"), ("some_future_reason", "stop")])
def test_other_stop_reasons(backend: AnthropicBackend, app: AnthropicFake, raw: str,
                            finish: str) -> None:
    app.script = Script(stop_reason=raw)
    completion = backend.complete("Hi")
    assert completion.finish_reason == finish and completion.raw_finish_reason == raw
    last = list(backend.stream("Hi"))[-1]
    assert last.finish_reason == finish and last.metadata
    assert last.metadata["raw_finish_reason"] == raw


def test_options_pass_through(backend: AnthropicBackend, server: FakeServer) -> None:
    backend.complete("Hi", anthropic_metadata={"user_id": "u-1"},
                     anthropic_service_tier="standard_only")
    sent = body(server)
    assert sent["metadata"] == {"user_id": "u-1"} and sent["service_tier"] == "standard_only"
    with pytest.raises(InvalidRequestError, match="top_k: Extra inputs are not permitted") as info:
        backend.complete("Hi", anthropic_top_k=5)
    assert body(server)["top_k"] == 5 and info.value.status_code == 400
    assert info.value.request_id and info.value.request_id.startswith("req_fake_")


def test_usage_counts_cache_and_thinking(backend: AnthropicBackend, app: AnthropicFake) -> None:
    app.script = Script(usage={"input_tokens": 10, "cache_creation_input_tokens": 5,
                               "cache_read_input_tokens": 100, "output_tokens": 40,
                               "output_tokens_details": {"thinking_tokens": 25}})
    usage = backend.complete("Hi").usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (115, 40, 155)
    assert usage.cached_prompt_tokens == 100 and usage.reasoning_tokens == 25
    assert list(backend.stream("Hi"))[-1].usage == usage


# -- streaming ----------------------------------------------------------------------------------

def test_stream_sync_and_async(backend: AnthropicBackend, app: AnthropicFake) -> None:
    app.script = Script(chunks=["Hel", "lo ", "there", "."])
    chunks = list(backend.stream("Hi"))
    assert [c.text for c in chunks if c.text] == ["Hel", "lo ", "there", "."]
    assert chunks[-1].finish_reason == "stop" and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 8
    assert all(c.finish_reason is None for c in chunks[:-1])
    assert chunks[-1].metadata and chunks[-1].metadata["model"] == MODEL
    achunks = astream_all(backend, "Hi")
    assert [c.text for c in achunks] == [c.text for c in chunks]
    assert same(collect_stream(chunks, model=MODEL, provider="anthropic"),
                collect_stream(achunks, model=MODEL, provider="anthropic"))
    streamed = collect_stream(chunks, model=MODEL, provider="anthropic")
    completed = backend.complete("Hi")
    assert streamed.text == completed.text and streamed.usage == completed.usage


def test_stream_request_has_stream_true(backend: AnthropicBackend, server: FakeServer) -> None:
    list(backend.generate_stream("Hi", max_tokens=30))
    sent = body(server)
    assert sent["stream"] is True and sent["max_tokens"] == 30


# -- tools --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("choice", "sent"), [
    (None, None), ("auto", {"type": "auto"}), ("none", {"type": "none"}),
    ("required", {"type": "any"}), ("get_time", {"type": "tool", "name": "get_time"})])
def test_tool_choice_translation(backend: AnthropicBackend, server: FakeServer,
                                 app: AnthropicFake, choice: str | None, sent: Any) -> None:
    app.script = Script(tool_calls=[{"name": "get_weather", "input": {"city": "Paris"}}])
    completion = backend.complete("Weather?", tools=[WEATHER, TIME], tool_choice=choice)
    request = body(server)
    assert request["tools"][0] == {"name": "get_weather", "description": "Weather for a city",
                                   "input_schema": dict(WEATHER.parameters)}
    assert request.get("tool_choice") == sent
    names = [c.name for c in completion.tool_calls]
    expected = {None: ["get_weather"], "auto": ["get_weather"], "none": [],
                "required": ["get_weather"], "get_time": ["get_time"]}[choice]
    assert names == expected
    assert completion.finish_reason == ("tool_calls" if expected else "stop")


def test_tool_calls_parsed(backend: AnthropicBackend, app: AnthropicFake) -> None:
    app.script = Script(preamble="Let me check.", tool_calls=[
        {"id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
        {"id": "toolu_2", "name": "get_weather", "input": {"city": "Oslo"}}])
    completion = backend.complete("Weather?", tools=[WEATHER])
    assert completion.text == "Let me check." and completion.finish_reason == "tool_calls"
    assert completion.raw_finish_reason == "tool_use"
    assert [(c.id, dict(c.arguments)) for c in completion.tool_calls] == [
        ("toolu_1", {"city": "Paris"}), ("toolu_2", {"city": "Oslo"})]


def test_streamed_tool_calls_sync_and_async(backend: AnthropicBackend,
                                            app: AnthropicFake) -> None:
    app.script = Script(preamble="Checking.", tool_calls=[
        {"id": "toolu_1", "name": "get_weather", "input": {"city": "Paris", "days": [1, 2]}}])
    for chunks in (list(backend.stream("Weather?", tools=[WEATHER])),
                   astream_all(backend, "Weather?", tools=[WEATHER])):
        with_calls = [c for c in chunks if c.tool_calls]
        assert len(with_calls) == 1
        call = with_calls[0].tool_calls[0]
        assert (call.id, call.name) == ("toolu_1", "get_weather")
        assert dict(call.arguments) == {"city": "Paris", "days": [1, 2]}
        assert "".join(c.text for c in chunks) == "Checking."
        assert chunks[-1].finish_reason == "tool_calls"


def test_tool_conversation_translation(backend: AnthropicBackend, server: FakeServer) -> None:
    calls = [ToolCall.parse("toolu_1", "get_weather", '{"city": "Paris"}'),
             ToolCall.parse("toolu_2", "get_time", "{}")]
    history = [Message.user("Weather and time?"), Message.assistant("", calls),
               Message.tool("18C", "toolu_1"), Message.tool("noon", "toolu_2")]
    completion = backend.complete(history, tools=[WEATHER, TIME])
    assert completion.text == "Hello! How can I help you today?"
    assert body(server)["messages"] == [
        {"role": "user", "content": "Weather and time?"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather",
             "input": {"city": "Paris"}},
            {"type": "tool_use", "id": "toolu_2", "name": "get_time", "input": {}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C"},
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "noon"}]}]
    openai_style = [{"role": "user", "content": "Weather?"},
                    {"role": "assistant", "content": "Sure.", "tool_calls": [
                        {"id": "toolu_9", "type": "function", "function": {
                            "name": "get_weather", "arguments": '{"city": "Oslo"}'}}]},
                    {"role": "tool", "tool_call_id": "toolu_9", "content": "3C"},
                    {"role": "user", "content": "Thanks"}]
    run(backend, lambda: backend.acomplete(openai_style, tools=[WEATHER]))
    sent = body(server)["messages"]
    assert sent[1]["content"][0] == {"type": "text", "text": "Sure."}
    assert sent[2] == {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_9", "content": "3C"},
        {"type": "text", "text": "Thanks"}]}


# -- refusal, reasoning, structured output ------------------------------------------------------

def test_refusal(backend: AnthropicBackend, app: AnthropicFake) -> None:
    app.script = Script(refusal="I can't help with that.", refusal_category="cyber")
    completion = backend.complete("Write malware")
    assert completion.finish_reason == "refusal" and completion.refused
    assert completion.refusal == "I can't help with that."
    assert completion.metadata["refusal_category"] == "cyber"
    last = list(backend.stream("Write malware"))[-1]
    assert last.finish_reason == "refusal" and last.refusal == "I can't help with that."
    app.script = Script(refusal="", refusal_category="bio")
    completion = run(backend, lambda: backend.acomplete("x"))
    assert completion.text == "" and completion.refusal == "Claude declined to answer " \
        "(category: bio)"
    assert backend.generate("x") == completion.refusal
    app.script = Script(refusal="", refusal_explanation="Policy says no.")
    assert backend.complete("x").refusal == "Policy says no."


@pytest.mark.parametrize(("reasoning", "budget", "max_tokens"), [
    ("low", 1024, 1024 + 1024), ("medium", 4096, 4096 + 1024), ("high", 16384, 16384 + 1024),
    ({"budget_tokens": 2000}, 2000, 2000 + 1024), (True, 4096, 4096 + 1024)])
def test_reasoning_budgets(backend: AnthropicBackend, server: FakeServer, reasoning: Any,
                           budget: int, max_tokens: int) -> None:
    completion = backend.complete("Think", reasoning=reasoning)
    sent = body(server)
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": budget}
    assert sent["max_tokens"] == max_tokens
    assert completion.reasoning == "Let me think this through."
    assert completion.text == "Hello! How can I help you today?"


def test_reasoning_keeps_a_larger_max_tokens(backend: AnthropicBackend,
                                             server: FakeServer) -> None:
    backend.complete("Think", reasoning="low", max_tokens=5000)
    assert body(server)["max_tokens"] == 5000
    with pytest.raises(InvalidRequestError, match="at least 1024"):
        backend.complete("Think", reasoning=500)
    backend.complete("No thinking")
    assert "thinking" not in body(server)


def test_reasoning_streamed_apart_from_text(backend: AnthropicBackend,
                                            app: AnthropicFake) -> None:
    app.script = Script(reasoning="First idea. Second idea.", redacted_reasoning=True)
    completion = backend.complete("Think", reasoning="low")
    assert completion.reasoning == f"{REDACTED_THINKING}\n\nFirst idea. Second idea."
    for chunks in (list(backend.stream("Think", reasoning="low")),
                   astream_all(backend, "Think", reasoning="low")):
        assert "".join(c.reasoning for c in chunks) == completion.reasoning
        assert "".join(c.text for c in chunks) == completion.text
        assert all(not (c.text and c.reasoning) for c in chunks)


def test_structured_output(backend: AnthropicBackend, server: FakeServer,
                           app: AnthropicFake) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "integer", "minimum": 0}},
              "required": ["answer"]}
    completion = backend.complete("2+2?", response_schema=schema)
    assert json.loads(completion.text) == {"answer": 1}
    fmt = body(server)["output_config"]["format"]
    assert fmt["type"] == "json_schema" and fmt["schema"]["additionalProperties"] is False
    assert fmt["schema"]["required"] == ["answer"]
    app.script = Script(structured={"answer": 4})
    streamed = collect_stream(backend.stream("2+2?", response_schema=schema))
    assert json.loads(streamed.text) == {"answer": 4}


# -- parameters ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "value"), [
    ("temperature", 0.5), ("top_p", 0.9), ("seed", 3), ("logprobs", True), ("top_logprobs", 2)])
def test_unsupported_params(backend: AnthropicBackend, server: FakeServer, name: str,
                            value: Any) -> None:
    with pytest.raises(UnsupportedParameterError) as info:
        backend.complete("Hi", **{name: value})
    assert info.value.parameter == name
    assert not server.requests
    assert backend.complete("Hi", strict=False, **{name: value}).text
    assert set(body(server)) == {"model", "max_tokens", "messages"}


def test_required_tool_choice_without_tools(backend: AnthropicBackend) -> None:
    with pytest.raises(InvalidRequestError, match="needs tools"):
        backend.complete("Hi", tool_choice="required")
    with pytest.raises(InvalidRequestError, match="Thinking may not be enabled"):
        backend.complete("Hi", tools=[WEATHER], tool_choice="required", reasoning="low")


def test_fake_checks_version_and_key(server: FakeServer) -> None:
    """The fake answers only requests with the version header and the right key."""
    payload = {"model": MODEL, "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}]}
    url = f"{server.url}/v1/messages"
    good = {"anthropic-version": "2023-06-01", "x-api-key": KEY}
    assert httpx.post(url, json=payload, headers=good).json()["type"] == "message"
    no_version = httpx.post(url, json=payload, headers={"x-api-key": KEY})
    assert no_version.status_code == 400
    assert no_version.json()["error"]["type"] == "invalid_request_error"
    wrong = httpx.post(url, json=payload, headers={**good, "x-api-key": "nope"})
    assert wrong.status_code == 401 and wrong.json() == {
        "type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"},
        "request_id": "req_fake_error"}
    assert wrong.headers["request-id"].startswith("req_fake_")
    missing = httpx.post(url, json={"model": MODEL}, headers=good)
    assert missing.status_code == 400 and "max_tokens" in missing.json()["error"]["message"]


def test_registry_capabilities_and_repr(backend: AnthropicBackend) -> None:
    assert get_backend("anthropic") is AnthropicBackend
    caps = backend.get_capabilities()
    assert caps["supports_logprobs"] is False and caps["supports_system_prompts"] is True
    assert KEY not in repr(backend) and "AnthropicBackend" in repr(backend)


def test_sdk_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anthropic", None)
    with pytest.raises(ImportError, match=r"pip install 'arifos-core\[anthropic\]'"):
        AnthropicBackend(MODEL, api_key=KEY)


def test_importing_the_adapter_does_not_import_the_sdk() -> None:
    code = ("import sys, arifos_core, arifos_core.backends._anthropic; "
            "sys.exit('anthropic' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_missing_key_names_env_var() -> None:
    with pytest.raises(AuthenticationError, match="ANTHROPIC_API_KEY"):
        AnthropicBackend(MODEL)


# -- models, health -----------------------------------------------------------------------------

def test_list_models_and_health(backend: AnthropicBackend, server: FakeServer,
                                app: AnthropicFake) -> None:
    app.script = Script(models=[f"claude-{i}" for i in range(25)])
    assert backend.list_models() == app.script.models
    assert run(backend, backend.alist_models) == app.script.models
    assert backend.health_check().ok
    assert run(backend, backend.ahealth_check).ok
    server.inject(Fault(status=500, message="down"))
    health = backend.health_check()
    assert not health.ok and "500" in health.detail


# -- faults -------------------------------------------------------------------------------------

FAULTS = [
    (401, {}, AuthenticationError),
    (403, {}, AuthenticationError),
    (400, {}, InvalidRequestError),
    (413, {}, InvalidRequestError),
    (429, {"Retry-After": "7"}, RateLimitError),
    (500, {}, BackendUnavailableError),
    (503, {"Retry-After": "2"}, BackendUnavailableError),
    (529, {}, BackendUnavailableError),
]


@pytest.mark.parametrize(("status", "headers", "error"), FAULTS)
def test_http_faults(backend: AnthropicBackend, server: FakeServer, status: int,
                     headers: dict[str, str], error: type[BackendError]) -> None:
    server.inject(Fault(status=status, message="injected", times=4, headers={
        "request-id": "req_fault_1", **headers}))
    for exc in each_mode(backend, error, "Hi"):
        assert type(exc) is error
        assert exc.status_code == status and exc.request_id == "req_fault_1"
        assert exc.provider == "anthropic" and "injected" in str(exc)
        assert exc.retryable is (status in (429, 500, 503, 529))
        if status in (401, 403):
            assert "ANTHROPIC_API_KEY" in str(exc) and KEY not in str(exc)
        if status == 429:
            assert isinstance(exc, RateLimitError) and exc.retry_after == 7.0
        if status == 503:
            assert isinstance(exc, BackendUnavailableError) and exc.retry_after == 2.0


def call(backend: AnthropicBackend, mode: str, prompt: Any, **params: Any) -> Any:
    if mode == "sync":
        return backend.complete(prompt, **params)
    if mode == "async":
        return run(backend, lambda: backend.acomplete(prompt, **params))
    if mode == "stream":
        return list(backend.stream(prompt, **params))
    return astream_all(backend, prompt, **params)


E = TypeVar("E", bound=BaseException)


def each_mode(backend: AnthropicBackend, error: type[E] | tuple[type[E], ...], prompt: Any,
              *, modes: str = "sync stream async astream", **params: Any) -> list[E]:
    """The error each way of calling raises (sync ones, then async ones on one loop)."""
    errors: list[E] = []
    for mode in ("sync", "stream"):
        if mode in modes.split():
            with pytest.raises(error) as info:
                call(backend, mode, prompt, **params)
            errors.append(info.value)

    async def one(mode: str) -> None:
        if mode == "async":
            await backend.acomplete(prompt, **params)
        else:
            [chunk async for chunk in backend.astream(prompt, **params)]

    async def work() -> None:
        for mode in ("async", "astream"):
            if mode in modes.split():
                with pytest.raises(error) as info:
                    await one(mode)
                errors.append(info.value)

    run(backend, work)
    return errors


def test_retry_after_ms(backend: AnthropicBackend, server: FakeServer) -> None:
    server.inject(Fault(status=429, headers={"retry-after-ms": "1500"}))
    with pytest.raises(RateLimitError) as info:
        backend.complete("Hi")
    assert info.value.retry_after == 1.5


def test_wrong_key_is_401(server: FakeServer) -> None:
    with AnthropicBackend(MODEL, api_key="sk-wrong", base_url=server.url) as wrong:
        errors = each_mode(wrong, AuthenticationError, "Hi")
    for exc in errors:
        assert "invalid x-api-key" in str(exc) and "ANTHROPIC_API_KEY" in str(exc)
        assert "sk-wrong" not in str(exc) and exc.status_code == 401


def test_unknown_model_lists_available(server: FakeServer) -> None:
    with AnthropicBackend("claude-nope", api_key=KEY, base_url=server.url) as missing:
        errors = each_mode(missing, ModelNotFoundError, "Hi")
    for exc in errors:
        assert exc.status_code == 404 and "claude-nope" in str(exc)
        assert "claude-sonnet-4-6" in exc.available and "claude-sonnet-4-6" in str(exc)


def test_injected_404_and_failing_model_list(backend: AnthropicBackend,
                                             server: FakeServer) -> None:
    server.inject(Fault(status=404, message="not here", times=2))
    with pytest.raises(ModelNotFoundError) as info:
        backend.complete("Hi")
    assert info.value.available == ()
    server.inject(Fault(status=404, message="no models endpoint"))
    with pytest.raises(ModelNotFoundError):
        backend.list_models()


def test_timeout(server: FakeServer) -> None:
    server.inject(Fault(delay=1.0, times=4))
    with AnthropicBackend(MODEL, api_key=KEY, base_url=server.url, timeout=0.2) as slow:
        errors = each_mode(slow, BackendTimeoutError, "Hi")
    assert len(errors) == 4
    assert all(e.retryable and isinstance(e, TimeoutError) for e in errors)


def test_per_call_timeout(backend: AnthropicBackend, server: FakeServer) -> None:
    server.inject(Fault(delay=1.0))
    with pytest.raises(BackendTimeoutError):
        backend.complete("Hi", timeout=0.2)


def test_slow_stream_read_times_out(server: FakeServer, app: AnthropicFake) -> None:
    app.script = Script(chunks=["a "] * 5, interval=0.5)
    with AnthropicBackend(MODEL, api_key=KEY, base_url=server.url, timeout=0.2) as slow, \
            pytest.raises(BackendTimeoutError):
        list(slow.stream("Hi"))


@pytest.mark.parametrize("drop_after", [0, 3, 8])
def test_connection_dropped_mid_stream(backend: AnthropicBackend, server: FakeServer,
                                       drop_after: int) -> None:
    server.inject(Fault(drop_after=drop_after, times=2))
    errors = each_mode(backend, (ProtocolError, BackendUnavailableError), "Hi",
                       modes="stream astream")
    assert len(errors) == 2
    assert all("broke before the answer was complete" in str(e) for e in errors)


def test_connection_dropped_mid_body(backend: AnthropicBackend, server: FakeServer) -> None:
    server.inject(Fault(drop_after=20, times=2))
    errors = each_mode(backend, (ProtocolError, BackendUnavailableError), "Hi",
                       modes="sync async")
    assert len(errors) == 2


def test_malformed_json(backend: AnthropicBackend, server: FakeServer) -> None:
    server.inject(Fault(malformed_json=True, times=2))
    assert len(each_mode(backend, ProtocolError, "Hi", modes="sync async")) == 2


def test_malformed_stream_line(backend: AnthropicBackend, server: FakeServer) -> None:
    server.inject(Fault(malformed_stream=True, times=2))
    assert len(each_mode(backend, ProtocolError, "Hi", modes="stream astream")) == 2


@pytest.mark.parametrize(("kind", "error", "status"), [
    ("overloaded_error", BackendUnavailableError, 529),
    ("api_error", BackendUnavailableError, 500),
    ("rate_limit_error", RateLimitError, 429),
    ("invalid_request_error", InvalidRequestError, 400)])
def test_error_event_mid_stream(backend: AnthropicBackend, app: AnthropicFake, kind: str,
                                error: type[BackendError], status: int) -> None:
    app.script = Script(error_event=kind, error_after=4)
    for exc in each_mode(backend, error, "Hi", modes="stream astream"):
        assert type(exc) is error and exc.status_code == status
        assert kind in str(exc) and exc.request_id


def test_stream_without_message_stop_is_an_error(backend: AnthropicBackend,
                                                 app: AnthropicFake) -> None:
    app.script = Script(error_event="overloaded_error", error_after=10_000)
    original = app._events

    def no_stop(message: Any, reply: Any) -> list[bytes]:
        return original(message, reply)[:-2]  # ends after message_delta, without message_stop

    app._events = no_stop  # type: ignore[method-assign]
    with pytest.raises(ProtocolError, match="ended before"):
        list(backend.stream("Hi"))


def test_connection_refused() -> None:
    url = closed_port_url()
    with AnthropicBackend(MODEL, api_key=KEY, base_url=url, timeout=2) as nowhere:
        errors = each_mode(nowhere, BackendUnavailableError, "Hi")
        assert not nowhere.health_check().ok
    for exc in errors:
        assert url in str(exc) and "ANTHROPIC_BASE_URL" in str(exc) and exc.retryable


# -- cancellation -------------------------------------------------------------------------------

def slow_backend(server: FakeServer) -> AnthropicBackend:
    server.app.script = Script(chunks=["tok "] * 100, interval=0.05)  # type: ignore[attr-defined]
    return AnthropicBackend(MODEL, api_key=KEY, base_url=server.url, timeout=5)


def test_stream_cancel_closes_connection_sync(fresh_server: FakeServer) -> None:
    with slow_backend(fresh_server) as backend:
        stream = backend.stream("Hi")
        taken = [next(stream), next(stream)]
        assert all(isinstance(c, StreamChunk) for c in taken)
        stream.close()  # type: ignore[attr-defined]
        assert fresh_server.disconnected.wait(2)


def test_stream_cancel_closes_connection_async(fresh_server: FakeServer) -> None:
    backend = slow_backend(fresh_server)

    async def work() -> None:
        agen = backend.astream("Hi")
        await agen.__anext__()
        await agen.__anext__()
        await agen.aclose()  # type: ignore[attr-defined]

    run(backend, work)
    backend.close()
    assert fresh_server.disconnected.wait(2)


# -- secrets ------------------------------------------------------------------------------------

def test_canary_key_never_leaks(server: FakeServer, app: AnthropicFake,
                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("anthropic", "httpx2", "httpcore2", "httpx", "httpcore", "arifos_core"):
        caplog.set_level(logging.DEBUG, logger=name)
    app.api_key = CANARY
    errors: list[BaseException] = []
    with AnthropicBackend(MODEL, api_key=CANARY, base_url=server.url, timeout=2) as backend:
        assert CANARY not in repr(backend) and CANARY not in str(vars(backend))
        backend.complete("Hi")
        list(backend.stream("Hi"))
        run(backend, lambda: backend.acomplete("Hi"))
        server.inject(Fault(status=401, message=f"bad key {CANARY}"))
        with pytest.raises(AuthenticationError) as info:
            backend.complete("Hi")
        errors.append(info.value)
        server.inject(Fault(status=429, message=f"slow down {CANARY}"))
        with pytest.raises(RateLimitError) as rate:
            run(backend, lambda: backend.acomplete("Hi"))
        errors.append(rate.value)
    with AnthropicBackend(MODEL, api_key=CANARY, base_url=closed_port_url()) as nowhere:
        with pytest.raises(BackendUnavailableError) as down:
            nowhere.complete("Hi")
        errors.append(down.value)
    app.api_key = KEY
    with AnthropicBackend(MODEL, api_key=CANARY, base_url=server.url) as rejected:
        with pytest.raises(AuthenticationError) as denied:
            list(rejected.stream("Hi"))
        errors.append(denied.value)
    for error in errors:
        assert CANARY not in str(error) and CANARY not in repr(error)
        assert CANARY not in str(error.args)
    assert caplog.records
    for record in caplog.records:
        assert CANARY not in record.getMessage()


# -- every exception the SDK and its HTTP library can raise --------------------------------------

def _subclasses(root: type) -> set[type]:
    found: set[type] = set()
    sub: type
    for sub in root.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _build(cls: type[BaseException], http: Any) -> BaseException:
    request = http.Request("POST", "https://api.anthropic.com/v1/messages")
    status = getattr(cls, "status_code", None)
    status = status if isinstance(status, int) else 500
    payload = {"type": "error", "error": {"type": "api_error", "message": "boom"}}
    response = http.Response(status, request=request, json=payload,
                             headers={"request-id": "req_x", "retry-after": "1"})
    values: dict[str, Any] = {
        "message": "boom", "request": request, "response": response, "body": payload,
        "library": "lib", "extra": "extra", "action": "add", "toolset_name": "tools",
        "path": None, "status_code": status, "request_id": "req_x"}
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if param.kind is param.VAR_POSITIONAL:
            args.append("boom")
        elif param.kind is param.VAR_KEYWORD:
            continue
        elif param.name in values:
            if param.kind is param.POSITIONAL_ONLY:
                args.append(values[param.name])
            else:
                kwargs[param.name] = values[param.name]
        elif param.default is param.empty:
            raise AssertionError(f"cannot build {cls.__qualname__}: needs {param.name}")
    return cls(*args, **kwargs)


def test_every_sdk_exception_is_mapped(backend: AnthropicBackend) -> None:
    classes = {anthropic.AnthropicError} | _subclasses(anthropic.AnthropicError)
    assert len(classes) > 100
    for cls in sorted(classes, key=lambda c: c.__module__ + c.__qualname__):
        mapped = backend._map_error(_build(cls, httpx2))  # type: ignore[arg-type]
        assert isinstance(mapped, BackendError), cls
        assert type(mapped) is not BackendError, cls
        assert mapped.provider == "anthropic", cls


@pytest.mark.parametrize("http", [httpx2, httpx])
def test_every_http_exception_is_mapped(backend: AnthropicBackend, http: Any) -> None:
    classes = {c for c in _subclasses(http.HTTPError) | {http.HTTPError, http.InvalidURL}
               | _subclasses(http.StreamError) | {http.StreamError}
               if c.__module__.startswith(http.__name__)}
    for cls in classes:
        if issubclass(cls, http.StreamError) and cls is not http.StreamError:
            takes_message = "message" in inspect.signature(cls).parameters
            exc: BaseException = cls("boom") if takes_message else cls()
        else:
            exc = _build(cls, http)
        mapped = backend._map_error(exc)  # type: ignore[arg-type]
        assert isinstance(mapped, BackendError) and type(mapped) is not BackendError, cls


@pytest.mark.parametrize(("cls", "error"), [
    (anthropic.AuthenticationError, AuthenticationError),
    (anthropic.PermissionDeniedError, AuthenticationError),
    (anthropic.NotFoundError, ModelNotFoundError),
    (anthropic.RateLimitError, RateLimitError),
    (anthropic.BadRequestError, InvalidRequestError),
    (anthropic.UnprocessableEntityError, InvalidRequestError),
    (anthropic.ContentTooLargeError, InvalidRequestError),
    (anthropic.RequestTimeoutError, BackendUnavailableError),
    (anthropic.ConflictError, BackendUnavailableError),
    (anthropic.InternalServerError, BackendUnavailableError),
    (anthropic.ServiceUnavailableError, BackendUnavailableError),
    (anthropic.OverloadedError, BackendUnavailableError),
    (anthropic.APITimeoutError, BackendTimeoutError),
    (anthropic.APIConnectionError, BackendUnavailableError),
    (anthropic.APIResponseValidationError, ProtocolError),
    (anthropic.RetryableError, BackendUnavailableError),
    (anthropic.CredentialsError, AuthenticationError),
    (httpx2.ReadTimeout, BackendTimeoutError),
    (httpx2.RemoteProtocolError, BackendUnavailableError),
    (httpx2.ConnectError, BackendUnavailableError),
    (httpx.ConnectTimeout, BackendTimeoutError),
])
def test_key_exception_mappings(backend: AnthropicBackend, cls: type[BaseException],
                                error: type[BackendError]) -> None:
    http = httpx if cls.__module__.startswith("httpx.") else httpx2
    mapped = backend._map_error(_build(cls, http))  # type: ignore[arg-type]
    assert type(mapped) is error
    if isinstance(mapped, RateLimitError):
        assert mapped.retry_after == 1.0


def test_data_errors_are_protocol_errors(backend: AnthropicBackend) -> None:
    try:
        json.loads("{nope")
    except json.JSONDecodeError as exc:
        assert type(backend._map_error(exc)) is ProtocolError
    try:
        pydantic.TypeAdapter(int).validate_python("x")
    except pydantic.ValidationError as exc:
        assert type(backend._map_error(exc)) is ProtocolError
    assert backend._map_error(RuntimeError("not ours")) is None
    assert backend._map_error(KeyError("not ours")) is None
