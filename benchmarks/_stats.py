"""Summaries, round-by-round interleaving, run sizes and the machine description."""

from __future__ import annotations

import gc
import importlib.metadata
import math
import os
import platform
import sqlite3
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: A contender: run ``count`` timed operations, return the seconds each took.
Contender = Callable[[int], list[float]]


@dataclass(frozen=True)
class Sizes:
    """How much work each benchmark does (``FULL`` for the report, ``SMOKE`` for the CI)."""

    warmup: int
    calls: int  # sequential non-streaming calls per contender (section 1)
    streams: int  # 200-chunk streams per contender (section 2)
    runs: int  # governed runs per ledger setting (section 3)
    stream_kb: tuple[int, ...]  # governed stream sizes (section 4)
    stream_work_kb: int  # KB streamed per size (repetitions = this / size, at least 1)
    imports: int  # fresh interpreters per module (section 5)
    appends: int  # ledger appends per store (section 6)
    concurrent_calls: int  # calls per contender in section 7 (64 at a time)
    rounds: int  # rounds the contenders are interleaved over
    litellm: bool = True  # include litellm (when installed)


FULL = Sizes(warmup=200, calls=2000, streams=200, runs=2000, stream_kb=(10, 100, 1024),
             stream_work_kb=5120, imports=7, appends=3000, concurrent_calls=1536, rounds=10)
SMOKE = Sizes(warmup=2, calls=6, streams=3, runs=6, stream_kb=(10, 100), stream_work_kb=100,
              imports=1, appends=20, concurrent_calls=64, rounds=2)


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(seconds: Sequence[float]) -> dict[str, float | int]:
    """Median, p99, mean, min in microseconds, and the count."""
    if not seconds:
        return {"n": 0}
    return {"n": len(seconds), "median_us": round(statistics.median(seconds) * 1e6, 1),
            "p99_us": round(percentile(seconds, 99) * 1e6, 1),
            "mean_us": round(statistics.fmean(seconds) * 1e6, 1),
            "min_us": round(min(seconds) * 1e6, 1)}


def interleave(contenders: dict[str, Contender], total: int, rounds: int
               ) -> dict[str, list[float]]:
    """Run every contender ``total`` times, in ``rounds`` rounds; each round runs each
    contender's share in a rotated order, so drift in the machine hits all of them alike."""
    names = list(contenders)
    times: dict[str, list[float]] = {name: [] for name in names}
    rounds = max(1, min(rounds, total))
    gc.collect()
    gc.freeze()  # what exists now is never scanned again: collections cost all alike
    try:
        for index in range(rounds):
            share = total // rounds + (1 if index < total % rounds else 0)
            order = names[index % len(names):] + names[:index % len(names)]
            for name in order:
                times[name] += contenders[name](share)
    finally:
        gc.unfreeze()
    return times


def ratio(a: float | int | None, b: float | int | None) -> float | None:
    if a is None or b is None or not b:
        return None
    return round(a / b, 3)


def versions(*names: str) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu_count": os.cpu_count(), "usable_cpus": usable, "cpu": _cpu_model(),
            "platform": platform.platform(), "python": sys.version.split()[0],
            "implementation": platform.python_implementation(),
            "sqlite": sqlite3.sqlite_version,
            "packages": versions("arifos-core", "openai", "httpx", "httpx2", "litellm",
                                 "psycopg", "pydantic", "tiktoken", "jsonschema", "pyyaml")}
