"""OpenAI Chat Completions, and the servers that speak it, through the official ``openai`` SDK.

``OpenAIBackend`` talks to api.openai.com. ``OpenAICompatibleBackend`` is the same wire
translation pointed at another server; its presets (vLLM, SEA-LION, llama.cpp server, LM Studio,
OpenRouter, Perplexity, Azure OpenAI) are catalog data, not code. What differs per server:

* ``max_tokens``: sent as ``max_completion_tokens`` to OpenAI and Azure OpenAI, as ``max_tokens``
  to every other compatible server (most of them do not know the newer name).
* base URL: a preset whose default URL ends in ``/v1`` (vLLM, SEA-LION, llama.cpp server, LM
  Studio), or a preset-less loopback server, gets ``/v1`` appended when ``base_url`` has no path:
  ``http://localhost:8000`` becomes ``http://localhost:8000/v1``.
* API key: optional for local servers; the SDK insists on one, so an empty key is sent as the
  placeholder ``not-needed`` (never ``OPENAI_API_KEY``, which must not leak to other servers).
* reasoning: ``reasoning_content`` (older vLLM, DeepSeek) or ``reasoning`` (vLLM >= 0.10,
  OpenRouter) on the message or delta, and a leading ``<think>...</think>`` block in the content
  (Perplexity sonar-reasoning, servers without a reasoning parser), all go to ``reasoning``.
* Azure OpenAI (preset ``azure-openai``): the SDK's AzureOpenAI client with ``azure_endpoint`` =
  base_url, ``api_version`` from ``api_version=``, else the connection's env var, else the
  catalog; the model is the deployment name.

``reasoning`` is sent as ``reasoning_effort``. Chat Completions has no token budget, so a budget
without an effort picks one: up to 2048 tokens "low", up to 8192 "medium", above that "high".

Options (``openai_<name>=...``) that the SDK's ``create`` accepts are passed as keyword
arguments; any other option goes into ``extra_body`` (e.g. vLLM's ``openai_top_k=40``).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import inspect
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from .._errors import (
    AuthenticationError,
    BackendError,
    BackendTimeoutError,
    BackendUnavailableError,
    InvalidRequestError,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
)
from ._base import (
    COMMON_PARAMS,
    AsyncStreamHandle,
    ProviderBackend,
    Reasoning,
    Request,
    StreamHandle,
)
from ._config import default_catalog
from ._types import (
    Completion,
    FinishReason,
    StreamChunk,
    TokenLogprob,
    ToolCall,
    Usage,
    confidence_from_logprobs,
)

__all__ = ["OpenAIBackend", "OpenAICompatibleBackend"]

_FINISH: dict[str, FinishReason] = {
    "stop": "stop", "length": "length", "tool_calls": "tool_calls", "function_call": "tool_calls",
    "content_filter": "content_filter", "refusal": "refusal",
}
#: Token budget -> reasoning_effort, for a Reasoning that gives only a budget.
_BUDGET_EFFORT = ((2048, "low"), (8192, "medium"))
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}
#: Wire settings of compatible presets that differ from the compatible defaults.
_PRESET_WIRE: dict[str, dict[str, Any]] = {
    "azure-openai": {"max_tokens_param": "max_completion_tokens", "azure": True},
}
#: SDK exceptions outside the APIError tree, by class name (names differ across SDK versions).
_AUTH_ERRORS = {"SubjectTokenProviderError", "MutuallyExclusiveAuthError"}
_PROTOCOL_ERRORS = {"LengthFinishReasonError", "ContentFilterFinishReasonError",
                    "StreamAlreadyConsumed", "AgentOutputParseError"}
_UNAVAILABLE_ERRORS = {"WebSocketConnectionClosedError", "WebSocketQueueFullError"}


class OpenAIBackend(ProviderBackend):
    """OpenAI's Chat Completions API (``OPENAI_API_KEY``)."""

    family = "openai"
    option_prefix = "openai"
    supported_params = COMMON_PARAMS  # every common parameter has a Chat Completions field
    #: Name of the output-token limit on the wire.
    max_tokens_param = "max_completion_tokens"
    #: Whether a leading <think>...</think> block in the content is reasoning.
    split_think_tags = False

    def __init__(self, model: str | None = None, **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        self._sync: Any = None
        self._async: Any = None
        self._async_loop: asyncio.AbstractEventLoop | None = None

    # -- clients ------------------------------------------------------------------------------

    def _client_class(self, *, asynchronous: bool) -> Any:
        sdk: Any = self.sdk
        return sdk.AsyncOpenAI if asynchronous else sdk.OpenAI

    def _client_kwargs(self) -> dict[str, Any]:
        return {"api_key": self._api_key.reveal(), "base_url": self.base_url,
                "timeout": self.timeout, "max_retries": 0,
                "default_headers": dict(self.headers) or None}

    def _client(self) -> Any:
        if self._sync is None:
            self._sync = self._client_class(asynchronous=False)(**self._client_kwargs())
        return self._sync

    def _aclient(self) -> Any:
        loop = asyncio.get_running_loop()  # an async client is bound to its first event loop
        if self._async is None or self._async_loop is not loop:
            self._async = self._client_class(asynchronous=True)(**self._client_kwargs())
            self._async_loop = loop
        return self._async

    def _close(self) -> None:
        client, self._sync = self._sync, None
        if client is not None:
            client.close()

    async def _aclose(self) -> None:
        client, self._async = self._async, None
        if client is not None:
            await client.close()

    # -- I/O ----------------------------------------------------------------------------------

    def _send(self, request: Request) -> Any:
        return self._client().chat.completions.create(**self._params(request))

    async def _asend(self, request: Request) -> Any:
        return await self._aclient().chat.completions.create(**self._params(request))

    def _open_stream(self, request: Request) -> StreamHandle:
        stream = self._client().chat.completions.create(**self._params(request))
        return StreamHandle(stream, stream.close)

    async def _aopen_stream(self, request: Request) -> AsyncStreamHandle:
        stream = await self._aclient().chat.completions.create(**self._params(request))
        return AsyncStreamHandle(stream, stream.close)

    def _list_models(self) -> list[str]:
        return [m.id for m in self._client().models.list().data]

    async def _alist_models(self) -> list[str]:
        page = await self._aclient().models.list()
        return [m.id for m in page.data]

    # -- request (pure) -----------------------------------------------------------------------

    def _params(self, request: Request) -> dict[str, Any]:
        """Keyword arguments for ``chat.completions.create``."""
        params: dict[str, Any] = {"model": self.model, "messages": _messages(request),
                                  self.max_tokens_param: request.max_tokens,
                                  "timeout": request.timeout or self.timeout}
        optional = {"temperature": request.temperature, "top_p": request.top_p,
                    "seed": request.seed, "stop": list(request.stop) or None,
                    "logprobs": True if request.logprobs else None,
                    "top_logprobs": request.top_logprobs,
                    "reasoning_effort": _effort(request.reasoning)}
        params.update({k: v for k, v in optional.items() if v is not None})
        if request.tools:
            params["tools"] = [{"type": "function", "function": {
                "name": t.name, "parameters": dict(t.parameters),
                **({"description": t.description} if t.description else {})}}
                for t in request.tools]
            if request.tool_choice:
                params["tool_choice"] = _tool_choice(request.tool_choice)
        if request.response_schema is not None:
            params["response_format"] = _response_format(request.response_schema)
        if request.stream:
            params.update(stream=True, stream_options={"include_usage": True})
        return self._with_options(params, request.options)

    def _with_options(self, params: dict[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
        if {"max_tokens", "max_completion_tokens"} & set(options):
            params.pop(self.max_tokens_param, None)
        options = dict(options)
        extra = dict(options.pop("extra_body", None) or {})
        for name, value in options.items():
            (params if name in _create_params() else extra)[name] = value
        if extra:
            params["extra_body"] = extra
        return params

    # -- response (pure) ----------------------------------------------------------------------

    def _parse(self, response: Any, request: Request) -> Completion:
        if isinstance(response, (str, bytes)):
            raise ProtocolError(f"{self.provider} answered with text, not a chat completion "
                                f"JSON object: {str(response)[:200]!r}", provider=self.provider)
        choice = response.choices[0]
        message = choice.message
        text, reasoning = message.content or "", _reasoning_of(message)
        if self.split_think_tags:
            splitter = _ThinkSplitter()
            (answer, thought), (rest, more) = splitter.feed(text), splitter.flush()
            text, reasoning = answer + rest, reasoning + thought + more
        refusal = getattr(message, "refusal", None) or None
        logprobs = _logprobs(choice.logprobs)
        return Completion(
            text=text, finish_reason=_finish(choice.finish_reason, refusal),
            model=response.model or self.model, refusal=refusal,
            tool_calls=tuple(_tool_call(c) for c in message.tool_calls or ()),
            logprobs=logprobs, confidence=confidence_from_logprobs(logprobs),
            reasoning=reasoning or None, usage=_usage(response.usage),
            raw_finish_reason=choice.finish_reason, response_id=response.id, raw=response)

    def _stream_state(self, request: Request) -> _StreamState:
        return _StreamState(think=_ThinkSplitter() if self.split_think_tags else None)

    def _parse_event(self, event: Any, state: _StreamState) -> Iterable[StreamChunk]:
        if getattr(event, "usage", None):
            state.usage = _usage(event.usage)
        state.response_id = state.response_id or event.id
        state.model = state.model or event.model
        for choice in event.choices or ():
            if choice.index != 0:
                continue
            delta = choice.delta
            text, reasoning = delta.content or "", _reasoning_of(delta)
            if state.think is not None:
                text, thought = state.think.feed(text)
                reasoning += thought
            if getattr(delta, "refusal", None):
                state.refusal.append(delta.refusal)
            for call in delta.tool_calls or ():
                state.add_call(call)
            logprobs = _logprobs(choice.logprobs)
            if text or reasoning or logprobs:
                yield StreamChunk(text, logprobs=logprobs, reasoning=reasoning)
            if choice.finish_reason:
                state.raw_finish = choice.finish_reason

    def _end_stream(self, state: _StreamState) -> Iterable[StreamChunk]:
        if state.raw_finish is None:
            return ()
        text, reasoning = state.think.flush() if state.think is not None else ("", "")
        refusal = "".join(state.refusal) or None
        return (StreamChunk(
            text, finish_reason=_finish(state.raw_finish, refusal), reasoning=reasoning,
            tool_calls=state.calls(), refusal=refusal, usage=state.usage,
            metadata={"raw_finish_reason": state.raw_finish, "response_id": state.response_id,
                      "model": state.model or self.model}),)

    # -- errors -------------------------------------------------------------------------------

    def _map_error(self, exc: Exception) -> BackendError | None:
        mapped = self._classify(exc)
        key = self._api_key.reveal()
        if mapped is not None and key and key in str(exc.args):
            # the SDK error stays chained as __cause__: keep an echoed key out of tracebacks
            exc.args = tuple(a.replace(key, "***") if isinstance(a, str) else a
                             for a in exc.args)
            if isinstance(getattr(exc, "message", None), str):
                exc.message = exc.message.replace(key, "***")  # type: ignore[attr-defined]
        return mapped

    def _classify(self, exc: Exception) -> BackendError | None:
        sdk: Any = self.sdk
        names = {cls.__name__ for cls in type(exc).__mro__}
        if isinstance(exc, sdk.APIStatusError):
            return self._status_error(exc.status_code, _server_message(exc), exc.response,
                                      exc.request)
        if isinstance(exc, sdk.APITimeoutError):
            return self._timeout()
        if isinstance(exc, sdk.APIConnectionError):
            return self._unreachable(exc.__cause__ or exc)
        if isinstance(exc, sdk.APIResponseValidationError):
            return ProtocolError(f"malformed response from {self.provider}: {exc.message}",
                                 provider=self.provider, status_code=exc.status_code)
        if isinstance(exc, sdk.APIError):  # an error event inside a stream
            return self._api_error(exc)
        if names & _AUTH_ERRORS:
            return self._auth_error(None, str(exc), None)
        if names & _PROTOCOL_ERRORS:
            return ProtocolError(f"{self.provider}: {exc}", provider=self.provider)
        if names & _UNAVAILABLE_ERRORS:
            return BackendUnavailableError(f"{self.provider}: {exc}", provider=self.provider)
        if isinstance(exc, sdk.OpenAIError):
            if "credential" in str(exc).lower() or "api_key" in str(exc):
                return self._auth_error(None, str(exc), None)
            return InvalidRequestError(f"the openai SDK refused the call to {self.provider}: "
                                       f"{exc}", provider=self.provider)
        return self._transport_error(exc)

    def _transport_error(self, exc: Exception) -> BackendError | None:
        """httpx/httpx2 errors that escaped the SDK, malformed JSON, failed validation."""
        for name in ("httpx2", "httpx"):
            httpx: Any = sys.modules.get(name)
            if httpx is None or not isinstance(exc, (httpx.HTTPError, httpx.StreamError,
                                                     httpx.InvalidURL)):
                continue
            if isinstance(exc, httpx.TimeoutException):
                return self._timeout()
            if isinstance(exc, httpx.HTTPStatusError):
                return self._status_error(exc.response.status_code, exc.response.text[:500],
                                          exc.response, exc.request)
            if isinstance(exc, httpx.TransportError):
                return self._unreachable(exc)
            if isinstance(exc, httpx.InvalidURL):
                return InvalidRequestError(f"invalid base_url {self.base_url!r} for "
                                           f"{self.provider}: {exc}", provider=self.provider)
            return ProtocolError(f"malformed response from {self.provider}: {exc}",
                                 provider=self.provider)
        pydantic: Any = sys.modules.get("pydantic")
        if isinstance(exc, json.JSONDecodeError) or (
                pydantic is not None and isinstance(exc, pydantic.ValidationError)):
            return ProtocolError(f"malformed response from {self.provider}: "
                                 f"{type(exc).__name__}: {exc}", provider=self.provider)
        return None

    def _status_error(self, status: int, message: str, response: Any,
                      request: Any) -> BackendError:
        headers = response.headers if response is not None else {}
        request_id = headers.get("x-request-id") or headers.get("apim-request-id")
        common: dict[str, Any] = {"provider": self.provider, "status_code": status,
                                  "request_id": request_id}
        what = f"{self.provider} answered {status}: {message}"
        if status in (401, 403):
            return self._auth_error(status, message, request_id)
        if status == 404:
            available = () if _is_models_url(request) else self._available_models()
            listing = f"; available: {', '.join(available)}" if available else ""
            return ModelNotFoundError(
                f"{self.provider} has no model {self.model!r} (or {self.base_url} is not the "
                f"API root): {message}{listing}", available=available, **common)
        if status == 429:
            return RateLimitError(what, retry_after=_retry_after(headers), **common)
        if status in (408, 409) or status >= 500:
            return BackendUnavailableError(what, retry_after=_retry_after(headers), **common)
        return InvalidRequestError(what, **common)

    def _auth_error(self, status: int | None, message: str,
                    request_id: str | None) -> AuthenticationError:
        names = " or ".join(self.connection.api_key_env or ()) or "the provider's key variable"
        verb = "refused the API key" if status != 403 else "denied this key access"
        return AuthenticationError(
            f"{self.provider} {verb}: {message}; pass api_key=... or set {names}",
            provider=self.provider, status_code=status, request_id=request_id)

    def _timeout(self) -> BackendTimeoutError:
        return BackendTimeoutError(f"{self.provider} at {self.base_url} did not answer in time "
                                   f"(the backend's timeout is {self.timeout:g}s; pass "
                                   "timeout=... to wait longer)", provider=self.provider)

    def _unreachable(self, cause: BaseException) -> BackendUnavailableError:
        detail = f"{type(cause).__name__}: {cause}".rstrip(": ")
        if type(cause).__name__ == "ConnectError" or isinstance(cause, ConnectionError):
            return BackendUnavailableError(f"cannot connect to {self.provider} at "
                                           f"{self.base_url} ({detail}); {self._hint()}",
                                           provider=self.provider)
        return BackendUnavailableError(f"the connection to {self.provider} at {self.base_url} "
                                       f"broke off ({detail}); the answer is incomplete",
                                       provider=self.provider)

    def _hint(self) -> str:
        parts = urlsplit(self.base_url or "")
        if parts.hostname not in _LOOPBACK:
            return "check the network, any proxy settings and base_url"
        root = f"{parts.scheme}://{parts.netloc}"
        check = (f"{root}{self.connection.health_path}" if self.connection.health_path
                 else f"{self.base_url}/models")
        return f"is the server running? check with `curl {check}`"

    def _api_error(self, exc: Any) -> BackendError:
        body = exc.body if isinstance(exc.body, Mapping) else {}
        kind = f"{body.get('type') or ''} {body.get('code') or ''}"
        message = f"{self.provider} reported an error: {exc.message}"
        if "rate_limit" in kind:
            return RateLimitError(message, provider=self.provider)
        if "invalid_request" in kind:
            return InvalidRequestError(message, provider=self.provider)
        return BackendUnavailableError(message, provider=self.provider)

    def _available_models(self) -> tuple[str, ...]:
        """Models the server lists, for a 404 message; () when that would block or fail."""
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop()
            return ()  # never block a running event loop with a sync call
        try:
            page = self._client().models.list(timeout=min(self.timeout, 5.0))
            return tuple(m.id for m in page.data)[:20]
        except Exception:
            return ()


class OpenAICompatibleBackend(OpenAIBackend):
    """A server that speaks Chat Completions: pick a preset (``vllm``, ``sea-lion``,
    ``llama-cpp-server``, ``lmstudio``, ``openrouter``, ``perplexity``, ``azure-openai``)
    and/or give ``base_url``."""

    family = "openai_compatible"
    option_prefix = "openai"
    max_tokens_param = "max_tokens"
    split_think_tags = True

    def __init__(self, model: str | None = None, *, api_version: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        wire = _PRESET_WIRE.get(self.preset or "", {})
        self.max_tokens_param = wire.get("max_tokens_param", self.max_tokens_param)
        self._azure = bool(wire.get("azure"))
        if not self.base_url:
            catalog = kwargs.get("catalog") or default_catalog()
            presets = ", ".join(sorted(catalog.family(self.family).presets))
            envs = " or ".join(self.connection.base_url_env or ())
            raise ValueError(
                f"the {self.name_hint(self.preset)} backend needs base_url: pass base_url=..."
                + (f" or set {envs}" if envs else " (e.g. 'http://localhost:8000/v1')")
                + ("" if self.preset else f", or choose a preset: {presets}"))
        self.base_url = self._with_api_path(self.base_url)
        self.api_version = api_version or next(
            (os.environ[n] for n in self.connection.api_version_env or () if os.environ.get(n)),
            self.connection.api_version)
        if self._azure and not self.api_version:
            raise ValueError("Azure OpenAI needs an API version: pass api_version=... or set "
                             + " or ".join(self.connection.api_version_env or ("its env var",)))

    def _with_api_path(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.path.strip("/") or self._azure:
            return url
        default_path = urlsplit(self.connection.default_base_url or "").path.rstrip("/")
        local_bare = self.preset is None and parts.hostname in _LOOPBACK
        return f"{url.rstrip('/')}/v1" if default_path.endswith("/v1") or local_bare else url

    def _client_class(self, *, asynchronous: bool) -> Any:
        sdk: Any = self.sdk
        if self._azure:
            return sdk.AsyncAzureOpenAI if asynchronous else sdk.AzureOpenAI
        return super()._client_class(asynchronous=asynchronous)

    def _client_kwargs(self) -> dict[str, Any]:
        kwargs = super()._client_kwargs()
        kwargs["api_key"] = kwargs["api_key"] or "not-needed"
        if self._azure:
            kwargs["azure_endpoint"] = kwargs.pop("base_url")
            kwargs["api_version"] = self.api_version
        return kwargs


# -- pure helpers ---------------------------------------------------------------------------


@dataclass
class _StreamState:
    think: _ThinkSplitter | None = None
    raw_finish: str | None = None
    refusal: list[str] = field(default_factory=list)
    usage: Usage | None = None
    response_id: str | None = None
    model: str | None = None
    parts: dict[int, list[str]] = field(default_factory=dict)  # index -> [id, name, args]

    def add_call(self, delta: Any) -> None:
        part = self.parts.setdefault(delta.index, ["", "", ""])
        function = getattr(delta, "function", None)
        part[0] = delta.id or part[0]
        part[1] = (function and function.name) or part[1]
        part[2] += (function and function.arguments) or ""

    def calls(self) -> tuple[ToolCall, ...]:
        return tuple(ToolCall.parse(i, n, a) for _, (i, n, a) in sorted(self.parts.items()))


class _ThinkSplitter:
    """Separates a leading ``<think>...</think>`` block from the answer, also when the tags
    are split across stream chunks. ``feed`` and ``flush`` return (answer, reasoning)."""

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self) -> None:
        self.state = "start"
        self.buffer = ""

    def feed(self, text: str) -> tuple[str, str]:
        self.buffer += text
        thought = ""
        if self.state == "start":
            head = self.buffer.lstrip()
            if not head or (self.OPEN.startswith(head) and head != self.OPEN):
                return "", ""  # maybe the start of a tag: wait for more
            if head.startswith(self.OPEN):
                self.state, self.buffer = "think", head[len(self.OPEN):]
            else:
                self.state = "answer"
        if self.state == "think":
            end = self.buffer.find(self.CLOSE)
            if end < 0:  # hold back what may be the start of the closing tag
                keep = next((n for n in range(len(self.CLOSE) - 1, 0, -1)
                             if self.buffer.endswith(self.CLOSE[:n])), 0)
                cut = len(self.buffer) - keep
                thought, self.buffer = self.buffer[:cut], self.buffer[cut:]
                return "", thought
            thought, self.buffer = self.buffer[:end], self.buffer[end + len(self.CLOSE):]
            self.state = "after"
        if self.state == "after":
            self.buffer = self.buffer.lstrip()
            if not self.buffer:
                return "", thought
            self.state = "answer"
        return self._take(), thought

    def _take(self) -> str:
        text, self.buffer = self.buffer, ""
        return text

    def flush(self) -> tuple[str, str]:
        text = self._take()
        return ("", text) if self.state == "think" else (text, "")


def _messages(request: Request) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if request.system_text:
        out.append({"role": "system", "content": request.system_text})
    for m in request.chat:
        item: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.role == "tool":
            item["tool_call_id"] = m.tool_call_id
        elif m.name:
            item["name"] = m.name
        if m.tool_calls:
            item["content"] = m.content or None
            item["tool_calls"] = [{"id": c.id, "type": "function", "function": {
                "name": c.name, "arguments": c.raw_arguments or json.dumps(dict(c.arguments))}}
                for c in m.tool_calls]
        out.append(item)
    return out


def _effort(reasoning: Reasoning | None) -> str | None:
    if reasoning is None:
        return None
    if reasoning.effort or reasoning.budget_tokens is None:
        return reasoning.effort
    return next((e for limit, e in _BUDGET_EFFORT if reasoning.budget_tokens <= limit), "high")


def _tool_choice(choice: str) -> Any:
    if choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "function": {"name": choice}}


def _response_format(schema: Mapping[str, Any]) -> dict[str, Any]:
    name = re.sub(r"[^a-zA-Z0-9_-]", "_", str(schema.get("title") or "response"))[:64]
    return {"type": "json_schema",
            "json_schema": {"name": name, "schema": dict(schema), "strict": True}}


@cache
def _create_params() -> frozenset[str]:
    """Keyword arguments ``chat.completions.create`` accepts in the installed SDK."""
    from openai.resources.chat.completions import Completions

    return frozenset(inspect.signature(Completions.create).parameters) - {"self"}


def _reasoning_of(message: Any) -> str:
    for name in ("reasoning_content", "reasoning"):
        value = _extra_field(message, name)
        if isinstance(value, str) and value:
            return value
    return ""


_CLASS_DEFINES: dict[tuple[type, str], bool] = {}


def _class_defines(cls: type, name: str) -> bool:
    found = _CLASS_DEFINES.get((cls, name))
    if found is None:
        found = _CLASS_DEFINES[(cls, name)] = hasattr(cls, name)
    return found


def _extra_field(obj: Any, name: str) -> Any:
    """``getattr(obj, name, None)`` for a field the SDK may not declare. On the SDK's pydantic
    models an undeclared field lives in ``__pydantic_extra__``, and looking it up by attribute
    raises and catches an AttributeError when it is absent, which costs microseconds on every
    response and every stream chunk; this reads the instance and the extras directly."""
    extra = getattr(obj, "__pydantic_extra__", None)
    data = getattr(obj, "__dict__", None)
    if isinstance(extra, dict) and isinstance(data, dict) and not _class_defines(type(obj), name):
        return data[name] if name in data else extra.get(name)
    return getattr(obj, name, None)


def _tool_call(call: Any) -> ToolCall:
    function = getattr(call, "function", None)
    if function is not None:
        return ToolCall.parse(call.id, function.name, function.arguments)
    custom = call.custom  # a custom (free-text) tool call
    return ToolCall.parse(call.id, custom.name, {"input": custom.input})


def _finish(raw: str | None, refusal: str | None) -> FinishReason:
    return "refusal" if refusal else _FINISH.get(raw or "stop", "stop")


def _logprobs(logprobs: Any) -> tuple[TokenLogprob, ...] | None:
    content = getattr(logprobs, "content", None) if logprobs is not None else None
    if content is None:
        return None
    return tuple(TokenLogprob(t.token, t.logprob,
                              tuple((a.token, a.logprob) for a in t.top_logprobs or ()))
                 for t in content)


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    prompt_details = getattr(usage, "prompt_tokens_details", None)
    completion_details = getattr(usage, "completion_tokens_details", None)
    return Usage.of(usage.prompt_tokens, usage.completion_tokens,
                    cached_prompt_tokens=getattr(prompt_details, "cached_tokens", None),
                    reasoning_tokens=getattr(completion_details, "reasoning_tokens", None))


def _server_message(exc: Any) -> str:
    body = exc.body
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return str(body["message"])
    return str(exc.message)


def _is_models_url(request: Any) -> bool:
    return str(getattr(getattr(request, "url", None), "path", "")).rstrip("/").endswith("/models")


def _retry_after(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    value = headers.get("retry-after")
    for raw, scale in ((headers.get("retry-after-ms"), 0.001), (value, 1.0)):
        with contextlib.suppress(TypeError, ValueError):
            return max(0.0, float(raw) * scale)
    with contextlib.suppress(TypeError, ValueError, AttributeError):
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    return None
