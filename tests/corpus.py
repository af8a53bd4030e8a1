"""Shared checks for the detector corpora under ``tests/data/<floor>/``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from arifos_core.governance.floors._base import Evidence

Row = dict[str, str]


class _Scanner(Protocol):
    @property
    def window(self) -> int: ...

    def scan(self, text: str) -> list[Evidence]: ...


def read_rows(path: Path) -> list[Row]:
    """The JSON lines of one corpus file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def assert_rates(positives: Sequence[Row], negatives: Sequence[Row],
                 strong: Callable[[str], list[tuple[str, str]]], *, min_detection: float,
                 max_false_positives: float, min_by_type: Mapping[str, float]) -> None:
    """Detection overall and per type (1.0 unless listed), and the false-positive rate."""
    caught = [r for r in positives if any(t == r["type"] for _, t in strong(r["text"]))]
    false = [r["text"] for r in negatives if strong(r["text"])]
    assert len(caught) / len(positives) >= min_detection
    assert len(false) / len(negatives) <= max_false_positives, false
    by_type = Counter(r["type"] for r in positives)
    caught_by_type = Counter(r["type"] for r in caught)
    for kind, total in by_type.items():
        assert caught_by_type[kind] / total >= min_by_type.get(kind, 1.0), kind


def assert_recognised_within_window(detector: _Scanner, positives: Sequence[Row],
                                    threshold: float) -> None:
    """Every finding trips from the text up to ``window`` characters past its start: what a
    stream holding back one window relies on."""
    for row in positives:
        text = row["text"]
        for e in detector.scan(text):
            if e.score >= threshold:
                head = text[:e.start + detector.window]
                assert max((f.score for f in detector.scan(head)), default=0.0) >= threshold, \
                    row["note"]
