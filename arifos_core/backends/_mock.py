"""MockBackend: a scripted backend for tests and examples.

It answers from a script you give it, in order: text, a Completion, an exception to raise, or a
callable that receives the Request. Its capabilities are what you declare (all true by default,
since a script can act out any of them). It records every request and every stream it opened.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Union

from .._errors import BackendError
from ..contracts import CapabilityValue, Catalog
from ._base import AsyncStreamHandle, ProviderBackend, Request, StreamHandle
from ._types import Completion, StreamChunk, confidence_from_logprobs

__all__ = ["MockBackend"]

Step = Union[  # noqa: UP007 - a runtime alias on 3.10
    str, Completion, BaseException, Callable[[Request], Union[str, Completion]]]  # noqa: UP007


class MockBackend(ProviderBackend):
    """A backend that plays a script.

    ``responses`` are used in order; running out raises RuntimeError naming how many calls
    were scripted. Streams split the text into ``chunk_size``-character chunks (words when
    ``chunk_size`` is None) with ``delay`` seconds between them.
    """

    family = "mock"
    option_prefix = "mock"

    def __init__(self, responses: Sequence[Step] | Step = (), *, model: str | None = None,
                 capabilities: Mapping[str, CapabilityValue] | None = None,
                 chunk_size: int | None = None, delay: float = 0.0,
                 catalog: Catalog | None = None, **kwargs: Any) -> None:
        super().__init__(model or "mock", capabilities=capabilities, catalog=catalog, **kwargs)
        self._script: list[Step] = (
            list(responses) if isinstance(responses, Sequence) and not isinstance(responses, str)
            else [responses])
        self.chunk_size = chunk_size
        self.delay = delay
        self.requests: list[Request] = []
        self.streams_opened = 0
        self.streams_closed = 0

    def _next(self, request: Request) -> Completion:
        self.requests.append(request)
        if not self._script:
            raise RuntimeError(f"MockBackend script exhausted after {len(self.requests) - 1} "
                               "calls; give it more responses")
        step = self._script.pop(0)
        if isinstance(step, BaseException):
            raise step
        if callable(step) and not isinstance(step, Completion):
            step = step(request)
        if isinstance(step, str):
            return Completion(step, "stop", self.model)
        return step

    def _send(self, request: Request) -> Completion:
        return self._next(request)

    async def _asend(self, request: Request) -> Completion:
        if self.delay:
            await asyncio.sleep(self.delay)
        return self._next(request)

    def _parse(self, response: Completion, request: Request) -> Completion:
        if response.logprobs is not None and response.confidence is None:
            return Completion(**{**vars(response),
                                 "confidence": confidence_from_logprobs(response.logprobs)})
        return response

    def _pieces(self, completion: Completion) -> list[StreamChunk]:
        text = completion.text
        if self.chunk_size:
            parts = [text[i:i + self.chunk_size] for i in range(0, len(text), self.chunk_size)]
        else:
            parts = re.findall(r"\S+\s*|\s+", text)
        chunks = [StreamChunk(part) for part in parts]
        if completion.reasoning:
            chunks.insert(0, StreamChunk(reasoning=completion.reasoning))
        chunks.append(StreamChunk(finish_reason=completion.finish_reason,
                                  tool_calls=completion.tool_calls, refusal=completion.refusal,
                                  usage=completion.usage))
        return chunks

    def _open_stream(self, request: Request) -> StreamHandle:
        chunks = self._pieces(self._next(request))
        self.streams_opened += 1

        def events() -> Iterator[StreamChunk]:
            for chunk in chunks:
                if self.delay:
                    import time
                    time.sleep(self.delay)
                yield chunk

        return StreamHandle(events(), self._count_close)

    async def _aopen_stream(self, request: Request) -> AsyncStreamHandle:
        chunks = self._pieces(self._next(request))
        self.streams_opened += 1

        async def events() -> AsyncIterator[StreamChunk]:
            for chunk in chunks:
                if self.delay:
                    await asyncio.sleep(self.delay)
                yield chunk

        async def close() -> None:
            self._count_close()

        return AsyncStreamHandle(events(), close)

    def _count_close(self) -> None:
        self.streams_closed += 1

    def _stream_state(self, request: Request) -> None:
        return None

    def _parse_event(self, event: StreamChunk, state: None) -> Iterable[StreamChunk]:
        return (event,)

    def _map_error(self, exc: Exception) -> BackendError | None:
        return None

    def _list_models(self) -> list[str]:
        return [self.model]
