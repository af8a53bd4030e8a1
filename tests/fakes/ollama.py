"""A fake Ollama server: ``POST /api/chat`` (one JSON object, or an NDJSON stream of
ChatResponse objects ending with ``"done": true``), ``GET /api/tags``, and errors as
``{"error": "..."}`` bodies, following Ollama's api/types.go and docs/api.md.

Behaviour echoed from the request, so tests prove what the adapter sends:

* a system message saying "reply with X" makes the answer X;
* ``options.stop`` cuts the answer before the first stop sequence (done_reason "stop");
* ``options.num_predict`` caps the answer at that many tokens (done_reason "length");
* ``think`` returns the scripted reasoning as ``message.thinking``; ``logprobs`` returns
  per-token logprobs (``top_logprobs`` alternatives each);
* an unknown model is a 404 ``model "x" not found, try pulling it first``;
  ``tools`` for a model without tool support, or ``think`` for one without thinking, is a 400.

Tokens are words with their trailing space. Use ``FakeServer(app, error_body=error_body)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakes._http import FakeRequest, JSONResponse, StreamResponse, ndjson

CREATED_AT = "2025-11-20T10:00:00.000000Z"
TIMINGS = {"total_duration": 1_500_000_000, "load_duration": 250_000_000,
           "prompt_eval_duration": 120_000_000, "eval_duration": 900_000_000}
ROLES = ("system", "user", "assistant", "tool")


def error_body(status: int, message: str) -> dict[str, str]:
    """Ollama's error body: ``{"error": "<message>"}``."""
    return {"error": message}


@dataclass
class Script:
    """What the fake model answers. ``chunks`` overrides how the text is streamed;
    ``events`` repeats the text's tokens until there are that many content chunks;
    ``stream_error`` sends ``{"error": ...}`` after ``stream_error_after`` chunks."""

    text: str = "Hello from Ollama."
    chunks: list[str] | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tool_call_ids: bool = True
    refusal: str | None = None
    reasoning: str = ""
    logprobs: list[float] | None = None
    usage: tuple[int, int] | None = None
    done_reason: str | None = None
    models: list[str] = field(default_factory=lambda: ["llama3.1:latest", "qwen3:8b"])
    no_tools: list[str] = field(default_factory=lambda: ["llama3"])
    no_thinking: list[str] = field(default_factory=lambda: ["llama3", "llama3.1"])
    interval: float = 0.0
    events: int | None = None
    stream_error: str | None = None
    stream_error_after: int = 1


def _known(model: str, names: list[str]) -> bool:
    return model in names or f"{model}:latest" in names or model.split(":")[0] + ":latest" in names


def _tokens(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text)


class OllamaApp:
    """The fake's request handler; set ``script`` before each call."""

    def __init__(self, script: Script | None = None) -> None:
        self.script = script or Script()

    def __call__(self, request: FakeRequest) -> JSONResponse | StreamResponse:
        if request.method == "GET" and request.path == "/api/tags":
            return JSONResponse({"models": [self._model_entry(name)
                                            for name in self.script.models]})
        if request.method == "POST" and request.path == "/api/chat":
            return self._chat(request)
        return JSONResponse({"error": "404 page not found"}, 404)

    def _model_entry(self, name: str) -> dict[str, Any]:
        return {"name": name, "model": name, "modified_at": CREATED_AT, "size": 4_920_753_328,
                "digest": "a" * 64,
                "details": {"parent_model": "", "format": "gguf", "family": "llama",
                            "families": ["llama"], "parameter_size": "8.0B",
                            "quantization_level": "Q4_K_M"}}

    def _chat(self, request: FakeRequest) -> JSONResponse | StreamResponse:
        body = request.json
        problem = _invalid(body)
        if problem:
            return JSONResponse({"error": problem}, 400)
        model = body["model"]
        base = model.split(":")[0]
        if not _known(model, self.script.models):
            return JSONResponse({"error": f'model "{model}" not found, try pulling it first'}, 404)
        if body.get("tools") and base in self.script.no_tools:
            return JSONResponse(
                {"error": f"registry.ollama.ai/library/{model}:latest does not support tools"},
                400)
        if body.get("think") and base in self.script.no_thinking:
            return JSONResponse({"error": f'"{model}" does not support thinking'}, 400)
        answer = self._answer(body)
        if body.get("stream", True):
            return StreamResponse(self._events(body, answer), "application/x-ndjson",
                                  interval=self.script.interval)
        return JSONResponse(self._single(body, answer))

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        """The answer's tokens, done_reason and tool calls."""
        script = self.script
        text = script.refusal if script.refusal is not None else script.text
        system = " ".join(m.get("content", "") for m in body["messages"]
                          if m.get("role") == "system")
        match = re.search(r"reply with ([^\n.]+)", system, re.IGNORECASE)
        if match:
            text = match.group(1)
        options = body.get("options") or {}
        tokens = script.chunks if script.chunks is not None else _tokens(text)
        if script.events:
            base = tokens or ["x "]
            tokens = [base[i % len(base)] for i in range(script.events)]
        reason = "stop"
        joined = "".join(tokens)
        cut = min((joined.find(s) for s in options.get("stop") or () if s in joined), default=-1)
        if cut >= 0:
            tokens = _tokens(joined[:cut]) if script.chunks is None else [joined[:cut]]
        limit = options.get("num_predict")
        if isinstance(limit, int) and limit >= 0 and len(tokens) > limit:
            tokens, reason = tokens[:limit], "length"
        calls = [{"function": {"index": index, "name": name, "arguments": args}}
                 | ({"id": f"call_srv{index}"} if script.tool_call_ids else {})
                 for index, (name, args) in enumerate(script.tool_calls)]
        return {"tokens": tokens, "reason": script.done_reason or reason, "calls": calls}

    def _usage(self, body: dict[str, Any], answer: dict[str, Any]) -> dict[str, int]:
        if self.script.usage:
            prompt, completion = self.script.usage
        else:
            prompt = sum(len(_tokens(m.get("content") or "")) for m in body["messages"])
            completion = len(answer["tokens"])
        return {"prompt_eval_count": prompt, "eval_count": completion}

    def _logprobs(self, body: dict[str, Any], tokens: list[str],
                  start: int = 0) -> list[dict[str, Any]] | None:
        if not body.get("logprobs"):
            return None
        values = self.script.logprobs
        top = int(body.get("top_logprobs") or 0)
        out = []
        for index, token in enumerate(tokens, start):
            value = values[index % len(values)] if values else -0.05
            alternatives = [{"token": token, "logprob": value}] + [
                {"token": f"alt{k}", "logprob": value - k} for k in range(1, top)]
            out.append({"token": token, "logprob": value,
                        **({"top_logprobs": alternatives[:top]} if top else {})})
        return out

    def _message(self, body: dict[str, Any], content: str, thinking: str = "",
                 calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if thinking:
            message["thinking"] = thinking
        if calls:
            message["tool_calls"] = calls
        return message

    def _single(self, body: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        thinking = self.script.reasoning if body.get("think") else ""
        response = {"model": body["model"], "created_at": CREATED_AT,
                    "message": self._message(body, "".join(answer["tokens"]), thinking,
                                             answer["calls"]),
                    "done": True, "done_reason": answer["reason"], **TIMINGS,
                    **self._usage(body, answer)}
        logprobs = self._logprobs(body, answer["tokens"])
        if logprobs is not None:
            response["logprobs"] = logprobs
        return response

    def _events(self, body: dict[str, Any], answer: dict[str, Any]) -> list[bytes]:
        head = {"model": body["model"], "created_at": CREATED_AT}
        events = []
        if body.get("think"):
            events += [{**head, "message": self._message(body, "", piece), "done": False}
                       for piece in _tokens(self.script.reasoning)]
        for index, token in enumerate(answer["tokens"]):
            event = {**head, "message": self._message(body, token), "done": False}
            logprobs = self._logprobs(body, [token], index)
            if logprobs is not None:
                event["logprobs"] = logprobs
            events.append(event)
        if answer["calls"]:
            events.append({**head, "message": self._message(body, "", calls=answer["calls"]),
                           "done": False})
        if self.script.stream_error:
            events.insert(self.script.stream_error_after, {"error": self.script.stream_error})
        events.append({**head, "message": self._message(body, ""), "done": True,
                       "done_reason": answer["reason"], **TIMINGS, **self._usage(body, answer)})
        return [ndjson(event) for event in events]


def _invalid(body: Any) -> str | None:
    """What Ollama would reject in a chat request body, or None."""
    if not isinstance(body, dict):
        return "invalid request body"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model is required"
    messages = body.get("messages")
    if not isinstance(messages, list):
        return "messages must be a list"
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            return f"invalid message: {message!r}"
        for call in message.get("tool_calls") or ():
            if not isinstance(call.get("function", {}).get("arguments"), dict):
                return "tool call arguments must be an object"
    for tool in body.get("tools") or ():
        if tool.get("type") != "function" or not tool.get("function", {}).get("name"):
            return f"invalid tool: {tool!r}"
    options = body.get("options") or {}
    if not isinstance(options, dict):
        return "options must be an object"
    if "num_predict" in options and not isinstance(options["num_predict"], int):
        return 'option "num_predict" must be of type integer'
    if "stop" in options and not all(isinstance(s, str) for s in options["stop"]):
        return 'option "stop" must be of an array of strings'
    think = body.get("think")
    if think is not None and not isinstance(think, bool) and think not in ("low", "medium", "high"):
        return f'invalid think value: "{think}"'
    fmt = body.get("format")
    if fmt is not None and fmt not in ("", "json") and not isinstance(fmt, dict):
        return "invalid format"
    return None
