"""A backend of your own needs only generate and generate_stream (the seed's custom backend)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from arifos_core.backends import LLMBackend, StreamChunk, UnsupportedParameterError
from arifos_core.contracts import check_capabilities, load_contract


class CustomBackend(LLMBackend):
    def __init__(self) -> None:
        self.closed = 0

    def generate(self, prompt: str, max_tokens: int = 1024, **params: Any) -> str:
        return f"Custom response to: {prompt}"

    def generate_stream(self, prompt: str, max_tokens: int = 1024,
                        **params: Any) -> Iterator[StreamChunk]:
        try:
            yield StreamChunk(text="Streaming response...")
            yield StreamChunk(text=" More...", finish_reason="stop")
        finally:
            self.closed += 1

    def get_capabilities(self) -> dict[str, Any]:
        return {"supports_refusal": True, "supports_uncertainty_expression": True,
                "supports_tool_call_wrapping": True, "supports_system_prompts": True,
                "supports_stop_signal": True, "supports_reasoning_pause": True}


def test_seed_custom_backend_works_everywhere() -> None:
    backend = CustomBackend()
    assert backend.generate("hi") == "Custom response to: hi"
    assert backend.complete("hi").text == "Custom response to: hi"
    assert [c.text for c in backend.stream("hi")] == ["Streaming response...", " More..."]
    assert asyncio.run(backend.agenerate("hi")) == "Custom response to: hi"

    async def collect() -> list[str]:
        return [c.text async for c in backend.agenerate_stream("hi")]

    assert asyncio.run(collect()) == ["Streaming response...", " More..."]
    assert backend.list_models() == [] and backend.health_check().ok
    check = check_capabilities(load_contract(), backend.get_capabilities(), name="custom")
    assert check.verdict == "WARN"  # supports_streaming is not declared: recommended


def test_async_stream_closed_early_closes_the_sync_stream() -> None:
    backend = CustomBackend()

    async def first() -> str:
        stream = backend.astream("hi")
        chunk = await anext(stream)
        await stream.aclose()
        return chunk.text

    assert asyncio.run(first()) == "Streaming response..."
    assert backend.closed == 1


def test_generate_only_backend_refuses_chat_messages() -> None:
    with pytest.raises(UnsupportedParameterError, match="implement complete"):
        CustomBackend().complete([{"role": "system", "content": "x"},
                                  {"role": "user", "content": "y"}])


def test_default_capabilities_are_unknown() -> None:
    class Minimal(LLMBackend):
        def generate(self, prompt: str, max_tokens: int = 1024, **params: Any) -> str:
            return prompt

        def generate_stream(self, prompt: str, max_tokens: int = 1024,
                            **params: Any) -> Iterator[StreamChunk]:
            yield StreamChunk(prompt, finish_reason="stop")

    caps = Minimal().get_capabilities()
    assert set(caps.values()) == {"unknown"} and "supports_refusal" in caps


def test_a_backend_must_implement_one_of_each_pair() -> None:
    class NoStream(LLMBackend):
        def generate(self, prompt: str, max_tokens: int = 1024, **params: Any) -> str:
            return prompt

    with pytest.raises(TypeError, match=r"generate_stream\(\) or stream\(\)"):
        NoStream()
