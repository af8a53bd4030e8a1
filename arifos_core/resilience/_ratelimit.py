"""Rate limits: requests and tokens per minute, as token buckets that wait rather than fail.

A call reserves what it needs; when a bucket is short, the reservation is booked ahead and the
caller waits until it is due (first come, first served). A wait longer than ``max_wait_s``
raises RateLimitError instead and books nothing. The buckets live in a BucketStore; the
in-memory store is thread- and asyncio-safe, and a shared store (e.g. Redis) can plug in.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from .._errors import RateLimitError
from ..backends import Completion, LLMBackend, StreamChunk
from ._clock import Clock, SystemClock
from ._wrap import WrappingBackend, aclose_stream, close_stream

__all__ = ["BucketStore", "MemoryBucketStore", "RateLimitedBackend", "RateLimiter"]


class BucketStore(Protocol):
    """Where bucket levels live. ``reserve`` takes ``amount`` from bucket ``key`` (capacity
    ``capacity``, refilled at ``rate`` per second) and returns the seconds until the
    reservation is due, or None without reserving when that would exceed ``max_wait``.
    ``refund`` gives back what a reservation did not use."""

    def reserve(self, key: str, amount: float, *, capacity: float, rate: float, now: float,
                max_wait: float) -> float | None: ...

    def refund(self, key: str, amount: float, *, capacity: float, rate: float,
               now: float) -> None: ...


@dataclass
class _Level:
    tokens: float
    updated: float


class MemoryBucketStore:
    """Buckets in this process's memory."""

    def __init__(self) -> None:
        self._levels: dict[str, _Level] = {}
        self._lock = threading.Lock()

    def _level(self, key: str, capacity: float, rate: float, now: float) -> _Level:
        level = self._levels.setdefault(key, _Level(capacity, now))
        level.tokens = min(capacity, level.tokens + (now - level.updated) * rate)
        level.updated = now
        return level

    def reserve(self, key: str, amount: float, *, capacity: float, rate: float, now: float,
                max_wait: float) -> float | None:
        with self._lock:
            level = self._level(key, capacity, rate, now)
            wait = max(0.0, (amount - level.tokens) / rate)
            if wait > max_wait:
                return None
            level.tokens -= amount
            return wait

    def refund(self, key: str, amount: float, *, capacity: float, rate: float,
               now: float) -> None:
        with self._lock:
            level = self._level(key, capacity, rate, now)
            level.tokens = min(capacity, level.tokens + amount)


class RateLimiter:
    """Requests-per-minute and tokens-per-minute limits for one key (e.g. one backend)."""

    def __init__(self, *, requests_per_minute: float | None = None,
                 tokens_per_minute: float | None = None, max_wait_s: float = 60.0,
                 store: BucketStore | None = None, key: str = "default",
                 clock: Clock | None = None) -> None:
        for name, value in (("requests_per_minute", requests_per_minute),
                            ("tokens_per_minute", tokens_per_minute)):
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, not {value}")
        self.rpm = requests_per_minute
        self.tpm = tokens_per_minute
        self.max_wait_s = max_wait_s
        self.store: BucketStore = store or MemoryBucketStore()
        self.key = key
        self.clock: Clock = clock or SystemClock()

    def _buckets(self, tokens: float) -> list[tuple[str, float, float]]:
        buckets = []
        if self.rpm:
            buckets.append((f"{self.key}:requests", 1.0, self.rpm))
        if self.tpm and tokens:
            buckets.append((f"{self.key}:tokens", min(tokens, self.tpm), self.tpm))
        return buckets

    def reserve(self, tokens: float = 0) -> float:
        """Book one request and ``tokens`` tokens; the seconds to wait before using them.
        RateLimitError (booking nothing) when the wait would exceed ``max_wait_s``."""
        now = self.clock.monotonic()
        booked: list[tuple[str, float, float]] = []
        longest = 0.0
        for key, amount, per_minute in self._buckets(tokens):
            wait = self.store.reserve(key, amount, capacity=per_minute, rate=per_minute / 60,
                                      now=now, max_wait=self.max_wait_s)
            if wait is None:
                for done_key, done_amount, done_rate in booked:
                    self.store.refund(done_key, done_amount, capacity=done_rate,
                                      rate=done_rate / 60, now=now)
                raise RateLimitError(
                    f"rate limit {self.key}: {key.rsplit(':', 1)[1]} budget of {per_minute:g} "
                    f"per minute would need a wait over {self.max_wait_s:g}s",
                    retry_after=amount / (per_minute / 60), provider=self.key)
            booked.append((key, amount, per_minute))
            longest = max(longest, wait)
        return longest

    def acquire(self, tokens: float = 0) -> float:
        """Reserve and wait; returns the seconds waited."""
        wait = self.reserve(tokens)
        if wait:
            self.clock.sleep(wait)
        return wait

    async def aacquire(self, tokens: float = 0) -> float:
        """Async ``acquire``."""
        wait = self.reserve(tokens)
        if wait:
            await self.clock.asleep(wait)
        return wait

    def refund(self, tokens: float) -> None:
        """Give back tokens a call reserved but did not use."""
        if self.tpm and tokens > 0:
            self.store.refund(f"{self.key}:tokens", tokens, capacity=self.tpm,
                              rate=self.tpm / 60, now=self.clock.monotonic())


class RateLimitedBackend(WrappingBackend):
    """A backend whose calls wait for a RateLimiter. With a tokens-per-minute limit, a call
    reserves its estimated prompt tokens plus ``max_tokens`` and gets back what it did not use
    once the provider reports usage."""

    def __init__(self, inner: LLMBackend, limiter: RateLimiter) -> None:
        super().__init__(inner)
        self.limiter = limiter

    def _estimate(self, messages: Any, params: dict[str, Any]) -> int:
        if not self.limiter.tpm:
            return 0
        from ..usage import count_message_tokens
        return count_message_tokens(messages, self.model).tokens + int(
            params.get("max_tokens", 1024))

    def _settle(self, reserved: int, completion: Completion) -> Completion:
        used = completion.usage.total_tokens
        if reserved and used is not None:
            self.limiter.refund(reserved - used)
        return completion

    def complete(self, messages: Any, **params: Any) -> Completion:
        reserved = self._estimate(messages, params)
        self.limiter.acquire(reserved)
        return self._settle(reserved, self.inner.complete(messages, **params))

    async def acomplete(self, messages: Any, **params: Any) -> Completion:
        reserved = self._estimate(messages, params)
        await self.limiter.aacquire(reserved)
        return self._settle(reserved, await self.inner.acomplete(messages, **params))

    def _refund_from(self, reserved: int, chunk: StreamChunk) -> None:
        if reserved and chunk.usage and chunk.usage.total_tokens is not None:
            self.limiter.refund(reserved - chunk.usage.total_tokens)

    def stream(self, messages: Any, **params: Any) -> Iterator[StreamChunk]:
        reserved = self._estimate(messages, params)
        self.limiter.acquire(reserved)
        chunks = self.inner.stream(messages, **params)
        try:
            for chunk in chunks:
                self._refund_from(reserved, chunk)
                yield chunk
        finally:
            close_stream(chunks)

    async def astream(self, messages: Any, **params: Any) -> AsyncIterator[StreamChunk]:
        reserved = self._estimate(messages, params)
        await self.limiter.aacquire(reserved)
        chunks = self.inner.astream(messages, **params)
        try:
            async for chunk in chunks:
                self._refund_from(reserved, chunk)
                yield chunk
        finally:
            await aclose_stream(chunks)
