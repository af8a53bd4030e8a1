"""OllamaBackend: Ollama's native API (``/api/chat``, ``/api/tags``) through the official
``ollama`` client.

Wire translation, all pure:

* messages: the system prompt first, then the chat; assistant tool calls go out as
  ``{"function": {"name", "arguments": {...}}}`` and tool results carry ``tool_name`` (looked up
  from the call they answer when the message has no name).
* ``options``: ``temperature``, ``top_p``, ``seed``, ``stop`` and ``num_predict`` (max_tokens);
  ``ollama_options={...}`` and any other ``ollama_<name>`` that is not a ``chat()`` argument
  (``ollama_num_ctx=8192``) join them; ``chat()`` arguments (``ollama_keep_alive="10m"``,
  ``ollama_think=False``) are passed as such.
* ``tools`` in function format; Ollama has no ``tool_choice``: ``"auto"`` is what it does,
  ``"none"`` sends no tools, ``"required"`` or a tool name cannot be honoured. The client (and
  the server) keep only the JSON Schema keywords Ollama knows for tool parameters.
* ``format`` = the JSON Schema of ``response_schema``; ``think`` = the reasoning effort
  (``"low"|"medium"|"high"``) or ``True`` for a token budget, which Ollama cannot bound;
  ``logprobs``/``top_logprobs`` when the installed client has them (newer ollama-python;
  the server returns them since 0.12.11), else those parameters are unsupported.
* ``done_reason`` ``stop``/``length``/``load``/``unload`` becomes stop/length (tool_calls when
  the message has calls); Ollama has no refusal signal. Tool calls get stable ids
  ``call_<n>`` because the client drops the ids newer servers send. Timings (nanoseconds on the
  wire) go into ``metadata`` (of the Completion, or of the final stream chunk) in seconds.
"""

from __future__ import annotations

import email.utils
import importlib
import inspect
import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

from .._errors import (
    AuthenticationError,
    BackendError,
    BackendTimeoutError,
    BackendUnavailableError,
    InvalidRequestError,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
    UnsupportedParameterError,
)
from ._base import AsyncStreamHandle, ProviderBackend, Request, StreamHandle
from ._types import (
    Completion,
    FinishReason,
    StreamChunk,
    TokenLogprob,
    Tool,
    ToolCall,
    Usage,
    confidence_from_logprobs,
)

__all__ = ["OllamaBackend"]

log = logging.getLogger("arifos_core.backends")

#: ``chat()`` arguments our common parameters need; an older client may lack some.
_CLIENT_ARGUMENT = {"logprobs": "logprobs", "top_logprobs": "top_logprobs", "reasoning": "think",
                    "response_schema": "format", "tools": "tools"}
#: ``chat()`` arguments an ``ollama_*`` option may not override.
_RESERVED = frozenset({"self", "model", "messages", "stream", "options"})
_TIMINGS = ("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")
#: Response models: a validation error on one of these is a malformed response.
_RESPONSE_MODELS = frozenset({"ChatResponse", "ListResponse", "Model", "Message", "ToolCall",
                              "Function", "Logprob", "TokenLogprob"})


def _import_ollama(sdk: ModuleType | None) -> ModuleType:
    if sdk is not None and sdk.__name__ == "ollama":
        return sdk
    try:
        return importlib.import_module("ollama")
    except ImportError as exc:
        raise ImportError("the ollama backend needs the 'ollama' package: "
                          "pip install 'arifos-core[ollama]'") from exc


class OllamaBackend(ProviderBackend):
    """A model served by Ollama (local ``ollama serve`` or Ollama cloud with an API key)."""

    family = "ollama"
    option_prefix = "ollama"
    supported_params = frozenset({
        "system", "temperature", "top_p", "max_tokens", "stop", "tools", "tool_choice",
        "response_schema", "logprobs", "top_logprobs", "reasoning", "seed", "timeout",
    })

    def __init__(self, model: str | None = None, **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        self._ollama = _import_ollama(self.sdk)
        self._chat_params = frozenset(inspect.signature(self._ollama.Client.chat).parameters)
        self._clients: dict[float, Any] = {}
        self._aclients: dict[float, Any] = {}

    # -- parameters ---------------------------------------------------------------------------

    def prepare(self, messages: Any, params: Mapping[str, Any], *, stream: bool) -> Request:
        """As the base, and refuse a tool_choice Ollama cannot honour ("required" or a name)."""
        request = super().prepare(messages, params, stream=stream)
        if request.tool_choice in (None, "auto", "none"):
            return request
        reason = (f"Ollama has no tool_choice, so {request.tool_choice!r} cannot be forced; "
                  "only 'auto' and 'none' work")
        if params.get("strict", self.strict):
            raise UnsupportedParameterError(f"{reason}; pass strict=False to drop it",
                                            parameter="tool_choice", provider=self.provider)
        log.warning("dropping tool_choice for %s model %r: %s", self.provider, self.model, reason)
        return replace(request, tool_choice=None)

    def _unsupported_reason(self, name: str) -> str | None:
        if name == "reasoning" and self._capabilities.get("supports_reasoning_pause") is False:
            # Ollama answers 400 "does not support thinking" for such models.
            return "the catalog declares supports_reasoning_pause false for this model"
        reason = super()._unsupported_reason(name)
        argument = _CLIENT_ARGUMENT.get(name)
        if reason is None and argument and argument not in self._chat_params:
            version = getattr(self._ollama, "__version__", None) or "installed"
            return (f"the {version} ollama client has no {argument!r} argument; "
                    "upgrade it: pip install -U ollama")
        return reason

    def _chat_kwargs(self, request: Request) -> dict[str, Any]:
        """The ``Client.chat`` keyword arguments for a request (without ``stream``)."""
        options: dict[str, Any] = {"num_predict": request.max_tokens}
        for name in ("temperature", "top_p", "seed"):
            if getattr(request, name) is not None:
                options[name] = getattr(request, name)
        if request.stop:
            options["stop"] = list(request.stop)
        kwargs: dict[str, Any] = {"model": self.model, "messages": _messages(request)}
        if request.tools and request.tool_choice != "none":
            kwargs["tools"] = [_tool(tool) for tool in request.tools]
        if request.response_schema is not None:
            kwargs["format"] = dict(request.response_schema)
        if request.reasoning is not None:
            kwargs["think"] = request.reasoning.effort or True
        if request.logprobs:
            kwargs["logprobs"] = True
            if request.top_logprobs:
                kwargs["top_logprobs"] = request.top_logprobs
        for name, value in request.options.items():
            if name == "options":
                options.update(value or {})
            elif name in self._chat_params and name not in _RESERVED:
                kwargs[name] = value
            else:
                options[name] = value
        kwargs["options"] = options
        return kwargs

    # -- clients ------------------------------------------------------------------------------

    def _client_settings(self, timeout: float) -> dict[str, Any]:
        headers = dict(self.headers)
        key = self._api_key.reveal()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return {"host": self.base_url, "timeout": timeout, "headers": headers}

    def _client(self, timeout: float | None) -> Any:
        return self._pooled(self._clients, self._ollama.Client, timeout)

    def _aclient(self, timeout: float | None) -> Any:
        return self._pooled(self._aclients, self._ollama.AsyncClient, timeout)

    def _pooled(self, pool: dict[float, Any], factory: Any, timeout: float | None) -> Any:
        """One client per timeout (the client takes its timeout when created), made on first
        use. Using the backend after close() opens new clients, so close() must run again."""
        seconds = timeout or self.timeout
        if seconds not in pool:
            pool[seconds] = factory(**self._client_settings(seconds))
            self._closed = False
        return pool[seconds]

    def _close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    async def _aclose(self) -> None:
        for client in self._aclients.values():
            await client.close()
        self._aclients.clear()

    # -- I/O ----------------------------------------------------------------------------------

    def _send(self, request: Request) -> Any:
        return self._client(request.timeout).chat(**self._chat_kwargs(request), stream=False)

    async def _asend(self, request: Request) -> Any:
        return await self._aclient(request.timeout).chat(**self._chat_kwargs(request),
                                                         stream=False)

    def _open_stream(self, request: Request) -> StreamHandle:
        events = self._client(request.timeout).chat(**self._chat_kwargs(request), stream=True)
        return StreamHandle(events, events.close)

    async def _aopen_stream(self, request: Request) -> AsyncStreamHandle:
        events = await self._aclient(request.timeout).chat(**self._chat_kwargs(request),
                                                           stream=True)
        return AsyncStreamHandle(events, events.aclose)

    def _list_models(self) -> list[str]:
        return _model_names(self._client(None).list())

    async def _alist_models(self) -> list[str]:
        return _model_names(await self._aclient(None).list())

    # -- responses ----------------------------------------------------------------------------

    def _parse(self, response: Any, request: Request) -> Completion:
        message = response.message
        calls = tuple(_tool_call(call, index) for index, call in
                      enumerate(message.tool_calls or ()))
        logprobs = _logprobs(response)
        return Completion(
            text=message.content or "", finish_reason=_finish(response.done_reason, calls),
            model=response.model or self.model, tool_calls=calls, logprobs=logprobs,
            confidence=confidence_from_logprobs(logprobs), reasoning=message.thinking or None,
            usage=_usage(response), raw_finish_reason=response.done_reason,
            metadata=_timings(response), raw=response)

    def _stream_state(self, request: Request) -> _StreamState:
        return _StreamState()

    def _parse_event(self, event: Any, state: _StreamState) -> Iterable[StreamChunk]:
        message = event.message
        text, reasoning = message.content or "", message.thinking or ""
        state.calls += [_tool_call(call, index) for index, call in
                        enumerate(message.tool_calls or (), start=len(state.calls))]
        logprobs = _logprobs(event)
        if not event.done:
            if text or reasoning or logprobs:
                yield StreamChunk(text, logprobs=logprobs, reasoning=reasoning)
            return
        calls = tuple(state.calls)
        yield StreamChunk(text, logprobs=logprobs, finish_reason=_finish(event.done_reason, calls),
                          metadata=_timings(event), reasoning=reasoning, tool_calls=calls,
                          usage=_usage(event))

    # -- errors -------------------------------------------------------------------------------

    def _map_error(self, exc: Exception) -> BackendError | None:
        import httpx
        import pydantic

        where = f"the Ollama server at {self.base_url}"
        if isinstance(exc, self._ollama.ResponseError):
            return self._status_error(exc.status_code, str(exc.error), _http_response(exc))
        if isinstance(exc, httpx.HTTPStatusError):
            return self._status_error(exc.response.status_code, exc.response.text, exc.response)
        if isinstance(exc, self._ollama.RequestError):
            return InvalidRequestError(f"the ollama client refused the request: {exc.error}")
        if isinstance(exc, httpx.TimeoutException):
            return BackendTimeoutError(f"{where} did not answer in time ({type(exc).__name__}); "
                                       "a cold model load can be slow: raise timeout=...")
        if isinstance(exc, (httpx.ConnectError, httpx.ProxyError, ConnectionError)):
            return BackendUnavailableError(
                f"cannot connect to {where}: {_detail(exc)}; is it running? Check with "
                f"`curl {self.base_url}/api/tags`, start it with `ollama serve`, or set "
                "OLLAMA_HOST / base_url=...")
        if isinstance(exc, (httpx.NetworkError, httpx.RemoteProtocolError)):
            return BackendUnavailableError(f"the connection to {where} broke mid-response: "
                                           f"{_detail(exc)}")
        if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
            return BackendUnavailableError(f"{self.base_url!r} is not a usable Ollama URL "
                                           f"({exc}); set OLLAMA_HOST or base_url=...",
                                           retryable=False)
        if isinstance(exc, httpx.LocalProtocolError):
            return InvalidRequestError(f"the request to {where} could not be sent: {exc}")
        if isinstance(exc, httpx.TransportError):
            return BackendUnavailableError(f"cannot talk to {where}: {_detail(exc)}")
        if isinstance(exc, (httpx.HTTPError, httpx.StreamError, httpx.CookieConflict)):
            return ProtocolError(f"HTTP exchange with {where} failed: "
                                 f"{type(exc).__name__}: {exc}")
        if isinstance(exc, json.JSONDecodeError):
            return ProtocolError(f"{where} sent malformed JSON: {exc}")
        if isinstance(exc, pydantic.ValidationError):
            if exc.title in _RESPONSE_MODELS:
                return ProtocolError(f"{where} sent a response of an unexpected shape: {exc}")
            return InvalidRequestError(f"the ollama client rejected the request ({exc.title}): "
                                       f"{exc}")
        return None

    def _status_error(self, status: int, message: str, response: Any) -> BackendError:
        headers: Mapping[str, str] = getattr(response, "headers", None) or {}
        common: dict[str, Any] = {"status_code": status if status > 0 else None,
                                  "request_id": headers.get("x-request-id")}
        where = f"the Ollama server at {self.base_url}"
        if status in (401, 403):
            names = " or ".join(self.connection.api_key_env or ()) or "OLLAMA_API_KEY"
            return AuthenticationError(
                f"{where} refused the credentials ({message}): pass api_key=... or set {names} "
                "(Ollama cloud and authenticating proxies need a key)", **common)
        if status == 404:
            available = self._available_models()
            text = (f"{where} has no model {self.model!r} ({message}); pull it with "
                    f"`ollama pull {self.model}`")
            if available:
                text += f"; available: {', '.join(available)}"
            return ModelNotFoundError(text, available=available, **common)
        if status == 429:
            return RateLimitError(f"{where} is rate-limiting requests: {message}",
                                  retry_after=_retry_after(headers), **common)
        if status < 0:
            return BackendUnavailableError(f"{where} failed mid-response: {message}", **common)
        if 400 <= status < 500 and status not in (408, 409):
            return InvalidRequestError(f"{where} rejected the request (HTTP {status}): {message}",
                                       **common)
        return BackendUnavailableError(f"{where} failed (HTTP {status}): {message}",
                                       retry_after=_retry_after(headers), **common)

    def _available_models(self) -> tuple[str, ...]:
        """The server's models for a not-found message; never raises, waits at most 2 s."""
        try:
            return tuple(_model_names(self._client(2.0).list()))
        except Exception:  # a hint must never hide the real error
            return ()


@dataclass
class _StreamState:
    calls: list[ToolCall] = field(default_factory=list)


def _messages(request: Request) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if request.system_text:
        out.append({"role": "system", "content": request.system_text})
    names: dict[str, str] = {}
    for message in request.chat:
        entry: dict[str, Any] = {"role": message.role, "content": message.content}
        if message.tool_calls:
            entry["tool_calls"] = [{"function": {"name": call.name,
                                                 "arguments": dict(call.arguments)}}
                                   for call in message.tool_calls]
            names.update((call.id, call.name) for call in message.tool_calls)
        if message.role == "tool":
            name = message.name or names.get(message.tool_call_id or "")
            if name:
                entry["tool_name"] = name
        out.append(entry)
    return out


def _tool(tool: Tool) -> dict[str, Any]:
    return {"type": "function", "function": {"name": tool.name, "description": tool.description,
                                             "parameters": dict(tool.parameters)}}


def _tool_call(call: Any, index: int) -> ToolCall:
    function = call.function
    return ToolCall.parse(getattr(call, "id", None) or f"call_{index}", function.name,
                          dict(function.arguments or {}))


def _finish(done_reason: str | None, calls: tuple[ToolCall, ...]) -> FinishReason:
    if calls:
        return "tool_calls"
    return "length" if done_reason == "length" else "stop"


def _logprobs(response: Any) -> tuple[TokenLogprob, ...] | None:
    entries = getattr(response, "logprobs", None)
    if entries is None:
        return None
    return tuple(TokenLogprob(entry.token, float(entry.logprob),
                              tuple((top.token, float(top.logprob))
                                    for top in entry.top_logprobs or ()))
                 for entry in entries)


def _usage(response: Any) -> Usage:
    return Usage.of(response.prompt_eval_count, response.eval_count)


def _timings(response: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"raw_finish_reason": response.done_reason}
    for name in _TIMINGS:
        nanoseconds = getattr(response, name, None)
        if nanoseconds is not None:
            meta[f"{name}_s"] = nanoseconds / 1e9
    if response.model:
        meta["model"] = response.model
    return meta


def _model_names(listing: Any) -> list[str]:
    return [model.model for model in listing.models if model.model]


def _http_response(exc: BaseException) -> Any:
    """The httpx response behind an ``ollama.ResponseError`` (raised ``from None``, so it is
    the exception's context), for its headers."""
    seen: BaseException | None = exc.__context__ or exc.__cause__
    for _ in range(5):
        if seen is None:
            return None
        response = getattr(seen, "response", None)
        if response is not None:
            return response
        seen = seen.__context__ or seen.__cause__
    return None


def _detail(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if not value:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        return max(0.0, when.timestamp() - time.time())
    return None
