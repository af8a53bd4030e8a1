"""LLMBackend: the interface every backend offers, and the smallest way to write one.

A backend of your own needs only ``generate`` (or ``complete``) and ``generate_stream`` (or
``stream``), plus ``get_capabilities`` to declare what it can do; every other method has a
default built on those. Provider adapters derive from ProviderBackend, which implements the
whole interface over an SDK.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

from .._errors import BackendError, UnsupportedParameterError
from ..contracts import UNKNOWN, CapabilityValue, vocabulary
from ._types import Completion, Health, StreamChunk, as_messages

__all__ = ["LLMBackend"]

_PAIRS = (("generate", "complete"), ("generate_stream", "stream"))
_B = TypeVar("_B", bound="LLMBackend")


class LLMBackend:
    """A language model behind one interface, sync and async.

    Subclasses override at least one method of each pair (``generate`` or ``complete``;
    ``generate_stream`` or ``stream``). Async methods run the sync ones in a worker thread
    unless overridden.
    """

    model: str = ""
    provider: str = ""

    def __new__(cls, *args: Any, **kwargs: Any) -> LLMBackend:
        for pair in _PAIRS:
            if all(getattr(cls, name) is getattr(LLMBackend, name) for name in pair):
                raise TypeError(f"{cls.__name__} must implement {pair[0]}() or {pair[1]}()")
        return super().__new__(cls)

    # -- text in, text out --------------------------------------------------------------------

    def generate(self, prompt: str, max_tokens: int = 1024, **params: Any) -> str:
        """The text of a completion for a single user prompt (a refusal's text if refused)."""
        completion = self.complete(prompt, max_tokens=max_tokens, **params)
        return completion.text or (completion.refusal or "")

    def generate_stream(self, prompt: str, max_tokens: int = 1024,
                        **params: Any) -> Iterator[StreamChunk]:
        """Stream the answer to a single user prompt."""
        return self.stream(prompt, max_tokens=max_tokens, **params)

    async def agenerate(self, prompt: str, max_tokens: int = 1024, **params: Any) -> str:
        """Async ``generate``."""
        completion = await self.acomplete(prompt, max_tokens=max_tokens, **params)
        return completion.text or (completion.refusal or "")

    def agenerate_stream(self, prompt: str, max_tokens: int = 1024,
                         **params: Any) -> AsyncIterator[StreamChunk]:
        """Async ``generate_stream``."""
        return self.astream(prompt, max_tokens=max_tokens, **params)

    # -- messages in, Completion out ----------------------------------------------------------

    def complete(self, messages: Any, **params: Any) -> Completion:
        """A Completion for a prompt or messages. The default wraps ``generate``, which takes a
        single user prompt."""
        started = time.perf_counter()
        text = self.generate(self._single_prompt(messages), **params)
        return Completion(text, "stop", self.model, latency_s=time.perf_counter() - started,
                          provider=self.provider)

    def stream(self, messages: Any, **params: Any) -> Iterator[StreamChunk]:
        """Stream a completion. The default wraps ``generate_stream``."""
        return self.generate_stream(self._single_prompt(messages), **params)

    async def acomplete(self, messages: Any, **params: Any) -> Completion:
        """Async ``complete``."""
        return await asyncio.to_thread(self.complete, messages, **params)

    async def astream(self, messages: Any, **params: Any) -> AsyncIterator[StreamChunk]:
        """Async ``stream``; stop early with ``aclose()``, which closes the sync stream."""
        iterator = await asyncio.to_thread(self.stream, messages, **params)
        end = object()
        try:
            while True:
                chunk = await asyncio.to_thread(next, iterator, end)
                if chunk is end:
                    return
                yield chunk  # type: ignore[misc]
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    # -- everything else ----------------------------------------------------------------------

    def get_capabilities(self) -> dict[str, CapabilityValue]:
        """Declared capabilities. The default declares every capability "unknown"."""
        return dict.fromkeys(vocabulary()["capability"], UNKNOWN)

    def list_models(self) -> list[str]:
        """Model ids the backend offers."""
        return [self.model] if self.model else []

    async def alist_models(self) -> list[str]:
        """Async ``list_models``."""
        return await asyncio.to_thread(self.list_models)

    def health_check(self) -> Health:
        """Whether the backend answers a cheap request (listing models); never raises."""
        started = time.perf_counter()
        try:
            self.list_models()
        except BackendError as exc:
            return Health(False, time.perf_counter() - started, str(exc))
        return Health(True, time.perf_counter() - started)

    async def ahealth_check(self) -> Health:
        """Async ``health_check``."""
        started = time.perf_counter()
        try:
            await self.alist_models()
        except BackendError as exc:
            return Health(False, time.perf_counter() - started, str(exc))
        return Health(True, time.perf_counter() - started)

    def close(self) -> None:
        """Release connections."""

    async def aclose(self) -> None:
        """Release connections, including async ones."""
        self.close()

    def __enter__(self: _B) -> _B:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self: _B) -> _B:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _single_prompt(self, messages: Any) -> str:
        chat = as_messages(messages)
        if len(chat) != 1 or chat[0].role != "user":
            raise UnsupportedParameterError(
                f"{type(self).__name__} implements generate() only, which takes one user "
                "prompt; implement complete() to accept chat messages", parameter="messages",
                provider=self.provider or None)
        return chat[0].content
