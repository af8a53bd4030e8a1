"""A loopback fake of the Anthropic Messages API, for tests/fakes/_http.FakeServer.

It speaks the wire protocol the ``anthropic`` SDK 2.x talks (``anthropic-version: 2026-10-21``):
``POST /v1/messages`` as JSON or as server-sent events (message_start, content_block_start /
_delta / _stop, ping, message_delta, message_stop, and ``error`` events), ``GET /v1/models``,
and error bodies ``{"type": "error", "error": {"type": ..., "message": ...}}`` with a
``request-id`` header.

Requests are checked the way the API checks them: the ``anthropic-version`` header and the key
(``x-api-key``, or ``Authorization: Bearer``, which is what SDK 2.x sends); required fields;
no unknown top-level fields (so no ``temperature``/``top_p``/``top_k``, which version
2026-10-21 rejects); roles user/assistant only; non-empty text blocks; every ``tool_use``
answered by a ``tool_result`` in the next user turn; tool choice naming a defined tool; a
thinking budget of at least 1024 below ``max_tokens``, and no forced tool use while thinking.

What comes back is the ``Script`` plus what the request asks for: a system prompt saying
"reply with X" makes the answer X; stop sequences cut the text (stop_reason stop_sequence);
more words than ``max_tokens`` stop at max_tokens; thinking blocks only when thinking is on;
tool calls only for defined tools (forced by ``tool_choice``); JSON matching
``output_config.format`` when it is set. Anthropic returns no logprobs, so neither does this.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ._http import FakeRequest, JSONResponse, StreamResponse, sse

__all__ = ["API_VERSIONS", "AnthropicFake", "Script", "error_body"]

API_VERSIONS = ("2023-06-01", "2026-10-21")
DEFAULT_MODELS = ["claude-sonnet-4-6", "claude-opus-4-7", "claude-haiku-4-5"]
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
               403: "permission_error", 404: "not_found_error", 413: "request_too_large",
               429: "rate_limit_error", 500: "api_error", 504: "timeout_error",
               529: "overloaded_error"}
TOP_LEVEL = {"model", "max_tokens", "messages", "system", "stop_sequences", "stream", "thinking",
             "tool_choice", "tools", "metadata", "output_config", "service_tier", "speed",
             "cache_control", "container", "diagnostics", "inference_geo"}
BLOCK_TYPES = {"text", "image", "document", "tool_use", "tool_result", "thinking",
               "redacted_thinking"}


def error_body(status: int, message: str) -> dict[str, Any]:
    """Anthropic's error body for an HTTP status."""
    kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": message},
            "request_id": "req_fake_error"}


@dataclass
class Script:
    """What the fake model answers."""

    text: str = "Hello! How can I help you today?"
    #: How the answer is streamed; when set, the answer is these pieces joined.
    chunks: list[str] | None = None
    #: Calls the model makes when the request defines the tool: {"name", "input", "id"?}.
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    #: Text said before the tool calls.
    preamble: str = ""
    #: A refusal: this text (may be empty) with stop_reason "refusal".
    refusal: str | None = None
    refusal_category: str | None = None
    refusal_explanation: str | None = None
    #: Thinking text, sent only when the request enables thinking.
    reasoning: str = "Let me think this through."
    redacted_reasoning: bool = False
    usage: dict[str, Any] = field(default_factory=lambda: {
        "input_tokens": 12, "output_tokens": 8, "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0})
    #: Overrides the stop reason the fake would give.
    stop_reason: str | None = None
    #: The JSON value answered for ``output_config.format`` (default: built from the schema).
    structured: Any = None
    models: list[str] = field(default_factory=lambda: list(DEFAULT_MODELS))
    #: Seconds between stream events.
    interval: float = 0.0
    #: An ``error`` event (its error type) sent after ``error_after`` stream events.
    error_event: str | None = None
    error_after: int = 3


class Invalid(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class _Reply:
    blocks: list[dict[str, Any]]
    stop_reason: str
    stop_sequence: str | None = None
    stop_details: dict[str, Any] | None = None
    pieces: list[str] | None = None


class AnthropicFake:
    """The app: set ``script`` (and ``api_key``, the key it accepts; None takes any)."""

    def __init__(self, script: Script | None = None, *, api_key: str | None = None) -> None:
        self.script = script or Script()
        self.api_key = api_key
        self._ids = itertools.count(1)

    def __call__(self, request: FakeRequest) -> JSONResponse | StreamResponse:
        number = next(self._ids)
        headers = {"request-id": f"req_fake_{number:04d}",
                   "anthropic-organization-id": "org_fake"}
        try:
            self._check_headers(request)
            if request.method == "GET" and request.path == "/v1/models":
                return JSONResponse(self._models(request), headers=headers)
            if request.method != "POST" or request.path != "/v1/messages":
                raise Invalid(404, f"Not found: {request.method} {request.path}")
            body = self._check_body(request)
            reply = self._reply(body)
        except Invalid as exc:
            return JSONResponse(error_body(exc.status, str(exc)), exc.status, headers)
        message = self._message(body, reply, f"msg_fake_{number:04d}")
        if body.get("stream"):
            return StreamResponse(self._events(message, reply), interval=self.script.interval,
                                  headers=headers)
        return JSONResponse(message, headers=headers)

    # -- checks ---------------------------------------------------------------------------------

    def _check_headers(self, request: FakeRequest) -> None:
        version = request.headers.get("anthropic-version")
        if not version:
            raise Invalid(400, "anthropic-version: header is required")
        if version not in API_VERSIONS:
            raise Invalid(400, f"anthropic-version: invalid version {version!r}")
        auth = request.headers.get("authorization", "")
        key = request.headers.get("x-api-key") or (auth[7:] if auth.startswith("Bearer ") else "")
        if not key:
            raise Invalid(401, "x-api-key header is required")
        if self.api_key is not None and key != self.api_key:
            raise Invalid(401, "invalid x-api-key")

    def _check_body(self, request: FakeRequest) -> dict[str, Any]:
        try:
            body = request.json
        except ValueError as exc:
            raise Invalid(400, f"request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise Invalid(400, "request body must be an object")
        for name in body:
            if name not in TOP_LEVEL:
                raise Invalid(400, f"{name}: Extra inputs are not permitted")
        for name in ("model", "max_tokens", "messages"):
            if name not in body:
                raise Invalid(400, f"{name}: Field required")
        if not isinstance(body["model"], str) or not body["model"]:
            raise Invalid(400, "model: Input should be a valid string")
        if body["model"] not in self.script.models:
            raise Invalid(404, f"model: {body['model']}")
        if not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1:
            raise Invalid(400, "max_tokens: Input should be a positive integer")
        system = body.get("system")
        if system is not None and not isinstance(system, (str, list)):
            raise Invalid(400, "system: Input should be a valid string or list of text blocks")
        stops = body.get("stop_sequences", [])
        if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops):
            raise Invalid(400, "stop_sequences: Input should be a list of non-empty strings")
        self._check_messages(body["messages"])
        self._check_tools(body)
        self._check_thinking(body)
        fmt = (body.get("output_config") or {}).get("format")
        if fmt is not None and (fmt.get("type") != "json_schema"
                                or not isinstance(fmt.get("schema"), dict)):
            raise Invalid(400, "output_config.format: expected {type: json_schema, schema}")
        return body

    def _check_messages(self, messages: Any) -> None:
        if not isinstance(messages, list) or not messages:
            raise Invalid(400, "messages: at least one message is required")
        pending: set[str] = set()
        for i, message in enumerate(messages):
            role = message.get("role")
            if role not in ("user", "assistant"):
                raise Invalid(400, f"messages.{i}.role: Input should be 'user' or 'assistant'")
            blocks = _blocks(message.get("content"), i)
            results = {str(b.get("tool_use_id")) for b in blocks if b["type"] == "tool_result"}
            if pending and (role != "user" or not pending <= results):
                raise Invalid(400, f"messages.{i}: `tool_use` ids were found without "
                                   f"`tool_result` blocks immediately after: {sorted(pending)}")
            if results - pending:
                raise Invalid(400, f"messages.{i}.content: unexpected `tool_use_id` found in "
                                   f"`tool_result` blocks: {sorted(results - pending)}")
            pending = {b["id"] for b in blocks if b["type"] == "tool_use"}
            if role == "user" and pending:
                raise Invalid(400, f"messages.{i}: tool_use blocks belong to assistant turns")
        if pending:
            raise Invalid(400, "messages: `tool_use` ids were found without `tool_result` "
                               f"blocks immediately after: {sorted(pending)}")

    def _check_tools(self, body: dict[str, Any]) -> None:
        names = set()
        for i, tool in enumerate(body.get("tools") or []):
            if not re.fullmatch(r"[a-zA-Z0-9_-]{1,128}", str(tool.get("name", ""))):
                raise Invalid(400, f"tools.{i}.name: String should match pattern")
            schema = tool.get("input_schema")
            if not isinstance(schema, dict) or schema.get("type") != "object":
                raise Invalid(400, f"tools.{i}.input_schema: type must be 'object'")
            names.add(tool["name"])
        choice = body.get("tool_choice")
        if choice is None:
            return
        if choice.get("type") not in ("auto", "any", "tool", "none"):
            raise Invalid(400, "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
        if choice["type"] == "tool" and choice.get("name") not in names:
            raise Invalid(400, f"tool_choice: tool {choice.get('name')!r} is not defined")

    def _check_thinking(self, body: dict[str, Any]) -> None:
        thinking = body.get("thinking")
        if not thinking or thinking.get("type") != "enabled":
            return
        budget = thinking.get("budget_tokens")
        if not isinstance(budget, int) or budget < 1024:
            raise Invalid(400, "thinking.enabled.budget_tokens: Input should be >= 1024")
        if body["max_tokens"] <= budget:
            raise Invalid(400, "`max_tokens` must be greater than `thinking.budget_tokens`")
        if (body.get("tool_choice") or {}).get("type") in ("any", "tool"):
            raise Invalid(400, "Thinking may not be enabled when tool_choice forces tool use.")

    # -- answers --------------------------------------------------------------------------------

    def _reply(self, body: dict[str, Any]) -> _Reply:
        script = self.script
        blocks: list[dict[str, Any]] = []
        if (body.get("thinking") or {}).get("type") in ("enabled", "adaptive"):
            if script.redacted_reasoning:
                blocks.append({"type": "redacted_thinking", "data": "EqoBCkgIARABGAIiQL+e=="})
            blocks.append({"type": "thinking", "thinking": script.reasoning,
                           "signature": "ErUBCkYIBRgCIkB0c2ln=="})
        if script.refusal is not None:
            if script.refusal:
                blocks.append({"type": "text", "text": script.refusal})
            details = {"type": "refusal", "category": script.refusal_category,
                       "explanation": script.refusal_explanation}
            return _Reply(blocks, script.stop_reason or "refusal", stop_details=details)
        calls = self._calls(body)
        if calls:
            if script.preamble:
                blocks.append({"type": "text", "text": script.preamble})
            return _Reply(blocks + calls, script.stop_reason or "tool_use")
        text, pieces = self._text(body)
        reply = _Reply(blocks, "end_turn", pieces=pieces)
        for stop in sorted(body.get("stop_sequences", []), key=lambda s: _find(text, s)):
            if stop in text:
                text, reply.stop_reason, reply.stop_sequence = text[:text.index(stop)], \
                    "stop_sequence", stop
                reply.pieces = None
                break
        words = re.findall(r"\S+\s*", text)
        if len(words) > body["max_tokens"]:
            text, reply.stop_reason, reply.pieces = "".join(words[:body["max_tokens"]]), \
                "max_tokens", None
        if text:
            blocks.append({"type": "text", "text": text})
        reply.stop_reason = script.stop_reason or reply.stop_reason
        return reply

    def _calls(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        tools = [t["name"] for t in body.get("tools") or []]
        choice = body.get("tool_choice") or {"type": "auto"}
        if not tools or choice["type"] == "none":
            return []
        calls = [c for c in self.script.tool_calls if c["name"] in tools]
        if choice["type"] == "tool":
            calls = [c for c in calls if c["name"] == choice["name"]] or [
                {"name": choice["name"], "input": {}}]
        elif choice["type"] == "any" and not calls:
            calls = [{"name": tools[0], "input": {}}]
        return [{"type": "tool_use", "id": c.get("id") or f"toolu_fake_{i:02d}",
                 "name": c["name"], "input": c.get("input", {})} for i, c in enumerate(calls, 1)]

    def _text(self, body: dict[str, Any]) -> tuple[str, list[str] | None]:
        fmt = (body.get("output_config") or {}).get("format")
        if fmt:
            value = self.script.structured
            return json.dumps(_sample(fmt["schema"]) if value is None else value), None
        system = body.get("system") or ""
        if isinstance(system, list):
            system = " ".join(b.get("text", "") for b in system)
        wanted = re.search(r"reply with[:\s]+[\"']?(.+?)[\"']?\s*\.?\s*$", system,
                           re.IGNORECASE | re.MULTILINE)
        if wanted:
            return wanted.group(1), None
        if self.script.chunks is not None:
            return "".join(self.script.chunks), list(self.script.chunks)
        return self.script.text, None

    def _message(self, body: dict[str, Any], reply: _Reply, message_id: str) -> dict[str, Any]:
        return {"id": message_id, "type": "message", "role": "assistant", "model": body["model"],
                "content": reply.blocks, "stop_reason": reply.stop_reason,
                "stop_sequence": reply.stop_sequence, "stop_details": reply.stop_details,
                "usage": dict(self.script.usage)}

    def _events(self, message: dict[str, Any], reply: _Reply) -> list[bytes]:
        usage = message["usage"]
        start = {**message, "content": [], "stop_reason": None, "stop_sequence": None,
                 "stop_details": None, "usage": {**usage, "output_tokens": 1}}
        events: list[tuple[str, dict[str, Any]]] = [
            ("message_start", {"type": "message_start", "message": start})]
        for index, block in enumerate(message["content"]):
            events.append(("content_block_start", {"type": "content_block_start", "index": index,
                                                   "content_block": _empty(block)}))
            if index == 0:
                events.append(("ping", {"type": "ping"}))
            events += [("content_block_delta", {"type": "content_block_delta", "index": index,
                                                "delta": delta})
                       for delta in _deltas(block, reply.pieces)]
            events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        events.append(("message_delta", {
            "type": "message_delta",
            "delta": {"stop_reason": reply.stop_reason, "stop_sequence": reply.stop_sequence,
                      "stop_details": reply.stop_details},
            "usage": {k: v for k, v in usage.items() if k != "input_tokens"}}))
        events.append(("message_stop", {"type": "message_stop"}))
        if self.script.error_event:
            kind = self.script.error_event
            error = {"type": "error", "error": {"type": kind, "message": f"injected {kind}"}}
            events = [*events[:self.script.error_after], ("error", error)]
        return [sse(data, event=name) for name, data in events]

    def _models(self, request: FakeRequest) -> dict[str, Any]:
        limit = int((request.query.get("limit") or ["20"])[0])
        after = (request.query.get("after_id") or [""])[0]
        ids = self.script.models
        start = ids.index(after) + 1 if after in ids else 0
        page = ids[start:start + limit]
        data = [{"type": "model", "id": i, "display_name": i.replace("-", " ").title(),
                 "created_at": "2025-09-29T00:00:00Z", "lifecycle": "active"} for i in page]
        return {"data": data, "has_more": start + limit < len(ids),
                "first_id": page[0] if page else None, "last_id": page[-1] if page else None}


def _blocks(content: Any, i: int) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list) or not content:
        raise Invalid(400, f"messages.{i}.content: Input should be a string or a list of blocks")
    for block in content:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in BLOCK_TYPES:
            raise Invalid(400, f"messages.{i}.content: unknown block type {kind!r}")
        if kind == "text" and not block.get("text"):
            raise Invalid(400, f"messages.{i}.content: text content blocks must be non-empty")
        if kind == "tool_use" and not (block.get("id") and block.get("name")
                                       and isinstance(block.get("input"), dict)):
            raise Invalid(400, f"messages.{i}.content: tool_use needs id, name and input")
        if kind == "tool_result" and not block.get("tool_use_id"):
            raise Invalid(400, f"messages.{i}.content: tool_result needs tool_use_id")
    return content


def _find(text: str, stop: str) -> int:
    return text.find(stop) if stop in text else len(text) + 1


def _empty(block: dict[str, Any]) -> dict[str, Any]:
    """A block as content_block_start carries it: before its deltas."""
    kind = block["type"]
    if kind == "text":
        return {"type": "text", "text": ""}
    if kind == "thinking":
        return {"type": "thinking", "thinking": "", "signature": ""}
    if kind == "tool_use":
        return {**block, "input": {}}
    return block


def _deltas(block: dict[str, Any], pieces: list[str] | None) -> list[dict[str, Any]]:
    kind = block["type"]
    if kind == "text":
        parts = pieces or re.findall(r"\S+\s*|\s+", block["text"])
        return [{"type": "text_delta", "text": p} for p in parts]
    if kind == "thinking":
        return [{"type": "thinking_delta", "thinking": p}
                for p in re.findall(r"\S+\s*|\s+", block["thinking"])] + [
            {"type": "signature_delta", "signature": block["signature"]}]
    if kind == "tool_use":
        text = json.dumps(block["input"])
        cut = max(1, len(text) // 3)
        return [{"type": "input_json_delta", "partial_json": text[i:i + cut]}
                for i in range(0, len(text), cut)]
    return []


def _sample(schema: dict[str, Any]) -> Any:
    """A value that fits a (simple) JSON schema."""
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        return {name: _sample(sub) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [_sample(schema.get("items") or {"type": "string"})]
    return {"integer": 1, "number": 1.5, "boolean": True, "null": None}.get(str(kind), "text")
