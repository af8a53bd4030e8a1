"""A backend that wraps another and changes how calls reach it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from ..backends import Completion, LLMBackend, StreamChunk
from ..contracts import CapabilityValue

__all__ = ["WrappingBackend", "aclose_stream", "close_stream"]


class WrappingBackend(LLMBackend):
    """Delegates everything to ``inner``; subclasses change the calls they care about."""

    def __init__(self, inner: LLMBackend) -> None:
        self.inner = inner
        self.model = inner.model
        self.provider = inner.provider

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.inner!r})"

    def complete(self, messages: Any, **params: Any) -> Completion:
        return self.inner.complete(messages, **params)

    async def acomplete(self, messages: Any, **params: Any) -> Completion:
        return await self.inner.acomplete(messages, **params)

    def stream(self, messages: Any, **params: Any) -> Iterator[StreamChunk]:
        return self.inner.stream(messages, **params)

    def astream(self, messages: Any, **params: Any) -> AsyncIterator[StreamChunk]:
        return self.inner.astream(messages, **params)

    def get_capabilities(self) -> dict[str, CapabilityValue]:
        return self.inner.get_capabilities()

    def list_models(self) -> list[str]:
        return self.inner.list_models()

    async def alist_models(self) -> list[str]:
        return await self.inner.alist_models()

    def close(self) -> None:
        self.inner.close()

    async def aclose(self) -> None:
        await self.inner.aclose()


def close_stream(chunks: Iterator[StreamChunk]) -> None:
    """Close a stream iterator if it can be closed (a generator can)."""
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


async def aclose_stream(chunks: AsyncIterator[StreamChunk]) -> None:
    """Close an async stream iterator if it can be closed."""
    close = getattr(chunks, "aclose", None)
    if close is not None:
        await close()
