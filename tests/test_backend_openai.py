"""OpenAIBackend and OpenAICompatibleBackend through the real openai SDK against a loopback fake
of the Chat Completions API (tests/fakes/openai.py), sync and async."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import json
import logging
import math
import secrets
import socket
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fakes._http import FakeServer, Fault
from fakes.openai import OpenAIFake, Script, error_body

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
)
from arifos_core.backends._openai import (
    OpenAIBackend,
    OpenAICompatibleBackend,
    _retry_after,
    _ThinkSplitter,
)

KEY = "sk-test-key"
MODES = ["sync", "async"]
WEATHER = {"name": "get_weather", "description": "Weather for a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                          "required": ["city"]}}
LOOKUP = {"name": "lookup", "parameters": {"type": "object", "properties": {}}}


@pytest.fixture(scope="module")
def shared() -> Iterator[FakeServer]:
    """One fake for the module: stopping a FakeServer takes half a second."""
    fake = FakeServer(OpenAIFake(), error_body=error_body).start()
    yield fake
    fake.stop()


@pytest.fixture()
def server(shared: FakeServer) -> FakeServer:
    shared.app = OpenAIFake(api_key=KEY)
    shared.requests.clear()
    shared.faults.clear()
    return shared


@pytest.fixture()
def app(server: FakeServer) -> OpenAIFake:
    fake: OpenAIFake = server.app  # type: ignore[assignment]
    return fake


@pytest.fixture()
def own_server(app: OpenAIFake) -> Iterator[FakeServer]:
    """A fresh fake, for tests that watch ``disconnected``."""
    fake = FakeServer(app, error_body=error_body).start()
    yield fake
    fake.stop()


@pytest.fixture()
def make(server: FakeServer) -> Iterator[Callable[..., OpenAIBackend]]:
    """Build backends pointed at the fake (closed after the test)."""
    made: list[OpenAIBackend] = []

    def build(cls: type[OpenAIBackend] = OpenAIBackend, model: str = "gpt-4o",
              **kwargs: Any) -> OpenAIBackend:
        kwargs.setdefault("api_key", KEY)
        kwargs.setdefault("base_url", server.url + "/v1")
        backend = cls(model, **kwargs)
        made.append(backend)
        return backend

    yield build
    for backend in made:
        backend.close()


@pytest.fixture()
def backend(make: Callable[..., OpenAIBackend]) -> OpenAIBackend:
    return make()


def complete(backend: OpenAIBackend, mode: str, prompt: Any = "Hi", **params: Any) -> Completion:
    if mode == "sync":
        return backend.complete(prompt, **params)

    async def go() -> Completion:
        try:
            return await backend.acomplete(prompt, **params)
        finally:
            await backend.aclose()

    return asyncio.run(go())


def stream(backend: OpenAIBackend, mode: str, prompt: Any = "Hi",
           **params: Any) -> list[StreamChunk]:
    if mode == "sync":
        return list(backend.stream(prompt, **params))

    async def go() -> list[StreamChunk]:
        try:
            return [chunk async for chunk in backend.astream(prompt, **params)]
        finally:
            await backend.aclose()

    return asyncio.run(go())


def last_body(server: FakeServer) -> dict[str, Any]:
    body: dict[str, Any] = server.requests[-1].json
    return body


# -- text, streaming, request translation ------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_text(backend: OpenAIBackend, server: FakeServer, mode: str) -> None:
    result = complete(backend, mode)
    assert result.text == "Hello from the fake model."
    assert (result.finish_reason, result.raw_finish_reason) == ("stop", "stop")
    assert result.model == "gpt-4o" and result.provider == "openai"
    assert result.response_id and result.response_id.startswith("chatcmpl-")
    request = server.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = last_body(server)
    assert body["messages"] == [{"role": "user", "content": "Hi"}]
    assert body["max_completion_tokens"] == 1024 and "max_tokens" not in body
    assert "stream" not in body and "stream_options" not in body


@pytest.mark.parametrize("mode", MODES)
def test_stream_chunks_concatenate(backend: OpenAIBackend, server: FakeServer, mode: str) -> None:
    chunks = stream(backend, mode)
    assert "".join(c.text for c in chunks) == "Hello from the fake model."
    assert len(chunks) > 2
    assert [c.finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert chunks[-1].finish_reason == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 5
    body = last_body(server)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_sync_and_async_agree(make: Callable[..., OpenAIBackend], app: OpenAIFake) -> None:
    app.script = Script(tool_calls=[("lookup", {"q": "x"})])
    params: dict[str, Any] = {"system": "Reply with SAME", "logprobs": True}
    sync, other = make().complete("Hi", **params), complete(make(), "async", "Hi", **params)
    assert (other.text, other.finish_reason, other.usage, other.logprobs) == (
        sync.text, sync.finish_reason, sync.usage, sync.logprobs)
    tools = {"tools": [LOOKUP], "tool_choice": "required"}
    sync, other = make().complete("Hi", **tools), complete(make(), "async", "Hi", **tools)
    assert [(c.name, c.arguments) for c in sync.tool_calls] == [
        (c.name, c.arguments) for c in other.tool_calls] == [("lookup", {"q": "x"})]


@pytest.mark.parametrize("mode", MODES)
def test_system_prompt(backend: OpenAIBackend, server: FakeServer, mode: str) -> None:
    messages = [Message.system("Be brief."), Message.user("Ping?")]
    result = complete(backend, mode, messages, system="Reply with PONG")
    assert result.text == "PONG"
    assert last_body(server)["messages"] == [
        {"role": "system", "content": "Reply with PONG\n\nBe brief."},
        {"role": "user", "content": "Ping?"}]
    chunks = stream(backend, "sync", "Ping?", system="Reply with PONG")
    assert "".join(c.text for c in chunks) == "PONG"


@pytest.mark.parametrize("mode", MODES)
def test_stop_sequences(backend: OpenAIBackend, server: FakeServer, mode: str) -> None:
    result = complete(backend, mode, stop=["fake", "never"])
    assert result.text == "Hello from the "
    assert last_body(server)["stop"] == ["fake", "never"]


@pytest.mark.parametrize("mode", MODES)
def test_max_tokens_gives_length(backend: OpenAIBackend, server: FakeServer, mode: str) -> None:
    result = complete(backend, mode, max_tokens=2)
    assert (result.text, result.finish_reason) == ("Hello from ", "length")
    assert last_body(server)["max_completion_tokens"] == 2


def test_sampling_parameters_are_sent(backend: OpenAIBackend, server: FakeServer) -> None:
    backend.complete("Hi", temperature=0.2, top_p=0.5, seed=7)
    body = last_body(server)
    assert (body["temperature"], body["top_p"], body["seed"]) == (0.2, 0.5, 7)


def test_response_schema(backend: OpenAIBackend, server: FakeServer) -> None:
    schema = {"title": "City info", "type": "object",
              "properties": {"name": {"type": "string"}}, "required": ["name"],
              "additionalProperties": False}
    backend.complete("Hi", response_schema=schema)
    assert last_body(server)["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "City_info", "schema": schema,
                                               "strict": True}}


def test_options_pass_through(backend: OpenAIBackend, server: FakeServer) -> None:
    backend.complete("Hi", openai_user="u-1", openai_top_k=40,
                     openai_extra_body={"repetition_penalty": 1.1})
    body = last_body(server)
    assert (body["user"], body["top_k"], body["repetition_penalty"]) == ("u-1", 40, 1.1)


# -- tools --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_tools(backend: OpenAIBackend, app: OpenAIFake, server: FakeServer, mode: str) -> None:
    app.script = Script(tool_calls=[("get_weather", {"city": "Paris"})])
    result = complete(backend, mode, "Weather in Paris?", tools=[WEATHER], tool_choice="auto")
    assert result.finish_reason == "tool_calls" and result.text == ""
    (call,) = result.tool_calls
    assert (call.name, dict(call.arguments)) == ("get_weather", {"city": "Paris"})
    body = last_body(server)
    assert body["tools"] == [{"type": "function", "function": WEATHER}]
    assert body["tool_choice"] == "auto"


@pytest.mark.parametrize("mode", MODES)
def test_forced_tool_choice(backend: OpenAIBackend, server: FakeServer, mode: str) -> None:
    result = complete(backend, mode, "Hi", tools=[WEATHER, LOOKUP], tool_choice="lookup")
    assert [c.name for c in result.tool_calls] == ["lookup"]
    assert last_body(server)["tool_choice"] == {"type": "function",
                                                "function": {"name": "lookup"}}


@pytest.mark.parametrize("mode", MODES)
def test_streamed_tool_calls(backend: OpenAIBackend, app: OpenAIFake, mode: str) -> None:
    app.script = Script(tool_calls=[("get_weather", {"city": "Paris", "days": 3}),
                                    ("lookup", {"q": "long enough to split"})])
    chunks = stream(backend, mode, "Hi", tools=[WEATHER, LOOKUP])
    assert all(not c.tool_calls for c in chunks[:-1])
    final = chunks[-1]
    assert final.finish_reason == "tool_calls"
    assert [(c.name, dict(c.arguments)) for c in final.tool_calls] == [
        ("get_weather", {"city": "Paris", "days": 3}), ("lookup", {"q": "long enough to split"})]
    assert all(c.id.startswith("call_") for c in final.tool_calls)


def test_tool_results_are_translated(backend: OpenAIBackend, server: FakeServer) -> None:
    call = ToolCall.parse("call_1", "get_weather", '{"city": "Paris"}')
    messages = [Message.user("Weather?"), Message.assistant("", [call]),
                Message.tool("sunny", "call_1", name="get_weather")]
    assert backend.complete(messages, tools=[WEATHER]).text
    assert last_body(server)["messages"][1:] == [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "content": "sunny", "tool_call_id": "call_1"}]


# -- logprobs, refusal, reasoning, usage --------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_logprobs_and_confidence(backend: OpenAIBackend, server: FakeServer, mode: str) -> None:
    result = complete(backend, mode, logprobs=True, top_logprobs=3)
    assert result.logprobs is not None and len(result.logprobs) == 5
    assert result.logprobs[0].top[0] == ("Hello ", -0.05) and len(result.logprobs[0].top) == 3
    assert result.confidence == pytest.approx(math.exp(-0.05))
    body = last_body(server)
    assert (body["logprobs"], body["top_logprobs"]) == (True, 3)
    joined = collect_stream(stream(backend, mode, logprobs=True))
    assert joined.logprobs is not None and len(joined.logprobs) == 5
    assert joined.confidence == pytest.approx(math.exp(-0.05))


def test_no_logprobs_without_asking(backend: OpenAIBackend, server: FakeServer) -> None:
    result = backend.complete("Hi")
    assert (result.logprobs, result.confidence) == (None, None)
    assert "logprobs" not in last_body(server)


@pytest.mark.parametrize("mode", MODES)
def test_refusal(backend: OpenAIBackend, app: OpenAIFake, mode: str) -> None:
    app.script = Script(refusal="I can't help with that.")
    result = complete(backend, mode)
    assert (result.text, result.refusal) == ("", "I can't help with that.")
    assert (result.finish_reason, result.raw_finish_reason) == ("refusal", "stop")
    assert result.refused
    chunks = stream(backend, mode)
    assert chunks[-1].finish_reason == "refusal"
    assert chunks[-1].refusal == "I can't help with that."
    assert "".join(c.text for c in chunks) == ""


@pytest.mark.parametrize("mode", MODES)
def test_content_filter(backend: OpenAIBackend, app: OpenAIFake, mode: str) -> None:
    app.script = Script(finish_reason="content_filter")
    result = complete(backend, mode)
    assert result.finish_reason == "content_filter" and result.refused
    assert stream(backend, mode)[-1].finish_reason == "content_filter"


@pytest.mark.parametrize(("reasoning", "effort"), [
    ("high", "high"), ({"effort": "low", "budget_tokens": 50000}, "low"),
    (1000, "low"), (5000, "medium"), (20000, "high"), (True, "medium")])
def test_reasoning_effort(make: Callable[..., OpenAIBackend], server: FakeServer,
                          reasoning: Any, effort: str) -> None:
    backend = make(model="o3-mini", capabilities={"supports_reasoning_pause": True})
    backend.complete("Think.", reasoning=reasoning)
    assert last_body(server)["reasoning_effort"] == effort


@pytest.mark.parametrize("mode", MODES)
def test_usage_details(backend: OpenAIBackend, app: OpenAIFake, mode: str) -> None:
    app.script = Script(cached_tokens=1, reasoning_tokens=12)
    usage = complete(backend, mode, "one two three").usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (3, 17, 20)
    assert (usage.cached_prompt_tokens, usage.reasoning_tokens) == (1, 12)
    assert stream(backend, mode, "one two three")[-1].usage == usage


# -- faults -------------------------------------------------------------------------------------

STATUS_ERRORS = [(400, InvalidRequestError), (401, AuthenticationError),
                 (403, AuthenticationError), (404, ModelNotFoundError), (408,
                 BackendUnavailableError), (409, BackendUnavailableError),
                 (413, InvalidRequestError), (422, InvalidRequestError),
                 (429, RateLimitError), (500, BackendUnavailableError),
                 (502, BackendUnavailableError), (503, BackendUnavailableError)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("status", "error"), STATUS_ERRORS)
def test_status_errors(backend: OpenAIBackend, server: FakeServer, mode: str, status: int,
                       error: type[BackendError]) -> None:
    server.inject(Fault(status=status, headers={"x-request-id": "req_fault"}))
    with pytest.raises(error) as caught:
        complete(backend, mode)
    assert caught.value.status_code == status and caught.value.request_id == "req_fault"
    assert caught.value.provider == "openai"
    if status in (401, 403):
        assert "OPENAI_API_KEY" in str(caught.value)
    chat = [r for r in server.requests if r.path.endswith("/chat/completions")]
    assert len(chat) == 1  # the SDK's own retries are off


@pytest.mark.parametrize("mode", MODES)
def test_status_error_while_opening_stream(backend: OpenAIBackend, server: FakeServer,
                                           mode: str) -> None:
    server.inject(Fault(status=503, headers={"retry-after": "2"}))
    with pytest.raises(BackendUnavailableError) as caught:
        stream(backend, mode)
    assert caught.value.retry_after == 2.0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("headers", "seconds"), [({"retry-after": "7"}, 7.0),
                                                  ({"retry-after-ms": "1500"}, 1.5)])
def test_rate_limit_retry_after(backend: OpenAIBackend, server: FakeServer, mode: str,
                                headers: dict[str, str], seconds: float) -> None:
    server.inject(Fault(status=429, headers=headers))
    with pytest.raises(RateLimitError) as caught:
        complete(backend, mode)
    assert caught.value.retry_after == seconds and caught.value.retryable


def test_model_not_found_lists_available(make: Callable[..., OpenAIBackend],
                                         app: OpenAIFake) -> None:
    app.script = Script(known_models_only=True)
    with pytest.raises(ModelNotFoundError) as caught:
        make(model="gpt-nope").complete("Hi")
    assert "gpt-nope" in str(caught.value)
    assert caught.value.available == ("gpt-4o", "gpt-4o-mini")


@pytest.mark.parametrize("mode", MODES)
def test_timeout(backend: OpenAIBackend, server: FakeServer, mode: str) -> None:
    server.inject(Fault(delay=1.0))
    with pytest.raises(BackendTimeoutError):
        complete(backend, mode, timeout=0.2)
    server.inject(Fault(delay=1.0))
    with pytest.raises(BackendTimeoutError):
        stream(backend, mode, timeout=0.2)


@pytest.mark.parametrize("mode", MODES)
def test_connection_dropped_mid_stream(backend: OpenAIBackend, server: FakeServer,
                                       mode: str) -> None:
    server.inject(Fault(drop_after=3))
    with pytest.raises((BackendUnavailableError, ProtocolError)):
        stream(backend, mode)


@pytest.mark.parametrize("mode", MODES)
def test_connection_dropped_mid_body(backend: OpenAIBackend, server: FakeServer,
                                     mode: str) -> None:
    server.inject(Fault(drop_after=40))
    with pytest.raises((BackendUnavailableError, ProtocolError)):
        complete(backend, mode)


@pytest.mark.parametrize("mode", MODES)
def test_malformed_json(backend: OpenAIBackend, server: FakeServer, mode: str) -> None:
    server.inject(Fault(malformed_json=True))
    with pytest.raises(ProtocolError):
        complete(backend, mode)


@pytest.mark.parametrize("mode", MODES)
def test_malformed_stream_line(backend: OpenAIBackend, server: FakeServer, mode: str) -> None:
    server.inject(Fault(malformed_stream=True))
    with pytest.raises(ProtocolError):
        stream(backend, mode)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("mode", MODES)
def test_connection_refused(make: Callable[..., OpenAIBackend], mode: str) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    with pytest.raises(BackendUnavailableError) as caught:
        complete(make(base_url=url), mode)
    assert url in str(caught.value) and "curl" in str(caught.value)
    vllm = make(OpenAICompatibleBackend, "m", preset="vllm", base_url=url.removesuffix("/v1"))
    with pytest.raises(BackendUnavailableError) as caught:
        stream(vllm, mode)
    assert f"curl {url.removesuffix('/v1')}/health" in str(caught.value)


def test_health_check(backend: OpenAIBackend, make: Callable[..., OpenAIBackend]) -> None:
    assert backend.health_check().ok
    assert backend.list_models() == ["gpt-4o", "gpt-4o-mini"]

    async def listed() -> list[str]:
        async with backend:
            return await backend.alist_models()

    assert asyncio.run(listed()) == ["gpt-4o", "gpt-4o-mini"]
    down = make(base_url=f"http://127.0.0.1:{_closed_port()}/v1")
    health = down.health_check()
    assert not health.ok and "cannot connect" in health.detail


def test_async_health_check(backend: OpenAIBackend) -> None:
    async def go() -> bool:
        async with backend:
            return (await backend.ahealth_check()).ok

    assert asyncio.run(go())


# -- cancellation -------------------------------------------------------------------------------


def test_stream_cancellation_sync(make: Callable[..., OpenAIBackend], app: OpenAIFake,
                                  own_server: FakeServer) -> None:
    app.script = Script(chunks=["tick "] * 100, interval=0.05)
    chunks = make(base_url=own_server.url + "/v1").stream("Hi")
    assert [next(chunks).text, next(chunks).text] == ["tick ", "tick "]
    chunks.close()  # type: ignore[attr-defined]
    assert own_server.disconnected.wait(2)


def test_stream_cancellation_async(make: Callable[..., OpenAIBackend], app: OpenAIFake,
                                   own_server: FakeServer) -> None:
    app.script = Script(chunks=["tick "] * 100, interval=0.05)
    backend = make(base_url=own_server.url + "/v1")

    async def go() -> list[str]:
        agen = backend.astream("Hi")
        texts = [(await anext(agen)).text, (await anext(agen)).text]
        await agen.aclose()  # type: ignore[attr-defined]
        await backend.aclose()
        return texts

    assert asyncio.run(go()) == ["tick ", "tick "]
    assert own_server.disconnected.wait(2)


# -- secrets ------------------------------------------------------------------------------------


def test_canary_key_never_leaks(make: Callable[..., OpenAIBackend], app: OpenAIFake,
                                server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    canary = f"sk-canary-{secrets.token_hex(8)}"
    app.api_key = canary
    caplog.set_level(logging.DEBUG)
    backend = make(api_key=canary)
    assert backend.complete("Hi").text
    assert collect_stream(backend.stream("Hi")).text
    server.inject(Fault(status=401, message=f"Incorrect API key provided: {canary}"))
    errors: list[BaseException] = []
    with pytest.raises(AuthenticationError) as caught:
        backend.complete("Hi")
    errors.append(caught.value)
    wrong = make(api_key=canary + "-wrong")
    with pytest.raises(AuthenticationError) as caught:
        wrong.complete("Hi")
    errors.append(caught.value)
    assert server.requests[0].headers["authorization"] == f"Bearer {canary}"
    for error in errors:
        assert canary not in f"{error} {error!r} {error.args}"
        assert canary not in "".join(traceback.format_exception(error))
    assert canary not in repr(backend) and canary not in repr(wrong)
    assert caplog.records
    for record in caplog.records:
        assert canary not in record.getMessage() and canary not in str(record.args)


# -- error mapping is exhaustive ------------------------------------------------------------------

_ERROR_MODULES = ["openai._exceptions", "openai._response", "openai.lib.azure",
                  "openai.lib._old_api", "openai._extras._common",
                  "openai.lib.beta.agents._result", "openai.lib.beta.agents._files"]


def _sdk_error_classes() -> list[type[Exception]]:
    import openai

    for name in _ERROR_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    found, todo = set(), [openai.OpenAIError]
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.add(cls)
            todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _instantiate(cls: type[Exception]) -> Exception:
    import httpx2
    from openai.types.chat import ChatCompletion

    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    status = getattr(cls, "status_code", 500)
    response = httpx2.Response(status if isinstance(status, int) else 500, request=request,
                               headers={"x-request-id": "req_1", "retry-after": "1"})
    completion = ChatCompletion.model_construct(id="c", choices=[], created=0, model="m",
                                                object="chat.completion", usage=None)
    values = {"message": "boom", "request": request, "response": response, "body": None,
              "completion": completion, "unsent_messages": []}
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.name not in values and param.default is not param.empty:
            continue
        positional = param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD)
        value = values.get(param.name, "boom" if positional else None)
        if param.kind == param.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[param.name] = value
    return cls(*args, **kwargs)


def test_every_sdk_error_is_mapped(backend: OpenAIBackend) -> None:
    classes = _sdk_error_classes()
    names = {c.__name__ for c in classes}
    assert {"LengthFinishReasonError", "ContentFilterFinishReasonError", "APITimeoutError",
            "RateLimitError", "APIResponseValidationError"} <= names
    for cls in classes:
        mapped = backend._map_error(_instantiate(cls))
        assert isinstance(mapped, BackendError) and type(mapped) is not BackendError, cls
    import openai

    expected = {openai.APITimeoutError: BackendTimeoutError,
                openai.APIConnectionError: BackendUnavailableError,
                openai.NotFoundError: ModelNotFoundError,
                openai.RateLimitError: RateLimitError,
                openai.AuthenticationError: AuthenticationError,
                openai.BadRequestError: InvalidRequestError,
                openai.InternalServerError: BackendUnavailableError,
                openai.APIResponseValidationError: ProtocolError,
                openai.LengthFinishReasonError: ProtocolError,
                openai.ContentFilterFinishReasonError: ProtocolError}
    for cls, ours in expected.items():
        assert type(backend._map_error(_instantiate(cls))) is ours, cls


def test_transport_and_parse_errors_are_mapped(backend: OpenAIBackend) -> None:
    import httpx2
    import pydantic

    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    cases: list[tuple[Exception, type[BackendError]]] = [
        (httpx2.ConnectError("refused", request=request), BackendUnavailableError),
        (httpx2.ReadTimeout("slow", request=request), BackendTimeoutError),
        (httpx2.RemoteProtocolError("cut", request=request), BackendUnavailableError),
        (httpx2.HTTPStatusError("429", request=request, response=httpx2.Response(
            429, request=request, headers={"retry-after": "3"})), RateLimitError),
        (httpx2.DecodingError("bad gzip", request=request), ProtocolError),
        (httpx2.StreamClosed(), ProtocolError),
        (json.JSONDecodeError("Expecting value", "{", 1), ProtocolError),
    ]
    try:
        pydantic.TypeAdapter(int).validate_python("x")
    except pydantic.ValidationError as exc:
        cases.append((exc, ProtocolError))
    import httpx

    cases.append((httpx.ConnectError("refused"), BackendUnavailableError))
    for error, ours in cases:
        assert type(backend._map_error(error)) is ours, error
    assert backend._map_error(KeyError("not ours")) is None


def test_error_event_inside_stream_is_mapped(backend: OpenAIBackend) -> None:
    import httpx2
    import openai

    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    overloaded = openai.APIError("overloaded", request, body={"type": "server_error"})
    limited = openai.APIError("slow down", request, body={"code": "rate_limit_exceeded"})
    assert type(backend._map_error(overloaded)) is BackendUnavailableError
    assert type(backend._map_error(limited)) is RateLimitError


# -- parameters, construction ---------------------------------------------------------------------


def test_unsupported_parameters(make: Callable[..., OpenAIBackend], server: FakeServer) -> None:
    legacy = make(model="o1-preview")
    with pytest.raises(UnsupportedParameterError) as caught:
        legacy.complete("Hi", stop=["x"])
    assert caught.value.parameter == "stop"
    assert legacy.complete("Hi", stop=["x"], strict=False).text
    assert "stop" not in last_body(server)
    with pytest.raises(UnsupportedParameterError):
        make().complete("Hi", frequency=1)
    # reasoning models take an effort even though chat completions returns no reasoning text
    make(model="o3-mini").complete("Hi", reasoning="high")
    assert last_body(server)["reasoning_effort"] == "high"


@pytest.mark.parametrize("cls", [OpenAIBackend, OpenAICompatibleBackend])
def test_missing_sdk(monkeypatch: pytest.MonkeyPatch, cls: type[OpenAIBackend]) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)
    with pytest.raises(ImportError, match=r"pip install 'arifos-core\[openai\]'"):
        cls("m", api_key=KEY, base_url="http://127.0.0.1:9/v1")


def test_missing_key_names_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(AuthenticationError, match="OPENAI_API_KEY"):
        OpenAIBackend("gpt-4o")


# -- OpenAI-compatible presets ------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("field_name", ["reasoning_content", "reasoning"])
def test_vllm_reasoning(make: Callable[..., OpenAIBackend], app: OpenAIFake, server: FakeServer,
                        monkeypatch: pytest.MonkeyPatch, mode: str, field_name: str) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-reach-vllm")
    monkeypatch.delenv("VLLM_API_KEY", raising=False)
    app.api_key = "not-needed"
    app.script = Script(text="9.8 is greater.", reasoning="Compare 9.11 and 9.80 first.",
                        reasoning_field=field_name)
    vllm = make(OpenAICompatibleBackend, "Qwen/QwQ-32B", preset="vllm", base_url=server.url,
                api_key=None)
    assert vllm.base_url == server.url + "/v1"
    result = complete(vllm, mode, max_tokens=64)
    assert (result.text, result.reasoning) == ("9.8 is greater.", "Compare 9.11 and 9.80 first.")
    request = server.requests[-1]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer not-needed"
    assert request.json["max_tokens"] == 64 and "max_completion_tokens" not in request.json
    chunks = stream(vllm, mode)
    assert "".join(c.reasoning for c in chunks) == "Compare 9.11 and 9.80 first."
    assert "".join(c.text for c in chunks) == "9.8 is greater."
    assert chunks[-1].finish_reason == "stop"


@pytest.mark.parametrize("mode", MODES)
def test_inline_think_tags_are_reasoning(make: Callable[..., OpenAIBackend], app: OpenAIFake,
                                         mode: str) -> None:
    app.script = Script(text="<think>Sources agree.</think>\n\nParis.",
                        chunks=["<th", "ink>Sour", "ces agree.</th", "ink>", "\n\n", "Paris."])
    sonar = make(OpenAICompatibleBackend, "sonar-reasoning", preset="perplexity")
    result = complete(sonar, mode)
    assert (result.text, result.reasoning) == ("Paris.", "Sources agree.")
    chunks = stream(sonar, mode)
    assert "".join(c.text for c in chunks) == "Paris."
    assert "".join(c.reasoning for c in chunks) == "Sources agree."


def test_think_splitter_edge_cases() -> None:
    def split(*pieces: str) -> tuple[str, str]:
        splitter, text, thought = _ThinkSplitter(), "", ""
        for piece in (*pieces, None):
            t, r = splitter.flush() if piece is None else splitter.feed(piece)
            text, thought = text + t, thought + r
        return text, thought

    assert split("<b>bold</b>") == ("<b>bold</b>", "")
    assert split("<", "thi", "nk>a</think>b") == ("b", "a")
    assert split("<think>never closed") == ("", "never closed")
    assert split("<thi") == ("<thi", "")
    assert split("plain <think>later</think>") == ("plain <think>later</think>", "")


def test_openrouter_headers(make: Callable[..., OpenAIBackend], server: FakeServer,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_SITE_URL", "https://example.org")
    monkeypatch.setenv("OPENROUTER_APP_NAME", "arifOS tests")
    router = make(OpenAICompatibleBackend, "openai/gpt-4o", preset="openrouter",
                  base_url=server.url + "/api/v1")
    assert router.complete("Hi").text
    request = server.requests[-1]
    assert request.path == "/api/v1/chat/completions"
    assert request.headers["http-referer"] == "https://example.org"
    assert request.headers["x-title"] == "arifOS tests"
    monkeypatch.delenv("OPENROUTER_APP_NAME")
    quiet = make(OpenAICompatibleBackend, "openai/gpt-4o", preset="openrouter",
                 base_url=server.url + "/api/v1")
    assert collect_stream(quiet.stream("Hi")).text
    assert "x-title" not in server.requests[-1].headers


@pytest.mark.parametrize("mode", MODES)
def test_azure_openai(make: Callable[..., OpenAIBackend], server: FakeServer,
                      monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    monkeypatch.delenv("OPENAI_API_VERSION", raising=False)
    azure = make(OpenAICompatibleBackend, "my-gpt4o", preset="azure-openai", base_url=server.url)
    assert complete(azure, mode, logprobs=True).logprobs
    request = server.requests[-1]
    assert request.path == "/openai/deployments/my-gpt4o/chat/completions"
    assert request.query["api-version"] == ["2024-10-21"]
    assert request.headers["api-key"] == KEY
    assert KEY not in request.headers.get("authorization", "")
    assert request.json["max_completion_tokens"] == 1024
    assert stream(azure, mode)[-1].finish_reason == "stop"
    assert server.requests[-1].path == "/openai/deployments/my-gpt4o/chat/completions"


def test_azure_api_version_from_env(make: Callable[..., OpenAIBackend], server: FakeServer,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-01-01-preview")
    azure = make(OpenAICompatibleBackend, "dep", preset="azure-openai", base_url=server.url)
    azure.complete("Hi")
    assert server.requests[-1].query["api-version"] == ["2025-01-01-preview"]
    explicit = make(OpenAICompatibleBackend, "dep", preset="azure-openai", base_url=server.url,
                    api_version="2024-06-01")
    assert explicit.list_models() == ["gpt-4o", "gpt-4o-mini"]
    assert server.requests[-1].path == "/openai/models"
    assert server.requests[-1].query["api-version"] == ["2024-06-01"]


def test_base_url_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    with pytest.raises(ValueError, match=r"base_url.*AZURE_OPENAI_ENDPOINT"):
        OpenAICompatibleBackend("dep", preset="azure-openai", api_key=KEY)
    with pytest.raises(ValueError, match=r"base_url.*vllm"):
        OpenAICompatibleBackend("m")


def test_perplexity_default_base_url(make: Callable[..., OpenAIBackend], server: FakeServer,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PERPLEXITY_API_KEY", raising=False)
    monkeypatch.setenv("PERPLEXITYAI_API_KEY", KEY)
    hosted = OpenAICompatibleBackend(preset="perplexity")
    assert (hosted.base_url, hosted.model) == ("https://api.perplexity.ai", "sonar")
    hosted.close()
    local = make(OpenAICompatibleBackend, "sonar", preset="perplexity", base_url=server.url)
    assert local.base_url == server.url  # no /v1: Perplexity's API has no path prefix
    assert local.complete("Hi").text
    assert server.requests[-1].path == "/chat/completions"


@pytest.mark.parametrize(("preset", "given", "expected"), [
    ("sea-lion", "http://localhost:8000", "http://localhost:8000/v1"),
    ("vllm", "http://localhost:8000/", "http://localhost:8000/v1"),
    ("llama-cpp-server", "http://127.0.0.1:8080", "http://127.0.0.1:8080/v1"),
    ("vllm", "http://gpu-box:8000/custom", "http://gpu-box:8000/custom"),
    (None, "http://localhost:1234", "http://localhost:1234/v1"),
    (None, "https://llm.example.org", "https://llm.example.org"),
])
def test_api_path_is_completed(preset: str | None, given: str, expected: str) -> None:
    backend = OpenAICompatibleBackend("m", preset=preset, base_url=given, api_key="k")
    assert backend.base_url == expected
    backend.close()


def test_retry_after_http_date() -> None:
    assert _retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert _retry_after({"retry-after": "soon"}) is None
    assert _retry_after({}) is None
