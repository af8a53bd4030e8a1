"""Sections 3 and 4: the governed pipeline's own time, and streaming governance scaling.

Section 3 runs ``GovernedPipeline.run`` with the default policy on a 1 KB prompt and a 4 KB
output from an in-process ``llm_generate``, with the shipped SQLite ledger (an fsync per run),
the same ledger at ``synchronous=NORMAL`` (no wait for the disk) and no ledger; the pipeline's
own time is the run's wall time minus the time spent inside ``llm_generate``. Section 4
streams 10 KB, 100 KB and 1 MB outputs in 16-character chunks from an in-process scripted
backend through ``pipeline.stream`` and reports the time per KB (with the source alone
measured too, so governance's share is visible).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ._stats import Sizes, interleave, ratio, summary

#: Neutral technical prose: the default policy should SEAL it.
SENTENCES = (
    "The ledger stores the hashes of each prompt and output together with the floors that ran.",
    "Operators can replay the chain to check that no entry was edited after it was written.",
    "Streamed output is released in small pieces once every output floor has scanned it.",
    "A backend declares its capabilities in the catalog and the factory checks them.",
    "Retries use exponential backoff with jitter and stop at the deadline set by the caller.",
    "The policy file lists each floor with its stage, thresholds and the action it takes.",
    "Costs are computed from a price table that records the date and source of each price.",
    "The gateway routes each agent to a model and falls back to another one when needed.",
)
CHUNK = 16


def prose(size: int) -> str:
    """``size`` characters of neutral prose."""
    text = ""
    index = 0
    while len(text) < size:
        text += SENTENCES[index % len(SENTENCES)] + " "
        index += 1
    return text[:size]


def measure_runs(sizes: Sizes) -> dict[str, Any]:
    """Section 3: pipeline overhead per run, SQLite ledger on and off."""
    from arifos_core.governance import GovernedPipeline
    from arifos_core.ledger import SQLiteLedger

    prompt, output = prose(1024), prose(4096)
    inside = [0.0]

    def generate(text: str) -> str:
        started = time.perf_counter()
        answer = output
        inside[0] = time.perf_counter() - started
        return answer

    stages: dict[str, dict[str, list[float]]] = {}
    verdicts: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory(prefix="arifos-bench-") as tmp:
        # ledger_sqlite is the shipped default (synchronous=FULL: an fsync per run);
        # ledger_sqlite_normal shows the same work without waiting for the disk
        relaxed = SQLiteLedger(Path(tmp) / "normal.sqlite3", synchronous="NORMAL")
        pipelines = {"ledger_sqlite": GovernedPipeline(llm_generate=generate,
                                                       ledger=Path(tmp) / "ledger.sqlite3"),
                     "ledger_sqlite_normal": GovernedPipeline(llm_generate=generate,
                                                              ledger=relaxed),
                     "ledger_off": GovernedPipeline(llm_generate=generate, ledger=False)}

        def contender(name: str) -> Callable[[int], list[float]]:
            pipeline = pipelines[name]
            seen = stages.setdefault(name, {})
            verdict_set = verdicts.setdefault(name, set())

            def run(count: int) -> list[float]:
                times = []
                for _ in range(count):
                    started = time.perf_counter()
                    result = pipeline.run(prompt)
                    times.append(time.perf_counter() - started - inside[0])
                    verdict_set.add(result.verdict)
                    for key, value in result.timings.items():
                        seen.setdefault(key, []).append(value)
                    for floor in result.floors:
                        seen.setdefault(floor.id, []).append(floor.duration_ms)
                return times

            return run

        runners = {name: contender(name) for name in pipelines}
        for runner in runners.values():
            runner(sizes.warmup)
        for seen in stages.values():
            seen.clear()
        times = interleave(runners, sizes.runs, sizes.rounds)
        entries = pipelines["ledger_sqlite"].ledger
        assert entries is not None
        verified = entries.verify()
        for pipeline in pipelines.values():
            pipeline.close()
    result: dict[str, Any] = {"prompt_bytes": len(prompt), "output_bytes": len(output),
                              "policy": "default"}
    for name, spent in times.items():
        result[name] = {**summary(spent), "verdicts": sorted(verdicts[name]),
                        "median_ms_by_stage": {k: round(statistics.median(v), 4)
                                               for k, v in sorted(stages[name].items())}}
    result["ledger_sqlite"]["ledger_verified"] = verified.ok
    return result


# -- section 4 --------------------------------------------------------------------------------


def measure_streams(sizes: Sizes) -> dict[str, Any]:
    """Section 4: governed streams of growing size; time per KB should stay flat."""
    from arifos_core.governance import GovernedPipeline

    texts = {kb: prose(kb * 1024) for kb in sizes.stream_kb}
    # every timed sample streams the same amount (the largest size, in streams of one size), so
    # each sample is exposed alike to whatever else the machine is doing
    unit = {kb: max(1, max(sizes.stream_kb) // kb) for kb in sizes.stream_kb}
    samples = max(1, sizes.stream_work_kb // max(sizes.stream_kb))
    rounds = max(1, min(sizes.rounds, samples))

    def governed(kb: int) -> Callable[[int], list[float]]:
        def run(count: int) -> list[float]:
            backend = _source([texts[kb]] * count * unit[kb])
            pipeline = GovernedPipeline(backend=backend, ledger=False)
            times = []
            for _ in range(count):
                started = time.perf_counter()
                for _ in range(unit[kb]):
                    _drain(pipeline.stream("Describe the ledger."), texts[kb])
                times.append((time.perf_counter() - started) / unit[kb])
            return times

        return run

    def source(kb: int) -> Callable[[int], list[float]]:
        def run(count: int) -> list[float]:
            backend = _source([texts[kb]] * count * unit[kb])
            times = []
            for _ in range(count):
                started = time.perf_counter()
                for _ in range(unit[kb]):
                    for _chunk in backend.stream("Describe the ledger."):
                        pass
                times.append((time.perf_counter() - started) / unit[kb])
            return times

        return run

    runners: dict[str, Callable[[int], list[float]]] = {}
    for kb in sizes.stream_kb:
        runners[f"governed_{kb}"] = governed(kb)
        runners[f"source_{kb}"] = source(kb)
    for runner in runners.values():
        runner(1)
    times = interleave(runners, samples, rounds)
    result: dict[str, Any] = {"chunk_chars": CHUNK, "sizes": {}}
    for kb in sizes.stream_kb:
        gov = statistics.median(times[f"governed_{kb}"])
        src = statistics.median(times[f"source_{kb}"])
        result["sizes"][_label(kb)] = {
            "streams": len(times[f"governed_{kb}"]) * unit[kb], "chunks": -(-kb * 1024 // CHUNK),
            "total_ms": round(gov * 1000, 2),
            "us_per_kb": round(gov / kb * 1e6, 1),
            "source_us_per_kb": round(src / kb * 1e6, 1),
            "governance_us_per_kb": round((gov - src) / kb * 1e6, 1)}
    small, large = _label(min(sizes.stream_kb)), _label(max(sizes.stream_kb))
    per_kb = result["sizes"]
    result["ratio_large_over_small_per_kb"] = ratio(per_kb[large]["us_per_kb"],
                                                    per_kb[small]["us_per_kb"])
    result["governance_only_ratio"] = ratio(per_kb[large]["governance_us_per_kb"],
                                            per_kb[small]["governance_us_per_kb"])
    return result


def _label(kb: int) -> str:
    return f"{kb // 1024} MB" if kb % 1024 == 0 else f"{kb} KB"


def _drain(chunks: Iterator[Any], expected: str) -> None:
    """Consume a governed stream, checking that it releases ``expected`` unchanged."""
    at = 0
    for chunk in chunks:
        if not expected.startswith(chunk.text, at):
            raise RuntimeError(f"the governed stream changed the text at character {at}")
        at += len(chunk.text)
        if chunk.verdict is not None and chunk.verdict != "SEAL":
            raise RuntimeError(f"the governed stream ended {chunk.verdict}: "
                               f"{chunk.result.reason if chunk.result else ''}")
    if at != len(expected):
        raise RuntimeError(f"the governed stream released {at} of {len(expected)} characters")


def _source(texts: list[str]) -> Any:
    """A scripted backend whose streams cut the text into CHUNK-character chunks as they are
    read (MockBackend builds every chunk up front, which would grow with the output)."""
    from arifos_core.backends import MockBackend, StreamChunk
    from arifos_core.backends._base import Request, StreamHandle

    class LazySource(MockBackend):
        def _open_stream(self, request: Request) -> StreamHandle:
            text = self._next(request).text

            def events() -> Iterator[StreamChunk]:
                for start in range(0, len(text), CHUNK):
                    yield StreamChunk(text[start:start + CHUNK])
                yield StreamChunk(finish_reason="stop")

            return StreamHandle(events(), lambda: None)

    return LazySource(texts)
