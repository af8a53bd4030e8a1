"""GeminiBackend: the Gemini Developer API (``generateContent``, ``streamGenerateContent``,
``models.list``) through the official ``google-genai`` SDK.

Wire translation, all pure:

* messages: the system prompt goes in ``system_instruction``; user turns are ``user`` contents,
  assistant turns ``model`` contents (text and ``functionCall`` parts), tool results
  ``functionResponse`` parts of one ``user`` content (the name comes from the message or the
  call it answers; a JSON object result is sent as is, anything else as ``{"output": ...}``).
* config: ``max_output_tokens``, ``temperature``, ``top_p``, ``stop_sequences``, ``seed``;
  ``response_logprobs`` + ``logprobs``; ``response_schema`` as ``response_json_schema`` with
  ``application/json``; tools as ``function_declarations`` (``parameters_json_schema``) and
  ``tool_choice`` as function-calling mode AUTO/NONE/ANY (a tool name: ANY plus
  ``allowed_function_names``); ``reasoning`` as ``thinking_config`` with ``include_thoughts``
  and ``thinking_budget`` (``budget_tokens``, or low/medium/high = 1024/8192/24576).
  ``gemini_<field>=`` sets any other config field, ``gemini_extra_body=`` merges into the body.
  The SDK's automatic function calling and continuation are off: one call, one request.
* thought parts become ``reasoning``, never text. finishReason STOP -> stop (tool_calls with
  calls), MAX_TOKENS/CONTINUATION -> length, SAFETY/PROHIBITED_CONTENT/BLOCKLIST/SPII/
  RECITATION/IMAGE_*/MODEL_ARMOR -> content_filter with a ``refusal`` naming the block, as for
  ``promptFeedback.blockReason``; MALFORMED_FUNCTION_CALL/MALFORMED_RESPONSE raise a retryable
  ProtocolError (an empty "stop" would hide a call nobody can run); others -> stop. The raw
  value is kept. ``logprobsResult`` -> TokenLogprobs (else confidence = exp(avgLogprobs)).
  Completion tokens include thought tokens; the total is ``totalTokenCount``.
* calls without an id get ``gemini-call-<hex>`` (never sent back); a call's
  ``thoughtSignature`` is remembered by id and returned with it next turn (Gemini 3 needs it).

I/O: the SDK runs on our own httpx clients (never aiohttp or httpx2) with retries off
(``attempts=1``) and timeouts in milliseconds, as ``HttpOptions`` wants. A stream's HTTP
response is caught by an httpx response hook while its first event is read, so closing the
stream closes the connection at once. The async client is rebuilt on another event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import itertools
import json
import math
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
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
)
from ._base import AsyncStreamHandle, ProviderBackend, Request, StreamHandle
from ._types import (
    Completion,
    FinishReason,
    StreamChunk,
    TokenLogprob,
    ToolCall,
    Usage,
    confidence_from_logprobs,
)

__all__ = ["GeminiBackend"]

_EFFORT_BUDGET = {"low": 1024, "medium": 8192, "high": 24576}
_FILTERED = frozenset({"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION",
                       "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
                       "MODEL_ARMOR"})
_MALFORMED = frozenset({"MALFORMED_FUNCTION_CALL", "MALFORMED_RESPONSE"})
_LENGTH = frozenset({"MAX_TOKENS", "CONTINUATION"})
_AUTH_REASONS = frozenset({"API_KEY_INVALID", "API_KEY_EXPIRED", "API_KEY_SERVICE_BLOCKED",
                           "ACCESS_TOKEN_EXPIRED", "ACCESS_TOKEN_TYPE_UNSUPPORTED"})
_REQUEST_ID_HEADERS = ("x-request-id", "x-goog-request-id", "request-id")
_SYNTHETIC_ID = "gemini-call-"
_SIGNATURES_KEPT = 1024
_LIST_TIMEOUT_S = 5.0
_NONE: Any = object()

#: Where the response hook puts the HTTP response of the stream being opened.
_CAPTURE: ContextVar[list[Any] | None] = ContextVar("arifos_gemini_capture", default=None)


def _capture(response: Any) -> None:
    sink = _CAPTURE.get()
    if sink is not None:
        sink.append(response)


async def _acapture(response: Any) -> None:
    _capture(response)


@dataclass
class _StreamState:
    calls: list[ToolCall] = field(default_factory=list)
    usage: Usage | None = None
    raw_finish: str | None = None
    message: str | None = None
    blocked: tuple[str, str | None] | None = None
    response_id: str | None = None


class GeminiBackend(ProviderBackend):
    """Google Gemini (Developer API) through ``google-genai``; see the module docstring."""

    family = "gemini"
    option_prefix = "gemini"

    def __init__(self, model: str | None = None, **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        self._genai: Any = None
        self._http: Any = None
        self._ahttp: Any = None
        self._aloop: asyncio.AbstractEventLoop | None = None
        self._signatures: OrderedDict[str, bytes] = OrderedDict()

    # -- clients ------------------------------------------------------------------------------

    def _types(self) -> Any:
        from google.genai import types

        return types

    def _build(self, http: Any, ahttp: Any) -> Any:
        from google.genai import Client
        from google.genai.client import DebugConfig

        types = self._types()
        options = types.HttpOptions(
            base_url=self.base_url, api_version="v1beta", headers=dict(self.headers) or None,
            timeout=_millis(self.timeout), retry_options=types.HttpRetryOptions(attempts=1),
            httpx_client=http, httpx_async_client=ahttp,
            async_client_args={"ssl": _ssl_context()})  # else the SDK loads the CAs again
        # Explicit everything, so no GOOGLE_* / GEMINI_* environment variable steers the SDK.
        return Client(api_key=self._api_key.reveal(), vertexai=False, http_options=options,
                      debug_config=DebugConfig(client_mode=None, replays_directory=None,
                                               replay_id=None))

    def _client(self) -> Any:
        if self._genai is None:
            import httpx

            common: dict[str, Any] = {"follow_redirects": True, "timeout": self.timeout,
                                      "verify": _ssl_context()}
            if self._http is None:
                self._http = httpx.Client(event_hooks={"response": [_capture]}, **common)
            if self._ahttp is None:
                self._ahttp = httpx.AsyncClient(event_hooks={"response": [_acapture]}, **common)
            self._genai = self._build(self._http, self._ahttp)
        return self._genai

    def _aclient(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._aloop is not None and self._aloop is not loop:
            # httpx's async pool belongs to the loop that opened it: start a new one here.
            self._ahttp = self._genai = None
        self._aloop = loop
        return self._client().aio

    def _close(self) -> None:
        if self._http is not None:
            self._http.close()
        self._genai = self._http = None

    async def _aclose(self) -> None:
        if self._ahttp is not None and self._aloop in (None, asyncio.get_running_loop()):
            await self._ahttp.aclose()
        self._ahttp = self._aloop = self._genai = None

    # -- requests -----------------------------------------------------------------------------

    def _call(self, request: Request) -> dict[str, Any]:
        import pydantic

        types = self._types()
        try:
            return {"model": self.model, "contents": self._contents(request, types),
                    "config": types.GenerateContentConfig(**self._config(request))}
        except pydantic.ValidationError as exc:
            raise InvalidRequestError(f"invalid Gemini request: {exc}",
                                      provider=self.provider) from exc

    def _config(self, request: Request) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "system_instruction": request.system_text, "max_output_tokens": request.max_tokens,
            "temperature": request.temperature, "top_p": request.top_p,
            "stop_sequences": list(request.stop) or None, "seed": request.seed,
            "automatic_function_calling": {"disable": True}, "automatic_continuation": False}
        if request.logprobs:
            fields["response_logprobs"] = True
            fields["logprobs"] = request.top_logprobs or None
        if request.response_schema is not None:
            fields["response_mime_type"] = "application/json"
            fields["response_json_schema"] = dict(request.response_schema)
        if request.tools:
            fields["tools"] = [{"function_declarations": [
                {"name": t.name, "description": t.description or None,
                 "parameters_json_schema": dict(t.parameters)} for t in request.tools]}]
            fields["tool_config"] = _tool_config(request.tool_choice)
        if request.reasoning is not None:
            budget = request.reasoning.budget_tokens or _EFFORT_BUDGET.get(
                request.reasoning.effort or "medium")
            fields["thinking_config"] = {"include_thoughts": True, "thinking_budget": budget}
        options = dict(request.options)
        http: dict[str, Any] = {}
        if "extra_body" in options:
            http["extra_body"] = options.pop("extra_body")
        if request.timeout is not None:
            http["timeout"] = _millis(request.timeout)
        fields.update(options)
        if http:
            fields["http_options"] = http
        return {name: value for name, value in fields.items() if value is not None}

    def _contents(self, request: Request, types: Any) -> list[Any]:
        names = {call.id: call.name for m in request.chat for call in m.tool_calls}
        contents: list[Any] = []
        for message in request.chat:
            if message.role == "tool":
                name = message.name or names.get(message.tool_call_id or "")
                if not name:
                    raise InvalidRequestError(
                        f"tool result {message.tool_call_id!r} answers no earlier tool call; "
                        "give the tool message a name", provider=self.provider)
                part = types.Part(function_response=types.FunctionResponse(
                    id=_wire_id(message.tool_call_id), name=name,
                    response=_tool_output(message.content)))
                if contents and contents[-1].role == "user" and all(
                        p.function_response is not None for p in contents[-1].parts):
                    contents[-1].parts.append(part)
                else:
                    contents.append(types.Content(role="user", parts=[part]))
            elif message.role == "assistant":
                parts = [types.Part(text=message.content)] if message.content else []
                parts += [types.Part(function_call=types.FunctionCall(
                    id=_wire_id(call.id), name=call.name, args=dict(call.arguments)),
                    thought_signature=self._signatures.get(call.id))
                    for call in message.tool_calls]
                if parts:
                    contents.append(types.Content(role="model", parts=parts))
            else:
                contents.append(types.Content(role="user",
                                              parts=[types.Part(text=message.content)]))
        return contents

    def _send(self, request: Request) -> Any:
        return self._client().models.generate_content(**self._call(request))

    async def _asend(self, request: Request) -> Any:
        return await self._aclient().models.generate_content(**self._call(request))

    # -- responses ----------------------------------------------------------------------------

    def _parse(self, response: Any, request: Request) -> Completion:
        usage = _usage(response.usage_metadata) or Usage()
        response_id = response.response_id
        model = _model_id(response.model_version or self.model)
        if not response.candidates:
            blocked = self._blocked(response.prompt_feedback)
            if blocked is None:
                raise ProtocolError("the Gemini response has neither candidates nor a block "
                                    "reason", provider=self.provider)
            return Completion("", "content_filter", model, refusal=_block_text(*blocked),
                              usage=usage, raw_finish_reason=blocked[0],
                              response_id=response_id, raw=response)
        candidate = response.candidates[0]
        text, reasoning, calls = self._parts(candidate.content)
        raw = _enum(candidate.finish_reason)
        finish, refusal = self._finish_reason(raw, bool(calls), _why(candidate))
        logprobs = _logprobs(candidate.logprobs_result)
        return Completion(
            text, finish, model, refusal=refusal, tool_calls=tuple(calls), logprobs=logprobs,
            confidence=_confidence(logprobs, candidate.avg_logprobs),
            reasoning=reasoning or None, usage=usage, raw_finish_reason=raw,
            response_id=response_id, raw=response, metadata=_metadata(candidate))

    def _parts(self, content: Any) -> tuple[str, str, list[ToolCall]]:
        text: list[str] = []
        reasoning: list[str] = []
        calls: list[ToolCall] = []
        for part in (content.parts if content is not None else None) or ():
            if part.function_call is not None:
                call = part.function_call
                call_id = call.id or f"{_SYNTHETIC_ID}{uuid.uuid4().hex[:12]}"
                if part.thought_signature:
                    self._remember(call_id, part.thought_signature)
                calls.append(ToolCall.parse(call_id, call.name or "", call.args or {}))
            elif part.text is not None:
                (reasoning if part.thought else text).append(part.text)
        return "".join(text), "".join(reasoning), calls

    def _remember(self, call_id: str, signature: bytes) -> None:
        self._signatures[call_id] = signature
        while len(self._signatures) > _SIGNATURES_KEPT:
            self._signatures.popitem(last=False)

    def _finish_reason(self, raw: str | None, has_calls: bool,
                       message: str | None) -> tuple[FinishReason, str | None]:
        if raw in _MALFORMED:
            raise ProtocolError(f"Gemini ended the answer with {raw}"
                                + (f": {message}" if message else "")
                                + "; the request may succeed if repeated",
                                provider=self.provider, retryable=True)
        if raw in _FILTERED:
            return "content_filter", _block_text(raw, message, "response")
        if has_calls:
            return "tool_calls", None
        return ("length" if raw in _LENGTH else "stop"), None

    @staticmethod
    def _blocked(feedback: Any) -> tuple[str, str | None] | None:
        if feedback is None or feedback.block_reason is None:
            return None
        return _enum(feedback.block_reason) or "BLOCKED", feedback.block_reason_message

    # -- streams ------------------------------------------------------------------------------

    def _open_stream(self, request: Request) -> StreamHandle:
        events = self._client().models.generate_content_stream(**self._call(request))
        sink: list[Any] = []
        token = _CAPTURE.set(sink)
        try:
            first = next(events, _NONE)
        except BaseException:
            _close_all(sink)
            raise
        finally:
            _CAPTURE.reset(token)

        def close() -> None:
            _close_all(sink)
            events.close()

        return StreamHandle(itertools.chain(() if first is _NONE else (first,), events), close)

    async def _aopen_stream(self, request: Request) -> AsyncStreamHandle:
        events = await self._aclient().models.generate_content_stream(**self._call(request))
        sink: list[Any] = []
        token = _CAPTURE.set(sink)
        try:
            first = await anext(events, _NONE)
        except BaseException:
            await _aclose_all(sink)
            raise
        finally:
            _CAPTURE.reset(token)

        async def chained() -> Any:
            if first is not _NONE:
                yield first
            async for event in events:
                yield event

        wrapper = chained()

        async def close() -> None:
            await _aclose_all(sink)
            await wrapper.aclose()
            await events.aclose()

        return AsyncStreamHandle(wrapper, close)

    def _stream_state(self, request: Request) -> _StreamState:
        return _StreamState()

    def _parse_event(self, event: Any, state: _StreamState) -> Iterable[StreamChunk]:
        state.usage = _usage(event.usage_metadata) or state.usage
        state.response_id = event.response_id or state.response_id
        if not event.candidates:
            state.blocked = self._blocked(event.prompt_feedback) or state.blocked
            return ()
        candidate = event.candidates[0]
        text, reasoning, calls = self._parts(candidate.content)
        state.calls += calls
        if candidate.finish_reason is not None:
            state.raw_finish = _enum(candidate.finish_reason)
            state.message = _why(candidate)
        chunks = [StreamChunk(reasoning=reasoning)] if reasoning else []
        logprobs = _logprobs(candidate.logprobs_result)
        if text or logprobs:
            chunks.append(StreamChunk(text, logprobs=logprobs))
        return chunks

    def _end_stream(self, state: _StreamState) -> Iterable[StreamChunk]:
        meta = {"response_id": state.response_id}
        if state.blocked is not None:
            return (StreamChunk(finish_reason="content_filter", refusal=_block_text(
                *state.blocked), usage=state.usage,
                metadata={**meta, "raw_finish_reason": state.blocked[0]}),)
        if state.raw_finish is None:
            return ()
        finish, refusal = self._finish_reason(state.raw_finish, bool(state.calls), state.message)
        return (StreamChunk(finish_reason=finish, tool_calls=tuple(state.calls), refusal=refusal,
                            usage=state.usage,
                            metadata={**meta, "raw_finish_reason": state.raw_finish}),)

    # -- models -------------------------------------------------------------------------------

    def _list_models(self, timeout: float | None = None) -> list[str]:
        pager = self._client().models.list(config=_list_config(timeout))
        return [_model_id(model.name) for model in pager if model.name]

    async def _alist_models(self) -> list[str]:
        pager = await self._aclient().models.list(config=_list_config(None))
        return [_model_id(model.name) async for model in pager if model.name]

    def _available(self) -> tuple[str, ...]:
        try:
            return tuple(self._list_models(timeout=min(self.timeout, _LIST_TIMEOUT_S)))
        except Exception:
            return ()

    # -- errors -------------------------------------------------------------------------------

    def _map_error(self, exc: Exception) -> BackendError | None:
        import pydantic
        from google.genai import errors

        common: dict[str, Any] = {"provider": self.provider}
        if isinstance(exc, errors.APIError):
            return self._api_error(exc)
        # google-genai 3.x wraps a failure mid-stream; 2.x (the last for Python 3.10) has no such
        # class and raises the cause itself
        interrupted = getattr(errors, "ContinuationInterruptedError", None)
        if interrupted is not None and isinstance(exc, interrupted):
            cause = exc.__cause__
            mapped = self._map_error(cause) if isinstance(cause, Exception) else None
            return mapped or BackendUnavailableError(f"the Gemini stream was interrupted: {exc}",
                                                     **common)
        if isinstance(exc, (errors.UnknownApiResponseError, json.JSONDecodeError,
                            pydantic.ValidationError)):
            return ProtocolError(f"malformed Gemini response: {type(exc).__name__}: {exc}",
                                 **common)
        if isinstance(exc, (errors.UnknownFunctionCallArgumentError,
                            errors.UnsupportedFunctionError, errors.FunctionInvocationError)):
            return InvalidRequestError(f"invalid Gemini function setup: {exc}", **common)
        transport = self._transport_error(exc)
        if transport is not None:
            return transport
        if type(exc) is ValueError or type(exc).__name__ == "EphemeralTokenAPIKeyError":
            # The SDK refuses requests it knows the Developer API rejects with a bare ValueError.
            return InvalidRequestError(f"google-genai refused the request: {exc}", **common)
        return None

    def _api_error(self, exc: Any) -> BackendError:
        status = exc.code if isinstance(exc.code, int) else None
        headers = getattr(exc.response, "headers", None) or {}
        common: dict[str, Any] = {"provider": self.provider, "status_code": status,
                                  "request_id": next((headers[h] for h in _REQUEST_ID_HEADERS
                                                      if h in headers), None)}
        body = exc.details if isinstance(exc.details, Mapping) else {}
        error = body["error"] if isinstance(body.get("error"), Mapping) else body
        details = [d for d in error.get("details") or () if isinstance(d, Mapping)]
        text = f"Gemini API error {status} {exc.status or ''}".rstrip() + \
            f": {exc.message or 'no message'}"
        reasons = {d.get("reason") for d in details}
        if status in (401, 403) or reasons & _AUTH_REASONS:
            where = " or ".join(self.connection.api_key_env or ()) or "api_key=..."
            return AuthenticationError(f"{text}; check the key in {where} (or pass api_key=...)",
                                       **common)
        if status == 404:
            url = str(getattr(getattr(exc.response, "request", None), "url", ""))
            available = self._available() if "enerateContent" in url else ()
            return ModelNotFoundError(f"{text} (model {self.model!r})", available=available,
                                      **common)
        if status == 429:
            return RateLimitError(text, retry_after=_retry_after(headers, details), **common)
        if status in (408, 409, 529) or (status is not None and status >= 500):
            return BackendUnavailableError(text, retry_after=_retry_after(headers, ()), **common)
        if status is not None and 400 <= status < 500:
            return InvalidRequestError(text, **common)
        return ProtocolError(f"unexpected Gemini API answer: {text}", **common)

    def _transport_error(self, exc: Exception) -> BackendError | None:
        common: dict[str, Any] = {"provider": self.provider}
        for module in _http_modules():
            if not isinstance(exc, (module.HTTPError, module.StreamError, module.InvalidURL,
                                    module.CookieConflict)):
                continue
            if isinstance(exc, module.TimeoutException):
                return BackendTimeoutError(f"the Gemini API at {self.base_url} did not answer in "
                                           f"time ({type(exc).__name__}); raise timeout=...",
                                           **common)
            if isinstance(exc, module.ConnectError):
                return BackendUnavailableError(
                    f"cannot connect to the Gemini API at {self.base_url}: {exc}; check "
                    "base_url=... and that your network or proxy lets you reach it", **common)
            if isinstance(exc, (module.UnsupportedProtocol, module.InvalidURL)):
                return InvalidRequestError(f"bad Gemini base URL {self.base_url!r}: {exc}",
                                           **common)
            if isinstance(exc, module.TransportError) and not isinstance(
                    exc, module.LocalProtocolError):
                return BackendUnavailableError(f"the connection to the Gemini API at "
                                               f"{self.base_url} failed: {exc}", **common)
            return ProtocolError(f"HTTP error talking to Gemini: {type(exc).__name__}: {exc}",
                                 **common)
        return None


# -- pure helpers ------------------------------------------------------------------------------

def _millis(seconds: float) -> int:
    """HttpOptions.timeout is in milliseconds (and 0 would mean no timeout)."""
    return max(1, round(seconds * 1000))


def _tool_config(choice: str | None) -> dict[str, Any] | None:
    if choice is None:
        return None
    mode = {"auto": "AUTO", "none": "NONE", "required": "ANY"}.get(choice)
    if mode is not None:
        return {"function_calling_config": {"mode": mode}}
    return {"function_calling_config": {"mode": "ANY", "allowed_function_names": [choice]}}


def _tool_output(content: str) -> dict[str, Any]:
    try:
        value = json.loads(content)
    except ValueError:
        return {"output": content}
    return value if isinstance(value, dict) else {"output": value}


def _wire_id(call_id: str | None) -> str | None:
    return None if not call_id or call_id.startswith(_SYNTHETIC_ID) else call_id


def _list_config(timeout: float | None) -> dict[str, Any]:
    config: dict[str, Any] = {"page_size": 1000}
    if timeout is not None:
        config["http_options"] = {"timeout": _millis(timeout)}
    return config


def _model_id(name: str) -> str:
    return name.removeprefix("models/")


def _enum(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _metadata(candidate: Any) -> dict[str, Any]:
    meta = {"avg_logprobs": candidate.avg_logprobs, "finish_message": candidate.finish_message}
    return {name: value for name, value in meta.items() if value is not None}


def _why(candidate: Any) -> str | None:
    """The finish message, else the safety categories that blocked the answer."""
    blocked = [_enum(r.category) or "" for r in candidate.safety_ratings or () if r.blocked]
    return candidate.finish_message or (", ".join(blocked) if blocked else None)


def _block_text(reason: str, message: str | None, what: str = "prompt") -> str:
    text = f"Gemini blocked the {what} ({reason})"
    return f"{text}: {message}" if message else text


def _usage(meta: Any) -> Usage | None:
    if meta is None:
        return None
    prompt, output = meta.prompt_token_count, meta.candidates_token_count
    thoughts = meta.thoughts_token_count
    if output is not None or thoughts is not None:
        output = (output or 0) + (thoughts or 0)
    total = meta.total_token_count
    if total is None and prompt is not None and output is not None:
        total = prompt + output
    return Usage(prompt, output, total, cached_prompt_tokens=meta.cached_content_token_count,
                 reasoning_tokens=thoughts)


def _logprobs(result: Any) -> tuple[TokenLogprob, ...] | None:
    if result is None or not result.chosen_candidates:
        return None
    tops = result.top_candidates or []
    tokens = []
    for index, chosen in enumerate(result.chosen_candidates):
        top = tops[index].candidates or [] if index < len(tops) else []
        tokens.append(TokenLogprob(
            chosen.token or "", _number(chosen.log_probability),
            tuple((c.token or "", _number(c.log_probability)) for c in top)))
    return tuple(tokens)


def _number(value: float | None) -> float:
    return float("-inf") if value is None else float(value)


def _confidence(logprobs: tuple[TokenLogprob, ...] | None, average: float | None) -> float | None:
    confidence = confidence_from_logprobs(logprobs)
    if confidence is None and average is not None and math.isfinite(average):
        return min(1.0, max(0.0, math.exp(average)))
    return confidence


def _retry_after(headers: Mapping[str, str], details: Iterable[Mapping[str, Any]]) -> float | None:
    """Seconds from ``retry-after-ms``, ``Retry-After`` (seconds or a date) or a RetryInfo
    detail's ``retryDelay`` ("3s", "1.5s")."""
    if (millis := _float(headers.get("retry-after-ms"))) is not None:
        return millis / 1000
    if (value := headers.get("retry-after")) is not None:
        seconds = _float(value)
        if seconds is None:
            with contextlib.suppress(TypeError, ValueError):
                seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        if seconds is not None:
            return max(0.0, seconds)
    delays = [d.get("retryDelay") for d in details if str(d.get("@type")).endswith("RetryInfo")]
    return next((_float(d.strip().removesuffix("s")) for d in delays if isinstance(d, str)), None)


def _float(text: str | None) -> float | None:
    try:
        return None if text is None else float(text)
    except ValueError:
        return None


@functools.cache
def _ssl_context() -> Any:
    """httpx's default SSL context, built once: loading the CA bundle takes tens of ms."""
    import httpx

    return httpx.create_ssl_context()


def _http_modules() -> list[Any]:
    """httpx and, when the SDK loaded it, its fork httpx2 (errors of either may surface)."""
    import sys

    return [m for m in (sys.modules.get("httpx"), sys.modules.get("httpx2")) if m is not None]


def _close_all(responses: list[Any]) -> None:
    for response in responses:
        response.close()


async def _aclose_all(responses: list[Any]) -> None:
    for response in responses:
        await response.aclose()
