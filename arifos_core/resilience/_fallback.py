"""Fallback: try the next backend when one is unavailable, and say which one served."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from .._errors import BackendError, BackendUnavailableError
from ..backends import Completion, LLMBackend, StreamChunk
from ..contracts import UNKNOWN, CapabilityValue
from ._wrap import aclose_stream, close_stream

__all__ = ["FallbackBackend", "should_fall_back"]

log = logging.getLogger("arifos_core.resilience")


def should_fall_back(error: BackendError) -> bool:
    """Fall back on errors another backend may not have: retryable ones and unavailability.
    Authentication and invalid requests are the caller's to fix and are raised."""
    return error.retryable or isinstance(error, BackendUnavailableError)


def _name(backend: LLMBackend) -> str:
    return f"{backend.provider or type(backend).__name__}:{backend.model}"


class FallbackBackend(LLMBackend):
    """Tries ``backends`` in order. A completion's ``metadata["served_by"]`` names the backend
    that answered and ``metadata["fallback_errors"]`` what failed before it. A stream falls back
    only before its first chunk; after that an error ends the stream."""

    def __init__(self, backends: Sequence[LLMBackend], *,
                 fall_back_on: Callable[[BackendError], bool] = should_fall_back) -> None:
        if not backends:
            raise ValueError("FallbackBackend needs at least one backend")
        self.backends = tuple(backends)
        self.fall_back_on = fall_back_on
        self.model = self.backends[0].model
        self.provider = "fallback"
        self.served_by: str | None = None

    def __repr__(self) -> str:
        return f"FallbackBackend([{', '.join(_name(b) for b in self.backends)}])"

    def _failed(self, backend: LLMBackend, error: BackendError, errors: list[str],
                last: bool) -> None:
        if last or not self.fall_back_on(error):
            if errors:
                log.warning("all fallbacks failed: %s", "; ".join(errors))
            raise error
        errors.append(f"{_name(backend)}: {type(error).__name__}: {error.message}")
        log.warning("falling back from %s after %s", _name(backend), type(error).__name__)

    def _served(self, backend: LLMBackend, completion: Completion,
                errors: list[str]) -> Completion:
        self.served_by = _name(backend)
        return replace(completion, metadata={**completion.metadata, "served_by": self.served_by,
                                             "fallback_errors": tuple(errors)})

    def complete(self, messages: Any, **params: Any) -> Completion:
        errors: list[str] = []
        for index, backend in enumerate(self.backends):
            try:
                completion = backend.complete(messages, **params)
            except BackendError as exc:
                self._failed(backend, exc, errors, index == len(self.backends) - 1)
                continue
            return self._served(backend, completion, errors)
        raise AssertionError("unreachable")

    async def acomplete(self, messages: Any, **params: Any) -> Completion:
        errors: list[str] = []
        for index, backend in enumerate(self.backends):
            try:
                completion = await backend.acomplete(messages, **params)
            except BackendError as exc:
                self._failed(backend, exc, errors, index == len(self.backends) - 1)
                continue
            return self._served(backend, completion, errors)
        raise AssertionError("unreachable")

    def stream(self, messages: Any, **params: Any) -> Iterator[StreamChunk]:
        errors: list[str] = []
        for index, backend in enumerate(self.backends):
            chunks = backend.stream(messages, **params)
            try:
                first = next(chunks, None)
            except BackendError as exc:
                close_stream(chunks)
                self._failed(backend, exc, errors, index == len(self.backends) - 1)
                continue
            self.served_by = _name(backend)
            try:
                if first is not None:
                    yield first
                yield from chunks
            finally:
                close_stream(chunks)
            return

    async def astream(self, messages: Any, **params: Any) -> AsyncIterator[StreamChunk]:
        errors: list[str] = []
        for index, backend in enumerate(self.backends):
            chunks = backend.astream(messages, **params)
            try:
                first = await anext(chunks, None)
            except BackendError as exc:
                await aclose_stream(chunks)
                self._failed(backend, exc, errors, index == len(self.backends) - 1)
                continue
            self.served_by = _name(backend)
            try:
                if first is not None:
                    yield first
                async for chunk in chunks:
                    yield chunk
            finally:
                await aclose_stream(chunks)
            return

    def get_capabilities(self) -> dict[str, CapabilityValue]:
        """What every backend in the chain can do: True only if all declare True, False if
        any declares False, "unknown" otherwise."""
        declared = [backend.get_capabilities() for backend in self.backends]
        combined: dict[str, CapabilityValue] = {}
        for name in {name for caps in declared for name in caps}:
            values = [caps.get(name, False) for caps in declared]
            combined[name] = (False if any(v is False for v in values)
                              else UNKNOWN if any(v == UNKNOWN for v in values) else True)
        return combined

    def list_models(self) -> list[str]:
        return [model for backend in self.backends for model in backend.list_models()]

    def close(self) -> None:
        for backend in self.backends:
            backend.close()

    async def aclose(self) -> None:
        for backend in self.backends:
            await backend.aclose()
