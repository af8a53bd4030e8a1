"""Retries, fallback, circuit breaking and rate limits: over real adapters and loopback fakes
with injected faults, on a fake clock (nothing sleeps for real)."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Iterator

import pytest
from fakes._http import FakeServer, Fault
from fakes.clock import FakeClock, FrozenClock
from fakes.openai import OpenAIFake, Script, error_body

from arifos_core.backends import (
    AuthenticationError,
    BackendUnavailableError,
    Completion,
    InvalidRequestError,
    MockBackend,
    ProtocolError,
    RateLimitError,
    collect_stream,
)
from arifos_core.backends._openai import OpenAIBackend
from arifos_core.resilience import (
    CircuitBreaker,
    CircuitBreakerBackend,
    FallbackBackend,
    MemoryBucketStore,
    RateLimitedBackend,
    RateLimiter,
    RetryingBackend,
    RetryPolicy,
)

KEY = "sk-resilience-test"


def _server() -> FakeServer:
    return FakeServer(OpenAIFake(api_key=KEY), error_body=error_body).start()


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FakeServer, FakeServer]]:
    primary, secondary = _server(), _server()
    yield primary, secondary
    primary.stop()
    secondary.stop()


@pytest.fixture()
def primary(servers: tuple[FakeServer, FakeServer]) -> FakeServer:
    server = servers[0]
    server.app = OpenAIFake(Script(text="primary answer"), api_key=KEY)
    server.requests.clear()
    server.faults.clear()
    return server


@pytest.fixture()
def secondary(servers: tuple[FakeServer, FakeServer]) -> FakeServer:
    server = servers[1]
    server.app = OpenAIFake(Script(text="secondary answer"), api_key=KEY)
    server.requests.clear()
    server.faults.clear()
    return server


def backend(server: FakeServer, model: str = "gpt-4o") -> OpenAIBackend:
    return OpenAIBackend(model, api_key=KEY, base_url=server.url + "/v1")


def retrying(server: FakeServer, clock: FakeClock, **policy: float) -> RetryingBackend:
    return RetryingBackend(backend(server), RetryPolicy(**policy), clock=clock,  # type: ignore[arg-type]
                           rng=random.Random(7))


# -- retry ------------------------------------------------------------------------------------

def test_429_with_retry_after_is_retried_once_after_that_wait(primary: FakeServer) -> None:
    clock = FakeClock()
    primary.inject(Fault(status=429, headers={"Retry-After": "1"}))
    wrapped = retrying(primary, clock)
    assert wrapped.generate("q") == "primary answer"
    assert clock.sleeps == [1.0]
    assert len(primary.requests) == 2 and wrapped.last_attempts == 2


def test_async_retry_matches_sync(primary: FakeServer) -> None:
    clock = FakeClock()
    primary.inject(Fault(status=503, headers={"Retry-After": "2"}))
    wrapped = retrying(primary, clock)

    async def run() -> str:
        async with wrapped:
            return await wrapped.agenerate("q")

    assert asyncio.run(run()) == "primary answer"
    assert clock.sleeps == [2.0] and len(primary.requests) == 2


def test_401_is_not_retried(primary: FakeServer) -> None:
    clock = FakeClock()
    primary.inject(Fault(status=401, times=5))
    with pytest.raises(AuthenticationError, match="OPENAI_API_KEY"):
        retrying(primary, clock).generate("q")
    assert len(primary.requests) == 1 and clock.sleeps == []


def test_400_is_not_retried(primary: FakeServer) -> None:
    primary.inject(Fault(status=400))
    with pytest.raises(InvalidRequestError):
        retrying(primary, FakeClock()).generate("q")
    assert len(primary.requests) == 1


def test_backoff_is_exponential_with_full_jitter_and_capped(primary: FakeServer) -> None:
    clock = FakeClock()
    primary.inject(Fault(status=500, times=3))
    wrapped = retrying(primary, clock, max_retries=3, base_delay_s=1.0, max_delay_s=3.0)
    assert wrapped.generate("q") == "primary answer"
    caps = [1.0, 2.0, 3.0]
    assert len(clock.sleeps) == 3
    assert all(0 <= wait <= cap for wait, cap in zip(clock.sleeps, caps, strict=True))
    assert len(primary.requests) == 4


def test_retries_stop_at_max_retries(primary: FakeServer) -> None:
    clock = FakeClock()
    primary.inject(Fault(status=503, times=10))
    with pytest.raises(BackendUnavailableError):
        retrying(primary, clock, max_retries=2).generate("q")
    assert len(primary.requests) == 3 and len(clock.sleeps) == 2


def test_retry_after_beyond_the_deadline_gives_up_at_once(primary: FakeServer) -> None:
    clock = FakeClock()
    primary.inject(Fault(status=429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimitError) as exc:
        retrying(primary, clock, deadline_s=60).generate("q")
    assert exc.value.retry_after == 120 and clock.sleeps == []


def test_stream_is_retried_before_its_first_chunk(primary: FakeServer) -> None:
    clock = FakeClock()
    primary.inject(Fault(status=503, headers={"Retry-After": "1"}))
    completion = collect_stream(retrying(primary, clock).stream("q"))
    assert completion.text == "primary answer" and clock.sleeps == [1.0]


def test_stream_dropped_after_three_chunks_is_neither_retried_nor_fallen_back(
        primary: FakeServer, secondary: FakeServer) -> None:
    clock = FakeClock()
    primary.app.script = Script(text="one two three four five six seven")  # type: ignore[attr-defined]
    primary.inject(Fault(drop_after=3))
    chain = FallbackBackend([retrying(primary, clock), retrying(secondary, clock)])
    received = []
    with pytest.raises((ProtocolError, BackendUnavailableError)):
        for chunk in chain.stream("q"):
            received.append(chunk.text)
    assert received and "".join(received) != "one two three four five six seven"
    assert len(primary.requests) == 1 and len(secondary.requests) == 0 and clock.sleeps == []


def test_retry_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay_s=5, max_delay_s=1)


# -- fallback ---------------------------------------------------------------------------------

def test_529_twice_then_fallback(primary: FakeServer, secondary: FakeServer) -> None:
    clock = FakeClock()
    primary.inject(Fault(status=529, times=2))
    chain = FallbackBackend([retrying(primary, clock, max_retries=1), retrying(secondary, clock)])
    completion = chain.complete("q")
    assert completion.text == "secondary answer"
    assert completion.metadata["served_by"] == "openai:gpt-4o"
    assert "BackendUnavailableError" in completion.metadata["fallback_errors"][0]
    assert len(primary.requests) == 2 and len(secondary.requests) == 1
    assert len(clock.sleeps) == 1


def test_fallback_does_not_hide_authentication_errors(primary: FakeServer,
                                                       secondary: FakeServer) -> None:
    primary.inject(Fault(status=401))
    with pytest.raises(AuthenticationError):
        FallbackBackend([backend(primary), backend(secondary)]).complete("q")
    assert len(secondary.requests) == 0


def test_fallback_raises_the_last_error_when_all_fail(primary: FakeServer,
                                                      secondary: FakeServer) -> None:
    primary.inject(Fault(status=503))
    secondary.inject(Fault(status=429, headers={"Retry-After": "4"}))
    with pytest.raises(RateLimitError) as exc:
        FallbackBackend([backend(primary), backend(secondary)]).complete("q")
    assert exc.value.retry_after == 4


def test_async_fallback_and_stream_fallback_before_first_chunk(
        primary: FakeServer, secondary: FakeServer) -> None:
    primary.inject(Fault(status=503, times=2))
    chain = FallbackBackend([backend(primary), backend(secondary)])

    async def run() -> tuple[str, str]:
        async with chain:
            text = await chain.agenerate("q")
            return text, "".join([c.text async for c in chain.astream("q")])

    assert asyncio.run(run()) == ("secondary answer", "secondary answer")
    assert chain.served_by == "openai:gpt-4o"


def test_fallback_capabilities_are_what_every_backend_can_do() -> None:
    a = MockBackend(capabilities={"supports_logprobs": False, "supports_refusal": "unknown"})
    b = MockBackend()
    caps = FallbackBackend([a, b]).get_capabilities()
    assert caps["supports_logprobs"] is False and caps["supports_refusal"] == "unknown"
    assert caps["supports_streaming"] is True


# -- circuit breaker --------------------------------------------------------------------------

def test_breaker_opens_after_failures_and_closes_after_a_good_trial(primary: FakeServer) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, cooldown_s=30, clock=clock, name="primary")
    guarded = CircuitBreakerBackend(backend(primary), breaker)
    primary.inject(Fault(status=500, times=2))
    for _ in range(2):
        with pytest.raises(BackendUnavailableError):
            guarded.generate("q")
    assert breaker.state == "open"
    with pytest.raises(BackendUnavailableError, match="circuit open") as exc:
        guarded.generate("q")
    assert len(primary.requests) == 2  # the open circuit did not call the backend
    assert exc.value.retry_after == pytest.approx(30)
    clock.advance(30)
    assert breaker.state == "half_open"
    assert guarded.generate("q") == "primary answer"
    assert breaker.state == "closed"


def test_failed_trial_reopens_and_bad_requests_do_not_count(primary: FakeServer) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=10, clock=clock)
    guarded = CircuitBreakerBackend(backend(primary), breaker)
    primary.inject(Fault(status=400))
    with pytest.raises(InvalidRequestError):
        guarded.generate("q")
    assert breaker.state == "closed"
    primary.inject(Fault(status=503, times=2))
    with pytest.raises(BackendUnavailableError):
        guarded.generate("q")
    clock.advance(10)
    with pytest.raises(BackendUnavailableError):
        guarded.generate("q")  # the half-open trial fails
    assert breaker.state == "open"


def test_health_checks_feed_the_breaker(primary: FakeServer) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=5, clock=clock)
    guarded = CircuitBreakerBackend(backend(primary), breaker)
    primary.inject(Fault(status=503))
    assert not guarded.health_check().ok
    assert breaker.state == "open"
    clock.advance(5)
    assert guarded.health_check().ok and breaker.state == "closed"


# -- rate limits ------------------------------------------------------------------------------

def test_rate_limit_holds_under_50_concurrent_threads() -> None:
    clock = FrozenClock()
    limiter = RateLimiter(requests_per_minute=20, clock=clock, max_wait_s=1000)
    barrier = threading.Barrier(50)

    def call() -> None:
        barrier.wait()
        limiter.acquire()

    threads = [threading.Thread(target=call) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    waits = sorted(clock.sleeps)
    # 20 requests go at once (a full bucket); each later one is booked 3 s after the previous
    assert len(waits) == 30
    assert waits == pytest.approx([3.0 * k for k in range(1, 31)])


def test_rate_limit_holds_under_50_concurrent_tasks() -> None:
    clock = FrozenClock()
    limiter = RateLimiter(requests_per_minute=10, clock=clock, max_wait_s=1000)

    async def run() -> list[float]:
        return await asyncio.gather(*(limiter.aacquire() for _ in range(50)))

    waits = sorted(asyncio.run(run()))
    assert waits[:10] == [0.0] * 10
    assert waits[10:] == pytest.approx([6.0 * k for k in range(1, 41)])


def test_rate_limit_refills_over_time_and_raises_past_max_wait() -> None:
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=60, max_wait_s=2, clock=clock)
    for _ in range(60):
        assert limiter.reserve() == 0
    assert limiter.reserve() == pytest.approx(1.0)
    assert limiter.reserve() == pytest.approx(2.0)
    with pytest.raises(RateLimitError, match="per minute") as exc:
        limiter.reserve()
    assert exc.value.retry_after == pytest.approx(1.0)
    clock.advance(60)
    assert limiter.reserve() == 0


def test_tokens_per_minute_reserves_and_refunds(primary: FakeServer) -> None:
    clock = FrozenClock()
    store = MemoryBucketStore()
    limiter = RateLimiter(tokens_per_minute=1000, clock=clock, store=store, key="t")
    wrapped = RateLimitedBackend(backend(primary), limiter)
    completion = wrapped.complete("Hello", max_tokens=500)
    used = completion.usage.total_tokens
    assert used is not None and used < 500
    level = store._levels["t:tokens"].tokens
    assert level == pytest.approx(1000 - used)


def test_failed_reservation_books_nothing() -> None:
    clock = FrozenClock()
    limiter = RateLimiter(requests_per_minute=1, tokens_per_minute=100, max_wait_s=0,
                          clock=clock)
    limiter.reserve(tokens=100)
    with pytest.raises(RateLimitError):
        limiter.reserve(tokens=10)
    # the request bucket was refunded when the token bucket refused
    assert limiter.store._levels["default:requests"].tokens == pytest.approx(0)  # type: ignore[attr-defined]


def test_rate_limited_stream_and_async(primary: FakeServer) -> None:
    clock = FrozenClock()
    wrapped = RateLimitedBackend(backend(primary), RateLimiter(requests_per_minute=1, clock=clock,
                                                               max_wait_s=100))
    assert collect_stream(wrapped.stream("q")).text == "primary answer"

    async def run() -> str:
        async with wrapped:
            return await wrapped.agenerate("q")

    assert asyncio.run(run()) == "primary answer"
    assert clock.sleeps == [60.0]


def test_wrappers_keep_the_interface() -> None:
    inner = MockBackend(["x", Completion("y", "stop", "m")], model="m")
    wrapped = RetryingBackend(CircuitBreakerBackend(inner), clock=FakeClock())
    assert wrapped.generate("q") == "x" and wrapped.complete("q").text == "y"
    assert wrapped.model == "m" and wrapped.get_capabilities() == inner.get_capabilities()
    assert wrapped.list_models() == ["m"] and "MockBackend" in repr(wrapped)
