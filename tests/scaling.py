"""A guard against super-linear scanning (catastrophic backtracking, quadratic loops).

It compares the time for a text with the time for its first eighth instead of holding a
detector to an absolute budget, so a loaded CI machine slows both sides alike: linear work
grows about 8x, quadratic work about 64x.
"""

from __future__ import annotations

import time
from collections.abc import Callable

GROWTH = 8
MAX_RATIO = 24.0
# Below this the larger scan is too quick to time reliably, and no quadratic loop over
# 100 KB finishes that fast.
NOISE_FLOOR = 0.02


def _best_of(scan: Callable[[str], object], text: str, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        scan(text)
        best = min(best, time.perf_counter() - started)
    return best


def assert_linear(scan: Callable[[str], object], text: str) -> None:
    """Fail when scanning ``text`` costs far more than ``GROWTH`` times scanning its first part."""
    small = text[: len(text) // GROWTH]
    scan(small)  # warm caches (lazy compilation, interned tables)
    whole = _best_of(scan, text, 2)
    if whole < NOISE_FLOOR:
        return
    part = max(_best_of(scan, small, 3), NOISE_FLOOR / GROWTH / 4)
    ratio = whole / part
    assert ratio <= MAX_RATIO, (
        f"scanning {len(text)} chars took {whole * 1e3:.1f} ms, {ratio:.1f}x the "
        f"{len(small)}-char prefix ({part * 1e3:.2f} ms): work grows faster than the input")
