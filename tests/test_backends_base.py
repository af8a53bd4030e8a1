"""The shared backend machinery, exercised through MockBackend: parameters, capability gating,
streams and their cancellation, error scrubbing, sync/async parity."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import pickle
from collections.abc import Iterable

import pytest

from arifos_core.backends import (
    BackendError,
    Completion,
    InvalidRequestError,
    Message,
    MockBackend,
    ProtocolError,
    RateLimitError,
    StreamChunk,
    TokenLogprob,
    Tool,
    ToolCall,
    UnsupportedParameterError,
    Usage,
    collect_stream,
    confidence_from_logprobs,
)
from arifos_core.backends._base import Reasoning
from arifos_core.backends._config import Secret

CANARY = "sk-canary-3f9a1c77e2"


def test_generate_complete_and_stream_agree() -> None:
    backend = MockBackend(["The answer is 42.", "The answer is 42."])
    completion = backend.complete("q")
    streamed = collect_stream(backend.stream("q"), model="mock")
    assert completion.text == streamed.text == "The answer is 42."
    assert completion.finish_reason == streamed.finish_reason == "stop"
    assert completion.provider == "mock" and completion.latency_s >= 0


def test_sync_and_async_give_the_same_results() -> None:
    script = ["alpha beta", Completion("x", "length", "mock", usage=Usage.of(3, 1))]
    sync = MockBackend(list(script))
    asyn = MockBackend(list(script))
    first = sync.generate("q"), sync.complete("q")

    async def run() -> tuple[str, Completion, list[StreamChunk]]:
        text = await asyn.agenerate("q")
        completion = await asyn.acomplete("q")
        return text, completion

    text, completion = asyncio.run(run())
    assert first[0] == text
    assert (first[1].text, first[1].finish_reason, first[1].usage) == (
        completion.text, completion.finish_reason, completion.usage)
    assert completion.usage.total_tokens == 4


def test_streams_agree_sync_and_async() -> None:
    sync = list(MockBackend(["one two three"]).stream("q"))

    async def run() -> list[StreamChunk]:
        return [c async for c in MockBackend(["one two three"]).astream("q")]

    asyn = asyncio.run(run())
    assert [c.text for c in sync] == [c.text for c in asyn] == ["one ", "two ", "three", ""]
    assert sync[-1].finish_reason == asyn[-1].finish_reason == "stop"
    assert sync[-1].metadata["provider"] == "mock"


def test_closing_a_stream_closes_the_provider_stream_at_once() -> None:
    backend = MockBackend(["a b c d e f"])
    stream = backend.stream("q")
    assert next(stream).text == "a "
    assert backend.streams_closed == 0
    stream.close()
    assert backend.streams_closed == 1


def test_breaking_out_of_a_for_loop_closes_the_stream() -> None:
    backend = MockBackend(["a b c d e f"])
    for chunk in backend.stream("q"):
        if chunk.text:
            break
    assert backend.streams_closed == 1


def test_async_stream_aclose() -> None:
    backend = MockBackend(["a b c d"])

    async def run() -> None:
        async with contextlib.aclosing(backend.astream("q")) as stream:
            async for _chunk in stream:
                break

    asyncio.run(run())
    assert backend.streams_closed == 1


class _Truncating(MockBackend):
    def _pieces(self, completion: Completion) -> list[StreamChunk]:
        return super()._pieces(completion)[:-1]  # the provider never says it finished


def test_a_stream_that_ends_without_finishing_is_a_protocol_error() -> None:
    backend = _Truncating(["cut short"])
    with pytest.raises(ProtocolError, match="ended before the model finished"):
        list(backend.stream("q"))
    assert backend.streams_closed == 1


def test_unknown_parameters_are_rejected_by_name() -> None:
    with pytest.raises(UnsupportedParameterError, match="'temprature'") as exc:
        MockBackend(["x"]).generate("q", temprature=0.2)
    assert exc.value.parameter == "temprature"
    assert isinstance(exc.value, TypeError)


def test_capability_gated_parameter_and_strict_false(caplog: pytest.LogCaptureFixture) -> None:
    backend = MockBackend(["x", "y"], capabilities={"supports_logprobs": False})
    with pytest.raises(UnsupportedParameterError, match="supports_logprobs false"):
        backend.generate("q", logprobs=True)
    with caplog.at_level(logging.WARNING, logger="arifos_core.backends"):
        assert backend.generate("q", logprobs=True, strict=False) == "x"
    assert "dropping 'logprobs'" in caplog.text
    assert backend.requests[-1].logprobs is False


def test_unknown_capability_does_not_block_a_parameter() -> None:
    backend = MockBackend(["x"], capabilities={"supports_tool_call_wrapping": "unknown"})
    backend.generate("q", tools=[{"name": "lookup", "parameters": {"type": "object"}}])
    assert backend.requests[-1].tools == (Tool("lookup", "", {"type": "object"}),)


def test_provider_options_keep_their_prefix_off() -> None:
    backend = MockBackend(["x"])
    backend.generate("q", mock_flavour="dry")
    assert dict(backend.requests[-1].options) == {"flavour": "dry"}


@pytest.mark.parametrize("params,fragment", [
    ({"temperature": 3}, "temperature must be a number from 0 to 2"),
    ({"temperature": True}, "temperature"),
    ({"top_p": -0.1}, "top_p"),
    ({"max_tokens": 0}, "max_tokens must be a positive integer"),
    ({"stop": [""]}, "stop must be"),
    ({"tool_choice": "search"}, "tool_choice must be"),
    ({"top_logprobs": 21}, "top_logprobs"),
    ({"reasoning": "extreme"}, "reasoning must be"),
    ({"seed": 1.5}, "seed must be an integer"),
    ({"response_schema": "json"}, "response_schema must be"),
])
def test_invalid_values_raise_invalid_request(params: dict, fragment: str) -> None:
    with pytest.raises(InvalidRequestError, match=fragment):
        MockBackend(["x"]).generate("q", **params)


def test_request_normalisation() -> None:
    backend = MockBackend(["x"])
    backend.complete([{"role": "system", "content": "Be brief."},
                      {"role": "user", "content": "hi"},
                      {"role": "assistant", "content": "",
                       "tool_calls": [{"id": "c1", "type": "function",
                                       "function": {"name": "f", "arguments": '{"a": 1}'}}]},
                      {"role": "tool", "content": "42", "tool_call_id": "c1"}],
                     system="Follow policy.", stop="END", reasoning="high", top_logprobs=3,
                     tools=[{"type": "function", "function": {"name": "f"}}], tool_choice="f")
    request = backend.requests[-1]
    assert request.system_text == "Follow policy.\n\nBe brief."
    assert [m.role for m in request.chat] == ["user", "assistant", "tool"]
    assert request.chat[1].tool_calls[0].arguments == {"a": 1}
    assert request.stop == ("END",)
    assert request.reasoning == Reasoning(effort="high")
    assert request.logprobs is True and request.top_logprobs == 3
    assert request.tools[0].name == "f" and request.tool_choice == "f"


def test_message_validation() -> None:
    with pytest.raises(ValueError, match="role"):
        Message("robot", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tool_call_id"):
        Message("tool", "x")
    with pytest.raises(ValueError, match="at least one message"):
        MockBackend(["x"]).complete([])


def test_tool_call_parse_keeps_bad_json_raw() -> None:
    call = ToolCall.parse("c1", "f", '{"a": ')
    assert call.arguments == {} and call.raw_arguments == '{"a": '
    assert ToolCall.parse("c2", "f", {"b": 2}).raw_arguments == '{"b": 2}'


def test_confidence_from_logprobs() -> None:
    assert confidence_from_logprobs(None) is None
    assert confidence_from_logprobs([]) is None
    tokens = [TokenLogprob("a", math.log(0.9)), TokenLogprob("b", math.log(0.4))]
    assert confidence_from_logprobs(tokens) == pytest.approx(math.sqrt(0.9 * 0.4))
    assert confidence_from_logprobs([TokenLogprob("a", 0.0)]) == 1.0


def test_mock_errors_and_exhaustion() -> None:
    backend = MockBackend([RateLimitError("slow down", retry_after=2.0)])
    with pytest.raises(RateLimitError) as exc:
        backend.generate("q")
    assert exc.value.retry_after == 2.0 and exc.value.retryable and exc.value.provider == "mock"
    with pytest.raises(RuntimeError, match="exhausted after 1 calls"):
        backend.generate("q")


def test_api_key_is_scrubbed_from_errors_logs_and_repr(caplog: pytest.LogCaptureFixture) -> None:
    backend = MockBackend([BackendError(f"upstream said: invalid key {CANARY}")], api_key=CANARY)
    with caplog.at_level(logging.DEBUG), pytest.raises(BackendError) as exc:
        backend.generate("q")
    texts = [str(exc.value), repr(exc.value), exc.value.message, repr(backend),
             repr(backend._api_key), str(backend._api_key), f"{backend._api_key}", caplog.text]
    assert not any(CANARY in t for t in texts)
    assert "***" in str(exc.value)
    with pytest.raises(TypeError):
        pickle.dumps(backend._api_key)


def test_backend_errors_pickle_with_their_details() -> None:
    error = RateLimitError("slow", retry_after=1.5, provider="p", status_code=429,
                           request_id="r1")
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.retry_after, again.status_code, again.request_id, str(again)) == (
        RateLimitError, 1.5, 429, "r1", str(error))


def test_secret() -> None:
    assert not Secret("") and Secret("x").reveal() == "x" and "x" not in repr(Secret("x"))


def test_health_check_and_list_models() -> None:
    backend = MockBackend(model="m1")
    assert backend.list_models() == ["m1"]
    health = backend.health_check()
    assert health.ok and health.latency_s >= 0
    assert asyncio.run(backend.ahealth_check()).ok


def test_context_managers_close() -> None:
    with MockBackend(["x"]) as backend:
        assert backend.generate("q") == "x"
    assert backend._closed

    async def run() -> MockBackend:
        async with MockBackend(["y"]) as b:
            assert await b.agenerate("q") == "y"
        return b

    assert asyncio.run(run())._closed


def test_refusal_without_text_generates_the_refusal() -> None:
    refusal = Completion("", "refusal", "mock", refusal="I can't help with that.")
    backend = MockBackend([refusal])
    assert backend.generate("q") == "I can't help with that."
    assert refusal.refused


def _collect(chunks: Iterable[StreamChunk]) -> Completion:
    return collect_stream(chunks)


def test_collect_stream_joins_everything() -> None:
    chunks = [StreamChunk(reasoning="think "),
              StreamChunk("a", logprobs=(TokenLogprob("a", -0.1),)),
              StreamChunk("b", logprobs=(TokenLogprob("b", -0.2),)),
              StreamChunk(finish_reason="tool_calls", tool_calls=(ToolCall.parse("1", "f", "{}"),),
                          usage=Usage.of(5, 2))]
    completion = _collect(chunks)
    assert completion.text == "ab" and completion.reasoning == "think "
    assert completion.finish_reason == "tool_calls" and len(completion.tool_calls) == 1
    assert completion.usage.total_tokens == 7
    assert completion.confidence == pytest.approx(math.exp(-0.15))
