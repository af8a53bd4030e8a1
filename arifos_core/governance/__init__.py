"""Governance: floors, verdicts, the governed pipeline (sync, async, streaming) and holds."""

from ._holds import HoldDecision, HoldQueue
from ._pipeline import GovernedPipeline
from ._result import (
    VERDICTS,
    EvidenceRecord,
    FloorResult,
    GovernedChunk,
    GovernedResult,
    Modification,
    Verdict,
)
from ._runtime import FloorContext, register_floor
from .floors._base import Evidence

__all__ = [
    "VERDICTS",
    "Evidence",
    "EvidenceRecord",
    "FloorContext",
    "FloorResult",
    "GovernedChunk",
    "GovernedPipeline",
    "GovernedResult",
    "HoldDecision",
    "HoldQueue",
    "Modification",
    "Verdict",
    "register_floor",
]
