"""LLMGateway: route each agent's calls to a model, with retries, fallback, rate limits,
circuit breaking, token counts, costs and statistics."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from .._errors import BackendError
from ..backends import (
    Completion,
    LLMBackend,
    StreamChunk,
    UnifiedBackendFactory,
    collect_stream,
)
from ..contracts import read_spec
from ..resilience import (
    CircuitBreaker,
    CircuitBreakerBackend,
    FallbackBackend,
    RateLimitedBackend,
    RateLimiter,
    RetryingBackend,
    RetryPolicy,
)
from ..resilience._clock import Clock, SystemClock
from ..usage import Pricing, calculate_cost, count_message_tokens, count_tokens
from ._stats import GatewayChunk, GatewayStats, LLMResponse

__all__ = ["LLMGateway"]

ResponseCallback = Callable[[LLMResponse], None]
ChunkCallback = Callable[[GatewayChunk], None]


class LLMGateway:
    """One object that routes completions to backends.

    ``config`` is a gateway file (``spec/schema/gateway.schema.json``): default model, per-agent
    routes, fallback providers, backend settings, retry, rate limits and circuit breaker.
    Keyword arguments override it. ``backends`` maps model names to ready backends (otherwise the
    factory builds them on first use). ``on_response`` sees every response and ``on_chunk``
    every streamed chunk.
    """

    def __init__(self, config: str | os.PathLike[str] | None = None, *,
                 default: str | None = None,
                 backends: Mapping[str, LLMBackend] | None = None,
                 fallback_providers: Sequence[str] | None = None,
                 retry: RetryPolicy | None = None,
                 pricing: Pricing | None = None,
                 factory: UnifiedBackendFactory | None = None,
                 clock: Clock | None = None,
                 on_response: ResponseCallback | None = None,
                 on_chunk: ChunkCallback | None = None) -> None:
        settings: dict[str, Any] = dict(read_spec(config, "gateway")) if config else {}
        self.default = default or settings.get("default")
        if not self.default:
            raise ValueError("LLMGateway needs a default model: pass default=... or a config file")
        self.agents: dict[str, Any] = dict(settings.get("agents", {}))
        self.fallback_providers = tuple(fallback_providers if fallback_providers is not None
                                        else settings.get("fallback_providers", ()))
        self.backend_settings: dict[str, dict[str, Any]] = dict(settings.get("backends", {}))
        self.retry = retry or RetryPolicy(**settings.get("retry", {}))
        self.rate_limits: dict[str, dict[str, Any]] = dict(settings.get("rate_limits", {}))
        self.breaker_settings: dict[str, Any] = dict(settings.get("circuit_breaker", {}))
        self.pricing = pricing
        self.factory = factory
        self.clock: Clock = clock or SystemClock()
        self.on_response = on_response
        self.on_chunk = on_chunk
        self.stats = GatewayStats()
        self._given = dict(backends or {})
        self._built: dict[str, LLMBackend] = {}
        self._lock = threading.Lock()

    # -- routing ------------------------------------------------------------------------------

    def route(self, agent_name: str, model: str | None = None) -> tuple[str, dict[str, Any]]:
        """The model an agent's call goes to, and the agent's default parameters."""
        route = self.agents.get(agent_name)
        defaults: dict[str, Any] = {}
        if isinstance(route, Mapping):
            defaults = {k: v for k, v in route.items() if k != "model"}
            route = route["model"]
        return model or route or self.default, defaults  # type: ignore[return-value]

    def _guarded(self, name: str) -> LLMBackend:
        """The backend for a model name with its rate limit and circuit breaker, built once."""
        with self._lock:
            if name not in self._built:
                backend = self._given.get(name) or self._create(name)
                if name in self.rate_limits:
                    backend = RateLimitedBackend(backend, RateLimiter(
                        key=name, clock=self.clock, **self.rate_limits[name]))
                self._built[name] = CircuitBreakerBackend(backend, CircuitBreaker(
                    clock=self.clock, name=name, **self.breaker_settings))
            return self._built[name]

    def _create(self, name: str) -> LLMBackend:
        factory = self.factory = self.factory or UnifiedBackendFactory()
        return factory.create_backend(name, **self.backend_settings.get(name, {}))

    def backend_for(self, model: str) -> LLMBackend:
        """The backend a call to ``model`` uses: retries around each backend of the fallback
        chain (``model`` then ``fallback_providers``)."""
        names = [model] + [n for n in self.fallback_providers if n != model]
        chain = [RetryingBackend(self._guarded(n), self.retry, clock=self.clock) for n in names]
        return chain[0] if len(chain) == 1 else FallbackBackend(chain)

    def _call(self, prompt: Any, system: str | None, model: str | None, agent_name: str,
              tools: Any, temperature: float | None, max_tokens: int | None,
              params: dict[str, Any]) -> tuple[str, LLMBackend, dict[str, Any]]:
        name, defaults = self.route(agent_name, model)
        explicit = {"system": system, "tools": tools, "temperature": temperature,
                    "max_tokens": max_tokens}
        call = {**defaults, **{k: v for k, v in explicit.items() if v is not None}, **params}
        return name, self.backend_for(name), call

    # -- accounting ---------------------------------------------------------------------------

    def _response(self, completion: Completion, *, prompt: Any, agent_name: str, started: float,
                  streamed: bool, fallback_model: str) -> LLMResponse:
        model = completion.model or fallback_model
        provider = completion.provider or "unknown"
        usage = completion.usage
        prompt_tokens, completion_tokens = usage.prompt_tokens, usage.completion_tokens
        metadata = dict(completion.metadata)
        if prompt_tokens is None or completion_tokens is None:
            prompt_tokens = count_message_tokens(prompt, model).tokens
            completion_tokens = count_tokens(completion.text, model).tokens
            metadata["tokens_estimated"] = True
        cost = calculate_cost(provider, model, prompt_tokens, completion_tokens,
                              cached_prompt_tokens=usage.cached_prompt_tokens or 0,
                              pricing=self.pricing)
        if cost.cost_usd is None:
            metadata["cost_note"] = cost.note
        response = LLMResponse(
            text=completion.text, tool_calls=completion.tool_calls,
            tokens=prompt_tokens + completion_tokens, prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_ms=(time.perf_counter() - started) * 1000, provider=provider, model=model,
            cost_usd=cost.cost_usd, timestamp=datetime.now(timezone.utc).isoformat(),
            agent_name=agent_name, finish_reason=completion.finish_reason, streamed=streamed,
            refusal=completion.refusal, metadata=metadata)
        self.stats.record(response)
        if self.on_response:
            self.on_response(response)
        return response

    def _chunk(self, chunk: StreamChunk, so_far: int, response: LLMResponse | None
               ) -> GatewayChunk:
        gateway_chunk = GatewayChunk(chunk.text, so_far, chunk, response)
        if self.on_chunk:
            self.on_chunk(gateway_chunk)
        return gateway_chunk

    def _final(self, chunks: list[StreamChunk], model: str) -> Completion:
        last = chunks[-1].metadata or {} if chunks else {}
        completion = collect_stream(chunks, model=str(last.get("model", model)),
                                    provider=str(last.get("provider", "")))
        return completion

    # -- the calls ----------------------------------------------------------------------------

    def complete(self, prompt: Any, system: str | None = None, model: str | None = None,
                 agent_name: str = "default", tools: Any = None,
                 temperature: float | None = None, max_tokens: int | None = None,
                 **params: Any) -> LLMResponse:
        """A completion for ``prompt`` (text or chat messages), routed for ``agent_name``."""
        name, backend, call = self._call(prompt, system, model, agent_name, tools, temperature,
                                         max_tokens, params)
        started = time.perf_counter()
        try:
            completion = backend.complete(prompt, **call)
        except BackendError as exc:
            self.stats.record_error(agent=agent_name, model=name, error=exc)
            raise
        return self._response(completion, prompt=prompt, agent_name=agent_name,
                              started=started, streamed=False, fallback_model=name)

    async def acomplete(self, prompt: Any, system: str | None = None, model: str | None = None,
                        agent_name: str = "default", tools: Any = None,
                        temperature: float | None = None, max_tokens: int | None = None,
                        **params: Any) -> LLMResponse:
        """Async ``complete``."""
        name, backend, call = self._call(prompt, system, model, agent_name, tools, temperature,
                                         max_tokens, params)
        started = time.perf_counter()
        try:
            completion = await backend.acomplete(prompt, **call)
        except BackendError as exc:
            self.stats.record_error(agent=agent_name, model=name, error=exc)
            raise
        return self._response(completion, prompt=prompt, agent_name=agent_name,
                              started=started, streamed=False, fallback_model=name)

    def complete_stream(self, prompt: Any, system: str | None = None, model: str | None = None,
                        agent_name: str = "default", tools: Any = None,
                        temperature: float | None = None, max_tokens: int | None = None,
                        **params: Any) -> Iterator[GatewayChunk]:
        """Stream a completion; each GatewayChunk carries the tokens so far, the last one the
        LLMResponse."""
        name, backend, call = self._call(prompt, system, model, agent_name, tools, temperature,
                                         max_tokens, params)
        tally = _StreamTally(self, prompt, name, agent_name)
        chunks = backend.stream(prompt, **call)
        try:
            for chunk in chunks:
                yield tally.take(chunk)
        except BackendError as exc:
            self.stats.record_error(agent=agent_name, model=name, error=exc)
            raise
        finally:
            getattr(chunks, "close", lambda: None)()

    async def acomplete_stream(self, prompt: Any, system: str | None = None,
                               model: str | None = None, agent_name: str = "default",
                               tools: Any = None, temperature: float | None = None,
                               max_tokens: int | None = None,
                               **params: Any) -> AsyncIterator[GatewayChunk]:
        """Async ``complete_stream``."""
        name, backend, call = self._call(prompt, system, model, agent_name, tools, temperature,
                                         max_tokens, params)
        tally = _StreamTally(self, prompt, name, agent_name)
        chunks = backend.astream(prompt, **call)
        try:
            async for chunk in chunks:
                yield tally.take(chunk)
        except BackendError as exc:
            self.stats.record_error(agent=agent_name, model=name, error=exc)
            raise
        finally:
            close = getattr(chunks, "aclose", None)
            if close is not None:
                await close()

    def get_stats(self) -> dict[str, Any]:
        """Calls, errors, tokens and cost, in total and per provider, model and agent."""
        return self.stats.snapshot()

    def _backends(self) -> list[LLMBackend]:
        return list({id(b): b for b in [*self._built.values(), *self._given.values()]}.values())

    def close(self) -> None:
        """Close every backend the gateway built or was given."""
        for backend in self._backends():
            backend.close()

    async def aclose(self) -> None:
        """Close every backend, including async connections (call it in the event loop that
        made the async calls)."""
        for backend in self._backends():
            await backend.aclose()

    def __enter__(self) -> LLMGateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> LLMGateway:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class _StreamTally:
    """One streamed call's running token count; the last chunk gets the LLMResponse."""

    def __init__(self, gateway: LLMGateway, prompt: Any, model: str, agent_name: str) -> None:
        self.gateway, self.prompt, self.model, self.agent_name = gateway, prompt, model, agent_name
        self.started = time.perf_counter()
        self.seen: list[StreamChunk] = []
        self.tokens = count_message_tokens(prompt, model).tokens

    def take(self, chunk: StreamChunk) -> GatewayChunk:
        self.seen.append(chunk)
        if chunk.text:
            self.tokens += count_tokens(chunk.text, self.model).tokens
        response = None
        if chunk.finish_reason:
            response = self.gateway._response(
                self.gateway._final(self.seen, self.model), prompt=self.prompt,
                agent_name=self.agent_name, started=self.started, streamed=True,
                fallback_model=self.model)
            self.tokens = response.tokens or self.tokens
        return self.gateway._chunk(chunk, self.tokens, response)
