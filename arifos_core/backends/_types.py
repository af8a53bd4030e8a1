"""Messages, tool calls, stream chunks and completions: the shapes every backend speaks."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, get_args

__all__ = [
    "FINISH_REASONS",
    "Completion",
    "FinishReason",
    "Health",
    "Message",
    "Role",
    "StreamChunk",
    "TokenLogprob",
    "Tool",
    "ToolCall",
    "Usage",
    "as_messages",
    "collect_stream",
    "confidence_from_logprobs",
]

Role = Literal["system", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "tool_calls", "refusal", "content_filter"]
FINISH_REASONS: tuple[str, ...] = get_args(FinishReason)


def _frozen(data: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(data or {}))


@dataclass(frozen=True)
class ToolCall:
    """A tool call the model asked for; ``arguments`` are parsed from ``raw_arguments``."""

    id: str
    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    raw_arguments: str = ""

    @classmethod
    def parse(cls, id: str, name: str, raw_arguments: str | Mapping[str, Any] | None) -> ToolCall:
        """Build from JSON text or an already-parsed mapping. Unparseable text keeps
        ``arguments`` empty and ``raw_arguments`` as sent, so a floor can judge it."""
        if isinstance(raw_arguments, Mapping):
            return cls(id, name, _frozen(raw_arguments), json.dumps(raw_arguments))
        text = raw_arguments or ""
        try:
            parsed = json.loads(text) if text.strip() else {}
        except ValueError:
            parsed = {}
        return cls(id, name, _frozen(parsed if isinstance(parsed, dict) else {}), text)


@dataclass(frozen=True)
class Message:
    """One chat message."""

    role: Role
    content: str = ""
    name: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ("system", "user", "assistant", "tool"):
            raise ValueError(f"message role must be system, user, assistant or tool, "
                             f"not {self.role!r}")
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a tool message needs the tool_call_id it answers")

    @classmethod
    def system(cls, content: str) -> Message:
        return cls("system", content)

    @classmethod
    def user(cls, content: str) -> Message:
        return cls("user", content)

    @classmethod
    def assistant(cls, content: str = "", tool_calls: Sequence[ToolCall] = ()) -> Message:
        return cls("assistant", content, tool_calls=tuple(tool_calls))

    @classmethod
    def tool(cls, content: str, tool_call_id: str, name: str | None = None) -> Message:
        return cls("tool", content, name=name, tool_call_id=tool_call_id)


def as_messages(prompt: str | Message | Mapping[str, Any] | Iterable[Any]) -> tuple[Message, ...]:
    """A prompt string, one message, or a list of messages (``Message`` or OpenAI-style dicts)
    as a tuple of Messages."""
    if isinstance(prompt, str):
        return (Message.user(prompt),)
    if isinstance(prompt, (Message, Mapping)):
        prompt = [prompt]
    messages = []
    for item in prompt:
        if isinstance(item, Message):
            messages.append(item)
        elif isinstance(item, Mapping):
            calls = tuple(
                call if isinstance(call, ToolCall) else ToolCall.parse(
                    call.get("id", ""), call.get("function", call).get("name", ""),
                    call.get("function", call).get("arguments"))
                for call in item.get("tool_calls") or ())
            messages.append(Message(item["role"], item.get("content") or "", item.get("name"),
                                    calls, item.get("tool_call_id")))
        else:
            raise TypeError(f"a message must be a Message or a mapping, not {type(item).__name__}")
    if not messages:
        raise ValueError("at least one message is needed")
    return tuple(messages)


@dataclass(frozen=True)
class Tool:
    """A tool the model may call: a name, a description and a JSON Schema for its arguments."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {}})

    @classmethod
    def coerce(cls, value: Tool | Mapping[str, Any]) -> Tool:
        """Accept a Tool, ``{"name", "description", "parameters"}`` or OpenAI's
        ``{"type": "function", "function": {...}}``."""
        if isinstance(value, Tool):
            return value
        spec = value.get("function", value)
        if "name" not in spec:
            raise ValueError(f"a tool needs a name: {dict(value)!r}")
        return cls(spec["name"], spec.get("description", ""),
                   spec.get("parameters") or spec.get("input_schema")
                   or {"type": "object", "properties": {}})


@dataclass(frozen=True)
class Usage:
    """Token counts; ``None`` where the provider did not report them."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    cached_prompt_tokens: int | None = None
    reasoning_tokens: int | None = None

    @classmethod
    def of(cls, prompt: int | None, completion: int | None, **extra: int | None) -> Usage:
        """Usage with ``total_tokens`` computed when both parts are known."""
        total = prompt + completion if prompt is not None and completion is not None else None
        return cls(prompt, completion, total, **extra)


@dataclass(frozen=True)
class TokenLogprob:
    """One generated token, its log-probability and the top alternatives."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()


def confidence_from_logprobs(logprobs: Sequence[TokenLogprob] | None) -> float | None:
    """The geometric-mean token probability, exp(mean logprob), in [0, 1]; None without
    logprobs. It falls when any token was a near coin flip, which is what humility needs."""
    values = [t.logprob for t in logprobs or () if math.isfinite(t.logprob)]
    if not values:
        return None
    return min(1.0, max(0.0, math.exp(sum(values) / len(values))))


@dataclass(frozen=True)
class StreamChunk:
    """A piece of a streamed answer. The last chunk of a stream carries ``finish_reason``
    and, where the provider reports it, ``usage``."""

    text: str = ""
    logprobs: tuple[TokenLogprob, ...] | None = None
    token_ids: tuple[int, ...] | None = None
    finish_reason: FinishReason | None = None
    metadata: Mapping[str, Any] | None = None
    reasoning: str = field(default="", kw_only=True)
    tool_calls: tuple[ToolCall, ...] = field(default=(), kw_only=True)
    refusal: str | None = field(default=None, kw_only=True)
    usage: Usage | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class Completion:
    """A finished answer, normalised across providers."""

    text: str
    finish_reason: FinishReason
    model: str
    refusal: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    logprobs: tuple[TokenLogprob, ...] | None = None
    confidence: float | None = None
    reasoning: str | None = None
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0
    provider: str = ""
    raw_finish_reason: str | None = None
    response_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    raw: Any = field(default=None, repr=False, compare=False)

    @property
    def refused(self) -> bool:
        """True when the provider signalled a refusal or a content filter."""
        return self.finish_reason in ("refusal", "content_filter") or self.refusal is not None


def collect_stream(chunks: Iterable[StreamChunk], *, model: str = "",
                   provider: str = "") -> Completion:
    """Join a stream into the Completion a non-streamed call would give."""
    text: list[str] = []
    reasoning: list[str] = []
    logprobs: list[TokenLogprob] = []
    calls: list[ToolCall] = []
    finish: FinishReason | None = None
    refusal: str | None = None
    usage = Usage()
    saw_logprobs = False
    for chunk in chunks:
        text.append(chunk.text)
        reasoning.append(chunk.reasoning)
        if chunk.logprobs is not None:
            saw_logprobs = True
            logprobs.extend(chunk.logprobs)
        calls.extend(chunk.tool_calls)
        refusal = chunk.refusal if chunk.refusal is not None else refusal
        finish = chunk.finish_reason or finish
        usage = chunk.usage or usage
    joined_logprobs = tuple(logprobs) if saw_logprobs else None
    return Completion(
        text="".join(text), finish_reason=finish or "stop", model=model, refusal=refusal,
        tool_calls=tuple(calls), logprobs=joined_logprobs,
        confidence=confidence_from_logprobs(joined_logprobs),
        reasoning="".join(reasoning) or None, usage=usage, provider=provider)


@dataclass(frozen=True)
class Health:
    """Result of ``health_check()``: whether the backend answered, how fast, and why not."""

    ok: bool
    latency_s: float
    detail: str = ""
