"""A policy compiled for running: every floor's detector built once, allowlists compiled, and
the pure step that turns a detector's evidence into a FloorResult."""

from __future__ import annotations

import functools
import importlib
import inspect
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..contracts import FloorSpec, Policy
from ._result import EvidenceRecord, FloorResult
from .floors._base import Detector, Evidence

__all__ = ["CompiledFloor", "CompiledPolicy", "FloorContext", "compile_policy", "register_floor"]

#: Built-in floors with a text detector: floor id -> "module:builder".
DETECTORS: dict[str, str] = {
    "input.injection": "arifos_core.governance.floors._injection:build",
    "input.secrets": "arifos_core.governance.floors._secrets:build",
    "output.secrets": "arifos_core.governance.floors._secrets:build",
    "input.pii": "arifos_core.governance.floors._pii:build",
    "output.pii": "arifos_core.governance.floors._pii:build",
    "output.anthropomorphism": "arifos_core.governance.floors._anthropomorphism:build",
    "output.high_stakes": "arifos_core.governance.floors._high_stakes:build",
    "output.humility": "arifos_core.governance.floors._humility:build",
}
#: Score at or above which a finding trips a floor, when the policy sets no ``score``.
DEFAULT_SCORE = {"input.injection": 0.6, "output.anthropomorphism": 0.5,
                 "output.high_stakes": 0.7}
#: Window for floors whose detector needs none (context floors, user floors).
MIN_WINDOW = 64

_USER_FLOORS: dict[str, Callable[..., Any]] = {}


def register_floor(name: str, fn: Callable[..., Any]) -> None:
    """Register a user floor callable (sync or async) under a name a policy can reference with
    ``callable: <name>``. It receives ``(text, context)`` and returns True/False (tripped), a
    score in [0, 1] (tripped at ``params.threshold``, default 0.5) or a list of Evidence."""
    _USER_FLOORS[name] = fn


@dataclass(frozen=True)
class FloorContext:
    """What a user floor sees besides the text."""

    floor_id: str
    stage: str
    params: Mapping[str, Any]
    where: str
    context: Mapping[str, Any]


def _resolve_callable(reference: str) -> Callable[..., Any]:
    if reference in _USER_FLOORS:
        return _USER_FLOORS[reference]
    module, _, attribute = reference.partition(":")
    if not attribute:
        raise ValueError(f"user floor {reference!r} is not registered; register it with "
                         "arifos_core.governance.register_floor or write 'module:function'")
    target: Any = importlib.import_module(module)
    for part in attribute.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"user floor {reference!r} is not callable")
    return target  # type: ignore[no-any-return]


@dataclass(frozen=True)
class CompiledFloor:
    """A floor ready to run."""

    spec: FloorSpec
    threshold: float
    detector: Detector | None = None
    user_fn: Callable[..., Any] | None = None
    allow_literals: frozenset[str] = frozenset()
    allow_pattern: re.Pattern[str] | None = None

    @functools.cached_property
    def id(self) -> str:
        return self.spec.id

    @property
    def is_async(self) -> bool:
        return self.user_fn is not None and inspect.iscoroutinefunction(self.user_fn)

    @functools.cached_property
    def min_count(self) -> int:
        """How many findings at or above the threshold trip the floor."""
        return int(self.spec.thresholds.get("min_count", 1))

    def allowed(self, span: str) -> bool:
        """Whether the policy's allowlist exempts this matched text."""
        return span in self.allow_literals or (
            self.allow_pattern is not None and self.allow_pattern.search(span) is not None)

    def judge(self, found: Iterable[Evidence], text: str, where: str, started: float,
              reason: str = "") -> FloorResult:
        """The FloorResult for evidence found in ``text``."""
        duration = (time.perf_counter() - started) * 1000
        if duration > self.spec.timeout_ms:
            return self.error(f"exceeded its {self.spec.timeout_ms} ms time limit "
                              f"({duration:.0f} ms)", duration)
        if not found and not reason and self.min_count > 0:
            return FloorResult(self.id, self.spec.stage, "passed", score=0.0,
                               duration_ms=duration)
        records = tuple(EvidenceRecord(e.type, where, e.start, e.end, e.score, e.mask, e.detail)
                        for e in found if not self.allowed(text[e.start:e.end]))
        score = max((r.score for r in records), default=0.0)
        strong = [r for r in records if r.score >= self.threshold]
        tripped = len(strong) >= self.min_count
        if tripped and not reason:
            kinds = sorted({r.type for r in strong})
            reason = f"found {', '.join(kinds)} (score {score:.2f} >= {self.threshold:.2f})"
        return FloorResult(self.id, self.spec.stage, "failed" if tripped else "passed",
                           action=self.spec.action if tripped else "none", score=score,
                           evidence=records, reason=reason, duration_ms=duration)

    def error(self, reason: str, duration_ms: float = 0.0) -> FloorResult:
        """The result of a floor that raised or ran out of time: errored, never passed."""
        fail_open = self.spec.on_error == "fail_open"
        return FloorResult(self.id, self.spec.stage, "errored",
                           action="fail_open" if fail_open else "void", reason=reason,
                           duration_ms=duration_ms, fail_open=fail_open)

    def ready(self) -> None:
        """Wait for a detector still being prepared in the background (raises what preparing
        it raised)."""
        ready = getattr(self.detector, "ready", None)
        if ready is not None:
            ready()

    def scan(self, text: str, where: str) -> FloorResult:
        """Run this floor's detector over ``text``; errors become an errored result."""
        assert self.detector is not None
        started = time.perf_counter()
        try:
            self.ready()  # still compiling in the background: not the scan's time
            started = time.perf_counter()
            found = self.detector.scan(text)
        except Exception as exc:  # a crashing floor must not pass: fail closed
            return self.error(f"raised {type(exc).__name__}: {exc}",
                              (time.perf_counter() - started) * 1000)
        return self.judge(found, text, where, started)

    def user_result(self, value: Any, text: str, where: str, started: float) -> FloorResult:
        """Interpret what a user floor returned."""
        threshold = float(self.spec.params.get("threshold", 0.5))
        if isinstance(value, bool):
            score = 1.0 if value else 0.0
            found = [Evidence(self.id, 0, len(text), score, "")] if value else []
        elif isinstance(value, (int, float)):
            score = float(value)
            found = [Evidence(self.id, 0, len(text), score, "")] if score >= threshold else []
        elif isinstance(value, Sequence) and all(isinstance(v, Evidence) for v in value):
            found = list(value)
        else:
            return self.error(f"returned {type(value).__name__}; return a bool, a score or "
                              "a list of Evidence")
        floor = CompiledFloor(self.spec, threshold, allow_literals=self.allow_literals,
                              allow_pattern=self.allow_pattern)
        return floor.judge(found, text, where, started)


class CompiledPolicy:
    """A policy's floors, built once; ``window`` is the longest span any output floor needs."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        floors = [self._compile(spec) for spec in policy.floors if spec.enabled]
        self.pre = tuple(f for f in floors if f.spec.stage == "pre")
        self.post = tuple(f for f in floors if f.spec.stage == "post")
        self._by_id = {f.id: f for f in floors}
        windows = [f.detector.window for f in self.post if f.detector is not None]
        self.window = min(max(windows, default=MIN_WINDOW), max(policy.holdback_chars,
                                                               MIN_WINDOW))

    @staticmethod
    def _compile(spec: FloorSpec) -> CompiledFloor:
        threshold = float(spec.thresholds.get("score", DEFAULT_SCORE.get(spec.id, 0.5)))
        literals = frozenset(a.literal for a in spec.allowlist if a.literal)
        patterns = [a.pattern for a in spec.allowlist if a.pattern]
        allow = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
        detector = None
        user_fn = None
        if spec.callable:
            user_fn = _resolve_callable(spec.callable)
        elif spec.id in DETECTORS:
            module, _, name = DETECTORS[spec.id].partition(":")
            detector = getattr(importlib.import_module(module), name)(spec)
        return CompiledFloor(spec, threshold, detector, user_fn, literals, allow)

    def floor(self, floor_id: str) -> CompiledFloor | None:
        return self._by_id.get(floor_id)


_cache: dict[str, CompiledPolicy] = {}
_cache_lock = threading.Lock()


def compile_policy(policy: Policy) -> CompiledPolicy:
    """The compiled form of a policy, built once per policy digest."""
    key = policy.digest or str(id(policy))
    with _cache_lock:
        compiled = _cache.get(key)
        if compiled is None:
            compiled = _cache[key] = CompiledPolicy(policy)
            if len(_cache) > 64:
                _cache.pop(next(iter(_cache)))
        return compiled
