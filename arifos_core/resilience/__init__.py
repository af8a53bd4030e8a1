"""Retries, fallback, rate limits and circuit breaking, as wrappers around any LLMBackend."""

from ._breaker import CircuitBreaker, CircuitBreakerBackend
from ._clock import Clock, SystemClock
from ._fallback import FallbackBackend, should_fall_back
from ._ratelimit import BucketStore, MemoryBucketStore, RateLimitedBackend, RateLimiter
from ._retry import RetryingBackend, RetryPolicy
from ._wrap import WrappingBackend

__all__ = [
    "BucketStore",
    "CircuitBreaker",
    "CircuitBreakerBackend",
    "Clock",
    "FallbackBackend",
    "MemoryBucketStore",
    "RateLimitedBackend",
    "RateLimiter",
    "RetryPolicy",
    "RetryingBackend",
    "SystemClock",
    "WrappingBackend",
    "should_fall_back",
]
