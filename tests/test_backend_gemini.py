"""GeminiBackend through the real google-genai SDK against a loopback fake of the Gemini
Developer API (tests/fakes/gemini.py), sync and async."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import math
import secrets
import socket
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fakes._http import FakeServer, Fault
from fakes.gemini import GeminiApp, Script

from arifos_core.backends import (
    AuthenticationError,
    BackendError,
    BackendTimeoutError,
    BackendUnavailableError,
    Completion,
    InvalidRequestError,
    Message,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
    StreamChunk,
    ToolCall,
    UnsupportedParameterError,
    collect_stream,
    get_backend,
)
from arifos_core.backends._gemini import GeminiBackend, _retry_after

KEY = "gemini-test-key"
MODES = ["sync", "async"]
WEATHER = {"name": "get_weather", "description": "Weather for a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                          "required": ["city"]}}
LOOKUP = {"name": "lookup", "parameters": {"type": "object", "properties": {}}}
SDK_ENV = ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI",
           "GOOGLE_GENAI_USE_ENTERPRISE", "GOOGLE_GENAI_CLIENT_MODE", "GOOGLE_GENAI_API_VERSION",
           "GOOGLE_GEMINI_BASE_URL", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION",
           "GOOGLE_GENAI_HTTP_CLIENT")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SDK_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture()
def app() -> GeminiApp:
    return GeminiApp(api_key=KEY, script=Script(
        models=["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash", "gemini-3-pro"]))


@pytest.fixture()
def server(app: GeminiApp) -> Iterator[FakeServer]:
    fake = FakeServer(app, error_body=app.error_body).start()
    yield fake
    fake.stop()


@pytest.fixture()
def make(server: FakeServer) -> Iterator[Callable[..., GeminiBackend]]:
    made: list[GeminiBackend] = []

    def build(model: str = "gemini-2.5-flash", **kwargs: Any) -> GeminiBackend:
        kwargs.setdefault("api_key", KEY)
        kwargs.setdefault("base_url", server.url)
        kwargs.setdefault("timeout", 5.0)
        backend = GeminiBackend(model, **kwargs)
        made.append(backend)
        return backend

    yield build
    for backend in made:
        backend.close()


@pytest.fixture()
def backend(make: Callable[..., GeminiBackend]) -> GeminiBackend:
    return make()


def complete(backend: GeminiBackend, mode: str, prompt: Any = "Hi", **params: Any) -> Completion:
    if mode == "sync":
        return backend.complete(prompt, **params)

    async def go() -> Completion:
        try:
            return await backend.acomplete(prompt, **params)
        finally:
            await backend.aclose()

    return asyncio.run(go())


def stream(backend: GeminiBackend, mode: str, prompt: Any = "Hi",
           **params: Any) -> list[StreamChunk]:
    if mode == "sync":
        return list(backend.stream(prompt, **params))

    async def go() -> list[StreamChunk]:
        try:
            return [chunk async for chunk in backend.astream(prompt, **params)]
        finally:
            await backend.aclose()

    return asyncio.run(go())


def body(server: FakeServer) -> dict[str, Any]:
    payload: dict[str, Any] = server.requests[-1].json
    return payload


def config(server: FakeServer) -> dict[str, Any]:
    generation: dict[str, Any] = body(server).get("generationConfig", {})
    return generation


def camel(mapping: dict[str, Any], name: str) -> Any:
    """A field sent under its JSON name or its proto name (the SDK sends both kinds)."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
    return mapping.get(name, mapping.get(snake))


# -- text, streaming, request translation ------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_text(backend: GeminiBackend, server: FakeServer, mode: str) -> None:
    result = complete(backend, mode)
    assert result.text == "Hello from the fake Gemini."
    assert (result.finish_reason, result.raw_finish_reason) == ("stop", "STOP")
    assert (result.model, result.provider, result.response_id) == (
        "gemini-2.5-flash", "gemini", "fake-response-1")
    assert result.usage.prompt_tokens == 1 and result.usage.completion_tokens == 5
    assert result.usage.total_tokens == 6
    assert result.reasoning is None and result.logprobs is None and result.confidence is None
    request = server.requests[-1]
    assert request.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert request.headers["x-goog-api-key"] == KEY and "key" not in request.query
    assert body(server)["contents"] == [{"parts": [{"text": "Hi"}], "role": "user"}]
    assert config(server) == {"maxOutputTokens": 1024}


@pytest.mark.parametrize("mode", MODES)
def test_stream_text(backend: GeminiBackend, server: FakeServer, mode: str) -> None:
    chunks = stream(backend, mode)
    assert "".join(c.text for c in chunks) == "Hello from the fake Gemini."
    assert len([c for c in chunks if c.text]) == 5
    last = chunks[-1]
    assert last.finish_reason == "stop" and all(c.finish_reason is None for c in chunks[:-1])
    assert last.usage is not None and last.usage.completion_tokens == 5
    assert last.metadata is not None and last.metadata["raw_finish_reason"] == "STOP"
    request = server.requests[-1]
    assert request.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert request.query["alt"] == ["sse"]
    joined = collect_stream(chunks)
    assert (joined.text, joined.finish_reason) == ("Hello from the fake Gemini.", "stop")


@pytest.mark.parametrize("mode", MODES)
def test_system_prompt(backend: GeminiBackend, server: FakeServer, mode: str) -> None:
    messages = [Message.system("Be terse."), Message.user("Hi"), Message.assistant("Hey"),
                Message.user("Again")]
    result = complete(backend, mode, messages, system="Reply with Bonjour.")
    sent = body(server)
    assert sent["systemInstruction"]["parts"] == [{"text": "Reply with Bonjour.\n\nBe terse."}]
    assert [c["role"] for c in sent["contents"]] == ["user", "model", "user"]
    assert result.text == "Bonjour"


@pytest.mark.parametrize("mode", MODES)
def test_stop_and_sampling(backend: GeminiBackend, server: FakeServer, mode: str) -> None:
    result = complete(backend, mode, stop=["fake"], temperature=0.2, top_p=0.9, seed=7)
    assert result.text == "Hello from the "
    assert config(server) == {"maxOutputTokens": 1024, "stopSequences": ["fake"],
                              "temperature": 0.2, "topP": 0.9, "seed": 7}
    chunks = stream(backend, mode, stop="the")
    assert "".join(c.text for c in chunks) == "Hello from "


@pytest.mark.parametrize("mode", MODES)
def test_max_tokens_is_length(backend: GeminiBackend, server: FakeServer, mode: str) -> None:
    result = complete(backend, mode, max_tokens=2)
    assert (result.text, result.finish_reason, result.raw_finish_reason) == (
        "Hello from ", "length", "MAX_TOKENS")
    assert stream(backend, mode, max_tokens=2)[-1].finish_reason == "length"


@pytest.mark.parametrize("mode", MODES)
def test_structured_output(backend: GeminiBackend, server: FakeServer, mode: str) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    result = complete(backend, mode, response_schema=schema)
    assert config(server)["responseMimeType"] == "application/json"
    assert config(server)["responseJsonSchema"] == schema
    assert json.loads(result.text) == {"answer": "Hello from the fake Gemini."}


def test_provider_options_pass_through(backend: GeminiBackend, server: FakeServer) -> None:
    backend.complete("Hi", gemini_top_k=5, gemini_extra_body={"generationConfig": {
        "candidateCount": 1}}, gemini_safety_settings=[
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}])
    assert config(server)["topK"] == 5 and config(server)["candidateCount"] == 1
    assert body(server)["safetySettings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]
    with pytest.raises(InvalidRequestError, match="no_such_field"):
        backend.complete("Hi", gemini_no_such_field=1)
    with pytest.raises(InvalidRequestError, match='Unknown name "bogus"') as caught:
        backend.complete("Hi", gemini_extra_body={"bogus": 1})  # the fake's own validation
    assert caught.value.status_code == 400


# -- tools -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_tool_calls(app: GeminiApp, backend: GeminiBackend, server: FakeServer,
                    mode: str) -> None:
    app.script.tool_calls = [{"name": "get_weather", "args": {"city": "Paris"}}]
    result = complete(backend, mode, "Weather?", tools=[WEATHER, LOOKUP], tool_choice="auto")
    sent = body(server)
    declarations = sent["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in declarations] == ["get_weather", "lookup"]
    assert camel(declarations[0], "parametersJsonSchema") == WEATHER["parameters"]
    assert declarations[0]["description"] == "Weather for a city"
    assert camel(sent["toolConfig"], "functionCallingConfig") == {"mode": "AUTO"}
    assert result.finish_reason == "tool_calls" and result.raw_finish_reason == "STOP"
    (call,) = result.tool_calls
    assert (call.name, dict(call.arguments)) == ("get_weather", {"city": "Paris"})
    assert call.id.startswith("gemini-call-")
    app.script.tool_calls = [{"name": "get_weather", "args": {"city": "Oslo"}, "id": "fc-1"}]
    assert complete(backend, mode, "Weather?", tools=[WEATHER]).tool_calls[0].id == "fc-1"


@pytest.mark.parametrize("mode", MODES)
def test_tool_choice(backend: GeminiBackend, server: FakeServer, mode: str) -> None:
    forced = complete(backend, mode, "Hi", tools=[WEATHER, LOOKUP], tool_choice="lookup")
    calling = camel(body(server)["toolConfig"], "functionCallingConfig")
    assert calling["mode"] == "ANY" and camel(calling, "allowedFunctionNames") == ["lookup"]
    assert [c.name for c in forced.tool_calls] == ["lookup"]
    required = complete(backend, mode, "Hi", tools=[WEATHER], tool_choice="required")
    assert camel(body(server)["toolConfig"], "functionCallingConfig") == {"mode": "ANY"}
    assert [c.name for c in required.tool_calls] == ["get_weather"]
    none = complete(backend, mode, "Hi", tools=[WEATHER], tool_choice="none")
    assert camel(body(server)["toolConfig"], "functionCallingConfig") == {"mode": "NONE"}
    assert none.tool_calls == () and none.finish_reason == "stop"


@pytest.mark.parametrize("mode", MODES)
def test_tool_round_trip(app: GeminiApp, backend: GeminiBackend, server: FakeServer,
                         mode: str) -> None:
    app.script.tool_calls = [{"name": "get_weather", "args": {"city": "Paris"}, "id": "fc-9"},
                             {"name": "lookup", "args": {}}]
    app.script.thought_signature = "c2lnbmF0dXJl"  # base64 of b"signature"
    first = complete(backend, mode, "Weather?", tools=[WEATHER, LOOKUP])
    remote, local = first.tool_calls
    messages = [Message.user("Weather?"), Message.assistant("Checking.", first.tool_calls),
                Message.tool('{"temp": 21}', remote.id), Message.tool("found it", local.id)]
    result = complete(backend, mode, messages, tools=[WEATHER, LOOKUP])
    model_turn, results = body(server)["contents"][1:]
    assert model_turn["role"] == "model" and model_turn["parts"][0] == {"text": "Checking."}
    calls = [p["functionCall"] for p in model_turn["parts"][1:]]
    assert calls == [{"id": "fc-9", "name": "get_weather", "args": {"city": "Paris"}},
                     {"name": "lookup", "args": {}}]  # an id Gemini did not send stays home
    assert all(camel(p, "thoughtSignature") == "c2lnbmF0dXJl" for p in model_turn["parts"][1:])
    assert results["role"] == "user"
    assert [camel(p, "functionResponse") for p in results["parts"]] == [
        {"id": "fc-9", "name": "get_weather", "response": {"temp": 21}},
        {"name": "lookup", "response": {"output": "found it"}}]
    assert result.text == 'tool said: {"temp": 21}; {"output": "found it"}'
    with pytest.raises(InvalidRequestError, match="answers no earlier tool call"):
        backend.complete([Message.user("x"), Message.tool("1", "nobody")])


@pytest.mark.parametrize("mode", MODES)
def test_streamed_tool_calls(app: GeminiApp, backend: GeminiBackend, mode: str) -> None:
    app.script.tool_calls = [{"name": "get_weather", "args": {"city": "Paris"}},
                             {"name": "get_weather", "args": {"city": "Rome"}}]
    chunks = stream(backend, mode, "Weather?", tools=[WEATHER])
    assert all(not c.tool_calls for c in chunks[:-1])
    last = chunks[-1]
    assert last.finish_reason == "tool_calls"
    assert [dict(c.arguments) for c in last.tool_calls] == [{"city": "Paris"}, {"city": "Rome"}]
    assert all(isinstance(c, ToolCall) and c.id for c in last.tool_calls)


# -- logprobs, refusals, reasoning, usage ------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_logprobs(app: GeminiApp, backend: GeminiBackend, server: FakeServer, mode: str) -> None:
    app.script.logprobs = [-0.1, -0.2, -0.3, -0.4, -0.5]
    result = complete(backend, mode, logprobs=True, top_logprobs=2)
    assert config(server)["responseLogprobs"] is True and config(server)["logprobs"] == 2
    assert result.logprobs is not None
    assert [t.token for t in result.logprobs] == ["Hello ", "from ", "the ", "fake ", "Gemini."]
    assert [t.logprob for t in result.logprobs] == app.script.logprobs
    assert result.logprobs[0].top == (("Hello ", -0.1), ("alt0", -1.1))
    assert result.confidence == pytest.approx(math.exp(-0.3))
    assert result.metadata["avg_logprobs"] == pytest.approx(-0.3)
    chunks = stream(backend, mode, logprobs=True)
    assert config(server) == {"maxOutputTokens": 1024, "responseLogprobs": True}
    joined = collect_stream(chunks)
    assert joined.logprobs is not None and len(joined.logprobs) == 5
    assert joined.confidence == pytest.approx(math.exp(-0.3))
    complete(backend, mode)
    assert "responseLogprobs" not in config(server)


def test_avg_logprobs_without_tokens(backend: GeminiBackend) -> None:
    from google.genai import types

    response = types.GenerateContentResponse(candidates=[types.Candidate(
        content=types.Content(role="model", parts=[types.Part(text="ok")]),
        finish_reason=types.FinishReason.STOP, avg_logprobs=-0.5)])
    result = backend._parse(response, backend.prepare("Hi", {}, stream=False))
    assert result.logprobs is None and result.confidence == pytest.approx(math.exp(-0.5))


def test_unsupported_parameters(make: Callable[..., GeminiBackend], server: FakeServer,
                                caplog: pytest.LogCaptureFixture) -> None:
    backend = make("gemini-3-pro")  # the catalog: no logprobs on Gemini 3
    with pytest.raises(UnsupportedParameterError, match="supports_logprobs"):
        backend.complete("Hi", logprobs=True)
    with caplog.at_level(logging.WARNING):
        assert backend.complete("Hi", logprobs=True, strict=False).logprobs is None
    assert "responseLogprobs" not in config(server) and "dropping 'logprobs'" in caplog.text
    with pytest.raises(UnsupportedParameterError, match="unknown parameter"):
        backend.complete("Hi", frequency=1)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("reason", ["SAFETY", "RECITATION", "PROHIBITED_CONTENT"])
def test_response_blocked(app: GeminiApp, backend: GeminiBackend, mode: str,
                          reason: str) -> None:
    app.script.finish_reason = reason
    app.script.finish_message = "The response was blocked."
    result = complete(backend, mode)
    assert (result.text, result.finish_reason, result.raw_finish_reason) == (
        "", "content_filter", reason)
    assert result.refused and result.refusal is not None and reason in result.refusal
    # the SDK drops finishMessage; the refusal names the blocked safety category instead
    assert result.refusal == f"Gemini blocked the response ({reason}): " \
        "HARM_CATEGORY_DANGEROUS_CONTENT"
    last = stream(backend, mode)[-1]
    assert last.finish_reason == "content_filter" and last.refusal == result.refusal


@pytest.mark.parametrize("mode", MODES)
def test_prompt_blocked(app: GeminiApp, backend: GeminiBackend, mode: str) -> None:
    app.script.block_reason = "PROHIBITED_CONTENT"
    result = complete(backend, mode)
    assert (result.text, result.finish_reason, result.raw_finish_reason) == (
        "", "content_filter", "PROHIBITED_CONTENT")
    assert result.refusal == "Gemini blocked the prompt (PROHIBITED_CONTENT)"
    chunks = stream(backend, mode)
    assert [c.finish_reason for c in chunks] == ["content_filter"]
    assert chunks[0].refusal == result.refusal and chunks[0].usage is not None


@pytest.mark.parametrize("mode", MODES)
def test_malformed_function_call(app: GeminiApp, backend: GeminiBackend, mode: str) -> None:
    app.script.finish_reason = "MALFORMED_FUNCTION_CALL"
    with pytest.raises(ProtocolError, match="MALFORMED_FUNCTION_CALL") as caught:
        complete(backend, mode)
    assert caught.value.retryable and caught.value.provider == "gemini"
    with pytest.raises(ProtocolError, match="MALFORMED_FUNCTION_CALL"):
        stream(backend, mode)


@pytest.mark.parametrize("mode", MODES)
def test_reasoning(app: GeminiApp, backend: GeminiBackend, server: FakeServer,
                   mode: str) -> None:
    app.script.reasoning = "Let me think about greetings."
    result = complete(backend, mode, reasoning="high")
    thinking = config(server)["thinkingConfig"]
    assert camel(thinking, "includeThoughts") is True
    assert camel(thinking, "thinkingBudget") == 24576
    assert result.reasoning == "Let me think about greetings."
    assert result.text == "Hello from the fake Gemini."
    assert result.usage.reasoning_tokens == 5 and result.usage.completion_tokens == 10
    chunks = stream(backend, mode, reasoning=2048)
    assert camel(config(server)["thinkingConfig"], "thinkingBudget") == 2048
    assert "".join(c.reasoning for c in chunks) == "Let me think about greetings."
    assert "".join(c.text for c in chunks) == "Hello from the fake Gemini."
    assert all(not (c.text and c.reasoning) for c in chunks)


def test_usage_fields(app: GeminiApp, backend: GeminiBackend) -> None:
    app.script.usage = {"promptTokenCount": 100, "candidatesTokenCount": 20,
                        "thoughtsTokenCount": 30, "cachedContentTokenCount": 64,
                        "totalTokenCount": 150}
    usage = backend.complete("Hi").usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (100, 50, 150)
    assert (usage.cached_prompt_tokens, usage.reasoning_tokens) == (64, 30)
    assert backend.stream("Hi").__next__() is not None


def test_sync_and_async_agree(app: GeminiApp, backend: GeminiBackend) -> None:
    app.script.logprobs = [-0.5] * 5
    sync = backend.complete("Hi", logprobs=True)
    also = complete(backend, "async", "Hi", logprobs=True)
    assert (sync.text, sync.logprobs, sync.usage, sync.finish_reason) == (
        also.text, also.logprobs, also.usage, also.finish_reason)


# -- faults ------------------------------------------------------------------------------------

STATUS_ERRORS = [(400, InvalidRequestError), (401, AuthenticationError),
                 (403, AuthenticationError), (404, ModelNotFoundError), (413, InvalidRequestError),
                 (429, RateLimitError), (500, BackendUnavailableError),
                 (503, BackendUnavailableError), (504, BackendUnavailableError)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("status", "error"), STATUS_ERRORS)
def test_status_errors(backend: GeminiBackend, server: FakeServer, mode: str, status: int,
                       error: type[BackendError]) -> None:
    server.inject(Fault(status=status, message="injected fault"))
    with pytest.raises(error) as caught:
        complete(backend, mode)
    assert caught.value.status_code == status and caught.value.provider == "gemini"
    assert "injected fault" in str(caught.value)
    server.inject(Fault(status=status))
    with pytest.raises(error):
        stream(backend, mode)


def test_authentication_names_the_env_vars(backend: GeminiBackend, server: FakeServer) -> None:
    server.inject(Fault(status=401, message="Request had invalid authentication credentials."))
    with pytest.raises(AuthenticationError, match="GOOGLE_API_KEY or GEMINI_API_KEY"):
        backend.complete("Hi")


@pytest.mark.parametrize("mode", MODES)
def test_invalid_key_is_authentication(make: Callable[..., GeminiBackend], mode: str) -> None:
    backend = make(api_key="wrong-key")
    with pytest.raises(AuthenticationError, match="API key not valid") as caught:
        complete(backend, mode)
    assert caught.value.status_code == 400 and "wrong-key" not in str(caught.value)


@pytest.mark.parametrize("mode", MODES)
def test_unknown_model(make: Callable[..., GeminiBackend], mode: str) -> None:
    backend = make("gemini-9-ultra")
    with pytest.raises(ModelNotFoundError, match="gemini-9-ultra") as caught:
        complete(backend, mode)
    assert caught.value.available == ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash",
                                      "gemini-3-pro")


def test_model_lookup_never_raises(backend: GeminiBackend, server: FakeServer) -> None:
    server.inject(Fault(status=404))
    server.inject(Fault(status=500))  # the models.list call made for the message fails
    with pytest.raises(ModelNotFoundError) as caught:
        backend.complete("Hi")
    assert caught.value.available == ()


@pytest.mark.parametrize("mode", MODES)
def test_rate_limit_retry_after(app: GeminiApp, backend: GeminiBackend, server: FakeServer,
                                mode: str) -> None:
    server.inject(Fault(status=429, headers={"Retry-After": "7"}))
    with pytest.raises(RateLimitError) as caught:
        complete(backend, mode)
    assert caught.value.retry_after == 7.0 and caught.value.retryable
    server.inject(Fault(status=429))  # no header: the RetryInfo detail ("3s") says
    with pytest.raises(RateLimitError) as caught:
        complete(backend, mode)
    assert caught.value.retry_after == 3.0
    app.script.retry_delay = None
    server.inject(Fault(status=429))
    with pytest.raises(RateLimitError) as caught:
        complete(backend, mode)
    assert caught.value.retry_after is None


def test_retry_after_parsing() -> None:
    info = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.5s"}]
    assert _retry_after({"retry-after-ms": "250"}, info) == 0.25
    assert _retry_after({"retry-after": "12"}, info) == 12.0
    assert _retry_after({}, info) == 1.5
    assert _retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, ()) == 0.0
    assert _retry_after({"retry-after": "soon"}, [{"retryDelay": "3s"}]) is None


def test_unavailable_retry_after_and_no_sdk_retries(backend: GeminiBackend,
                                                    server: FakeServer) -> None:
    server.inject(Fault(status=503, headers={"Retry-After": "2"}, times=3))
    with pytest.raises(BackendUnavailableError) as caught:
        backend.complete("Hi")
    assert caught.value.retry_after == 2.0 and caught.value.retryable
    assert len(server.requests) == 1  # the SDK did not retry on its own


@pytest.mark.parametrize("mode", MODES)
def test_timeout(backend: GeminiBackend, server: FakeServer, mode: str) -> None:
    server.inject(Fault(delay=1.0))
    started = time.perf_counter()
    with pytest.raises(BackendTimeoutError) as caught:
        complete(backend, mode, timeout=0.2)
    assert time.perf_counter() - started < 0.9 and caught.value.retryable
    assert server.requests[-1].headers["x-server-timeout"] == "1"
    server.inject(Fault(delay=1.0))
    with pytest.raises(BackendTimeoutError):
        stream(backend, mode, timeout=0.2)


def test_client_timeout(make: Callable[..., GeminiBackend], server: FakeServer) -> None:
    server.inject(Fault(delay=1.0))
    with pytest.raises(BackendTimeoutError):
        make(timeout=0.2).complete("Hi")


@pytest.mark.parametrize("mode", MODES)
def test_connection_dropped_mid_stream(backend: GeminiBackend, server: FakeServer,
                                       mode: str) -> None:
    server.inject(Fault(drop_after=2))
    received: list[StreamChunk] = []

    async def consume() -> None:
        try:
            async for chunk in backend.astream("Hi"):
                received.append(chunk)
        finally:
            await backend.aclose()

    with pytest.raises((BackendUnavailableError, ProtocolError)):
        if mode == "sync":
            received.extend(backend.stream("Hi"))
        else:
            asyncio.run(consume())
    assert [c.text for c in received] == ["Hello ", "from "]


@pytest.mark.parametrize("mode", MODES)
def test_error_event_mid_stream(app: GeminiApp, backend: GeminiBackend, mode: str) -> None:
    app.script.stream_error = 503
    with pytest.raises(BackendUnavailableError, match="overloaded") as caught:
        stream(backend, mode)
    assert caught.value.status_code == 503


@pytest.mark.parametrize("mode", MODES)
def test_connection_dropped_mid_body(backend: GeminiBackend, server: FakeServer,
                                     mode: str) -> None:
    server.inject(Fault(drop_after=40))
    with pytest.raises((BackendUnavailableError, ProtocolError)):
        complete(backend, mode)


@pytest.mark.parametrize("mode", MODES)
def test_malformed_json(backend: GeminiBackend, server: FakeServer, mode: str) -> None:
    server.inject(Fault(malformed_json=True))
    with pytest.raises(ProtocolError, match="malformed"):
        complete(backend, mode)
    server.inject(Fault(malformed_json=True))
    with pytest.raises(ProtocolError):
        stream(backend, mode)


@pytest.mark.parametrize("mode", MODES)
def test_malformed_stream_line(backend: GeminiBackend, server: FakeServer, mode: str) -> None:
    server.inject(Fault(malformed_stream=True))
    with pytest.raises(ProtocolError, match="malformed"):
        stream(backend, mode)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("mode", MODES)
def test_connection_refused(mode: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    backend = GeminiBackend(api_key=KEY, base_url=url, timeout=2)
    try:
        with pytest.raises(BackendUnavailableError, match="cannot connect") as caught:
            complete(backend, mode)
        assert url in str(caught.value) and caught.value.retryable
        with pytest.raises(BackendUnavailableError):
            stream(backend, mode)
    finally:
        backend.close()


def test_stream_close_disconnects_sync(app: GeminiApp, backend: GeminiBackend,
                                       server: FakeServer) -> None:
    app.script = Script(text="tick " * 100, chunks=["tick "] * 100, interval=0.05)
    chunks = backend.stream("Hi")
    assert [next(chunks).text, next(chunks).text] == ["tick ", "tick "]
    chunks.close()  # type: ignore[attr-defined]
    assert server.disconnected.wait(2)


def test_stream_close_disconnects_async(app: GeminiApp, backend: GeminiBackend,
                                        server: FakeServer) -> None:
    app.script = Script(text="tick " * 100, chunks=["tick "] * 100, interval=0.05)

    async def go() -> list[str]:
        chunks = backend.astream("Hi")
        taken = [(await anext(chunks)).text, (await anext(chunks)).text]
        await chunks.aclose()  # type: ignore[attr-defined]
        await backend.aclose()
        return taken

    assert asyncio.run(go()) == ["tick ", "tick "]
    assert server.disconnected.wait(2)


def test_canary_key_never_leaks(app: GeminiApp, make: Callable[..., GeminiBackend],
                                server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    canary = f"sk-canary-{secrets.token_hex(8)}"
    app.api_key = canary
    backend = make(api_key=canary)
    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG):
        backend.complete("Hi")
        list(backend.stream("Hi"))
        for status in (401, 403, 429, 500):
            server.inject(Fault(status=status, message=f"bad key {canary}"))
            with pytest.raises(BackendError) as caught:
                backend.complete("Hi")
            errors.append(caught.value)
        app.api_key = "another"
        with pytest.raises(AuthenticationError) as caught:
            complete(backend, "async")
        errors.append(caught.value)
    assert server.requests[0].headers["x-goog-api-key"] == canary
    assert caplog.records
    for record in caplog.records:
        assert canary not in record.getMessage()
    for error in errors:
        assert canary not in str(error) and canary not in repr(error)
        assert canary not in error.message
    assert canary not in repr(backend) and canary not in str(backend)


# -- exhaustive error mapping ------------------------------------------------------------------


def instantiate(cls: type[BaseException]) -> BaseException:
    request = httpx.Request("POST", "http://127.0.0.1/v1beta/models/x:generateContent")
    response = httpx.Response(500, request=request)
    for args, kwargs in (((), {}), (("boom",), {}), (("boom",), {"request": request}),
                         (("boom",), {"request": request, "response": response})):
        try:
            return cls(*args, **kwargs)
        except TypeError:
            continue
    raise AssertionError(f"cannot build {cls!r}")


def sdk_exception_classes() -> list[type[BaseException]]:
    from google.genai import _api_client, errors

    found = {obj for module in (errors, _api_client) for _, obj in inspect.getmembers(module)
             if inspect.isclass(obj) and issubclass(obj, Exception)
             and not issubclass(obj, Warning) and obj.__module__.startswith("google.genai")}
    return sorted(found, key=lambda c: c.__qualname__)


def http_exception_classes() -> list[type[BaseException]]:
    modules = [m for m in (sys.modules.get("httpx"), sys.modules.get("httpx2")) if m]
    return [obj for module in modules for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Exception)
            and obj.__module__.split(".")[0] in ("httpx", "httpx2")]


def test_every_sdk_exception_is_mapped(backend: GeminiBackend) -> None:
    from google.genai import errors

    classes = sdk_exception_classes()
    assert errors.APIError in classes and errors.ClientError in classes
    for cls in classes:
        if issubclass(cls, errors.APIError):
            exc: BaseException = cls(418, {"error": {"code": 418, "message": "teapot"}})
        elif cls.__name__ == "ContinuationInterruptedError":  # google-genai 3.x only
            exc = cls("interrupted")
        else:
            exc = instantiate(cls)
        assert isinstance(exc, Exception)
        mapped = backend._map_error(exc)
        assert isinstance(mapped, BackendError), cls


def test_every_http_exception_is_mapped(backend: GeminiBackend) -> None:
    classes = http_exception_classes()
    assert httpx.ConnectError in classes and len(classes) > 20
    for cls in classes:
        exc = instantiate(cls)
        assert isinstance(exc, Exception)
        assert isinstance(backend._map_error(exc), BackendError), cls
    assert isinstance(backend._map_error(httpx.ReadTimeout("slow")), BackendTimeoutError)
    assert isinstance(backend._map_error(httpx.ConnectError("no")), BackendUnavailableError)
    assert isinstance(backend._map_error(httpx.RemoteProtocolError("cut")),
                      BackendUnavailableError)
    assert isinstance(backend._map_error(httpx.DecodingError("gz")), ProtocolError)
    assert isinstance(backend._map_error(httpx.UnsupportedProtocol("ftp")), InvalidRequestError)


@pytest.mark.parametrize(("status", "error"), [
    *STATUS_ERRORS, (408, BackendUnavailableError), (409, BackendUnavailableError),
    (422, InvalidRequestError), (418, InvalidRequestError), (502, BackendUnavailableError),
    (529, BackendUnavailableError), (302, ProtocolError)])
def test_api_error_statuses(backend: GeminiBackend, status: int,
                            error: type[BackendError]) -> None:
    from google.genai import errors

    exc = errors.APIError(status, {"error": {"code": status, "message": "m"}})
    mapped = backend._map_error(exc)
    assert type(mapped) is error and mapped.status_code == status


def test_other_exceptions(backend: GeminiBackend) -> None:
    import pydantic
    from google.genai import errors, types

    try:
        types.GenerateContentResponse.model_validate({"candidates": "nope"})
    except pydantic.ValidationError as exc:
        assert isinstance(backend._map_error(exc), ProtocolError)
    assert isinstance(backend._map_error(json.JSONDecodeError("x", "doc", 0)), ProtocolError)
    assert isinstance(backend._map_error(ValueError("only in Vertex mode")), InvalidRequestError)
    if hasattr(errors, "ContinuationInterruptedError"):  # google-genai 3.x: a wrapped cause
        interrupted = errors.ContinuationInterruptedError("stop")
        interrupted.__cause__ = httpx.ReadTimeout("slow")
        assert isinstance(backend._map_error(interrupted), BackendTimeoutError)
    assert backend._map_error(KeyError("ours")) is None
    assert backend._map_error(RuntimeError("ours")) is None


# -- models, health, construction --------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_list_models_and_health(app: GeminiApp, backend: GeminiBackend, server: FakeServer,
                                mode: str) -> None:
    app.script.page_size = 2
    expected = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.0-flash", "gemini-3-pro"]
    if mode == "sync":
        assert backend.list_models() == expected
        assert backend.health_check().ok
    else:
        async def go() -> tuple[list[str], bool]:
            try:
                return await backend.alist_models(), (await backend.ahealth_check()).ok
            finally:
                await backend.aclose()

        assert asyncio.run(go()) == (expected, True)
    assert [r.path for r in server.requests[:2]] == ["/v1beta/models"] * 2
    assert server.requests[1].query["pageToken"] == ["2"]
    server.inject(Fault(status=500))
    health = backend.health_check()
    assert not health.ok and "500" in health.detail


def test_health_check_unreachable() -> None:
    backend = GeminiBackend(api_key=KEY, base_url=f"http://127.0.0.1:{closed_port()}")
    try:
        health = backend.health_check()
        assert not health.ok and "cannot connect" in health.detail
    finally:
        backend.close()


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch, server: FakeServer) -> None:
    with pytest.raises(AuthenticationError, match="GOOGLE_API_KEY or GEMINI_API_KEY"):
        GeminiBackend(base_url=server.url)
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    with GeminiBackend(base_url=server.url) as backend:
        assert backend.complete("Hi").text
    assert server.requests[-1].headers["x-goog-api-key"] == KEY


def test_sdk_environment_is_ignored(monkeypatch: pytest.MonkeyPatch, backend: GeminiBackend,
                                    server: FakeServer) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "from-env")
    monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
    monkeypatch.setenv("GOOGLE_GENAI_API_VERSION", "v1")
    monkeypatch.setenv("GOOGLE_GENAI_CLIENT_MODE", "replay")
    assert backend.complete("Hi").text
    request = server.requests[-1]
    assert request.headers["x-goog-api-key"] == KEY
    assert request.path.startswith("/v1beta/models/")


def test_registry_and_sdk_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_backend("gemini") is GeminiBackend
    monkeypatch.setitem(sys.modules, "google.genai", None)
    with pytest.raises(ImportError, match=r"pip install 'arifos-core\[gemini\]'"):
        GeminiBackend(api_key=KEY)


def test_capabilities_from_catalog(make: Callable[..., GeminiBackend]) -> None:
    caps = make().get_capabilities()
    assert caps["supports_refusal"] is True and caps["supports_reasoning_pause"] is True
    assert make("gemini-3-pro").get_capabilities()["supports_logprobs"] is False
