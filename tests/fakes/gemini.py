"""A fake Gemini Developer API (``generativelanguage.googleapis.com/v1beta``) for FakeServer.

Routes, as the google-genai SDK calls them:

* ``POST /v1beta/models/{model}:generateContent`` -> one GenerateContentResponse
* ``POST /v1beta/models/{model}:streamGenerateContent?alt=sse`` -> ``data: {...}`` SSE events,
  each a GenerateContentResponse; the last carries ``finishReason`` and the final
  ``usageMetadata``; there is no ``[DONE]`` sentinel
* ``GET /v1beta/models`` -> ``{"models": [...], "nextPageToken": ...}``, paged by ``pageSize``

Errors use Google's shape, ``{"error": {"code", "message", "status", "details"}}``; pass
``error_body=app.error_body`` to FakeServer so injected faults look the same. A wrong key gives
the API's real answer (400 INVALID_ARGUMENT, reason API_KEY_INVALID), a missing key 403.

The app echoes what the request asked for, so tests prove the adapter sent it: a system
instruction "reply with X" makes the answer X, ``stopSequences`` cut the text,
``maxOutputTokens`` truncates it (MAX_TOKENS), ``responseLogprobs`` adds ``logprobsResult``,
``thinkingConfig.includeThoughts`` adds a thought part, a forced function (mode ANY with
``allowedFunctionNames``) is called, function responses are echoed back as "tool said: ...".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ._http import FakeRequest, JSONResponse, StreamResponse, sse

__all__ = ["GeminiApp", "Script", "gemini_error"]

STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 408: "DEADLINE_EXCEEDED", 409: "ABORTED", 413: "INVALID_ARGUMENT",
                429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
                503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
REQUEST_FIELDS = {"contents", "tools", "toolConfig", "safetySettings", "systemInstruction",
                  "generationConfig", "cachedContent", "serviceTier", "store"}
GENERATION_FIELDS = {"stopSequences", "responseMimeType", "responseSchema", "responseJsonSchema",
                     "responseModalities", "candidateCount", "maxOutputTokens", "temperature",
                     "topP", "topK", "seed", "presencePenalty", "frequencyPenalty",
                     "responseLogprobs", "logprobs", "enableEnhancedCivicAnswers", "speechConfig",
                     "thinkingConfig", "imageConfig", "mediaResolution"}
PART_DATA = {"text", "inlineData", "functionCall", "functionResponse", "fileData",
             "executableCode", "codeExecutionResult"}
BLOCKING = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY"}
_TOKEN = re.compile(r"\S+\s*|\s+")
_REPLY_WITH = re.compile(r"reply with ([^.\n]+)", re.IGNORECASE)
_FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$")
#: google.protobuf.Struct fields: their keys are data, not field names.
_STRUCT_FIELDS = {"parametersJsonSchema", "responseJsonSchema", "args", "response"}


def gemini_error(status: int, message: str, details: list[dict[str, Any]] | None = None) -> Any:
    """Google's error body."""
    error: dict[str, Any] = {"code": status, "message": message,
                             "status": STATUS_NAMES.get(status, "UNKNOWN")}
    if details:
        error["details"] = details
    return {"error": error}


class BadRequest(Exception):
    """The request breaks the API's rules: answered with 400 INVALID_ARGUMENT."""


@dataclass
class Script:
    """What the fake model answers."""

    text: str = "Hello from the fake Gemini."
    #: Stream pieces; by default the text split into words. Ignored when stop/max cut the text.
    chunks: list[str] | None = None
    #: Function calls: ``{"name": ..., "args": {...}}`` with an optional ``"id"``.
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    thought_signature: str | None = None
    reasoning: str | None = None
    #: Log-probabilities of the answer's tokens (word pieces), in order; default -0.1 each.
    logprobs: list[float] | None = None
    finish_reason: str = "STOP"
    finish_message: str | None = None
    #: ``promptFeedback.blockReason``: the prompt is blocked and no candidate is returned.
    block_reason: str | None = None
    usage: dict[str, int] | None = None
    cached_tokens: int | None = None
    models: list[str] = field(default_factory=lambda: ["gemini-2.5-flash", "gemini-2.5-pro",
                                                       "gemini-2.0-flash"])
    page_size: int = 50
    #: Seconds between stream events.
    interval: float = 0.0
    #: ``RetryInfo.retryDelay`` of 429 error bodies (e.g. "3s"); None leaves it out.
    retry_delay: str | None = "3s"
    #: A status whose error object the stream sends (as a ``data:`` event) after two events.
    stream_error: int | None = None
    response_id: str = "fake-response-1"


class GeminiApp:
    """The fake API; set ``script`` (and ``api_key``) from the test."""

    def __init__(self, api_key: str | None = None, script: Script | None = None) -> None:
        self.api_key = api_key
        self.script = script or Script()

    # -- FakeServer hooks ----------------------------------------------------------------------

    def error_body(self, status: int, message: str) -> Any:
        details: list[dict[str, Any]] = []
        if status == 429:
            details.append({"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                            "violations": [{"quotaMetric": "generativelanguage.googleapis.com/"
                                            "generate_content_free_tier_requests",
                                            "quotaId": "GenerateRequestsPerMinutePerProject"}]})
            if self.script.retry_delay:
                details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                "retryDelay": self.script.retry_delay})
        return gemini_error(status, message, details)

    def __call__(self, request: FakeRequest) -> JSONResponse | StreamResponse:
        denied = self._check_key(request)
        if denied is not None:
            return denied
        if request.method == "GET" and request.path == "/v1beta/models":
            return self._list_models(request)
        match = re.fullmatch(r"/v1beta/models/([^/:]+):(generateContent|streamGenerateContent)",
                             request.path)
        if request.method != "POST" or not match:
            return JSONResponse(gemini_error(404, f"Method not found: {request.path}"), 404)
        model, method = match.groups()
        if model not in self.script.models:
            return JSONResponse(gemini_error(
                404, f"models/{model} is not found for API version v1beta, or is not supported "
                f"for {method}. Call ListModels to see the list of available models and their "
                "supported methods."), 404)
        try:
            body = self._validate(request)
            answer = self._answer(body)
        except BadRequest as exc:
            return JSONResponse(gemini_error(400, str(exc)), 400)
        if method == "generateContent":
            return JSONResponse(answer.response(model))
        if request.query.get("alt") != ["sse"]:
            return JSONResponse(gemini_error(400, "this fake serves streams as SSE only"), 400)
        events = [sse(event) for event in answer.events(model)]
        return StreamResponse(events, interval=self.script.interval)

    # -- checks -------------------------------------------------------------------------------

    def _check_key(self, request: FakeRequest) -> JSONResponse | None:
        key = request.headers.get("x-goog-api-key") or (request.query.get("key") or [None])[0]
        if not key:
            return JSONResponse(gemini_error(
                403, "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API."), 403)
        if self.api_key is not None and key != self.api_key:
            return JSONResponse(gemini_error(
                400, "API key not valid. Please pass a valid API key.", [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                 "domain": "googleapis.com",
                 "metadata": {"service": "generativelanguage.googleapis.com"}}]), 400)
        return None

    def _validate(self, request: FakeRequest) -> dict[str, Any]:
        try:
            body = request.json
        except ValueError as exc:
            raise BadRequest(f"Invalid JSON payload received. {exc}") from None
        if not isinstance(body, dict):
            raise BadRequest("Invalid JSON payload received. Expected an object.")
        body = _proto_names(body)
        for name in body:
            if name not in REQUEST_FIELDS:
                raise BadRequest(f'Invalid JSON payload received. Unknown name "{name}": '
                                 "Cannot find field.")
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            raise BadRequest("* GenerateContentRequest.contents: contents is not specified")
        for index, content in enumerate(contents):
            if content.get("role", "user") not in ("user", "model"):
                raise BadRequest(f"Please use a valid role: user, model. (contents[{index}])")
            _check_parts(content, f"contents[{index}]")
        if "systemInstruction" in body:
            _check_parts(body["systemInstruction"], "system_instruction")
        config = body.get("generationConfig") or {}
        for name in config:
            if name not in GENERATION_FIELDS:
                raise BadRequest(f'Invalid JSON payload received. Unknown name "{name}" at '
                                 "'generation_config': Cannot find field.")
        _check_tools(body)
        return body

    # -- the answer ---------------------------------------------------------------------------

    def _answer(self, body: dict[str, Any]) -> Answer:
        script = self.script
        config = body.get("generationConfig") or {}
        text = script.text
        system = " ".join(p.get("text", "") for p in
                          (body.get("systemInstruction") or {}).get("parts", []))
        if (found := _REPLY_WITH.search(system)) is not None:
            text = found.group(1)
        last = body["contents"][-1]
        responses = [p["functionResponse"] for p in last["parts"] if "functionResponse" in p]
        if responses:
            text = "tool said: " + "; ".join(json.dumps(r["response"], sort_keys=True)
                                             for r in responses)
        if config.get("responseMimeType") == "application/json":
            try:
                json.loads(text)
            except ValueError:
                text = json.dumps({"answer": text})
        calls = [] if responses else self._calls(body)
        if calls:
            text = ""
        finish = script.finish_reason
        for stop in config.get("stopSequences") or ():
            if stop in text:
                text = text[:text.index(stop)]
        tokens = _TOKEN.findall(text)
        limit = config.get("maxOutputTokens")
        if limit is not None and len(tokens) > limit:
            tokens, finish = tokens[:limit], "MAX_TOKENS"
        text = "".join(tokens)
        pieces = (script.chunks if script.chunks and "".join(script.chunks) == text
                  and not config.get("responseLogprobs") else tokens)
        thinking = config.get("thinkingConfig") or {}
        reasoning = script.reasoning if thinking.get("includeThoughts") else None
        logprobs = None
        if config.get("responseLogprobs"):
            values = script.logprobs or [-0.1] * len(tokens)
            logprobs = list(zip(tokens, values, strict=False))
        prompt_tokens = sum(len(_TOKEN.findall(p.get("text", ""))) for c in body["contents"]
                            for p in c["parts"])
        return Answer(script, pieces, calls, reasoning, logprobs, int(config.get("logprobs") or 0),
                      finish, prompt_tokens)

    def _calls(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        declared = [d["name"] for t in body.get("tools") or () for d in
                    t.get("functionDeclarations") or ()]
        if not declared:
            return []
        calling = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
        mode = calling.get("mode", "AUTO")
        if mode == "NONE":
            return []
        calls = [c for c in self.script.tool_calls if c["name"] in declared]
        allowed = calling.get("allowedFunctionNames")
        if mode == "ANY":
            names = allowed or declared
            calls = [c for c in calls if c["name"] in names] or [{"name": names[0], "args": {}}]
        return calls

    def _list_models(self, request: FakeRequest) -> JSONResponse:
        size = min(int((request.query.get("pageSize") or ["1000"])[0]), self.script.page_size)
        start = int((request.query.get("pageToken") or ["0"])[0])
        names = self.script.models[start:start + size]
        body: dict[str, Any] = {"models": [{
            "name": f"models/{name}", "version": "001", "displayName": name.title(),
            "description": f"Fake {name}", "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
            "supportedGenerationMethods": ["generateContent", "countTokens"],
            "temperature": 1, "topP": 0.95, "topK": 64, "thinking": True} for name in names]}
        if start + size < len(self.script.models):
            body["nextPageToken"] = str(start + size)
        return JSONResponse(body)


@dataclass
class Answer:
    """One answer, rendered whole or as stream events."""

    script: Script
    pieces: list[str]
    calls: list[dict[str, Any]]
    reasoning: str | None
    logprobs: list[tuple[str, float]] | None
    top: int
    finish: str
    prompt_tokens: int

    def usage(self) -> dict[str, int]:
        if self.script.usage is not None:
            return dict(self.script.usage)
        output = len(_TOKEN.findall("".join(self.pieces))) + len(self.calls)
        thoughts = len(_TOKEN.findall(self.reasoning)) if self.reasoning else 0
        usage = {"promptTokenCount": self.prompt_tokens, "candidatesTokenCount": output,
                 "totalTokenCount": self.prompt_tokens + output + thoughts}
        if thoughts:
            usage["thoughtsTokenCount"] = thoughts
        if self.script.cached_tokens is not None:
            usage["cachedContentTokenCount"] = self.script.cached_tokens
        return usage

    def _call_parts(self) -> list[dict[str, Any]]:
        parts = []
        for call in self.calls:
            function = {"name": call["name"], "args": call.get("args", {})}
            if call.get("id"):
                function["id"] = call["id"]
            part: dict[str, Any] = {"functionCall": function}
            if self.script.thought_signature:
                part["thoughtSignature"] = self.script.thought_signature
            parts.append(part)
        return parts

    def _logprobs(self, tokens: list[tuple[str, float]]) -> dict[str, Any]:
        chosen = [{"token": t, "tokenId": i, "logProbability": lp} for i, (t, lp) in
                  enumerate(tokens)]
        result: dict[str, Any] = {"chosenCandidates": chosen,
                                  "logProbabilitySum": sum(lp for _, lp in tokens)}
        if self.top:
            result["topCandidates"] = [{"candidates": [
                {"token": t, "tokenId": 0, "logProbability": lp}] + [
                {"token": f"alt{k}", "tokenId": 1000 + k, "logProbability": lp - k - 1}
                for k in range(self.top - 1)]} for t, lp in tokens]
        return result

    def _candidate(self, parts: list[dict[str, Any]], finish: str | None,
                   logprobs: list[tuple[str, float]] | None) -> dict[str, Any]:
        candidate: dict[str, Any] = {"index": 0}
        if finish in BLOCKING:
            candidate["safetyRatings"] = [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT",
                                           "probability": "HIGH", "blocked": True}]
        elif parts:
            candidate["content"] = {"parts": parts, "role": "model"}
        if finish:
            candidate["finishReason"] = finish
            if self.script.finish_message:
                candidate["finishMessage"] = self.script.finish_message
        if logprobs:
            candidate["logprobsResult"] = self._logprobs(logprobs)
            candidate["avgLogprobs"] = sum(lp for _, lp in logprobs) / len(logprobs)
        return candidate

    def _envelope(self, model: str, candidate: dict[str, Any] | None,
                  usage: dict[str, int]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.script.block_reason:
            body["promptFeedback"] = {"blockReason": self.script.block_reason, "safetyRatings": [
                {"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH"}]}
        elif candidate is not None:
            body["candidates"] = [candidate]
        body.update(usageMetadata=usage, modelVersion=model, responseId=self.script.response_id)
        return body

    def response(self, model: str) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        if self.reasoning:
            parts.append({"text": self.reasoning, "thought": True})
        if self.pieces:
            parts.append({"text": "".join(self.pieces)})
        parts += self._call_parts()
        return self._envelope(model, self._candidate(parts, self.finish, self.logprobs),
                              self.usage())

    def events(self, model: str) -> Iterator[dict[str, Any]]:
        final = self.usage()
        running = {"promptTokenCount": self.prompt_tokens,
                   "totalTokenCount": self.prompt_tokens}
        if self.script.block_reason:
            yield self._envelope(model, None, final)
            return
        steps: list[tuple[list[dict[str, Any]], list[tuple[str, float]] | None]] = []
        if self.reasoning:
            steps += [([{"text": piece, "thought": True}], None)
                      for piece in _TOKEN.findall(self.reasoning)]
        for index, piece in enumerate(self.pieces):
            steps.append(([{"text": piece}],
                          [self.logprobs[index]] if self.logprobs else None))
        steps += [([part], None) for part in self._call_parts()]
        if not steps:
            steps.append(([], None))
        for index, (parts, logprobs) in enumerate(steps):
            if index == 2 and self.script.stream_error:
                yield gemini_error(self.script.stream_error, "The model is overloaded.")
                return
            last = index == len(steps) - 1
            yield self._envelope(model, self._candidate(parts, self.finish if last else None,
                                                        logprobs), final if last else running)


def _proto_names(value: Any) -> Any:
    """Field names as lowerCamelCase: proto JSON accepts a field's proto name
    (``include_thoughts``) as well as its JSON name (``includeThoughts``), and the SDK sends
    both kinds."""
    if isinstance(value, list):
        return [_proto_names(item) for item in value]
    if not isinstance(value, dict):
        return value
    renamed = {}
    for key, item in value.items():
        name = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key)
        renamed[name] = item if name in _STRUCT_FIELDS else _proto_names(item)
    return renamed


def _check_parts(content: Any, where: str) -> None:
    parts = content.get("parts") if isinstance(content, dict) else None
    if not isinstance(parts, list) or not parts:
        raise BadRequest(f"* GenerateContentRequest.{where}.parts: contents.parts must not be "
                         "empty.")
    for part in parts:
        data = PART_DATA & set(part)
        if len(data) != 1:
            raise BadRequest(f"* GenerateContentRequest.{where}.parts: a part must have exactly "
                             f"one data field, not {sorted(data)}")
        if "functionCall" in part and not part["functionCall"].get("name"):
            raise BadRequest(f"* GenerateContentRequest.{where}.function_call.name: Name "
                             "cannot be empty.")
        if "functionResponse" in part:
            response = part["functionResponse"]
            if not response.get("name") or not isinstance(response.get("response"), dict):
                raise BadRequest(f"* GenerateContentRequest.{where}.function_response: name "
                                 "and a response object are required.")


def _check_tools(body: dict[str, Any]) -> None:
    declared = []
    for tool in body.get("tools") or ():
        for declaration in tool.get("functionDeclarations") or ():
            name = declaration.get("name", "")
            if not _FUNCTION_NAME.match(name):
                raise BadRequest(f"* GenerateContentRequest.tools.function_declarations.name: "
                                 f"Invalid function name {name!r}.")
            schema = declaration.get("parametersJsonSchema", declaration.get("parameters"))
            if schema is not None and not isinstance(schema, dict):
                raise BadRequest("* GenerateContentRequest.tools.function_declarations."
                                 "parameters: must be an object.")
            declared.append(name)
    calling = (body.get("toolConfig") or {}).get("functionCallingConfig")
    if calling is None:
        return
    if calling.get("mode", "AUTO") not in ("AUTO", "ANY", "NONE", "VALIDATED"):
        raise BadRequest(f"Invalid value at 'tool_config.function_calling_config.mode' "
                         f"({calling.get('mode')!r})")
    allowed = calling.get("allowedFunctionNames")
    if allowed and calling.get("mode") != "ANY":
        raise BadRequest("* GenerateContentRequest.tool_config.function_calling_config."
                         "allowed_function_names: only allowed when mode is ANY.")
    if allowed and not set(allowed) <= set(declared):
        raise BadRequest("* GenerateContentRequest.tool_config.function_calling_config."
                         "allowed_function_names: names must be declared functions.")
