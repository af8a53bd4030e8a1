"""What a governed run returns: the verdict, what every floor found, what was changed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from ..backends import Usage

__all__ = [
    "VERDICTS",
    "EvidenceRecord",
    "FloorResult",
    "FloorStatus",
    "GovernedChunk",
    "GovernedResult",
    "Modification",
    "Verdict",
]

Verdict = Literal["SEAL", "PARTIAL", "SABAR", "VOID", "888_HOLD"]
FloorStatus = Literal["passed", "failed", "errored", "not_evaluated"]
#: Strongest first: a run takes the strongest verdict any step asks for.
VERDICTS: tuple[Verdict, ...] = ("VOID", "888_HOLD", "SABAR", "PARTIAL", "SEAL")


@dataclass(frozen=True)
class EvidenceRecord:
    """A finding, located: ``where`` is ``"output"`` or ``"messages[i]"``."""

    type: str
    where: str
    start: int
    end: int
    score: float
    mask: str
    detail: str = ""


@dataclass(frozen=True)
class FloorResult:
    """One floor's outcome. ``status`` is never ``passed`` for a floor that raised, timed out
    or could not judge; ``action`` is what was done about it (``none`` when nothing was)."""

    id: str
    stage: Literal["pre", "post"]
    status: FloorStatus
    action: str = "none"
    score: float | None = None
    evidence: tuple[EvidenceRecord, ...] = ()
    reason: str = ""
    duration_ms: float = 0.0
    fail_open: bool = False

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def tripped(self) -> bool:
        """The floor found what it looks for."""
        return self.status == "failed"


@dataclass(frozen=True)
class Modification:
    """A change made to the prompt or the output: a redaction or an appended note."""

    floor: str
    kind: Literal["redaction", "annotation", "repair"]
    where: str
    start: int
    end: int
    type: str = ""
    replacement: str = ""


@dataclass(frozen=True)
class GovernedResult(Mapping[str, Any]):
    """The outcome of ``GovernedPipeline.run``. ``output`` is what the caller may show: the
    (possibly modified) answer for SEAL and PARTIAL, the policy's message otherwise. Supports
    ``result["output"]`` as well as ``result.output``; ``to_dict()`` is JSON-safe."""

    output: str
    verdict: Verdict
    reason: str
    floors: tuple[FloorResult, ...] = ()
    modifications: tuple[Modification, ...] = ()
    refused: bool = False
    retry_after: float | None = None
    hold_id: str | None = None
    audit_id: str | None = None
    model: str = ""
    provider: str = ""
    policy: str = ""
    repairs: int = 0
    usage: Usage | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    stopped: bool = False

    def floor(self, floor_id: str) -> FloorResult:
        """The result of one floor."""
        for result in self.floors:
            if result.id == floor_id:
                return result
        raise KeyError(f"no floor {floor_id!r} in this result; floors: "
                       f"{[f.id for f in self.floors]}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (lists and dicts only)."""
        data: dict[str, Any] = _plain(asdict(self))
        for floor, result in zip(data["floors"], self.floors, strict=True):
            floor["passed"] = result.passed
        return data

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    @classmethod
    def _keys(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class GovernedChunk:
    """A piece of a governed stream. ``verdict`` and ``result`` are None until the last chunk,
    which carries the whole GovernedResult."""

    text: str
    verdict: Verdict | None = None
    result: GovernedResult | None = None
