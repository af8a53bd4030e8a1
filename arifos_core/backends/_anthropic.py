"""AnthropicBackend: Claude through the Messages API of the official ``anthropic`` SDK (2.x).

How the common parameters travel (SDK 2.x sends ``anthropic-version: 2026-10-21``):

- the system prompt is the top-level ``system`` parameter; assistant tool calls become
  ``tool_use`` blocks and tool results ``tool_result`` blocks in a user turn;
- ``stop`` -> ``stop_sequences``; ``max_tokens`` is always sent (the API requires it);
- ``temperature`` and ``top_p`` are not sent: SDK 2.x removed them and API version 2026-10-21
  answers any sampling parameter with a 400, so they raise UnsupportedParameterError (or are
  dropped with ``strict=False``). There are no logprobs and no seed either;
- ``reasoning`` -> ``thinking={"type": "enabled", "budget_tokens": N}``, effort low / medium /
  high giving 1024 / 4096 / 16384 tokens. Thinking counts against ``max_tokens``, which must
  exceed the budget, so when it does not, ``max_tokens`` is raised to budget + max_tokens: the
  answer keeps the room the caller asked for. A budget under 1024 is an InvalidRequestError;
- ``response_schema`` -> ``output_config={"format": {"type": "json_schema", "schema": ...}}``,
  the SDK's structured-output parameter (the schema goes through ``anthropic.transform_schema``,
  as in ``messages.parse``); the JSON comes back as the answer text;
- ``anthropic_*`` options are ``messages.create`` keywords (``anthropic_metadata=...``); any other
  name goes into the request body through ``extra_body``.

Answers: ``thinking`` and ``redacted_thinking`` blocks go to ``reasoning`` (a redacted block as
``[redacted thinking]``), never into the text. Stop reasons end_turn / stop_sequence -> stop,
max_tokens / model_context_window_exceeded / pause_turn (the turn is unfinished) -> length,
tool_use -> tool_calls, refusal -> refusal with ``refusal`` set to the text or a short note; an
unknown stop reason counts as stop. ``raw_finish_reason`` keeps the value as sent. Usage:
prompt tokens include cache reads and writes; ``cached_prompt_tokens`` are the cache reads.

Streams are read as raw server-sent events, so a malformed line or an ``error`` event in the
middle of a stream is an error rather than skipped; the last chunk comes with ``message_stop``.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import logging
import time
from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import cache
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
from ._types import Completion, FinishReason, Message, StreamChunk, Tool, ToolCall, Usage

__all__ = ["EFFORT_BUDGETS", "AnthropicBackend"]

log = logging.getLogger("arifos_core.backends.anthropic")

#: Thinking budget (tokens) for each reasoning effort.
EFFORT_BUDGETS = {"low": 1024, "medium": 4096, "high": 16384}
MIN_THINKING_BUDGET = 1024
REDACTED_THINKING = "[redacted thinking]"

_FINISH: dict[str, FinishReason] = {
    "end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length",
    "model_context_window_exceeded": "length", "pause_turn": "length",
    "tool_use": "tool_calls", "refusal": "refusal",
}
#: The HTTP status each error type stands for (an ``error`` event inside a 200 stream).
_ERROR_TYPE_STATUS = {
    "invalid_request_error": 400, "authentication_error": 401, "billing_error": 402,
    "permission_error": 403, "not_found_error": 404, "request_too_large": 413,
    "rate_limit_error": 429, "api_error": 500, "timeout_error": 504, "overloaded_error": 529,
}
_TOOL_CHOICE = {"auto": {"type": "auto"}, "none": {"type": "none"}, "required": {"type": "any"}}


class AnthropicBackend(ProviderBackend):
    """Claude models through ``anthropic.Anthropic`` / ``AsyncAnthropic``, created on first
    use and reused; the SDK's own retries are off."""

    family = "anthropic"
    option_prefix = "anthropic"
    supported_params = frozenset({"system", "max_tokens", "stop", "tools", "tool_choice",
                                  "response_schema", "reasoning", "timeout"})

    _sync_client: Any = None
    _async_client: Any = None

    # -- clients --------------------------------------------------------------------------------

    def _client_args(self) -> dict[str, Any]:
        return {"api_key": self._api_key.reveal(), "base_url": self.base_url, "max_retries": 0,
                "timeout": self.timeout, "default_headers": dict(self.headers) or None}

    def _client(self) -> Any:
        if self._sync_client is None:
            self._sync_client = self._sdk.Anthropic(**self._client_args())
        return self._sync_client

    def _aclient(self) -> Any:
        if self._async_client is None:
            self._async_client = self._sdk.AsyncAnthropic(**self._client_args())
        return self._async_client

    @property
    def _sdk(self) -> Any:
        return self.sdk

    def _close(self) -> None:
        if self._sync_client is not None:
            self._sync_client.close()
            self._sync_client = None

    async def _aclose(self) -> None:
        if self._async_client is not None:
            await self._async_client.close()
            self._async_client = None

    # -- requests (pure) ------------------------------------------------------------------------

    def _params(self, request: Request) -> dict[str, Any]:
        """The keyword arguments of ``messages.create`` for a request."""
        thinking, max_tokens = _thinking(request)
        params: dict[str, Any] = {"model": self.model, "max_tokens": max_tokens,
                                  "messages": _messages(request.chat),
                                  "timeout": request.timeout or self.timeout}
        if request.system_text:
            params["system"] = request.system_text
        if request.stop:
            params["stop_sequences"] = list(request.stop)
        if thinking:
            params["thinking"] = thinking
        if request.tools:
            params["tools"] = [_tool(t) for t in request.tools]
            if request.tool_choice:
                params["tool_choice"] = _TOOL_CHOICE.get(
                    request.tool_choice, {"type": "tool", "name": request.tool_choice})
        elif request.tool_choice == "required":
            raise InvalidRequestError("tool_choice='required' needs tools", provider=self.provider)
        if request.response_schema is not None:
            schema = self._sdk.transform_schema(dict(request.response_schema))
            params["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
        return _with_options(params, request.options, _create_keywords(self._sdk))

    # -- I/O ------------------------------------------------------------------------------------

    def _send(self, request: Request) -> Any:
        return self._client().messages.create(**self._params(request))

    async def _asend(self, request: Request) -> Any:
        return await self._aclient().messages.create(**self._params(request))

    def _open_stream(self, request: Request) -> StreamHandle:
        stream = self._client().messages.create(**self._params(request), stream=True)
        events = self._events(stream)

        def close() -> None:
            events.close()
            stream.close()

        return StreamHandle(events, close)

    async def _aopen_stream(self, request: Request) -> AsyncStreamHandle:
        stream = await self._aclient().messages.create(**self._params(request), stream=True)
        events = self._aevents(stream)

        async def close() -> None:
            await events.aclose()
            await stream.close()

        return AsyncStreamHandle(events, close)

    def _events(self, stream: Any) -> Generator[dict[str, Any], None, None]:
        with contextlib.closing(self._sdk.Stream.raw_events(stream.response)) as raw:
            for sse in raw:
                event = self._decode(sse, stream.response)
                if event is not None:
                    yield event

    async def _aevents(self, stream: Any) -> AsyncGenerator[dict[str, Any], None]:
        raw = self._sdk.AsyncStream.raw_events(stream.response)
        async with contextlib.aclosing(raw):
            async for sse in raw:
                event = self._decode(sse, stream.response)
                if event is not None:
                    yield event

    def _decode(self, sse: Any, response: Any) -> dict[str, Any] | None:
        """One server-sent event as a dict; None for pings; an SDK status error for ``error``."""
        if sse.event == "ping" or not sse.data:
            return None
        if sse.event == "error":
            try:
                body: Any = json.loads(sse.data)
            except ValueError:
                body = sse.data
            error = body.get("error") if isinstance(body, dict) else None
            detail = (f"{error.get('type')}: {error.get('message')}" if isinstance(error, dict)
                      else str(body))
            raise self._sdk.APIStatusError(f"error event in the stream: {detail}",
                                           response=response, body=body)
        data = json.loads(sse.data)
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise ProtocolError(f"malformed {self.provider} stream event: {sse.data[:200]!r}",
                                provider=self.provider)
        return data

    def _list_models(self, timeout: float | None = None) -> list[str]:
        page = self._client().models.list(limit=1000, timeout=timeout or self.timeout)
        return [model.id for model in page]

    async def _alist_models(self) -> list[str]:
        pages = self._aclient().models.list(limit=1000, timeout=self.timeout)
        return [model.id async for model in pages]

    # -- responses (pure) -----------------------------------------------------------------------

    def _parse(self, response: Any, request: Request) -> Completion:
        data = response.to_dict(warnings=False) if hasattr(response, "to_dict") else response
        text: list[str] = []
        reasoning: list[str] = []
        calls: list[ToolCall] = []
        for block in data["content"]:
            kind = block["type"]
            if kind == "text":
                text.append(block["text"])
            elif kind in ("thinking", "redacted_thinking"):
                reasoning.append(_thinking_text(block))
            elif kind == "tool_use":
                calls.append(ToolCall.parse(block["id"], block["name"], block.get("input") or {}))
        raw = data.get("stop_reason")
        answer = "".join(text)
        return Completion(
            text=answer, finish_reason=_finish(raw), model=data.get("model") or self.model,
            refusal=_refusal(raw, answer, data.get("stop_details")), tool_calls=tuple(calls),
            reasoning="\n\n".join(reasoning) or None, usage=_usage(data.get("usage") or {}),
            raw_finish_reason=raw, response_id=data.get("id"), raw=response,
            metadata=_extras(data.get("stop_sequence"), data.get("stop_details")))

    def _stream_state(self, request: Request) -> _StreamState:
        return _StreamState()

    def _parse_event(self, event: dict[str, Any], state: _StreamState) -> Iterable[StreamChunk]:
        handler = _EVENT_HANDLERS.get(event["type"])
        return handler(event, state) if handler else ()

    # -- errors ---------------------------------------------------------------------------------

    def _map_error(self, exc: Exception) -> BackendError | None:
        for kinds, translate in self._error_table():
            if kinds and isinstance(exc, kinds):
                return translate(exc)
        return None

    def _error_table(self) -> list[tuple[tuple[type[BaseException], ...],
                                         Callable[[Any], BackendError]]]:
        """(exception classes, translation) in the order they are tried."""
        sdk = self._sdk
        http = _http_modules()
        credentials = tuple(c for c in (sdk.CredentialsError,
                                        getattr(sdk, "WorkloadIdentityError", None)) if c)
        return [
            ((sdk.APIStatusError,), self._status_error),
            ((sdk.APITimeoutError,), self._timeout_error),
            ((sdk.APIConnectionError,), lambda e: self._unreachable(e.__cause__ or e)),
            ((sdk.APIError,), self._protocol_error),
            (credentials, lambda e: AuthenticationError(
                f"Anthropic credentials could not be loaded: {e}; set {self._key_env()} "
                "or pass api_key=...", provider=self.provider)),
            ((sdk.RetryableError,), lambda e: BackendUnavailableError(
                f"Anthropic request failed and may be retried: {e}", provider=self.provider)),
            ((sdk.AnthropicError,), lambda e: InvalidRequestError(
                f"the anthropic SDK refused the request: {e}", provider=self.provider)),
            (tuple(m.TimeoutException for m in http), self._timeout_error),
            (tuple(m.HTTPStatusError for m in http), self._http_status_error),
            (tuple(m.TransportError for m in http), self._unreachable),
            (tuple(m.InvalidURL for m in http), lambda e: InvalidRequestError(
                f"invalid Anthropic URL {self.base_url!r}: {e}", provider=self.provider)),
            (tuple(c for m in http for c in (m.HTTPError, m.StreamError)) + _data_errors(),
             self._protocol_error),
        ]

    def _status_error(self, exc: Any) -> BackendError:
        status = exc.status_code
        if status < 400:  # an error event inside a 200 stream: its type says what it was
            status = _ERROR_TYPE_STATUS.get(exc.type or "", 500)
        body = exc.body if isinstance(exc.body, dict) else {}
        request_id = exc.request_id or body.get("request_id")
        detail = exc.api_message or exc.message
        return self._for_status(status, detail, exc.response.headers, request_id,
                                getattr(exc.request, "url", None))

    def _http_status_error(self, exc: Any) -> BackendError:
        response = exc.response
        return self._for_status(response.status_code, str(exc), response.headers,
                                response.headers.get("request-id"), exc.request.url)

    def _for_status(self, status: int, detail: str, headers: Any, request_id: str | None,
                    url: Any) -> BackendError:
        where: dict[str, Any] = {"provider": self.provider, "status_code": status,
                                 "request_id": request_id}
        if status in (401, 402, 403):
            what = {401: "rejected the API key", 402: "refused the request for billing reasons",
                    403: "does not permit this API key to do that"}[status]
            return AuthenticationError(f"Anthropic {what} ({status}): {detail}; check "
                                       f"{self._key_env()} or pass api_key=...", **where)
        if status == 404:
            available = self._available_models(url)
            listed = f"; available models: {', '.join(available[:30])}" if available else ""
            return ModelNotFoundError(f"Anthropic does not know model {self.model!r} (404): "
                                      f"{detail}{listed}", available=available, **where)
        if status == 429:
            return RateLimitError(f"Anthropic rate limit (429): {detail}",
                                  retry_after=_retry_after(headers), **where)
        if status in (408, 409, 499) or status >= 500:
            overloaded = " (overloaded)" if status == 529 else ""
            return BackendUnavailableError(
                f"Anthropic is failing{overloaded} ({status}): {detail}; try again later",
                retry_after=_retry_after(headers), **where)
        return InvalidRequestError(f"Anthropic rejected the request ({status}): {detail}",
                                   **where)

    def _timeout_error(self, exc: Exception) -> BackendError:
        return BackendTimeoutError(f"Anthropic did not answer within the timeout "
                                   f"({self.timeout:g}s unless set per call): "
                                   f"{type(exc).__name__}", provider=self.provider)

    def _unreachable(self, cause: BaseException) -> BackendError:
        what = f"{type(cause).__name__}: {cause}"
        broken = tuple(c for m in _http_modules()
                       for c in (m.ReadError, m.WriteError, m.CloseError, m.RemoteProtocolError))
        if isinstance(cause, broken):
            return BackendUnavailableError(
                f"the connection to Anthropic at {self.base_url} broke before the answer was "
                f"complete ({what}); try again", provider=self.provider)
        env = " or ".join(self.connection.base_url_env or ()) or "base_url"
        return BackendUnavailableError(
            f"cannot reach Anthropic at {self.base_url} ({what}); check the URL ({env}), "
            "your network or proxy, and that the server is up", provider=self.provider)

    def _protocol_error(self, exc: Exception) -> BackendError:
        return ProtocolError(f"malformed Anthropic response: {type(exc).__name__}: {exc}",
                             provider=self.provider)

    def _key_env(self) -> str:
        return " or ".join(self.connection.api_key_env or ()) or "the API key variable"

    def _available_models(self, url: Any) -> tuple[str, ...]:
        """The models the server lists, for a 404 on a message; () if that fails too. It is
        a blocking call (short timeout) even when the 404 came to async code."""
        if url is not None and str(getattr(url, "path", "")).rstrip("/").endswith("/models"):
            return ()
        try:
            return tuple(self._list_models(timeout=min(self.timeout, 5.0)))
        except Exception:  # a hint only; it must never raise
            return ()


# -- request translation ------------------------------------------------------------------------

def _thinking(request: Request) -> tuple[dict[str, Any] | None, int]:
    """The ``thinking`` parameter and the ``max_tokens`` to send with it."""
    reasoning = request.reasoning
    if reasoning is None:
        return None, request.max_tokens
    budget = reasoning.budget_tokens or EFFORT_BUDGETS[reasoning.effort or "medium"]
    if budget < MIN_THINKING_BUDGET:
        raise InvalidRequestError(f"Anthropic thinking needs a budget of at least "
                                  f"{MIN_THINKING_BUDGET} tokens, not {budget}")
    max_tokens = request.max_tokens if request.max_tokens > budget else budget + request.max_tokens
    return {"type": "enabled", "budget_tokens": budget}, max_tokens


def _messages(chat: Sequence[Message]) -> list[dict[str, Any]]:
    """Messages as alternating user / assistant turns of content blocks."""
    turns: list[dict[str, Any]] = []
    for message in chat:
        role = "assistant" if message.role == "assistant" else "user"
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(_blocks(message))
        else:
            turns.append({"role": role, "content": _blocks(message)})
    for turn in turns:
        blocks = turn["content"]
        if len(blocks) == 1 and blocks[0]["type"] == "text":
            turn["content"] = blocks[0]["text"]
    return turns


def _blocks(message: Message) -> list[dict[str, Any]]:
    if message.role == "tool":
        return [{"type": "tool_result", "tool_use_id": message.tool_call_id,
                 "content": message.content}]
    blocks: list[dict[str, Any]] = []
    if message.content or not message.tool_calls:
        blocks.append({"type": "text", "text": message.content})
    blocks += [{"type": "tool_use", "id": call.id, "name": call.name,
                "input": dict(call.arguments)} for call in message.tool_calls]
    return blocks


def _tool(tool: Tool) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": tool.name, "input_schema": dict(tool.parameters)}
    if tool.description:
        spec["description"] = tool.description
    return spec


def _with_options(params: dict[str, Any], options: Mapping[str, Any],
                  keywords: frozenset[str]) -> dict[str, Any]:
    """``params`` with the caller's options: SDK keywords as such, other names in the body."""
    extra: dict[str, Any] = {}
    for name, value in options.items():
        if name == "output_config" and "output_config" in params:
            params["output_config"] = {**params["output_config"], **value}
        elif name == "extra_body":
            extra.update(value)
        elif name in keywords:
            params[name] = value
        else:
            extra[name] = value
    if extra:
        params["extra_body"] = extra
    return params


@cache
def _create_keywords(sdk: Any) -> frozenset[str]:
    names = inspect.signature(sdk.resources.Messages.create).parameters
    return frozenset(names) - {"self", "stream"}


# -- response translation -----------------------------------------------------------------------

def _finish(raw: str | None) -> FinishReason:
    if raw is None:
        return "stop"
    finish = _FINISH.get(raw)
    if finish is None:
        log.debug("unknown Anthropic stop_reason %r taken as 'stop'", raw)
        return "stop"
    return finish


def _refusal(raw: str | None, text: str, details: Any) -> str | None:
    if raw != "refusal":
        return None
    details = details if isinstance(details, Mapping) else {}
    category = f" (category: {details['category']})" if details.get("category") else ""
    return (text.strip() or details.get("explanation")
            or f"Claude declined to answer{category}")


def _usage(usage: Mapping[str, Any]) -> Usage:
    given = usage.get("input_tokens")
    read = usage.get("cache_read_input_tokens")
    prompt = (given + (usage.get("cache_creation_input_tokens") or 0) + (read or 0)
              if given is not None else None)
    details = usage.get("output_tokens_details") or {}
    return Usage.of(prompt, usage.get("output_tokens"), cached_prompt_tokens=read,
                    reasoning_tokens=details.get("thinking_tokens"))


def _extras(stop_sequence: str | None, details: Any) -> dict[str, Any]:
    """Provider details worth keeping: the stop sequence matched, the refusal category."""
    extras = {"stop_sequence": stop_sequence,
              "refusal_category": details.get("category") if isinstance(details, Mapping)
              else None}
    return {k: v for k, v in extras.items() if v}


def _thinking_text(block: Mapping[str, Any]) -> str:
    return str(block.get("thinking") or "") if block["type"] == "thinking" else REDACTED_THINKING


def _retry_after(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    try:
        if headers.get("retry-after-ms"):
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


# -- streams ------------------------------------------------------------------------------------

@dataclass
class _Block:
    kind: str
    id: str = ""
    name: str = ""
    input: Mapping[str, Any] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)


@dataclass
class _StreamState:
    blocks: dict[int, _Block] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    thinking_blocks: int = 0
    stop_reason: str | None = None
    stop_sequence: str | None = None
    stop_details: Any = None
    model: str | None = None
    response_id: str | None = None


def _on_message_start(event: dict[str, Any], state: _StreamState) -> list[StreamChunk]:
    message = event["message"]
    state.model = message.get("model")
    state.response_id = message.get("id")
    state.usage.update(message.get("usage") or {})
    return []


def _on_block_start(event: dict[str, Any], state: _StreamState) -> list[StreamChunk]:
    block = event["content_block"]
    kind = block["type"]
    state.blocks[event["index"]] = _Block(kind, block.get("id", ""), block.get("name", ""),
                                          block.get("input") or {})
    if kind in ("thinking", "redacted_thinking"):
        gap = "\n\n" if state.thinking_blocks else ""
        state.thinking_blocks += 1
        text = _thinking_text(block)
        return [StreamChunk(reasoning=gap + text)] if gap or text else []
    if kind == "text" and block.get("text"):
        state.text.append(block["text"])
        return [StreamChunk(block["text"])]
    return []


def _on_block_delta(event: dict[str, Any], state: _StreamState) -> list[StreamChunk]:
    delta = event["delta"]
    kind = delta["type"]
    if kind == "text_delta" and delta["text"]:
        state.text.append(delta["text"])
        return [StreamChunk(delta["text"])]
    if kind == "thinking_delta" and delta["thinking"]:
        return [StreamChunk(reasoning=delta["thinking"])]
    if kind == "input_json_delta":
        state.blocks[event["index"]].parts.append(delta["partial_json"])
    return []


def _on_block_stop(event: dict[str, Any], state: _StreamState) -> list[StreamChunk]:
    block = state.blocks.pop(event["index"], None)
    if block is None or block.kind != "tool_use":
        return []
    arguments = "".join(block.parts) if block.parts else block.input
    return [StreamChunk(tool_calls=(ToolCall.parse(block.id, block.name, arguments),))]


def _on_message_delta(event: dict[str, Any], state: _StreamState) -> list[StreamChunk]:
    delta = event.get("delta") or {}
    state.stop_reason = delta.get("stop_reason") or state.stop_reason
    state.stop_sequence = delta.get("stop_sequence") or state.stop_sequence
    state.stop_details = delta.get("stop_details") or state.stop_details
    state.usage.update({k: v for k, v in (event.get("usage") or {}).items() if v is not None})
    return []


def _on_message_stop(event: dict[str, Any], state: _StreamState) -> list[StreamChunk]:
    raw = state.stop_reason
    meta = {"raw_finish_reason": raw, "response_id": state.response_id,
            **_extras(state.stop_sequence, state.stop_details)}
    if state.model:
        meta["model"] = state.model
    return [StreamChunk(finish_reason=_finish(raw), usage=_usage(state.usage), metadata=meta,
                        refusal=_refusal(raw, "".join(state.text), state.stop_details))]


_EVENT_HANDLERS: dict[str, Callable[[dict[str, Any], _StreamState], list[StreamChunk]]] = {
    "message_start": _on_message_start,
    "content_block_start": _on_block_start,
    "content_block_delta": _on_block_delta,
    "content_block_stop": _on_block_stop,
    "message_delta": _on_message_delta,
    "message_stop": _on_message_stop,
}


# -- lower-library errors -----------------------------------------------------------------------

@cache
def _http_modules() -> tuple[Any, ...]:
    """httpx2 (what SDK 2.x uses) and httpx, where installed."""
    found = []
    for name in ("httpx2", "httpx"):
        try:
            found.append(importlib.import_module(name))
        except ImportError:
            continue
    return tuple(found)


@cache
def _data_errors() -> tuple[type[BaseException], ...]:
    """Errors of a body that is not the JSON it should be."""
    errors: list[type[BaseException]] = [json.JSONDecodeError]
    with contextlib.suppress(ImportError):
        errors.append(importlib.import_module("pydantic").ValidationError)
    return tuple(errors)
