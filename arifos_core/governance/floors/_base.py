"""What a floor's detector is: a pure function from text to evidence, compiled once per policy.

Detectors do no I/O and keep no state between calls, so sync, async and streaming governance
share them. ``window`` is the longest stretch of text a detector must see at once to recognise
what it looks for; a governed stream holds back that much so nothing split across chunks escapes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ...contracts import FloorSpec

__all__ = ["Detector", "DetectorBuilder", "Evidence", "mask_secret", "mask_text"]


@dataclass(frozen=True)
class Evidence:
    """Something a detector found in a text.

    ``start``/``end`` are character offsets in the scanned text; ``score`` in [0, 1] is how
    sure the detector is; ``mask`` shows the span safely (never a whole secret or identifier),
    so a person can triage it from logs and the ledger.
    """

    type: str
    start: int
    end: int
    score: float
    mask: str
    detail: str = ""


class Detector(Protocol):
    """A floor's detector: ``scan`` returns every finding in ``text``; ``window`` is the longest
    span it must see whole (a read-only attribute is fine). A detector still being prepared in
    the background may also have ``ready()``, which blocks until it is; the pipeline calls it
    before timing ``scan`` against the floor's time limit."""

    @property
    def window(self) -> int: ...

    def scan(self, text: str) -> list[Evidence]: ...


#: Builds a floor's detector from its policy settings (thresholds, types, ...).
DetectorBuilder = Callable[[FloorSpec], Detector]


def mask_secret(value: str, keep: int = 2) -> str:
    """``sk-…Xz``-style mask: a recognisable prefix up to the first separator (at most 4
    characters), an ellipsis and the last ``keep`` characters."""
    if len(value) <= keep + 4:
        return "…" * min(len(value), 3)
    head = value[:4]
    for sep in "-_.":
        if sep in head:
            head = head[: head.index(sep) + 1]
            break
    return f"{head}…{value[-keep:]}"


def mask_text(value: str, limit: int = 48) -> str:
    """A short excerpt of non-secret evidence (for injection or anthropomorphism findings)."""
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
