"""GovernedPipeline: pre-checks, the model call, post-checks, a verdict, a ledger entry.

A run is written once as a plan — a generator that yields the I/O it needs (call the model, run
an async user floor, write the ledger) and receives the results. ``run`` and ``arun`` only
differ in how they perform those steps, so sync and async give the same verdicts.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import os
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from .._errors import BackendError
from ..backends import Completion, LLMBackend, Message
from ..backends._types import as_messages
from ..contracts import Contract, Policy, load_contract, load_policy
from ..ledger import Hold, Ledger, LedgerEntry, open_ledger
from ._checks import (
    apply_redactions,
    budget_result,
    decide,
    humility_result,
    redact_messages,
    refusal_result,
    released_output,
    schema_result,
    secrets_with_canary,
    strongest,
)
from ._holds import HoldQueue
from ._result import FloorResult, GovernedChunk, GovernedResult, Modification, Verdict
from ._runtime import CompiledFloor, CompiledPolicy, FloorContext, compile_policy

__all__ = ["GovernedPipeline"]

Generate = Callable[[str], Any]


# -- the I/O a plan asks for ----------------------------------------------------------------------

@dataclass(frozen=True)
class CallModel:
    messages: tuple[Message, ...]
    system: str | None
    params: Mapping[str, Any]
    fixed: Completion | None = None


@dataclass(frozen=True)
class CallFloor:
    floor: CompiledFloor
    text: str
    where: str
    context: Mapping[str, Any]


@dataclass(frozen=True)
class WriteLedger:
    record: Mapping[str, Any]
    hold: Hold | None = None


Plan = Generator[Any, Any, GovernedResult]


@dataclass
class _Run:
    """Everything a run accumulates on its way to a result."""

    messages: tuple[Message, ...]
    system: str | None
    context: Mapping[str, Any]
    params: dict[str, Any]
    canary: str | None = None
    floors: list[FloorResult] = field(default_factory=list)
    modifications: list[Modification] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    completion: Completion | None = None
    fixed: Completion | None = None
    retry_after: float | None = None
    repairs: int = 0
    started: float = field(default_factory=time.perf_counter)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class GovernedPipeline:
    """Governs calls to a model.

    ``llm_generate`` is any callable ``str -> str`` (sync or async); with neither it nor a
    backend, the pipeline can only ``judge`` logged exchanges. A ``backend`` gives the
    pipeline more: system prompts for repairs and the leak canary, confidence, refusals, STOP.
    With no ``policy``, the shipped default applies; ``ledger`` is None for the default
    (``$ARIFOS_LEDGER_DSN`` if set, else ``$ARIFOS_HOME/ledger.sqlite3``), False for none,
    ``":memory:"``, a file path, a ``postgresql://`` DSN or a Ledger.
    """

    def __init__(self, llm_generate: Generate | None = None, *, backend: LLMBackend | None = None,
                 policy: Policy | str | os.PathLike[str] | None = None,
                 contract: Contract | str | os.PathLike[str] | None = None,
                 ledger: Ledger | str | os.PathLike[str] | bool | None = None,
                 system: str | None = None, max_repairs: int = 1) -> None:
        if llm_generate is not None and not callable(llm_generate):
            raise TypeError("llm_generate must be a callable taking a prompt string")
        self.llm_generate = llm_generate
        self.backend = backend
        self.policy = policy if isinstance(policy, Policy) else load_policy(policy)
        self.contract = contract if isinstance(contract, Contract) else load_contract(contract)
        self.ledger: Ledger | None = open_ledger(ledger)
        self.system = system
        self.max_repairs = max_repairs
        self.compiled: CompiledPolicy = compile_policy(self.policy)
        self.holds = HoldQueue(self.ledger, self.contract)

    def __repr__(self) -> str:
        target = repr(self.backend) if self.backend is not None else getattr(
            self.llm_generate, "__qualname__", "llm_generate")
        return f"GovernedPipeline({target}, policy={self.policy.name!r})"

    @property
    def model(self) -> str:
        return self.backend.model if self.backend is not None else ""

    @property
    def provider(self) -> str:
        if self.backend is not None:
            return self.backend.provider
        return getattr(self.llm_generate, "__qualname__", "llm_generate")

    # -- public entry points ------------------------------------------------------------------

    def run(self, prompt: Any, *, system: str | None = None,
            context: Mapping[str, Any] | None = None, **params: Any) -> GovernedResult:
        """Govern one call; ``prompt`` is text or chat messages. ``params`` go to the backend
        (``response_schema`` is also checked by output.schema)."""
        self._need_model()
        return self._drive(self._plan(prompt, system, context, params))

    def judge(self, prompt: Any, output: str, *, context: Mapping[str, Any] | None = None
              ) -> GovernedResult:
        """Govern an exchange that already happened: ``output`` is what the model said. No
        model is called, so a floor that would repair takes its ``then`` action instead."""
        plan = self._plan(prompt, None, context, {}, fixed=Completion(output, "stop", ""))
        return self._drive(plan)

    async def arun(self, prompt: Any, *, system: str | None = None,
                   context: Mapping[str, Any] | None = None, **params: Any) -> GovernedResult:
        """Async ``run``."""
        self._need_model()
        return await self._adrive(self._plan(prompt, system, context, params))

    def stream(self, prompt: Any, *, system: str | None = None,
               context: Mapping[str, Any] | None = None, **params: Any
               ) -> Iterator[GovernedChunk]:
        """Govern a streamed call: text is released once every output floor has seen it."""
        self._need_model()
        from ._stream import stream_sync
        return stream_sync(self, prompt, system, context, params)

    def astream(self, prompt: Any, *, system: str | None = None,
                context: Mapping[str, Any] | None = None, **params: Any
                ) -> AsyncIterator[GovernedChunk]:
        """Async ``stream``."""
        self._need_model()
        from ._stream import stream_async
        return stream_async(self, prompt, system, context, params)

    def _need_model(self) -> None:
        if self.llm_generate is None and self.backend is None:
            raise ValueError("this pipeline has no model: pass llm_generate=... or backend=... "
                             "(without one it can only judge() logged exchanges)")

    # -- performing the plan's I/O ------------------------------------------------------------

    def _drive(self, plan: Plan) -> GovernedResult:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = plan.throw(error) if error is not None else plan.send(value)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            value, error = None, None
            try:
                value = self._perform(step)
            except Exception as exc:
                error = exc

    async def _adrive(self, plan: Plan) -> GovernedResult:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = plan.throw(error) if error is not None else plan.send(value)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            value, error = None, None
            try:
                value = await self._aperform(step)
            except Exception as exc:
                error = exc

    def _perform(self, step: Any) -> Any:
        if isinstance(step, CallModel):
            if step.fixed is not None:
                return step.fixed
            if self.backend is not None:
                return self.backend.complete(step.messages, system=step.system, **step.params)
            assert self.llm_generate is not None
            text = self.llm_generate(_as_prompt(step))
            if inspect.isawaitable(text):
                text = asyncio.run(_await(text))
            return _completion(text)
        if isinstance(step, CallFloor):
            value = step.floor.user_fn(step.text, _floor_context(step))  # type: ignore[misc]
            if inspect.isawaitable(value):
                value = asyncio.run(_await(value))
            return value
        return self._write(step)

    async def _aperform(self, step: Any) -> Any:
        if isinstance(step, CallModel):
            if step.fixed is not None:
                return step.fixed
            if self.backend is not None:
                return await self.backend.acomplete(step.messages, system=step.system,
                                                    **step.params)
            assert self.llm_generate is not None
            if inspect.iscoroutinefunction(self.llm_generate):
                return _completion(await self.llm_generate(_as_prompt(step)))
            return _completion(await asyncio.to_thread(self.llm_generate, _as_prompt(step)))
        if isinstance(step, CallFloor):
            assert step.floor.user_fn is not None
            if step.floor.is_async:
                return await asyncio.wait_for(
                    step.floor.user_fn(step.text, _floor_context(step)),
                    step.floor.spec.timeout_ms / 1000)
            return step.floor.user_fn(step.text, _floor_context(step))
        if self.ledger is None:
            return None  # nothing to write: spare the hop to a worker thread
        aappend = getattr(self.ledger, "aappend", None)
        if aappend is None or step.hold is not None:
            return await asyncio.to_thread(self._write, step)
        entry: LedgerEntry = await aappend("run", step.record)
        return entry.id

    def _write(self, step: WriteLedger) -> str | None:
        if self.ledger is None:
            return None
        entry = self.ledger.append("run", step.record)
        if step.hold is not None:
            self.ledger.put_hold(replace(step.hold, entry_id=entry.id))
        return entry.id

    # -- the plan -----------------------------------------------------------------------------

    def _plan(self, prompt: Any, system: str | None, context: Mapping[str, Any] | None,
              params: Mapping[str, Any], fixed: Completion | None = None) -> Plan:
        run = _Run(as_messages(prompt), system or self.system, dict(context or {}), dict(params),
                   fixed=fixed)
        mark = time.perf_counter()
        yield from self._pre(run)
        run.timings["pre_ms"] = (time.perf_counter() - mark) * 1000
        verdict, reason = decide(run.floors)
        if verdict in ("VOID", "888_HOLD"):
            return (yield from self._finish(run, verdict, reason, output="", model_called=False))
        run.messages, mods = redact_messages(run.messages, run.floors)
        run.modifications += mods
        output, after, why = yield from self._call_and_check(run)
        if strongest([verdict, after]) == after and (after != "SEAL" or verdict == "SEAL"):
            verdict, reason = after, why
        return (yield from self._finish(run, verdict, reason, output=output))

    def _pre(self, run: _Run) -> Generator[Any, Any, None]:
        scanned = [(f"messages[{i}]", m.content) for i, m in enumerate(run.messages)
                   if m.role in ("user", "tool")]
        for floor in self.compiled.pre:
            if floor.id == "input.budget":
                run.floors.append(budget_result(floor, run.messages, self.model))
                continue
            results = []
            for where, text in scanned:
                results.append((yield from self._floor(floor, text, where, run)))
            run.floors.append(_merge(floor, results))

    def _floor(self, floor: CompiledFloor, text: str, where: str, run: _Run
               ) -> Generator[Any, Any, FloorResult]:
        if floor.detector is not None:
            return floor.scan(text, where)
        if floor.user_fn is None:
            return FloorResult(floor.id, floor.spec.stage, "not_evaluated",
                               reason="no detector for this floor")
        started = time.perf_counter()
        try:
            value = yield CallFloor(floor, text, where, run.context)
        except Exception as exc:
            # asyncio.TimeoutError is the built-in TimeoutError only from Python 3.11
            timed_out = isinstance(exc, (TimeoutError, asyncio.TimeoutError))
            kind = "timed out" if timed_out else f"raised {type(exc).__name__}"
            return floor.error(f"{kind}: {exc}", (time.perf_counter() - started) * 1000)
        return floor.user_result(value, text, where, started)

    def _call_and_check(self, run: _Run) -> Generator[Any, Any, tuple[str, Verdict, str]]:
        secrets_floor = self.compiled.floor("output.secrets")
        if secrets_floor and secrets_floor.spec.thresholds.get("canary") and self._has_system() \
                and run.fixed is None:
            run.canary = f"ARIFOS-CANARY-{secrets.token_hex(8)}"
        instruction: str | None = None
        while True:
            mark = time.perf_counter()
            try:
                completion = yield CallModel(run.messages, self._system_for(run, instruction),
                                             run.params, run.fixed)
            except BackendError as exc:
                run.timings["model_ms"] = (time.perf_counter() - mark) * 1000
                run.retry_after = getattr(exc, "retry_after", None)
                transient = exc.retryable
                return "", ("SABAR" if transient else "VOID"), (
                    f"backend {'unavailable' if transient else 'failed'}: "
                    f"{type(exc).__name__}: {exc.message}")
            except Exception as exc:  # a generate callable that raised: fail closed
                run.timings["model_ms"] = (time.perf_counter() - mark) * 1000
                return "", "VOID", f"the model call raised {type(exc).__name__}"
            run.timings["model_ms"] = run.timings.get("model_ms", 0) + (
                time.perf_counter() - mark) * 1000
            run.completion = completion
            mark = time.perf_counter()
            post = yield from self._post(run, completion)
            run.timings["post_ms"] = run.timings.get("post_ms", 0) + (
                time.perf_counter() - mark) * 1000
            repair = self._repair_needed(post, run)
            if repair is None:
                break
            run.repairs += 1
            instruction = repair
            run.modifications.append(Modification("", "repair", "output", 0,
                                                  len(completion.text), "repair"))
        run.floors += post
        verdict, reason = decide(post)
        output, mods = apply_redactions(completion.text or (completion.refusal or ""), post,
                                        "output")
        run.modifications += mods
        if any(r.tripped and r.action == "annotate" for r in post):
            note = self.policy.messages.uncertainty_note
            run.modifications.append(Modification("output.humility", "annotation", "output",
                                                  len(output) + 2, len(output) + 2 + len(note),
                                                  "note", note))
            output = f"{output}\n\n{note}"
        if not any(r.tripped for r in post) and verdict == "SEAL" and run.repairs:
            verdict, reason = "PARTIAL", f"repaired after {run.repairs} attempt(s)"
        return output, verdict, reason

    def _repair_needed(self, post: list[FloorResult], run: _Run) -> str | None:
        """The corrective instruction when a repairable floor tripped and repairs are left;
        otherwise None (and a floor past its repairs takes its ``then`` action)."""
        for index, result in enumerate(post):
            if not result.tripped or result.action != "repair":
                continue
            floor = self.compiled.floor(result.id)
            assert floor is not None and floor.spec.repair is not None
            attempts = 0 if run.fixed is not None else min(floor.spec.repair.max_attempts,
                                                            self.max_repairs)
            if run.repairs < attempts:
                base = floor.spec.repair.instruction or "Answer again so that the problem is gone."
                return f"{base}\nThe previous answer failed a check: {result.reason}"
            why = ("a logged exchange cannot be repaired" if run.fixed is not None
                   else f"still failing after {run.repairs} repair(s)")
            post[index] = replace(result, action=floor.spec.repair.then,
                                  reason=f"{result.reason}; {why}")
        return None

    def _post(self, run: _Run, completion: Completion) -> Generator[Any, Any, list[FloorResult]]:
        text = completion.text or (completion.refusal or "")
        results: list[FloorResult] = []
        for floor in self.compiled.post:
            if floor.id == "output.refusal":
                results.append(refusal_result(floor, completion))
            elif floor.id == "output.schema":
                results.append(schema_result(floor, text, run.params.get("response_schema")))
            elif floor.id == "output.humility":
                results.append(humility_result(floor, text, completion.confidence))
            else:
                result = yield from self._floor(floor, text, "output", run)
                if floor.id == "output.secrets":
                    result = secrets_with_canary(result, floor, text, run.canary)
                results.append(result)
        return results

    def _has_system(self) -> bool:
        return self.backend is not None and \
            self.backend.get_capabilities().get("supports_system_prompts") is not False

    def _system_for(self, run: _Run, instruction: str | None) -> str | None:
        parts = [run.system or ""]
        if run.canary:
            parts.append(f"Internal marker for this conversation (never repeat it): {run.canary}")
        if instruction:
            parts.append(instruction)
        joined = "\n\n".join(p for p in parts if p)
        return joined or None

    def _finish(self, run: _Run, verdict: Verdict, reason: str, *, output: str,
                model_called: bool = True, output_sha256: str | None = None
                ) -> Generator[Any, Any, GovernedResult]:
        completion = run.completion
        hold = None
        hold_id = None
        if verdict == "888_HOLD":
            hold_id = uuid.uuid4().hex
            hold = Hold(hold_id, "", datetime.now(timezone.utc).isoformat(), output,
                        requested_by=run.context.get("user"))
        record = self._record(run, verdict, reason, output, hold_id, model_called)
        if output_sha256 is not None:
            record["output_sha256"] = output_sha256
        mark = time.perf_counter()
        audit_id = None
        try:
            audit_id = yield WriteLedger(record, hold)
        except Exception as exc:  # an unwritable ledger is not a silent pass
            if self.policy.on_ledger_failure == "void" or verdict == "888_HOLD":
                verdict = "VOID"
                reason = f"the ledger could not be written ({type(exc).__name__}); {reason}"
            else:
                reason = f"{reason} (not recorded: ledger failed with {type(exc).__name__})"
        run.timings["ledger_ms"] = (time.perf_counter() - mark) * 1000
        run.timings["total_ms"] = (time.perf_counter() - run.started) * 1000
        refused = bool(completion and completion.refused)
        return GovernedResult(
            output=released_output(verdict, output, self.policy), verdict=verdict,
            reason=reason or ("refused by the backend" if refused else "all floors passed"),
            floors=tuple(run.floors), modifications=tuple(run.modifications), refused=refused,
            retry_after=run.retry_after if verdict == "SABAR" else None,
            hold_id=hold_id if verdict == "888_HOLD" else None, audit_id=audit_id,
            model=(completion.model if completion else "") or self.model,
            provider=(completion.provider if completion else "") or self.provider,
            policy=self.policy.name, repairs=run.repairs,
            usage=completion.usage if completion else None, timings=dict(run.timings))

    def _record(self, run: _Run, verdict: Verdict, reason: str, output: str,
                hold_id: str | None, model_called: bool) -> dict[str, Any]:
        completion = run.completion
        prompt_text = "\n".join(m.content for m in run.messages)
        record: dict[str, Any] = {
            "backend": {"provider": (completion.provider if completion else "") or self.provider,
                        "model": (completion.model if completion else "") or self.model},
            "policy": {"name": self.policy.name, "digest": self.policy.digest},
            "contract": {"name": self.contract.name, "digest": self.contract.digest},
            "verdict": verdict, "reason": reason, "model_called": model_called,
            "floors": [{"id": f.id, "stage": f.stage, "status": f.status, "action": f.action,
                        "score": f.score, "reason": f.reason, "fail_open": f.fail_open,
                        "evidence": [{"type": e.type, "where": e.where, "start": e.start,
                                      "end": e.end, "score": e.score, "mask": e.mask}
                                     for e in f.evidence]} for f in run.floors],
            "modifications": [{"floor": m.floor, "kind": m.kind, "where": m.where,
                               "start": m.start, "end": m.end, "type": m.type}
                              for m in run.modifications],
            "prompt_sha256": _sha256(prompt_text), "output_sha256": _sha256(output),
            "refused": bool(completion and completion.refused), "repairs": run.repairs,
            "hold_id": hold_id, "latency_ms": round(
                (time.perf_counter() - run.started) * 1000, 3),
            "usage": None if completion is None else {
                "prompt_tokens": completion.usage.prompt_tokens,
                "completion_tokens": completion.usage.completion_tokens,
                "total_tokens": completion.usage.total_tokens},
        }
        if self.policy.store_texts:
            record["texts"] = {"prompt": prompt_text, "output": output}
        if "user" in run.context:
            record["user"] = str(run.context["user"])
        return record

    def close(self) -> None:
        """Close the ledger."""
        if self.ledger is not None:
            self.ledger.close()


def _merge(floor: CompiledFloor, results: Sequence[FloorResult]) -> FloorResult:
    """One floor's results over several messages as one result."""
    if not results:
        return FloorResult(floor.id, floor.spec.stage, "passed", score=0.0,
                           reason="no user or tool messages")
    if len(results) == 1:
        return results[0]
    worst = next((r for r in results if r.status == "errored"), None) or next(
        (r for r in results if r.status == "failed"), results[0])
    return replace(worst, evidence=tuple(e for r in results for e in r.evidence),
                   score=max((r.score or 0.0 for r in results), default=0.0),
                   duration_ms=sum(r.duration_ms for r in results))


def _as_prompt(step: CallModel) -> str:
    """The text a ``str -> str`` generate callable receives."""
    chat = [m for m in step.messages if m.role != "system"]
    if len(chat) == 1 and not step.system:
        return chat[0].content
    lines = [f"System: {step.system}"] if step.system else []
    lines += [f"{m.role.capitalize()}: {m.content}" for m in step.messages]
    return "\n\n".join(lines)


def _completion(text: Any) -> Completion:
    if not isinstance(text, str):
        raise TypeError(f"llm_generate returned {type(text).__name__}, not str")
    return Completion(text, "stop", "")


async def _await(value: Any) -> Any:
    return await value


def _floor_context(step: CallFloor) -> FloorContext:
    return FloorContext(step.floor.id, step.floor.spec.stage, step.floor.spec.params, step.where,
                        step.context)

