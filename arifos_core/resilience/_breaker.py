"""Circuit breaker: after repeated failures, skip a backend for a cool-down, then try once."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

from .._errors import BackendError, BackendUnavailableError
from ..backends import Completion, Health, LLMBackend, StreamChunk
from ._clock import Clock, SystemClock
from ._wrap import WrappingBackend

__all__ = ["CircuitBreaker", "CircuitBreakerBackend"]

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Closed: calls pass. After ``failure_threshold`` consecutive failures: open, calls are
    refused for ``cooldown_s``. Then half-open: one trial call; success closes the circuit,
    failure opens it again. Thread-safe."""

    def __init__(self, failure_threshold: int = 5, cooldown_s: float = 30.0, *,
                 clock: Clock | None = None, name: str = "backend") -> None:
        if failure_threshold < 1 or cooldown_s <= 0:
            raise ValueError("failure_threshold must be >= 1 and cooldown_s > 0")
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self.clock: Clock = clock or SystemClock()
        self.name = name
        self.failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self._lock = threading.Lock()

    @property
    def state(self) -> State:
        """The state now."""
        with self._lock:
            return self._state()

    def _state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self.clock.monotonic() - self._opened_at < self.cooldown_s:
            return "open"
        return "half_open"

    def before_call(self) -> None:
        """Raise BackendUnavailableError when the circuit refuses calls."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return
            if state == "half_open" and not self._trial_running:
                self._trial_running = True
                return
            assert self._opened_at is not None
            wait = max(0.0, self.cooldown_s - (self.clock.monotonic() - self._opened_at))
        raise BackendUnavailableError(
            f"circuit open for {self.name} after {self.failures} consecutive failures; "
            f"next trial in {wait:.1f}s", retry_after=wait, provider=self.name)

    def record_success(self) -> None:
        """A call succeeded: close the circuit."""
        with self._lock:
            self.failures = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        """A call failed: count it, and open the circuit at the threshold (or after a trial)."""
        with self._lock:
            self.failures += 1
            if self._trial_running or self.failures >= self.failure_threshold:
                self._opened_at = self.clock.monotonic()
            self._trial_running = False

    def record_health(self, health: Health) -> None:
        """Feed a health check result in."""
        if health.ok:
            self.record_success()
        else:
            self.record_failure()


def _counts(error: BackendError) -> bool:
    """Failures of the service count; mistakes in the request do not."""
    return error.retryable or isinstance(error, BackendUnavailableError)


class CircuitBreakerBackend(WrappingBackend):
    """A backend guarded by a CircuitBreaker."""

    def __init__(self, inner: LLMBackend, breaker: CircuitBreaker | None = None) -> None:
        super().__init__(inner)
        self.breaker = breaker or CircuitBreaker(name=f"{inner.provider}:{inner.model}")

    def _outcome(self, error: BackendError | None) -> None:
        if error is None or not _counts(error):
            self.breaker.record_success()
        else:
            self.breaker.record_failure()

    def complete(self, messages: Any, **params: Any) -> Completion:
        self.breaker.before_call()
        try:
            result = self.inner.complete(messages, **params)
        except BackendError as exc:
            self._outcome(exc)
            raise
        self._outcome(None)
        return result

    async def acomplete(self, messages: Any, **params: Any) -> Completion:
        self.breaker.before_call()
        try:
            result = await self.inner.acomplete(messages, **params)
        except BackendError as exc:
            self._outcome(exc)
            raise
        self._outcome(None)
        return result

    def stream(self, messages: Any, **params: Any) -> Iterator[StreamChunk]:
        self.breaker.before_call()
        error: BackendError | None = None
        try:
            yield from self.inner.stream(messages, **params)
        except BackendError as exc:
            error = exc
            raise
        finally:
            self._outcome(error)

    async def astream(self, messages: Any, **params: Any) -> AsyncIterator[StreamChunk]:
        self.breaker.before_call()
        error: BackendError | None = None
        try:
            async for chunk in self.inner.astream(messages, **params):
                yield chunk
        except BackendError as exc:
            error = exc
            raise
        finally:
            self._outcome(error)

    def health_check(self) -> Health:
        health = self.inner.health_check()
        self.breaker.record_health(health)
        return health

    async def ahealth_check(self) -> Health:
        health = await self.inner.ahealth_check()
        self.breaker.record_health(health)
        return health
