"""Running floors over a prompt or an output, and what their results add up to. Pure: the
pipeline's sync and async paths, and streaming, share every decision made here."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..backends import Completion, Message
from ..contracts import Policy
from ._result import VERDICTS, EvidenceRecord, FloorResult, Modification, Verdict
from ._runtime import CompiledFloor

__all__ = ["apply_redactions", "budget_result", "decide", "humility_result", "refusal_result",
           "schema_result", "secrets_with_canary"]

#: What a tripped floor's action makes of the run.
ACTION_VERDICT: Mapping[str, Verdict] = {
    "void": "VOID", "hold": "888_HOLD", "redact": "PARTIAL", "annotate": "PARTIAL",
    "repair": "PARTIAL", "record": "SEAL", "seal": "SEAL", "fail_open": "SEAL", "none": "SEAL",
}


def strongest(verdicts: Iterable[Verdict]) -> Verdict:
    """The strongest verdict (VOID > 888_HOLD > SABAR > PARTIAL > SEAL)."""
    chosen = set(verdicts)
    return next((v for v in VERDICTS if v in chosen), "SEAL")


def decide(results: Sequence[FloorResult]) -> tuple[Verdict, str]:
    """The verdict floors call for, with the reason of the floor that decided it."""
    verdict: Verdict = "SEAL"
    reason = ""
    for result in results:
        if result.status == "errored":
            step: Verdict = "SEAL" if result.fail_open else "VOID"
            why = (f"{result.id} errored and fails open: {result.reason}" if result.fail_open
                   else f"{result.id} errored (fail closed): {result.reason}")
        elif result.status == "failed":
            step = ACTION_VERDICT.get(result.action, "VOID")
            why = f"{result.id}: {result.reason}"
        else:
            continue
        if strongest([step, verdict]) == step and (step != verdict or not reason):
            verdict, reason = step, why
    return verdict, reason


def apply_redactions(text: str, results: Sequence[FloorResult], where: str
                     ) -> tuple[str, list[Modification]]:
    """Replace every span that a tripped redacting floor found with ``[TYPE]``."""
    spans = sorted((e.start, e.end, e.type, r.id) for r in results
                   if r.status == "failed" and r.action == "redact"
                   for e in r.evidence if e.where == where)
    merged: list[list[Any]] = []
    for start, end, kind, floor in spans:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            continue
        merged.append([start, end, kind, floor])
    pieces: list[str] = []
    mods: list[Modification] = []
    cursor = shift = 0
    for start, end, kind, floor in merged:
        label = f"[{kind.upper()}]"
        pieces += [text[cursor:start], label]
        mods.append(Modification(floor, "redaction", where, start + shift,
                                 start + shift + len(label), kind, label))
        shift += len(label) - (end - start)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), mods


def redact_messages(messages: Sequence[Message], results: Sequence[FloorResult]
                    ) -> tuple[tuple[Message, ...], list[Modification]]:
    """Messages with redacting findings masked, and the modifications made."""
    out: list[Message] = []
    mods: list[Modification] = []
    for index, message in enumerate(messages):
        text, changed = apply_redactions(message.content, results, f"messages[{index}]")
        out.append(replace(message, content=text) if changed else message)
        mods += changed
    return tuple(out), mods


def budget_result(floor: CompiledFloor, messages: Sequence[Message], model: str) -> FloorResult:
    """input.budget: the prompt's size against ``max_chars`` and ``max_tokens``."""
    started = time.perf_counter()
    chars = sum(len(m.content) for m in messages)
    limits = floor.spec.thresholds
    problems = []
    if "max_chars" in limits and chars > limits["max_chars"]:
        problems.append(f"{chars} characters exceed the limit of {limits['max_chars']}")
    if "max_tokens" in limits:
        from ..usage import count_message_tokens
        tokens = count_message_tokens(list(messages), model or "gpt-4o").tokens
        if tokens > limits["max_tokens"]:
            problems.append(f"{tokens} tokens exceed the limit of {limits['max_tokens']}")
    duration = (time.perf_counter() - started) * 1000
    if problems:
        return FloorResult(floor.id, "pre", "failed", floor.spec.action, 1.0,
                           reason="; ".join(problems), duration_ms=duration)
    return FloorResult(floor.id, "pre", "passed", score=0.0, duration_ms=duration,
                       reason=f"{chars} characters")


def refusal_result(floor: CompiledFloor, completion: Completion) -> FloorResult:
    """output.refusal: the backend signalled a refusal."""
    if completion.refused:
        return FloorResult(floor.id, "post", "failed", floor.spec.action, 1.0,
                           reason=f"the backend refused (finish_reason "
                                  f"{completion.finish_reason})")
    return FloorResult(floor.id, "post", "passed", score=0.0)


def schema_result(floor: CompiledFloor, text: str, schema: Mapping[str, Any] | None
                  ) -> FloorResult:
    """output.schema: the output parses as JSON and validates against ``response_schema``."""
    if schema is None:
        return FloorResult(floor.id, "post", "not_evaluated", reason="no response_schema given")
    started = time.perf_counter()
    try:
        value = json.loads(text)
    except ValueError as exc:
        problem = f"not JSON: {exc}"
    else:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import best_match

        error = best_match(Draft202012Validator(schema).iter_errors(value))
        problem = "" if error is None else (
            f"{'/' + '/'.join(map(str, error.absolute_path)) if error.absolute_path else '/'}: "
            f"{error.message}")
    duration = (time.perf_counter() - started) * 1000
    if problem:
        return FloorResult(floor.id, "post", "failed", floor.spec.action, 1.0,
                           reason=problem, duration_ms=duration)
    return FloorResult(floor.id, "post", "passed", score=0.0, duration_ms=duration)


def humility_result(floor: CompiledFloor, text: str, confidence: float | None) -> FloorResult:
    """output.humility: certainty claims in the text, and confidence below the policy band."""
    result = floor.scan(text, "output") if floor.detector is not None else FloorResult(
        floor.id, "post", "passed", score=0.0)
    if result.status == "errored":
        return result
    band = floor.spec.thresholds.get("min_confidence")
    if confidence is None or band is None or not math.isfinite(confidence):
        note = "no confidence signal from the backend; judged the text only"
        return replace(result, reason="; ".join(filter(None, [result.reason, note])))
    if confidence >= band:
        return result
    low = EvidenceRecord("low_confidence", "output", 0, len(text), 1.0,
                         f"confidence {confidence:.2f}")
    return replace(result, status="failed", action=floor.spec.action,
                   score=max(result.score or 0.0, 1.0), evidence=(*result.evidence, low),
                   reason=f"confidence {confidence:.2f} below the band of {band:.2f}")


def secrets_with_canary(result: FloorResult, floor: CompiledFloor, text: str,
                        canary: str | None) -> FloorResult:
    """output.secrets plus the per-run canary: finding it proves the system prompt leaked."""
    if result.status == "errored" or not canary:
        return result
    at = text.find(canary)
    if at < 0:
        return result
    leak = EvidenceRecord("system_prompt_leak", "output", at, at + len(canary), 1.0,
                          "the run's canary")
    return replace(result, status="failed", action=floor.spec.action, score=1.0,
                   evidence=(*result.evidence, leak),
                   reason="the system prompt leaked (the run's canary is in the output)")


def released_output(verdict: Verdict, text: str, policy: Policy) -> str:
    """What the caller may show for a verdict."""
    if verdict in ("SEAL", "PARTIAL"):
        return text
    messages = policy.messages
    return {"VOID": messages.refusal, "888_HOLD": messages.hold, "SABAR": messages.sabar}[verdict]
