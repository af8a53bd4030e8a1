"""ProviderBackend: the LLMBackend interface implemented once over any provider SDK.

An adapter supplies the wire translation (pure: request building, response and stream-event
parsing), the I/O (one sync and one async call each for a completion and a stream), and one
error mapper. Everything else — parameter checks, capability gating, timing, stream
cancellation, error translation — lives here once, for sync and async alike.
"""

from __future__ import annotations

import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal, NoReturn

from .._errors import BackendError, InvalidRequestError, ProtocolError, UnsupportedParameterError
from ..contracts import CapabilityValue, Catalog
from ._config import (
    Secret,
    default_catalog,
    require_sdk,
    resolve_api_key,
    resolve_base_url,
    resolve_headers,
)
from ._interface import LLMBackend as _Interface
from ._types import Completion, Message, StreamChunk, Tool, as_messages

__all__ = ["COMMON_PARAMS", "AsyncStreamHandle", "ProviderBackend", "Reasoning", "Request",
           "StreamHandle", "system_and_chat"]

log = logging.getLogger("arifos_core.backends")

#: Parameters every backend understands; a backend that cannot honour one raises
#: UnsupportedParameterError unless the caller passes strict=False.
COMMON_PARAMS = frozenset({
    "system", "temperature", "top_p", "max_tokens", "stop", "tools", "tool_choice",
    "response_schema", "logprobs", "top_logprobs", "reasoning", "seed", "timeout",
})
#: A parameter that needs a capability: declared False means the backend cannot honour it.
#: (``reasoning`` is not gated: a model may accept an effort without returning its reasoning.)
PARAM_CAPABILITY = {
    "system": "supports_system_prompts",
    "stop": "supports_stop_signal",
    "tools": "supports_tool_call_wrapping",
    "tool_choice": "supports_tool_call_wrapping",
    "logprobs": "supports_logprobs",
    "top_logprobs": "supports_logprobs",
    "response_schema": "supports_structured_output",
}


@dataclass(frozen=True)
class Reasoning:
    """How much the model should think: an effort level, a token budget, or both."""

    effort: Literal["low", "medium", "high"] | None = None
    budget_tokens: int | None = None

    @classmethod
    def coerce(cls, value: Any) -> Reasoning:
        """From ``"low"|"medium"|"high"``, a token budget, ``True``, a mapping or a Reasoning."""
        if isinstance(value, Reasoning):
            return value
        if value is True:
            return cls(effort="medium")
        if isinstance(value, str) and value in ("low", "medium", "high"):
            return cls(effort=value)  # type: ignore[arg-type]
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return cls(budget_tokens=value)
        if isinstance(value, Mapping) and set(value) <= {"effort", "budget_tokens"}:
            return cls(**value)
        raise InvalidRequestError(
            f"reasoning must be 'low', 'medium', 'high', a positive token budget or "
            f"{{'effort': ..., 'budget_tokens': ...}}, not {value!r}")


@dataclass(frozen=True)
class Request:
    """A checked, provider-neutral request. ``options`` holds provider-prefixed options with
    the prefix removed."""

    messages: tuple[Message, ...]
    max_tokens: int = 1024
    system: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: tuple[str, ...] = ()
    tools: tuple[Tool, ...] = ()
    tool_choice: str | None = None
    response_schema: Mapping[str, Any] | None = None
    logprobs: bool = False
    top_logprobs: int | None = None
    reasoning: Reasoning | None = None
    seed: int | None = None
    timeout: float | None = None
    stream: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def system_text(self) -> str | None:
        """The system prompt: the ``system`` parameter and any system messages, joined."""
        parts = [self.system] if self.system else []
        parts += [m.content for m in self.messages if m.role == "system" and m.content]
        return "\n\n".join(parts) or None

    @property
    def chat(self) -> tuple[Message, ...]:
        """The messages without system messages."""
        return tuple(m for m in self.messages if m.role != "system")


@dataclass
class StreamHandle:
    """An open provider stream: its events and how to close the connection."""

    events: Iterator[Any]
    close: Callable[[], None]


@dataclass
class AsyncStreamHandle:
    """An open async provider stream: its events and how to close the connection."""

    events: AsyncIterator[Any]
    close: Callable[[], Awaitable[None]]


class ProviderBackend(_Interface, ABC):
    """A model provider behind the LLMBackend interface.

    Capabilities come from the catalog entry of the backend's family (and preset and model),
    optionally overridden by ``capabilities=``. Use as a context manager, or call ``close()``.
    """

    #: Catalog family this adapter implements.
    family: ClassVar[str] = ""
    #: Prefix of provider-specific keyword options, e.g. ``anthropic_metadata=...``.
    option_prefix: ClassVar[str] = ""
    #: Common parameters this adapter can send.
    supported_params: ClassVar[frozenset[str]] = COMMON_PARAMS

    def __init__(self, model: str | None = None, *, api_key: str | None = None,
                 base_url: str | None = None, preset: str | None = None,
                 capabilities: Mapping[str, CapabilityValue] | None = None,
                 strict: bool = True, timeout: float = 60.0,
                 headers: Mapping[str, str] | None = None,
                 catalog: Catalog | None = None) -> None:
        catalog = catalog or default_catalog()
        entry = catalog.family(self.family)
        connection = entry.connection_for(preset)
        chosen = model or connection.default_model
        if not chosen:
            raise ValueError(f"the {self.name_hint(preset)} backend needs a model: pass model=...")
        self.model: str = chosen
        self.preset = preset
        self.strict = strict
        self.timeout = timeout
        self.provider = preset or self.family
        self.connection = connection
        self.sdk = require_sdk(entry.sdk, family=self.family)
        self._api_key: Secret = resolve_api_key(api_key, connection, provider=self.provider)
        self.base_url: str | None = resolve_base_url(base_url, connection)
        self.headers = resolve_headers(connection, headers)
        caps = entry.capabilities_for(self.model, preset=preset)
        caps.update(capabilities or {})
        self._capabilities = caps
        self._closed = False

    def name_hint(self, preset: str | None = None) -> str:
        return f"{self.family}/{preset}" if preset else self.family

    def __repr__(self) -> str:
        where = f", base_url={self.base_url!r}" if self.base_url else ""
        return f"{type(self).__name__}(model={self.model!r}, provider={self.provider!r}{where})"

    # -- what an adapter implements -----------------------------------------------------------

    @abstractmethod
    def _send(self, request: Request) -> Any:
        """Make the call; return the provider's response."""

    @abstractmethod
    async def _asend(self, request: Request) -> Any:
        """Make the call asynchronously; return the provider's response."""

    @abstractmethod
    def _parse(self, response: Any, request: Request) -> Completion:
        """Translate a provider response into a Completion."""

    @abstractmethod
    def _open_stream(self, request: Request) -> StreamHandle:
        """Open a stream."""

    @abstractmethod
    async def _aopen_stream(self, request: Request) -> AsyncStreamHandle:
        """Open a stream asynchronously."""

    @abstractmethod
    def _stream_state(self, request: Request) -> Any:
        """Fresh per-stream state for ``_parse_event``."""

    @abstractmethod
    def _parse_event(self, event: Any, state: Any) -> Iterable[StreamChunk]:
        """Chunks for one stream event (possibly none)."""

    def _end_stream(self, state: Any) -> Iterable[StreamChunk]:
        """Chunks to emit once the provider's stream has ended (e.g. gathered tool calls)."""
        return ()

    @abstractmethod
    def _map_error(self, exc: Exception) -> BackendError | None:
        """This provider's exception as a BackendError; None if it is not the SDK's."""

    def _list_models(self) -> list[str]:
        raise UnsupportedParameterError(f"{self.provider} cannot list models",
                                        parameter="list_models", provider=self.provider)

    async def _alist_models(self) -> list[str]:
        return self._list_models()

    def _close(self) -> None:
        """Close the SDK clients."""

    async def _aclose(self) -> None:
        """Close the async SDK client."""

    # -- the public interface -----------------------------------------------------------------

    def get_capabilities(self) -> dict[str, CapabilityValue]:
        """Declared capabilities: True, False or "unknown" per capability name."""
        return dict(self._capabilities)

    def complete(self, messages: Any, **params: Any) -> Completion:
        """A completion for a prompt string or a list of messages."""
        request = self.prepare(messages, params, stream=False)
        started = time.perf_counter()
        try:  # not ``with self._translated()``: a try costs nothing on the hot path
            response = self._send(request)
        except Exception as exc:
            self._raise_translated(exc)
        return self._finish(response, request, started)

    async def acomplete(self, messages: Any, **params: Any) -> Completion:
        """Async ``complete``."""
        request = self.prepare(messages, params, stream=False)
        started = time.perf_counter()
        try:
            response = await self._asend(request)
        except Exception as exc:
            self._raise_translated(exc)
        return self._finish(response, request, started)

    def stream(self, messages: Any, **params: Any) -> Iterator[StreamChunk]:
        """Stream a completion. Closing the iterator (or leaving a ``for`` loop over it) closes
        the provider connection at once. The last chunk has ``finish_reason`` set."""
        request = self.prepare(messages, params, stream=True)
        return self._stream(request)

    def astream(self, messages: Any, **params: Any) -> AsyncIterator[StreamChunk]:
        """Async ``stream``. Use ``contextlib.aclosing`` (or ``aclose()``) to stop early."""
        request = self.prepare(messages, params, stream=True)
        return self._astream(request)

    def list_models(self) -> list[str]:
        """Model ids the provider offers."""
        with self._translated():
            return self._list_models()

    async def alist_models(self) -> list[str]:
        """Async ``list_models``."""
        with self._translated():
            return await self._alist_models()

    def close(self) -> None:
        """Close the connections this backend holds (clients reopen if it is used again)."""
        self._closed = True
        self._close()

    async def aclose(self) -> None:
        """Close the connections this backend holds, including async ones."""
        await self._aclose()
        self.close()

    # -- shared machinery ---------------------------------------------------------------------

    def prepare(self, messages: Any, params: Mapping[str, Any], *, stream: bool) -> Request:
        """Check parameters and build the provider-neutral Request."""
        params = dict(params)
        strict = params.pop("strict", self.strict)
        options: dict[str, Any] = {}
        prefix = f"{self.option_prefix}_" if self.option_prefix else None
        for name in list(params):
            if prefix and name.startswith(prefix):
                options[name[len(prefix):]] = params.pop(name)
            elif name not in COMMON_PARAMS:
                raise UnsupportedParameterError(
                    f"unknown parameter {name!r}; common parameters are "
                    f"{', '.join(sorted(COMMON_PARAMS))}"
                    + (f", and {prefix}* options for this provider" if prefix else ""),
                    parameter=name, provider=self.provider)
        for name in [n for n, v in params.items() if v is not None and v is not False
                     and v != () and v != []]:
            reason = self._unsupported_reason(name)
            if reason is None:
                continue
            if strict:
                raise UnsupportedParameterError(
                    f"{self.provider} model {self.model!r} cannot honour {name!r}: {reason}; "
                    "pass strict=False to drop it", parameter=name, provider=self.provider)
            log.warning("dropping %r for %s model %r: %s", name, self.provider, self.model,
                        reason)
            params.pop(name)
        return _build_request(as_messages(messages), params, options, stream)

    def _unsupported_reason(self, name: str) -> str | None:
        if name not in self.supported_params:
            return "this adapter does not send it"
        capability = PARAM_CAPABILITY.get(name)
        if capability and self._capabilities.get(capability) is False:
            return f"the catalog declares {capability} false"
        return None

    def _finish(self, response: Any, request: Request, started: float) -> Completion:
        try:
            completion = self._parse(response, request)
        except BackendError:
            raise
        except _MALFORMED as exc:
            raise self._malformed_response(exc) from exc
        return replace(completion, latency_s=time.perf_counter() - started,
                       provider=self.provider, model=completion.model or self.model)

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        """Re-raise provider exceptions as BackendErrors (without the API key)."""
        try:
            yield
        except Exception as exc:
            self._raise_translated(exc)

    def _raise_translated(self, exc: Exception) -> NoReturn:
        """Raise ``exc`` as a BackendError (without the API key), or as itself when it is not
        the provider's."""
        if isinstance(exc, BackendError):
            raise self._scrub(exc) from None
        mapped = self._map_error(exc)
        if mapped is None:
            raise exc
        self._scrub_exception(exc)
        raise self._scrub(mapped) from exc

    @contextlib.contextmanager
    def _protocol(self) -> Iterator[None]:
        """Turn a malformed response into a ProtocolError."""
        try:
            yield
        except BackendError:
            raise
        except _MALFORMED as exc:
            raise self._malformed_response(exc) from exc

    def _malformed_response(self, exc: Exception) -> ProtocolError:
        return ProtocolError(f"malformed {self.provider} response: {type(exc).__name__}: {exc}",
                             provider=self.provider)

    def _scrub_exception(self, exc: BaseException) -> None:
        """Remove the API key from a provider exception kept as ``__cause__``."""
        key = self._api_key.reveal()
        if key and any(key in str(arg) for arg in exc.args):
            exc.args = tuple(str(arg).replace(key, "***") if key in str(arg) else arg
                             for arg in exc.args)
            if hasattr(exc, "message") and isinstance(exc.message, str):
                exc.message = exc.message.replace(key, "***")

    def _scrub(self, error: BackendError) -> BackendError:
        key = self._api_key.reveal()
        if key and key in error.message:
            error.message = error.message.replace(key, "***")
            error.args = (error.message,)
        if error.provider is None:
            error.provider = self.provider
        return error

    def _stream(self, request: Request) -> Iterator[StreamChunk]:
        started = time.perf_counter()
        with self._translated():
            handle = self._open_stream(request)
        try:
            state = self._stream_state(request)
            finished = False
            while True:
                try:
                    event = next(handle.events, _END)
                except Exception as exc:
                    self._raise_translated(exc)
                if event is _END:
                    break
                for chunk in self._chunks(self._parse_event, event, state, started):
                    finished = finished or chunk.finish_reason is not None
                    yield chunk
            for chunk in self._chunks(lambda _e, s: self._end_stream(s), None, state, started):
                finished = finished or chunk.finish_reason is not None
                yield chunk
            self._require_finish(finished)
        finally:
            with contextlib.suppress(Exception):
                handle.close()

    async def _astream(self, request: Request) -> AsyncIterator[StreamChunk]:
        started = time.perf_counter()
        with self._translated():
            handle = await self._aopen_stream(request)
        try:
            state = self._stream_state(request)
            finished = False
            while True:
                try:
                    event = await anext(handle.events, _END)
                except Exception as exc:
                    self._raise_translated(exc)
                if event is _END:
                    break
                for chunk in self._chunks(self._parse_event, event, state, started):
                    finished = finished or chunk.finish_reason is not None
                    yield chunk
            for chunk in self._chunks(lambda _e, s: self._end_stream(s), None, state, started):
                finished = finished or chunk.finish_reason is not None
                yield chunk
            self._require_finish(finished)
        finally:
            with contextlib.suppress(Exception):
                await handle.close()

    def _chunks(self, parse: Callable[[Any, Any], Iterable[StreamChunk]], event: Any,
                state: Any, started: float) -> list[StreamChunk]:
        try:
            chunks = list(parse(event, state))
        except BackendError:
            raise
        except _MALFORMED as exc:
            raise self._malformed_response(exc) from exc
        return [self._stamp(c, started) if c.finish_reason else c for c in chunks]

    def _stamp(self, chunk: StreamChunk, started: float) -> StreamChunk:
        meta = dict(chunk.metadata or {})
        meta.setdefault("latency_s", time.perf_counter() - started)
        meta.setdefault("model", self.model)
        meta.setdefault("provider", self.provider)
        return replace(chunk, metadata=meta)

    def _require_finish(self, finished: bool) -> None:
        if not finished:
            raise ProtocolError(f"the {self.provider} stream ended before the model finished; "
                                "the answer may be cut short", provider=self.provider)


_END: Any = object()
#: What a parser raises on a response of the wrong shape (reported as a ProtocolError).
_MALFORMED = (KeyError, IndexError, TypeError, ValueError, AttributeError)


def _build_request(messages: tuple[Message, ...], params: dict[str, Any],
                   options: dict[str, Any], stream: bool) -> Request:
    def number(name: str, low: float, high: float) -> float | None:
        value = params.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not low <= value <= high:
            raise InvalidRequestError(f"{name} must be a number from {low} to {high}, "
                                      f"not {value!r}")
        return float(value)

    max_tokens = params.get("max_tokens", 1024)
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise InvalidRequestError(f"max_tokens must be a positive integer, not {max_tokens!r}")
    stop = params.get("stop") or ()
    stop = (stop,) if isinstance(stop, str) else tuple(stop)
    if not all(isinstance(s, str) and s for s in stop):
        raise InvalidRequestError(f"stop must be a string or a list of non-empty strings: {stop!r}")
    tools = tuple(Tool.coerce(t) for t in params.get("tools") or ())
    tool_choice = params.get("tool_choice")
    if tool_choice is not None and tool_choice not in ("auto", "none", "required") \
            and tool_choice not in {t.name for t in tools}:
        raise InvalidRequestError(f"tool_choice must be 'auto', 'none', 'required' or the name of "
                                  f"one of the tools, not {tool_choice!r}")
    top_logprobs = params.get("top_logprobs")
    if top_logprobs is not None and (not isinstance(top_logprobs, int) or
                                     not 0 <= top_logprobs <= 20):
        raise InvalidRequestError(f"top_logprobs must be an integer from 0 to 20: {top_logprobs!r}")
    schema = params.get("response_schema")
    if schema is not None and not isinstance(schema, Mapping):
        raise InvalidRequestError("response_schema must be a JSON Schema object (a mapping)")
    reasoning = params.get("reasoning")
    seed = params.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InvalidRequestError(f"seed must be an integer, not {seed!r}")
    timeout = number("timeout", 0.001, 86400)
    return Request(
        messages=messages, max_tokens=max_tokens, system=params.get("system"),
        temperature=number("temperature", 0, 2), top_p=number("top_p", 0, 1), stop=stop,
        tools=tools, tool_choice=tool_choice, response_schema=schema,
        logprobs=bool(params.get("logprobs") or top_logprobs), top_logprobs=top_logprobs,
        reasoning=Reasoning.coerce(reasoning) if reasoning not in (None, False) else None,
        seed=seed, timeout=timeout, stream=stream, options=options)


def system_and_chat(request: Request) -> tuple[str | None, Sequence[Message]]:
    """The system text and the remaining messages, for providers that take them apart."""
    return request.system_text, request.chat



#: Transitional name for adapters written before the interface was split out.
LLMBackend = ProviderBackend
