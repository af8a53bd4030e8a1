"""Section 7: 64 concurrent calls against the loopback server, in one event loop.

Contenders: the raw async ``openai`` SDK, our backend's ``acomplete`` alone, and
``GovernedPipeline.arun`` (default policy) with the ledger off and with the shipped durable
SQLite ledger. Throughput is calls per second of wall time with 64 calls in flight, measured per
round (the contenders take turns); the median over the rounds is reported.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ._server import ServerProcess
from ._stats import Sizes, ratio
from .backend import MESSAGES, MODEL

CONCURRENCY = 64
WARMUP_BATCHES = 1  # warm-up calls per contender per round: this many times CONCURRENCY
PROMPT = "Say hello."


async def _batch(call: Callable[[], Awaitable[Any]], count: int) -> float:
    """Seconds to finish ``count`` calls with CONCURRENCY in flight."""
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - started


Opened = tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]


async def _measure(url: str, ledger_path: Path, sizes: Sizes) -> dict[str, Any]:
    import openai

    from arifos_core.governance import GovernedPipeline
    from arifos_core.integration.adapters.llm_backends_v43 import create_backend_from_spec

    verdicts: set[str] = set()

    def ours() -> Any:
        return create_backend_from_spec(f"vllm:{MODEL}", base_url=url, api_key="")

    async def open_raw() -> Opened:
        raw = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="bench", max_retries=0)

        async def call() -> None:
            await raw.chat.completions.create(model=MODEL, messages=MESSAGES,  # type: ignore
                                              max_tokens=1024)

        return call, raw.close

    async def open_backend() -> Opened:
        backend = ours()
        return (lambda: backend.acomplete(PROMPT)), backend.aclose

    def open_governed(ledger: Path | bool) -> Callable[[], Awaitable[Opened]]:
        async def opened() -> Opened:
            pipeline = GovernedPipeline(backend=ours(), ledger=ledger)

            async def call() -> None:
                verdicts.add((await pipeline.arun(PROMPT)).verdict)

            async def close() -> None:
                assert pipeline.backend is not None
                await pipeline.backend.aclose()
                pipeline.close()

            return call, close

        return opened

    contenders: dict[str, Callable[[], Awaitable[Opened]]] = {
        "openai_sdk_async": open_raw, "arifos_backend_async": open_backend,
        "governed_ledger_off": open_governed(False),
        "governed_ledger_sqlite": open_governed(ledger_path)}
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    rounds = max(1, min(sizes.rounds, sizes.concurrent_calls // (4 * CONCURRENCY)))
    share = sizes.concurrent_calls // rounds
    for index in range(rounds):
        for name in names[index % len(names):] + names[:index % len(names)]:
            # a fresh client each round, warmed the same way: the connection pool's state
            # (its size changes its cost per request) is then alike for every contender
            call, close = await contenders[name]()
            await _batch(call, CONCURRENCY * WARMUP_BATCHES)
            gc.collect()
            rates[name].append(share / await _batch(call, share))
            await close()
    result: dict[str, Any] = {"concurrency": CONCURRENCY, "calls": share * rounds,
                              "rounds": rounds, "verdicts": sorted(verdicts)}
    for name in names:
        result[name] = {"calls_per_s": round(statistics.median(rates[name]), 1),
                        "per_round": [round(r) for r in rates[name]]}
    base = result["openai_sdk_async"]["calls_per_s"]
    for name in names[1:]:
        result[name]["ratio_to_sdk"] = ratio(result[name]["calls_per_s"], base)
    return result


def measure(sizes: Sizes) -> dict[str, Any]:
    with ServerProcess(kind="fast") as server, \
            tempfile.TemporaryDirectory(prefix="arifos-bench-") as tmp:
        return asyncio.run(_measure(server.url, Path(tmp) / "ledger.sqlite3", sizes))
