"""What the gateway did: responses, stream chunks and running totals."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..backends import StreamChunk, ToolCall

__all__ = ["GatewayChunk", "GatewayStats", "LLMResponse", "Totals"]


@dataclass(frozen=True)
class LLMResponse:
    """One gateway call's answer with its accounting. ``cost_usd`` is None when the price of the
    model is unknown."""

    text: str
    tool_calls: tuple[ToolCall, ...]
    tokens: int | None
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: float
    provider: str
    model: str
    cost_usd: float | None
    timestamp: str
    agent_name: str
    finish_reason: str
    streamed: bool = False
    refusal: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayChunk:
    """A streamed piece: the backend's chunk, the tokens so far (completion tokens counted as
    they arrive, corrected by the provider's usage at the end), and on the last chunk the whole
    LLMResponse."""

    text: str
    cumulative_tokens: int
    chunk: StreamChunk
    response: LLMResponse | None = None


@dataclass
class Totals:
    """Running totals for one provider, model or agent."""

    calls: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_calls: int = 0
    latency_ms: float = 0.0
    streamed_calls: int = 0

    def add(self, response: LLMResponse) -> None:
        self.calls += 1
        self.prompt_tokens += response.prompt_tokens or 0
        self.completion_tokens += response.completion_tokens or 0
        self.latency_ms += response.latency_ms
        self.streamed_calls += response.streamed
        if response.cost_usd is None:
            self.unpriced_calls += 1
        else:
            self.cost_usd += response.cost_usd

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "total_tokens": self.prompt_tokens + self.completion_tokens}


class GatewayStats:
    """Totals overall and per provider, model and agent; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = Totals()
        self.by: dict[str, dict[str, Totals]] = {"provider": {}, "model": {}, "agent": {}}
        self.errors_by_type: dict[str, int] = {}

    def record(self, response: LLMResponse) -> None:
        with self._lock:
            self.total.add(response)
            for kind, key in (("provider", response.provider), ("model", response.model),
                              ("agent", response.agent_name)):
                self.by[kind].setdefault(key, Totals()).add(response)

    def record_error(self, *, agent: str, model: str, error: BaseException) -> None:
        with self._lock:
            self.total.errors += 1
            self.by["agent"].setdefault(agent, Totals()).errors += 1
            self.by["model"].setdefault(model, Totals()).errors += 1
            name = type(error).__name__
            self.errors_by_type[name] = self.errors_by_type.get(name, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        """The totals as plain data (JSON-safe)."""
        with self._lock:
            return {"total": self.total.as_dict(),
                    **{f"by_{kind}": {k: t.as_dict() for k, t in table.items()}
                       for kind, table in self.by.items()},
                    "errors_by_type": dict(self.errors_by_type)}
