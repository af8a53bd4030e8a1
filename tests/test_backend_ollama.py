"""OllamaBackend through the official ``ollama`` client against a fake Ollama server on
loopback: requests it sends, answers it parses (JSON and NDJSON streams), every fault it maps."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import ollama
import pydantic
import pytest

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
    Tool,
    ToolCall,
    UnsupportedParameterError,
    collect_stream,
)
from arifos_core.backends._ollama import OllamaBackend
from arifos_core.backends._registry import get_backend
from tests.fakes._http import FakeServer, Fault
from tests.fakes.ollama import TIMINGS, OllamaApp, Script, error_body

CANARY = "sk-canary-7d1e55b0a94c"
WEATHER = Tool("get_weather", "Weather for a city",
               {"type": "object", "properties": {"city": {"type": "string"}},
                "required": ["city"]})
T = TypeVar("T")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OLLAMA_HOST", "OLLAMA_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def _running() -> Iterator[tuple[OllamaApp, FakeServer]]:
    """One server for the module (stopping one takes half a second); reset per test."""
    app = OllamaApp()
    fake = FakeServer(app, error_body=error_body).start()
    yield app, fake
    fake.stop()


@pytest.fixture()
def app(_running: tuple[OllamaApp, FakeServer]) -> OllamaApp:
    app, fake = _running
    app.script = Script()
    fake.requests.clear()
    fake.faults.clear()
    fake.disconnected.clear()
    return app


@pytest.fixture()
def server(app: OllamaApp, _running: tuple[OllamaApp, FakeServer]) -> FakeServer:
    return _running[1]


@pytest.fixture()
def backend(server: FakeServer) -> Iterator[OllamaBackend]:
    with OllamaBackend("llama3.1", base_url=server.url, timeout=5) as made:
        yield made


def run(backend: OllamaBackend, work: Callable[[], Awaitable[T]]) -> T:
    """Run async work on a fresh loop, closing the backend's async clients in that loop."""

    async def main() -> T:
        try:
            return await work()
        finally:
            await backend.aclose()

    return asyncio.run(main())


def body(server: FakeServer, index: int = -1) -> dict[str, Any]:
    chat = [r for r in server.requests if r.path == "/api/chat"]
    return chat[index].json  # type: ignore[no-any-return]


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def astream_all(backend: OllamaBackend, prompt: Any, **params: Any) -> list[StreamChunk]:
    async def work() -> list[StreamChunk]:
        return [chunk async for chunk in backend.astream(prompt, **params)]

    return run(backend, work)


# -- text, system prompt, options ---------------------------------------------------------------

def test_text_sync_and_async_agree(backend: OllamaBackend, server: FakeServer) -> None:
    completion = backend.complete("Say hello", temperature=0.2, top_p=0.9, seed=7, max_tokens=50)
    assert completion.text == "Hello from Ollama."
    assert completion.finish_reason == "stop" and completion.raw_finish_reason == "stop"
    assert completion.model == "llama3.1" and completion.provider == "ollama"
    assert completion.usage.prompt_tokens == 2 and completion.usage.completion_tokens == 3
    assert completion.usage.total_tokens == 5 and completion.refusal is None
    assert completion.raw.total_duration == TIMINGS["total_duration"]
    assert completion.metadata["total_duration_s"] == 1.5
    assert completion.metadata["load_duration_s"] == 0.25
    sent = body(server)
    assert sent["model"] == "llama3.1" and sent["stream"] is False
    assert sent["messages"] == [{"role": "user", "content": "Say hello"}]
    assert sent["options"] == {"num_predict": 50, "temperature": 0.2, "top_p": 0.9, "seed": 7}
    assert not sent.get("tools") and "think" not in sent and "format" not in sent

    asynced = run(backend, lambda: backend.acomplete("Say hello", temperature=0.2, top_p=0.9,
                                                     seed=7, max_tokens=50))
    assert (asynced.text, asynced.finish_reason, asynced.usage, asynced.model) == (
        completion.text, completion.finish_reason, completion.usage, completion.model)
    assert body(server) == sent


def test_system_prompt_goes_first_as_one_system_message(backend: OllamaBackend,
                                                        server: FakeServer) -> None:
    messages = [Message.system("Be terse."), Message.user("ping"),
                Message.assistant("..."), Message.user("again")]
    text = backend.generate(messages, system="reply with pong")
    assert text == "pong"
    sent = body(server)["messages"]
    assert sent[0] == {"role": "system", "content": "reply with pong\n\nBe terse."}
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert run(backend, lambda: backend.agenerate("ping", system="reply with PONG")) == "PONG"


def test_stop_sequences_are_sent_and_honoured(backend: OllamaBackend, server: FakeServer) -> None:
    completion = backend.complete("hi", stop=["Ollama"])
    assert body(server)["options"]["stop"] == ["Ollama"]
    assert completion.text == "Hello from " and completion.finish_reason == "stop"
    chunks = list(backend.stream("hi", stop="from"))
    assert "".join(c.text for c in chunks) == "Hello "


def test_max_tokens_is_num_predict_and_length_is_reported(backend: OllamaBackend) -> None:
    completion = backend.complete("hi", max_tokens=2)
    assert completion.text == "Hello from " and completion.finish_reason == "length"
    assert completion.raw_finish_reason == "length"
    assert list(backend.stream("hi", max_tokens=1))[-1].finish_reason == "length"


def test_load_done_reason_is_stop(backend: OllamaBackend, app: OllamaApp) -> None:
    app.script = Script(text="", done_reason="load")
    completion = backend.complete("hi")
    assert (completion.finish_reason, completion.raw_finish_reason) == ("stop", "load")


def test_provider_options_pass_through(backend: OllamaBackend, server: FakeServer) -> None:
    backend.generate("hi", ollama_keep_alive="10m", ollama_num_ctx=8192,
                     ollama_options={"top_k": 5}, temperature=0.0)
    sent = body(server)
    assert sent["keep_alive"] == "10m"
    assert sent["options"] == {"num_predict": 1024, "temperature": 0.0, "num_ctx": 8192,
                               "top_k": 5}


def test_response_schema_is_format(backend: OllamaBackend, server: FakeServer) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}},
              "required": ["answer"]}
    backend.generate("hi", response_schema=schema)
    assert body(server)["format"] == schema


def test_default_base_url_and_ollama_host(server: FakeServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert OllamaBackend().base_url == "http://localhost:11434"
    assert OllamaBackend().model == "llama3.1"
    assert get_backend("ollama") is OllamaBackend
    monkeypatch.setenv("OLLAMA_HOST", server.url)
    with OllamaBackend("llama3.1") as backend:
        assert backend.base_url == server.url and backend.generate("hi") == "Hello from Ollama."


# -- streaming ----------------------------------------------------------------------------------

def test_streaming_sync_and_async(backend: OllamaBackend, server: FakeServer) -> None:
    chunks = list(backend.stream("hi"))
    assert [c.text for c in chunks] == ["Hello ", "from ", "Ollama.", ""]
    last = chunks[-1]
    assert last.finish_reason == "stop" and all(c.finish_reason is None for c in chunks[:-1])
    assert last.usage is not None and last.usage.completion_tokens == 3
    assert last.metadata is not None
    assert last.metadata["total_duration_s"] == 1.5 and last.metadata["eval_duration_s"] == 0.9
    assert last.metadata["raw_finish_reason"] == "stop" and last.metadata["provider"] == "ollama"
    assert body(server)["stream"] is True
    asynced = astream_all(backend, "hi")
    assert [c.text for c in asynced] == [c.text for c in chunks]
    assert asynced[-1].finish_reason == "stop" and asynced[-1].usage == last.usage
    joined = collect_stream(chunks)
    assert joined.text == backend.complete("hi").text


def test_stream_cancellation_sync_closes_the_connection(app: OllamaApp,
                                                        server: FakeServer,
                                                        backend: OllamaBackend) -> None:
    app.script = Script(text="tick ", events=100, interval=0.05)
    stream = backend.stream("count")
    taken = [next(stream), next(stream)]
    assert [c.text for c in taken] == ["tick ", "tick "]
    stream.close()
    assert server.disconnected.wait(2)


def test_stream_cancellation_async_closes_the_connection(app: OllamaApp,
                                                         server: FakeServer,
                                                         backend: OllamaBackend) -> None:
    app.script = Script(text="tick ", events=100, interval=0.05)

    async def work() -> list[StreamChunk]:
        agen = backend.astream("count")
        taken = [await anext(agen), await anext(agen)]
        await agen.aclose()  # type: ignore[attr-defined]
        return taken

    assert len(run(backend, work)) == 2
    assert server.disconnected.wait(2)


# -- tools --------------------------------------------------------------------------------------

def test_tools_are_translated_and_calls_parsed(app: OllamaApp, server: FakeServer,
                                               backend: OllamaBackend) -> None:
    app.script = Script(text="", tool_calls=[("get_weather", {"city": "Paris"})])
    history = [
        Message.user("Weather in Oslo?"),
        Message.assistant("", [ToolCall.parse("c1", "get_weather", '{"city": "Oslo"}')]),
        Message.tool('{"temp": 3}', "c1"),
        Message.user("And Paris?"),
    ]
    completion = backend.complete(history, tools=[WEATHER], tool_choice="auto")
    sent = body(server)
    assert sent["tools"] == [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                       "required": ["city"]}}}]
    assert sent["messages"][1] == {"role": "assistant", "tool_calls": [
        {"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]}
    assert sent["messages"][2] == {"role": "tool", "content": '{"temp": 3}',
                                   "tool_name": "get_weather"}
    assert completion.finish_reason == "tool_calls" and completion.raw_finish_reason == "stop"
    call = completion.tool_calls[0]
    assert (call.id, call.name, dict(call.arguments)) == ("call_0", "get_weather",
                                                          {"city": "Paris"})
    assert json.loads(call.raw_arguments) == {"city": "Paris"}
    asynced = run(backend, lambda: backend.acomplete(history, tools=[WEATHER]))
    assert asynced.tool_calls == completion.tool_calls


def test_streamed_tool_calls_arrive_once_with_the_finish(app: OllamaApp,
                                                         backend: OllamaBackend) -> None:
    app.script = Script(text="Checking. ", tool_calls=[("get_weather", {"city": "Paris"}),
                                                        ("get_weather", {"city": "Rome"})])
    for chunks in (list(backend.stream("hi", tools=[WEATHER])),
                   astream_all(backend, "hi", tools=[WEATHER])):
        assert all(not c.tool_calls for c in chunks[:-1])
        final = chunks[-1]
        assert final.finish_reason == "tool_calls"
        assert [(c.id, dict(c.arguments)) for c in final.tool_calls] == [
            ("call_0", {"city": "Paris"}), ("call_1", {"city": "Rome"})]
        assert collect_stream(chunks).text == "Checking. "


def test_tool_choice(backend: OllamaBackend, server: FakeServer,
                     caplog: pytest.LogCaptureFixture) -> None:
    backend.generate("hi", tools=[WEATHER], tool_choice="none")
    assert not body(server).get("tools")  # the client always sends a (here empty) list
    for choice in ("required", "get_weather"):
        with pytest.raises(UnsupportedParameterError, match="no tool_choice") as exc:
            backend.generate("hi", tools=[WEATHER], tool_choice=choice)
        assert exc.value.parameter == "tool_choice"
    with caplog.at_level(logging.WARNING, logger="arifos_core.backends"):
        backend.generate("hi", tools=[WEATHER], tool_choice="required", strict=False)
    assert "dropping tool_choice" in caplog.text and body(server)["tools"]


def test_a_model_without_tool_support_is_refused(app: OllamaApp, server: FakeServer) -> None:
    app.script = Script(models=["llama3:latest"])
    with OllamaBackend("llama3", base_url=server.url) as backend:
        with pytest.raises(UnsupportedParameterError, match="supports_tool_call_wrapping"):
            backend.generate("hi", tools=[WEATHER])
        backend._capabilities["supports_tool_call_wrapping"] = "unknown"
        with pytest.raises(InvalidRequestError, match="does not support tools") as exc:
            backend.generate("hi", tools=[WEATHER])
        assert exc.value.status_code == 400


def test_a_tool_schema_the_client_cannot_carry_is_an_invalid_request(
        backend: OllamaBackend) -> None:
    with pytest.raises(InvalidRequestError, match="Tool"):
        backend.generate("hi", tools=[Tool("t", "", {"type": "array"})])


# -- logprobs, reasoning, refusal ---------------------------------------------------------------

def test_logprobs_and_confidence(app: OllamaApp, server: FakeServer,
                                 backend: OllamaBackend) -> None:
    app.script = Script(logprobs=[-0.1, -0.5, -0.3])
    completion = backend.complete("hi", logprobs=True, top_logprobs=2)
    sent = body(server)
    assert sent["logprobs"] is True and sent["top_logprobs"] == 2
    assert completion.logprobs is not None
    assert [t.token for t in completion.logprobs] == ["Hello ", "from ", "Ollama."]
    assert [t.logprob for t in completion.logprobs] == [-0.1, -0.5, -0.3]
    assert completion.logprobs[0].top == (("Hello ", -0.1), ("alt1", -1.1))
    assert completion.confidence == pytest.approx(math.exp(-0.3))
    streamed = collect_stream(backend.stream("hi", logprobs=True))
    assert streamed.logprobs == tuple(t.__class__(t.token, t.logprob) for t in
                                      completion.logprobs)
    assert streamed.confidence == pytest.approx(completion.confidence)
    assert backend.complete("hi").logprobs is None and "logprobs" not in body(server)


def test_logprobs_need_a_client_that_has_them(backend: OllamaBackend,
                                              server: FakeServer) -> None:
    backend._chat_params = backend._chat_params - {"logprobs", "top_logprobs"}
    with pytest.raises(UnsupportedParameterError, match="pip install -U ollama") as exc:
        backend.generate("hi", logprobs=True)
    assert exc.value.parameter == "logprobs"
    assert backend.generate("hi", logprobs=True, strict=False) == "Hello from Ollama."
    assert "logprobs" not in body(server)


def test_reasoning_is_think_and_comes_back_apart(app: OllamaApp, server: FakeServer) -> None:
    app.script = Script(text="42.", reasoning="Six times seven.")
    with OllamaBackend("qwen3:8b", base_url=server.url) as backend:
        completion = backend.complete("6*7?", reasoning="high")
        assert body(server)["think"] == "high"
        assert completion.reasoning == "Six times seven." and completion.text == "42."
        chunks = list(backend.stream("6*7?", reasoning=2000))
        assert body(server)["think"] is True
        assert "".join(c.reasoning for c in chunks) == "Six times seven."
        assert "".join(c.text for c in chunks) == "42."
        asynced = astream_all(backend, "6*7?", reasoning=True)
        assert collect_stream(asynced).reasoning == "Six times seven."
        assert backend.complete("6*7?").reasoning is None


def test_reasoning_on_a_model_declared_without_it(backend: OllamaBackend,
                                                  server: FakeServer) -> None:
    with pytest.raises(UnsupportedParameterError, match="supports_reasoning_pause"):
        backend.generate("hi", reasoning="low")
    assert backend.generate("hi", reasoning="low", strict=False) == "Hello from Ollama."
    assert "think" not in body(server)


def test_refusals_show_only_in_the_text(app: OllamaApp, backend: OllamaBackend) -> None:
    app.script = Script(refusal="I can't help with that.")
    completion = backend.complete("something bad")
    assert completion.text == "I can't help with that."
    assert completion.refusal is None and completion.finish_reason == "stop"
    assert collect_stream(backend.stream("something bad")).text == "I can't help with that."


# -- faults -------------------------------------------------------------------------------------

STATUS_FAULTS = [
    (400, InvalidRequestError), (401, AuthenticationError), (403, AuthenticationError),
    (404, ModelNotFoundError), (408, BackendUnavailableError), (413, InvalidRequestError),
    (429, RateLimitError), (500, BackendUnavailableError), (503, BackendUnavailableError),
]


@pytest.mark.parametrize(("status", "error"), STATUS_FAULTS)
def test_status_faults_map_sync_async_and_streaming(status: int, error: type[BackendError],
                                                    server: FakeServer,
                                                    backend: OllamaBackend) -> None:
    async def acall() -> str:
        return await backend.agenerate("hi")

    calls: list[Callable[[], Any]] = [
        lambda: backend.generate("hi"), lambda: list(backend.stream("hi")),
        lambda: run(backend, acall), lambda: astream_all(backend, "hi")]
    for call in calls:
        server.inject(Fault(status=status, message=f"injected {status}",
                            headers={"x-request-id": "req-1"}))
        with pytest.raises(error) as exc:
            call()
        assert exc.value.status_code == status and exc.value.request_id == "req-1"
        assert exc.value.provider == "ollama" and f"injected {status}" in str(exc.value)


def test_auth_error_names_the_env_var(server: FakeServer, backend: OllamaBackend) -> None:
    server.inject(Fault(status=401, message="unauthorized"))
    with pytest.raises(AuthenticationError, match="OLLAMA_API_KEY"):
        backend.generate("hi")


def test_unknown_model_lists_what_the_server_has(server: FakeServer) -> None:
    with OllamaBackend("mistral", base_url=server.url) as backend:
        for call in (lambda: backend.generate("hi"), lambda: list(backend.stream("hi")),
                     lambda: astream_all(backend, "hi")):
            with pytest.raises(ModelNotFoundError) as exc:
                call()
            assert exc.value.available == ("llama3.1:latest", "qwen3:8b")
            assert 'model "mistral" not found' in str(exc.value)
            assert "ollama pull mistral" in str(exc.value)
            assert exc.value.status_code == 404


def test_rate_limit_and_unavailable_keep_retry_after(server: FakeServer,
                                                     backend: OllamaBackend) -> None:
    server.inject(Fault(status=429, headers={"Retry-After": "7"}))
    with pytest.raises(RateLimitError) as limited:
        backend.generate("hi")
    assert limited.value.retry_after == 7.0 and limited.value.retryable
    server.inject(Fault(status=429, headers={"retry-after-ms": "1500"}))
    with pytest.raises(RateLimitError) as limited_ms:
        list(backend.stream("hi"))
    assert limited_ms.value.retry_after == 1.5
    server.inject(Fault(status=503, headers={"Retry-After": "3"}))
    with pytest.raises(BackendUnavailableError) as busy:
        backend.generate("hi")
    assert busy.value.retry_after == 3.0 and busy.value.retryable


def test_timeouts(server: FakeServer, backend: OllamaBackend) -> None:
    server.inject(Fault(delay=0.6))
    with pytest.raises(BackendTimeoutError) as exc:
        backend.generate("hi", timeout=0.1)
    assert isinstance(exc.value, TimeoutError) and exc.value.retryable
    server.inject(Fault(delay=0.6))
    with pytest.raises(BackendTimeoutError):
        astream_all(backend, "hi", timeout=0.1)
    with OllamaBackend("llama3.1", base_url=server.url, timeout=0.1) as fast:
        server.inject(Fault(delay=0.6))
        with pytest.raises(BackendTimeoutError):
            list(fast.stream("hi"))


def test_a_connection_dropped_mid_stream_is_an_error(app: OllamaApp, server: FakeServer,
                                                     backend: OllamaBackend) -> None:
    app.script = Script(text="one two three four five six")
    for call in (lambda: list(backend.stream("hi")), lambda: astream_all(backend, "hi")):
        server.inject(Fault(drop_after=2))
        with pytest.raises((BackendUnavailableError, ProtocolError)):
            call()
    server.inject(Fault(drop_after=20))
    with pytest.raises((BackendUnavailableError, ProtocolError)):
        backend.generate("hi")


def test_an_error_line_mid_stream(app: OllamaApp, backend: OllamaBackend) -> None:
    app.script = Script(stream_error="an error was encountered while running the model")
    for call in (lambda: list(backend.stream("hi")), lambda: astream_all(backend, "hi")):
        with pytest.raises(BackendUnavailableError, match="while running the model") as exc:
            call()
        assert exc.value.status_code is None


def test_malformed_json_and_stream_lines(server: FakeServer, backend: OllamaBackend) -> None:
    server.inject(Fault(malformed_json=True))
    with pytest.raises(ProtocolError, match="malformed JSON"):
        backend.generate("hi")
    server.inject(Fault(malformed_json=True))
    with pytest.raises(ProtocolError):
        run(backend, lambda: backend.acomplete("hi"))
    for call in (lambda: list(backend.stream("hi")), lambda: astream_all(backend, "hi")):
        server.inject(Fault(malformed_stream=True))
        with pytest.raises(ProtocolError):
            call()


def test_connection_refused_names_the_url_and_the_fix() -> None:
    url = closed_port_url()
    with OllamaBackend("llama3.1", base_url=url, timeout=2) as backend:
        calls: list[Callable[[], Any]] = [
            lambda: backend.generate("hi"), lambda: list(backend.stream("hi")),
            lambda: astream_all(backend, "hi"), backend.list_models]
        for call in calls:
            with pytest.raises(BackendUnavailableError) as exc:
                call()
            assert url in str(exc.value) and "ollama serve" in str(exc.value)
            assert f"curl {url}/api/tags" in str(exc.value)
        health = backend.health_check()
        assert not health.ok and url in health.detail


# -- keys, listing, health ----------------------------------------------------------------------

def test_the_api_key_is_sent_as_bearer_and_never_shown(server: FakeServer,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), \
            OllamaBackend("llama3.1", base_url=server.url, api_key=CANARY) as backend:
        assert backend.generate("hi") == "Hello from Ollama."
        assert server.requests[-1].headers["authorization"] == f"Bearer {CANARY}"
        server.inject(Fault(status=401, message=f"key {CANARY} is not valid"))
        with pytest.raises(AuthenticationError) as exc:
            backend.generate("hi")
        server.inject(Fault(status=500, message=f"upstream echoed {CANARY}"))
        with pytest.raises(BackendUnavailableError) as exc2:
            list(backend.stream("hi"))
        texts = [str(exc.value), repr(exc.value), exc.value.message, str(exc2.value),
                 repr(exc2.value), repr(backend), str(backend), caplog.text]
        assert not any(CANARY in text for text in texts)
        assert "***" in str(exc.value)


def test_no_key_no_authorization_header(server: FakeServer, backend: OllamaBackend) -> None:
    backend.generate("hi")
    assert "authorization" not in server.requests[-1].headers


def test_list_models_and_health_check(server: FakeServer, backend: OllamaBackend) -> None:
    assert backend.list_models() == ["llama3.1:latest", "qwen3:8b"]
    assert server.requests[-1].path == "/api/tags" and server.requests[-1].method == "GET"
    assert backend.health_check().ok
    assert run(backend, backend.alist_models) == ["llama3.1:latest", "qwen3:8b"]
    assert run(backend, backend.ahealth_check).ok
    server.inject(Fault(status=500))
    health = backend.health_check()
    assert not health.ok and "HTTP 500" in health.detail


# -- errors are exhaustive; the SDK is optional -------------------------------------------------

def _instances() -> Iterator[BaseException]:
    request = httpx.Request("POST", "http://127.0.0.1:11434/api/chat")
    response = httpx.Response(500, request=request, text='{"error": "boom"}')
    roots: list[type[BaseException]] = [ollama.ResponseError, ollama.RequestError,
                                         httpx.HTTPError, httpx.StreamError, httpx.InvalidURL,
                                         httpx.CookieConflict]
    seen: set[type[BaseException]] = set()
    while roots:
        cls = roots.pop()
        if cls in seen:
            continue
        seen.add(cls)
        roots.extend(cls.__subclasses__())
        if cls is httpx.HTTPStatusError:
            yield cls("boom", request=request, response=response)
        elif issubclass(cls, httpx.RequestError):
            yield cls("boom", request=request)
        elif cls in (httpx.HTTPError, httpx.InvalidURL, httpx.CookieConflict,
                     ollama.RequestError):
            yield cls("boom")
        elif issubclass(cls, httpx.StreamError) and cls is not httpx.StreamError:
            yield cls()
        elif cls is ollama.ResponseError:
            for status in (-1, 400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 503, 529):
                yield cls('{"error": "boom"}', status)
    yield ConnectionError("Failed to connect to Ollama.")
    yield json.JSONDecodeError("Expecting value", "{not json", 1)
    for model, data in ((ollama.ChatResponse, {}), (ollama.ListResponse, {"models": 3})):
        try:
            model.model_validate(data)
        except pydantic.ValidationError as exc:
            yield exc
    try:
        ollama.Tool.model_validate({"function": {"parameters": {"type": "array"}}})
    except pydantic.ValidationError as exc:
        yield exc


def test_every_sdk_and_httpx_error_is_mapped(backend: OllamaBackend) -> None:
    errors = list(_instances())
    assert len(errors) > 30
    for error in errors:
        mapped = backend._map_error(error)  # type: ignore[arg-type]
        assert isinstance(mapped, BackendError), f"{type(error).__name__} is not mapped"
    assert isinstance(backend._map_error(ollama.ResponseError("x", 529)), BackendUnavailableError)
    validation = [e for e in errors if isinstance(e, pydantic.ValidationError)]
    assert [type(backend._map_error(e)) for e in validation] == [
        ProtocolError, ProtocolError, InvalidRequestError]
    assert backend._map_error(KeyError("not ours")) is None


def test_without_the_sdk_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ollama", None)
    with pytest.raises(ImportError, match=r"pip install 'arifos-core\[ollama\]'"):
        OllamaBackend()


def test_sync_and_async_completions_match(app: OllamaApp, server: FakeServer) -> None:
    app.script = Script(text="Same either way.", reasoning="hm", logprobs=[-0.2])
    with OllamaBackend("qwen3:8b", base_url=server.url) as backend:
        params = {"reasoning": True, "logprobs": True, "tools": [WEATHER], "stop": ["way"]}
        sync = backend.complete("hi", **params)
        asynced: Completion = run(backend, lambda: backend.acomplete("hi", **params))
        keys = ("text", "finish_reason", "model", "tool_calls", "logprobs", "confidence",
                "reasoning", "usage", "raw_finish_reason")
        assert {k: getattr(sync, k) for k in keys} == {k: getattr(asynced, k) for k in keys}
        streamed = collect_stream(backend.stream("hi", **params))
        assert (streamed.text, streamed.reasoning, streamed.usage) == (
            sync.text, sync.reasoning, sync.usage)


def test_closing_twice_and_async_close_are_safe(server: FakeServer) -> None:
    backend = OllamaBackend("llama3.1", base_url=server.url)
    backend.generate("hi")
    run(backend, lambda: backend.agenerate("hi"))
    assert not backend._aclients  # run() closed them in their loop
    backend.generate("hi")  # reopens after aclose(); close() must release it again
    backend.close()
    backend.close()
    assert not backend._clients and not backend._aclients
