"""Streaming governance: text is released only after every output floor has scanned it.

A text position is released only once everything up to a window past it has been scanned (the
window is the longest span a detector needs, capped by the policy's ``streaming.holdback_chars``),
so a secret or personal data split across chunks, or across two scans, is seen whole before any of
it leaves. The governor scans each time a quarter window of new text has arrived, over the new text
plus one window of overlap: total work is linear in the output (about five scans of each
character), text is released in pieces of about a quarter window, and at most 1.25 windows (plus
the chunk being read) are held back, except while a finding that ran into the end of a scan (a
long token still arriving) holds the release at its start. When a floor with a withholding
action trips, the pipeline sends STOP (closes the backend stream) and ends with the verdict.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._errors import BackendError
from ..backends import Completion, StreamChunk, TokenLogprob, Usage
from ..backends._types import as_messages, confidence_from_logprobs
from ._checks import decide, humility_result, refusal_result
from ._result import (
    EvidenceRecord,
    FloorResult,
    GovernedChunk,
    GovernedResult,
    Modification,
    Verdict,
)
from ._runtime import CompiledFloor

if TYPE_CHECKING:
    from ._pipeline import GovernedPipeline, _Run

__all__ = ["StreamGovernor", "stream_async", "stream_sync"]

#: Actions that withhold the rest of the output and STOP the backend.
_STOPPING = {"void", "hold"}


@dataclass
class StreamGovernor:
    """Scans streamed text with the post floors' detectors and decides what may be released."""

    floors: tuple[CompiledFloor, ...]
    window: int
    buffer: str = ""
    buffer_start: int = 0
    scanned: int = 0
    released: int = 0
    found: dict[str, dict[tuple[str, int, int], EvidenceRecord]] = field(default_factory=dict)
    errors: dict[str, FloorResult] = field(default_factory=dict)  # floors whose detector raised
    stop: FloorResult | None = None
    scan_ms: float = 0.0
    #: Findings of redacting floors not yet wholly released: (start, end, type, redacted).
    _open_spans: list[tuple[int, int, str, bool]] = field(default_factory=list)
    #: Where the earliest finding that ran into the end of the last scan starts (it may go on,
    #: like a long token still arriving): nothing from there is released, the next scan starts
    #: there to see it whole.
    _cut_from: int | None = None

    def __post_init__(self) -> None:
        self._redacting = frozenset(f.id for f in self.floors if f.spec.action == "redact")
        self._step = max(1, self.window // 4)  # new text between two scans
        self._max_region = max(16 * self.window, 16384)  # bounds rescanning of a long finding

    @property
    def end(self) -> int:
        return self.buffer_start + len(self.buffer)

    def feed(self, text: str) -> str:
        """Take a piece of output; return the text that may be released now."""
        if self.stop is not None:
            return ""
        self.buffer += text
        if self.buffer_start + len(self.buffer) - self.scanned >= self._step:
            self._scan()
        # A span that starts before scanned - window ends before scanned: it has been seen whole.
        return self._release(self.scanned - self.window)

    def finish(self) -> str:
        """The stream ended: scan what is left and release the rest."""
        if self.stop is not None:
            return ""
        self._scan(final=True)  # also takes the findings the last scan left for the next
        return self._release(self.end)

    def _scan(self, final: bool = False) -> None:
        started = time.perf_counter()
        region_start = self.scanned - self.window
        if self._cut_from is not None:
            region_start = min(region_start, self._cut_from)
        region_start = max(self.buffer_start, region_start, self.end - self._max_region)
        region = self.buffer[region_start - self.buffer_start:]
        cut_from = None
        for floor in self.floors:
            assert floor.detector is not None
            seen = self.found.setdefault(floor.id, {})
            try:
                floor.ready()  # the first scan may wait for a detector still compiling
                findings = floor.detector.scan(region)
            except Exception as exc:  # a crashing floor must not pass: fail closed
                failed = floor.error(f"raised {type(exc).__name__}: {exc}")
                self.errors.setdefault(floor.id, failed)
                if self.stop is None and not failed.fail_open:
                    self.stop = failed
                continue
            for evidence in findings:
                start, end = evidence.start + region_start, evidence.end + region_start
                if not final and evidence.end >= len(region):  # may be cut short: hold it
                    cut_from = start if cut_from is None else min(cut_from, start)
                key = (evidence.type, start, end)
                known = seen.get(key)  # seen again with more context: keep the higher score
                if (known is not None and known.score >= evidence.score) \
                        or floor.allowed(region[evidence.start:evidence.end]):
                    continue
                seen[key] = EvidenceRecord(evidence.type, "output", start, end, evidence.score,
                                           evidence.mask, evidence.detail)
                if floor.id in self._redacting:
                    self._open_spans.append((start, end, evidence.type,
                                             evidence.score >= floor.threshold))
            if self.stop is None and floor.spec.action in _STOPPING | {"repair"}:
                result = self.result(floor)
                if result.tripped:
                    self.stop = result
        self._cut_from = cut_from
        self.scanned = self.end
        self.scan_ms += (time.perf_counter() - started) * 1000

    def _release(self, upto: int) -> str:
        if self.stop is not None:
            return ""
        if upto > self.scanned:
            upto = self.scanned
        if self._cut_from is not None and upto > self._cut_from:
            upto = self._cut_from
        if upto <= self.released:
            return ""
        spans = self._open_spans
        if spans:
            # never release part of a finding; latest first, so moving back past one finding
            # is checked against every earlier one
            for start, end, _, _ in sorted(spans, reverse=True):
                if start < upto < end:
                    upto = start
            if upto <= self.released:
                return ""
        text = self._redacted(self.released, upto)
        self.released = upto
        if spans:
            self._open_spans = [s for s in spans if s[1] > upto]
        # the next scan starts at scanned - window, or at a held finding, never after released
        keep_from = max(self.buffer_start, min(self.released, self.scanned - self.window))
        if keep_from - self.buffer_start >= self.window:  # trim in steps, not every chunk
            self.buffer = self.buffer[keep_from - self.buffer_start:]
            self.buffer_start = keep_from
        return text

    def _redacted(self, start: int, end: int) -> str:
        offset = self.buffer_start
        if not self._open_spans:
            return self.buffer[start - offset:end - offset]
        spans = sorted((s, e, kind) for s, e, kind, redacted in self._open_spans
                       if redacted and start <= s < end)
        pieces = []
        cursor = start
        for span_start, span_end, kind in spans:
            if span_start < cursor:  # overlapping findings are redacted as their union
                cursor = max(cursor, span_end)
                continue
            pieces.append(self.buffer[cursor - offset:span_start - offset])
            pieces.append(f"[{kind.upper()}]")
            cursor = span_end
        pieces.append(self.buffer[cursor - offset:end - offset])
        return "".join(pieces)

    def result(self, floor: CompiledFloor) -> FloorResult:
        """What a floor found in the stream so far."""
        return _judged(floor, self)

    @property
    def withheld(self) -> str:
        """Text received but not released (what a hold keeps for the reviewer)."""
        return self.buffer[max(0, self.released - self.buffer_start):]


def _judged(floor: CompiledFloor, governor: StreamGovernor) -> FloorResult:
    if floor.id in governor.errors:
        return governor.errors[floor.id]
    records = tuple(governor.found.get(floor.id, {}).values())
    strong = [r for r in records if r.score >= floor.threshold]
    tripped = len(strong) >= int(floor.spec.thresholds.get("min_count", 1))
    score = max((r.score for r in records), default=0.0)
    action = floor.spec.action
    if tripped and action == "repair":
        assert floor.spec.repair is not None
        action = floor.spec.repair.then  # a stream cannot be re-asked
    reason = ""
    if tripped:
        reason = f"found {', '.join(sorted({r.type for r in strong}))} in the stream " \
                 f"(score {score:.2f} >= {floor.threshold:.2f})"
    return FloorResult(floor.id, "post", "failed" if tripped else "passed",
                       action=action if tripped else "none", score=score, evidence=records,
                       reason=reason)


@dataclass
class _StreamState:
    pipeline: GovernedPipeline
    run: _Run
    governor: StreamGovernor
    chunks: list[StreamChunk] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    digest: Any = field(default_factory=hashlib.sha256)
    error: BackendError | Exception | None = None
    model_started: float = field(default_factory=time.perf_counter)

    def take(self, chunk: StreamChunk) -> str:
        """Feed a backend chunk; the text that may be released now."""
        if chunk.finish_reason or chunk.usage or chunk.logprobs or chunk.refusal:
            self.chunks.append(StreamChunk(finish_reason=chunk.finish_reason,
                                           refusal=chunk.refusal, usage=chunk.usage,
                                           logprobs=chunk.logprobs, metadata=chunk.metadata))
        self.digest.update(chunk.text.encode("utf-8"))
        return self.release(self.governor.feed(chunk.text))

    def release(self, text: str) -> str:
        if text:
            self.released.append(text)
        return text


def _governor(pipeline: GovernedPipeline) -> StreamGovernor:
    floors = tuple(f for f in pipeline.compiled.post if f.detector is not None)
    return StreamGovernor(floors, pipeline.compiled.window)


def _prepare(pipeline: GovernedPipeline, prompt: Any, system: str | None,
             context: Mapping[str, Any] | None, params: Mapping[str, Any]) -> Any:
    """A plan that runs the pre-checks and returns (run, verdict, reason)."""
    from ._checks import redact_messages
    from ._pipeline import _Run

    run = _Run(as_messages(prompt), system or pipeline.system, dict(context or {}), dict(params))
    mark = time.perf_counter()
    yield from pipeline._pre(run)
    run.timings["pre_ms"] = (time.perf_counter() - mark) * 1000
    verdict, reason = decide(run.floors)
    if verdict not in ("VOID", "888_HOLD"):
        run.messages, mods = redact_messages(run.messages, run.floors)
        run.modifications += mods
    return run, verdict, reason


def _conclude(state: _StreamState) -> tuple[str, Any]:
    """The closing text (annotation) and the plan that writes the ledger and builds the result."""
    pipeline, run, governor = state.pipeline, state.run, state.governor
    run.timings["model_ms"] = (time.perf_counter() - state.model_started) * 1000
    run.timings["scan_ms"] = governor.scan_ms
    last = next((c for c in reversed(state.chunks) if c.finish_reason), None)
    logprobs: list[TokenLogprob] = [t for c in state.chunks for t in c.logprobs or ()]
    usage = next((c.usage for c in reversed(state.chunks) if c.usage), None) or Usage()
    meta = dict(last.metadata or {}) if last and last.metadata else {}
    completion = Completion(
        "", last.finish_reason if last and last.finish_reason else "stop",
        str(meta.get("model", "")), refusal=next((c.refusal for c in state.chunks if c.refusal),
                                                None),
        confidence=confidence_from_logprobs(logprobs) if logprobs else None, usage=usage,
        provider=str(meta.get("provider", "")))
    run.completion = completion
    results = []
    for floor in pipeline.compiled.post:
        if floor.id == "output.refusal":
            results.append(refusal_result(floor, completion))
        elif floor.id == "output.humility":
            text_part = _judged(floor, governor) if floor.detector else None
            base = humility_result(floor, "", completion.confidence)
            results.append(base if text_part is None or not text_part.tripped else text_part)
        elif floor.detector is not None:
            results.append(_judged(floor, governor))
        else:
            why = ("no response_schema given" if floor.id == "output.schema"
                   and "response_schema" not in run.params else "cannot judge a stream")
            results.append(FloorResult(floor.id, "post", "not_evaluated", reason=why))
    run.floors += results
    if state.error is not None:
        exc = state.error
        transient = isinstance(exc, BackendError) and exc.retryable
        run.retry_after = getattr(exc, "retry_after", None)
        verdict: Verdict = "SABAR" if transient else "VOID"
        reason = f"the backend stream failed: {type(exc).__name__}"
    else:
        verdict, reason = decide(results)
    for floor in governor.floors:
        if floor.spec.action == "redact":
            for record in governor.found.get(floor.id, {}).values():
                if record.score >= floor.threshold:
                    run.modifications.append(Modification(floor.id, "redaction", "output",
                                                          record.start, record.end, record.type,
                                                          f"[{record.type.upper()}]"))
    closing = ""
    if verdict == "PARTIAL" and any(r.tripped and r.action == "annotate" for r in results):
        closing = f"\n\n{pipeline.policy.messages.uncertainty_note}"
        run.modifications.append(Modification("output.humility", "annotation", "output",
                                              governor.released, governor.released +
                                              len(closing), "note", closing.strip()))
    released = "".join(state.released) + closing
    output = governor.withheld if verdict == "888_HOLD" else released
    plan = pipeline._finish(run, verdict, reason, output=output,
                            output_sha256=state.digest.hexdigest())
    return closing, plan


def _stopped(result: GovernedResult, stopped: bool) -> GovernedResult:
    from dataclasses import replace
    return replace(result, stopped=stopped)


def stream_sync(pipeline: GovernedPipeline, prompt: Any, system: str | None,
                context: Mapping[str, Any] | None, params: Mapping[str, Any]
                ) -> Iterator[GovernedChunk]:
    """The sync governed stream."""
    prepared: Any = pipeline._drive(_prepare(pipeline, prompt, system, context, params))
    run, verdict, reason = prepared
    if verdict in ("VOID", "888_HOLD"):
        result = pipeline._drive(pipeline._finish(run, verdict, reason, output="",
                                                  model_called=False))
        yield GovernedChunk("", result.verdict, result)
        return
    state = _StreamState(pipeline, run, _governor(pipeline))
    source = _open(pipeline, run)
    try:
        for chunk in source:
            released = state.take(chunk)
            if released:
                yield GovernedChunk(released)
            if state.governor.stop is not None:
                break  # STOP: the finally clause closes the backend stream at once
        else:
            tail = state.release(state.governor.finish())
            if tail:
                yield GovernedChunk(tail)
    except BackendError as exc:
        state.error = exc
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    closing, plan = _conclude(state)
    if closing:
        yield GovernedChunk(closing)
    result = _stopped(pipeline._drive(plan), state.governor.stop is not None)
    yield GovernedChunk("", result.verdict, result)


async def stream_async(pipeline: GovernedPipeline, prompt: Any, system: str | None,
                       context: Mapping[str, Any] | None, params: Mapping[str, Any]
                       ) -> AsyncIterator[GovernedChunk]:
    """The async governed stream."""
    prepared: Any = await pipeline._adrive(
        _prepare(pipeline, prompt, system, context, params))
    run, verdict, reason = prepared
    if verdict in ("VOID", "888_HOLD"):
        result = await pipeline._adrive(pipeline._finish(run, verdict, reason, output="",
                                                         model_called=False))
        yield GovernedChunk("", result.verdict, result)
        return
    state = _StreamState(pipeline, run, _governor(pipeline))
    source = await _aopen(pipeline, run)
    try:
        stopped = False
        async for chunk in source:
            released = state.take(chunk)
            if released:
                yield GovernedChunk(released)
            if state.governor.stop is not None:
                stopped = True
                break
        if not stopped:
            tail = state.release(state.governor.finish())
            if tail:
                yield GovernedChunk(tail)
    except BackendError as exc:
        state.error = exc
    finally:
        close = getattr(source, "aclose", None)
        if close is not None:
            await close()
    closing, plan = _conclude(state)
    if closing:
        yield GovernedChunk(closing)
    result = _stopped(await pipeline._adrive(plan), state.governor.stop is not None)
    yield GovernedChunk("", result.verdict, result)


def _open(pipeline: GovernedPipeline, run: _Run) -> Iterator[StreamChunk]:
    system = pipeline._system_for(run, None)
    if pipeline.backend is not None:
        return pipeline.backend.stream(run.messages, system=system, **run.params)
    from ._pipeline import CallModel
    completion = pipeline._perform(CallModel(run.messages, system, run.params))
    return iter([StreamChunk(completion.text, finish_reason="stop")])


async def _aopen(pipeline: GovernedPipeline, run: _Run) -> AsyncIterator[StreamChunk]:
    system = pipeline._system_for(run, None)
    if pipeline.backend is not None:
        return pipeline.backend.astream(run.messages, system=system, **run.params)
    from ._pipeline import CallModel
    completion = await pipeline._aperform(CallModel(run.messages, system, run.params))

    async def one() -> AsyncIterator[StreamChunk]:
        yield StreamChunk(completion.text, finish_reason="stop")

    return one()
