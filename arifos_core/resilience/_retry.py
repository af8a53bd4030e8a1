"""Retries with exponential backoff and full jitter, a cap, a deadline and Retry-After.

Only errors marked ``retryable`` are retried (429, 408, 409, 5xx, 529, connection errors,
timeouts); authentication, validation and model-not-found errors never are. A stream is retried
only until its first chunk has been delivered.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

from .._errors import BackendError
from ..backends import Completion, LLMBackend, StreamChunk
from ._clock import Clock, SystemClock
from ._wrap import WrappingBackend, aclose_stream, close_stream

__all__ = ["RetryPolicy", "RetryingBackend"]

log = logging.getLogger("arifos_core.resilience")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry.

    The wait before retry ``n`` (0-based) is uniform in [0, min(max_delay_s, base_delay_s * 2**n)]
    ("full jitter"), or the provider's Retry-After when it gave one. No retry starts after
    ``deadline_s`` seconds from the first attempt.
    """

    max_retries: int = 3
    deadline_s: float = 60.0
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.deadline_s <= 0 or self.base_delay_s < 0 \
                or self.max_delay_s < self.base_delay_s:
            raise ValueError(f"invalid retry policy: {self}")

    def backoff(self, retry: int, rng: random.Random) -> float:
        """The jittered wait before retry number ``retry`` (0-based)."""
        return rng.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** retry))


@dataclass
class _Attempts:
    """One call's retry bookkeeping; decides whether and how long to wait after an error."""

    policy: RetryPolicy
    clock: Clock
    rng: random.Random
    started: float = 0.0
    retries: int = 0
    waited: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.started = self.clock.monotonic()

    def wait_after(self, error: BackendError) -> float | None:
        """Seconds to wait before the next attempt, or None to give up and raise."""
        if not error.retryable or self.retries >= self.policy.max_retries:
            return None
        retry_after = getattr(error, "retry_after", None)
        wait = float(retry_after) if retry_after is not None and retry_after >= 0 \
            else self.policy.backoff(self.retries, self.rng)
        if self.clock.monotonic() - self.started + wait > self.policy.deadline_s:
            return None
        self.retries += 1
        self.waited.append(wait)
        log.info("retry %d of %s in %.2fs after %s", self.retries, error.provider or "backend",
                 wait, type(error).__name__)
        return wait


class RetryingBackend(WrappingBackend):
    """Retries a backend's calls according to a RetryPolicy.

    ``last_attempts`` is the number of attempts the most recent call made.
    """

    def __init__(self, inner: LLMBackend, policy: RetryPolicy | None = None, *,
                 clock: Clock | None = None, rng: random.Random | None = None) -> None:
        super().__init__(inner)
        self.policy = policy or RetryPolicy()
        self.clock: Clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.last_attempts = 0

    def _attempts(self) -> _Attempts:
        return _Attempts(self.policy, self.clock, self.rng)

    def _done(self, attempts: _Attempts) -> None:
        self.last_attempts = attempts.retries + 1

    def complete(self, messages: Any, **params: Any) -> Completion:
        attempts = self._attempts()
        while True:
            try:
                result = self.inner.complete(messages, **params)
            except BackendError as exc:
                wait = attempts.wait_after(exc)
                if wait is None:
                    self._done(attempts)
                    raise
                self.clock.sleep(wait)
                continue
            self._done(attempts)
            return result

    async def acomplete(self, messages: Any, **params: Any) -> Completion:
        attempts = self._attempts()
        while True:
            try:
                result = await self.inner.acomplete(messages, **params)
            except BackendError as exc:
                wait = attempts.wait_after(exc)
                if wait is None:
                    self._done(attempts)
                    raise
                await self.clock.asleep(wait)
                continue
            self._done(attempts)
            return result

    def stream(self, messages: Any, **params: Any) -> Iterator[StreamChunk]:
        attempts = self._attempts()
        while True:
            chunks = self.inner.stream(messages, **params)
            try:
                first = next(chunks)
            except StopIteration:
                self._done(attempts)
                return
            except BackendError as exc:
                close_stream(chunks)
                wait = attempts.wait_after(exc)
                if wait is None:
                    self._done(attempts)
                    raise
                self.clock.sleep(wait)
                continue
            break
        self._done(attempts)
        try:
            yield first
            yield from chunks  # after the first chunk, errors are the caller's
        finally:
            close_stream(chunks)

    async def astream(self, messages: Any, **params: Any) -> AsyncIterator[StreamChunk]:
        attempts = self._attempts()
        while True:
            chunks = self.inner.astream(messages, **params)
            try:
                first = await anext(chunks)
            except StopAsyncIteration:
                self._done(attempts)
                return
            except BackendError as exc:
                await aclose_stream(chunks)
                wait = attempts.wait_after(exc)
                if wait is None:
                    self._done(attempts)
                    raise
                await self.clock.asleep(wait)
                continue
            break
        self._done(attempts)
        try:
            yield first
            async for chunk in chunks:
                yield chunk
        finally:
            await aclose_stream(chunks)
