"""A loopback fake of OpenAI's Chat Completions API, as OpenAI, vLLM, OpenRouter and Azure
OpenAI serve it.

Wire protocol (OpenAI API reference: chat completions, chat completion chunk object, errors):

* ``POST <root>/chat/completions`` -> a ``chat.completion`` object; with ``"stream": true``,
  server-sent events, each ``data: <chat.completion.chunk>``: first a role delta, then content
  (or ``refusal``) deltas, tool-call deltas (``index``, then ``id``/``type``/``function.name``
  once, then ``function.arguments`` fragments), a last choice chunk with an empty delta and
  ``finish_reason``, with ``stream_options.include_usage`` one more chunk with ``"choices": []``
  and ``usage`` (every other chunk has ``"usage": null``), then ``data: [DONE]``.
* ``GET <root>/models`` -> ``{"object": "list", "data": [{"id", "object": "model", ...}]}``.
* Azure OpenAI: ``/openai/deployments/<deployment>/chat/completions?api-version=...`` with an
  ``api-key`` header; ``/openai/models?api-version=...``.
* Errors: ``{"error": {"message", "type", "param", "code"}}`` and an ``x-request-id`` header.
* vLLM puts reasoning in ``reasoning_content`` (older) or ``reasoning`` (>= 0.10) on the
  message and on each delta.

The app validates what OpenAI validates (400 with the error body otherwise) and echoes
behaviour the adapter must trigger: a system prompt "reply with X" answers X, ``stop`` cuts the
text, ``max_(completion_)tokens`` truncates with finish_reason "length", forced tool choice
calls that tool, ``logprobs``/``top_logprobs`` add log-probabilities.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from ._http import FakeRequest, JSONResponse, StreamResponse, sse

ROLES = {"system", "developer", "user", "assistant", "tool"}
EFFORTS = {"none", "minimal", "low", "medium", "high", "xhigh"}
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@dataclass
class Script:
    """What the fake model does next."""

    text: str = "Hello from the fake model."
    chunks: list[str] | None = None  # stream pieces; default: the text split into words
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refusal: str | None = None
    reasoning: str | None = None
    reasoning_field: str = "reasoning_content"  # vLLM < 0.10; "reasoning" for newer vLLM
    logprob: float = -0.05  # each sampled token's log-probability
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    finish_reason: str | None = None  # force one, e.g. "content_filter"
    models: list[str] = field(default_factory=lambda: ["gpt-4o", "gpt-4o-mini"])
    known_models_only: bool = False  # 404 model_not_found for models not in ``models``
    interval: float = 0.0  # seconds between stream events


TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 403: "permission_error",
         404: "invalid_request_error", 409: "invalid_request_error", 422: "invalid_request_error",
         429: "requests", 500: "server_error", 503: "server_error"}
CODES = {401: "invalid_api_key", 403: "unsupported_country_region_territory",
         404: "model_not_found", 429: "rate_limit_exceeded"}


def error_body(status: int, message: str, param: str | None = None) -> dict[str, Any]:
    """OpenAI's error body (pass as ``FakeServer(app, error_body=error_body)``)."""
    return {"error": {"message": message, "type": TYPES.get(status, "server_error"),
                      "param": param, "code": CODES.get(status)}}


class BadRequest(Exception):
    def __init__(self, message: str, param: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.param, self.status = message, param, status


class OpenAIFake:
    """The app: set ``script`` (and ``api_key`` to check credentials) before a test calls."""

    def __init__(self, script: Script | None = None, *, api_key: str | None = None) -> None:
        self.script = script or Script()
        self.api_key = api_key
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def _next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def __call__(self, request: FakeRequest) -> JSONResponse | StreamResponse:
        rid = f"req_{self._next_id():06d}"
        try:
            self._authorize(request)
            azure = request.path.startswith("/openai/")
            if azure and not request.query.get("api-version"):
                raise BadRequest("Missing required query parameter: api-version", status=404)
            if request.method == "GET" and request.path.endswith("/models"):
                return self._json({"object": "list", "data": [
                    {"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"}
                    for m in self.script.models]}, rid)
            if request.method == "POST" and request.path.endswith("/chat/completions"):
                if azure and not re.fullmatch(r"/openai/deployments/[^/]+/chat/completions",
                                              request.path):
                    raise BadRequest("Resource not found", status=404)
                return self._chat(request, rid)
            raise BadRequest(f"Invalid URL ({request.method} {request.path})", status=404)
        except BadRequest as exc:
            return JSONResponse(error_body(exc.status, exc.message, exc.param), exc.status,
                                {"x-request-id": rid})

    def _authorize(self, request: FakeRequest) -> None:
        if self.api_key is None:
            return
        given = request.headers.get("api-key") or request.headers.get(
            "authorization", "").removeprefix("Bearer ")
        if given != self.api_key:
            raise BadRequest("Incorrect API key provided.", status=401)

    def _json(self, body: Any, rid: str) -> JSONResponse:
        return JSONResponse(body, 200, {"x-request-id": rid, "openai-processing-ms": "3"})

    # -- chat ----------------------------------------------------------------------------------

    def _chat(self, request: FakeRequest, rid: str) -> JSONResponse | StreamResponse:
        body = request.json
        validate(body)
        if self.script.known_models_only and body["model"] not in self.script.models:
            raise BadRequest(f"The model `{body['model']}` does not exist or you do not have "
                             "access to it.", status=404)
        answer = self._answer(body)
        if body.get("stream"):
            usage = (body.get("stream_options") or {}).get("include_usage", False)
            return StreamResponse(self._events(body, answer, rid, usage),
                                  interval=self.script.interval, headers={"x-request-id": rid})
        return self._json(self._completion(body, answer, rid), rid)

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        s = self.script
        system = " ".join(str(m.get("content") or "") for m in body["messages"]
                          if m["role"] in ("system", "developer"))
        match = re.search(r"reply with ([^\n.]+)", system, re.IGNORECASE)
        text = match.group(1).strip("'\"") if match else s.text
        pieces = list(s.chunks) if s.chunks is not None and not match \
            else re.findall(r"\S+\s*|\s+", text)
        finish = "stop"
        stops = body.get("stop") or []
        for stop in [stops] if isinstance(stops, str) else stops:
            if stop in "".join(pieces):
                cut = "".join(pieces).index(stop)
                pieces = _cut(pieces, cut)
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if limit is not None and len(pieces) > limit:
            pieces, finish = pieces[:limit], "length"
        calls = self._calls(body)
        if calls:
            pieces, finish = [], "tool_calls"
        refusal = s.refusal if not calls else None
        if refusal:
            pieces = []
        return {"pieces": pieces, "finish": s.finish_reason or finish, "calls": calls,
                "refusal": refusal, "reasoning": s.reasoning}

    def _calls(self, body: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
        tools = [t["function"]["name"] for t in body.get("tools") or []]
        choice = body.get("tool_choice", "auto")
        if not tools or choice == "none":
            return []
        scripted = [(n, a) for n, a in self.script.tool_calls if n in tools]
        if isinstance(choice, dict):
            forced = choice["function"]["name"]
            scripted = [(n, a) for n, a in scripted if n == forced][:1] or [(forced, {})]
        elif choice == "required" and not scripted:
            scripted = [(tools[0], {})]
        return [(f"call_{self._next_id():04d}", n, a) for n, a in scripted]

    def _usage(self, body: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        prompt = sum(len(str(m.get("content") or "").split()) for m in body["messages"])
        completion = len(answer["pieces"]) + 3 * len(answer["calls"]) + self.script.reasoning_tokens
        return {"prompt_tokens": prompt, "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": self.script.cached_tokens,
                                          "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": self.script.reasoning_tokens,
                                              "audio_tokens": 0,
                                              "accepted_prediction_tokens": 0,
                                              "rejected_prediction_tokens": 0}}

    def _logprobs(self, body: dict[str, Any], pieces: list[str]) -> dict[str, Any] | None:
        if not body.get("logprobs"):
            return None
        top = body.get("top_logprobs") or 0
        lp = self.script.logprob

        def alternatives(piece: str) -> list[dict[str, Any]]:
            sampled = {"token": piece, "logprob": lp, "bytes": list(piece.encode())}
            others = [{"token": f"alt{i}", "logprob": lp - 2 - i, "bytes": None}
                      for i in range(1, top)]
            return [sampled, *others] if top else []

        return {"content": [{"token": p, "logprob": lp, "bytes": list(p.encode()),
                             "top_logprobs": alternatives(p)} for p in pieces],
                "refusal": None}

    def _completion(self, body: dict[str, Any], answer: dict[str, Any],
                    rid: str) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant",
                                   "content": "".join(answer["pieces"]) or None,
                                   "refusal": answer["refusal"], "annotations": []}
        if answer["reasoning"]:
            message[self.script.reasoning_field] = answer["reasoning"]
        if answer["calls"]:
            message["tool_calls"] = [{"id": i, "type": "function", "function": {
                "name": n, "arguments": _dumps(a)}} for i, n, a in answer["calls"]]
        return {"id": f"chatcmpl-{rid}", "object": "chat.completion", "created": 1700000000,
                "model": body["model"], "system_fingerprint": "fp_fake",
                "service_tier": "default",
                "choices": [{"index": 0, "message": message,
                             "logprobs": self._logprobs(body, answer["pieces"]),
                             "finish_reason": answer["finish"]}],
                "usage": self._usage(body, answer)}

    def _events(self, body: dict[str, Any], answer: dict[str, Any], rid: str,
                include_usage: bool) -> list[bytes]:
        base = {"id": f"chatcmpl-{rid}", "object": "chat.completion.chunk",
                "created": 1700000000, "model": body["model"], "system_fingerprint": "fp_fake"}
        extra = {"usage": None} if include_usage else {}

        def chunk(delta: dict[str, Any], logprobs: Any = None, finish: str | None = None) -> bytes:
            choice = {"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}
            return sse({**base, "choices": [choice], **extra})

        events = [chunk({"role": "assistant", "content": "", "refusal": None})]
        for piece in re.findall(r"\S+\s*|\s+", answer["reasoning"] or ""):
            events.append(chunk({self.script.reasoning_field: piece}))
        for piece in answer["pieces"]:
            events.append(chunk({"content": piece}, self._logprobs(body, [piece])))
        for piece in re.findall(r"\S+\s*|\s+", answer["refusal"] or ""):
            events.append(chunk({"refusal": piece}))
        for index, (call_id, name, args) in enumerate(answer["calls"]):
            events.append(chunk({"tool_calls": [{"index": index, "id": call_id,
                                                 "type": "function", "function": {
                                                     "name": name, "arguments": ""}}]}))
            text = _dumps(args)
            for start in range(0, len(text), 7):
                events.append(chunk({"tool_calls": [{"index": index, "function": {
                    "arguments": text[start:start + 7]}}]}))
        events.append(chunk({}, None, answer["finish"]))
        if include_usage:
            events.append(sse({**base, "choices": [], "usage": self._usage(body, answer)}))
        events.append(sse("[DONE]"))
        return events


def validate(body: Any) -> None:
    """Raise BadRequest where OpenAI would answer 400."""
    if not isinstance(body, dict):
        raise BadRequest("We could not parse the JSON body of your request.")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise BadRequest("you must provide a model parameter", "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("[] is too short - 'messages'", "messages")
    open_calls: set[str] = set()
    for i, m in enumerate(messages):
        role = m.get("role") if isinstance(m, dict) else None
        if role not in ROLES:
            raise BadRequest(f"Invalid value for 'role': {role!r}", f"messages[{i}].role")
        content = m.get("content")
        if role == "assistant" and m.get("tool_calls"):
            for call in m["tool_calls"]:
                if call.get("type") != "function" or not isinstance(
                        call.get("function", {}).get("arguments"), str) or not call.get("id"):
                    raise BadRequest("Invalid tool call", f"messages[{i}].tool_calls")
                open_calls.add(call["id"])
        elif not isinstance(content, (str, list)):
            raise BadRequest(f"Invalid type for 'messages[{i}].content'",
                             f"messages[{i}].content")
        if role == "tool" and m.get("tool_call_id") not in open_calls:
            raise BadRequest("Invalid parameter: messages with role 'tool' must be a response "
                             "to a preceeding message with 'tool_calls'.", f"messages[{i}].role")
    if "max_tokens" in body and "max_completion_tokens" in body:
        raise BadRequest("max_tokens and max_completion_tokens cannot both be set", "max_tokens")
    if body.get("stream_options") is not None and not body.get("stream"):
        raise BadRequest("The 'stream_options' parameter is only allowed when 'stream' is "
                         "enabled.", "stream_options")
    if body.get("top_logprobs") is not None and not body.get("logprobs"):
        raise BadRequest("'logprobs' must be true when 'top_logprobs' is set", "top_logprobs")
    stop = body.get("stop")
    if stop is not None and not (isinstance(stop, str) or (
            isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop))):
        raise BadRequest("Invalid 'stop': up to 4 strings", "stop")
    if body.get("reasoning_effort") is not None and body["reasoning_effort"] not in EFFORTS:
        raise BadRequest("Invalid value for 'reasoning_effort'", "reasoning_effort")
    _validate_tools(body)
    _validate_response_format(body.get("response_format"))


def _validate_tools(body: dict[str, Any]) -> None:
    tools = body.get("tools")
    names = set()
    for i, tool in enumerate(tools or []):
        function = tool.get("function") if tool.get("type") == "function" else None
        if not isinstance(function, dict) or not _NAME.match(str(function.get("name"))):
            raise BadRequest("Invalid tool definition", f"tools[{i}]")
        names.add(function["name"])
    choice = body.get("tool_choice")
    if choice is None:
        return
    if not tools:
        raise BadRequest("Invalid value for 'tool_choice': 'tool_choice' is only allowed when "
                         "'tools' are specified.", "tool_choice")
    if isinstance(choice, dict):
        if choice.get("type") != "function" or choice.get("function", {}).get("name") not in names:
            raise BadRequest("Invalid 'tool_choice': no such function", "tool_choice")
    elif choice not in ("auto", "none", "required"):
        raise BadRequest(f"Invalid value for 'tool_choice': {choice!r}", "tool_choice")


def _validate_response_format(fmt: Any) -> None:
    if fmt is None:
        return
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind not in ("text", "json_object", "json_schema"):
        raise BadRequest("Invalid value for 'response_format.type'", "response_format.type")
    if kind == "json_schema":
        spec = fmt.get("json_schema") or {}
        if not _NAME.match(str(spec.get("name"))) or not isinstance(spec.get("schema"), dict):
            raise BadRequest("Invalid 'response_format.json_schema': needs name and schema",
                             "response_format.json_schema")


def _cut(pieces: list[str], at: int) -> list[str]:
    out, seen = [], 0
    for piece in pieces:
        if seen + len(piece) > at:
            if at > seen:
                out.append(piece[:at - seen])
            break
        out.append(piece)
        seen += len(piece)
    return out


def _dumps(args: dict[str, Any]) -> str:
    return json.dumps(args)
