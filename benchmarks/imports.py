"""Section 5: import times, each in a fresh interpreter (one warm-up run each, not counted,
writes the bytecode caches). ``import_ms`` is the time inside the import statement;
``process_ms`` the whole interpreter run, start-up included. ``cold_start`` is what a one-shot
process (a CLI call, a serverless function) pays before its first governed answer: import,
build the default pipeline, one run, with a model answering at once and with one answering in
0.5 s (the floors' rule tables compile while it answers)."""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from ._server import ROOT
from ._stats import Sizes, ratio
from .backend import SKIPPED

MODULES = ("arifos_core", "arifos_core.integration.adapters.llm_backends_v43", "litellm")
_CODE = ("import time; started = time.perf_counter(); import {module}; "
         "print(time.perf_counter() - started)")


_COLD = ("import time; started = time.perf_counter()\n"
         "from arifos_core.governance import GovernedPipeline\n"
         "def generate(prompt):\n"
         "    time.sleep({latency})\n"
         "    return 'The ledger stores the hashes of each prompt and output. ' * 20\n"
         "pipeline = GovernedPipeline(llm_generate=generate, ledger=False)\n"
         "built = time.perf_counter()\n"
         "assert pipeline.run('What does the ledger store?').verdict == 'SEAL'\n"
         "done = time.perf_counter()\n"
         "print(built - started, done - built - {latency}, done - started - {latency})")
COLD_LATENCIES = (0.0, 0.5)


def _run(code: str) -> tuple[list[float], float]:
    """(the numbers the code printed, seconds for the whole interpreter)."""
    # bytecode caches as on a user's machine (some CI environments turn their writing off)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # litellm would fetch its price map otherwise
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    return [float(x) for x in out.stdout.strip().splitlines()[-1].split()], \
        time.perf_counter() - started


def _once(module: str) -> tuple[float, float]:
    """(seconds inside the import statement, seconds for the whole interpreter)."""
    printed, whole = _run(_CODE.format(module=module))
    return printed[0], whole


def _cold_start(runs: int) -> dict[str, Any]:
    """Import + build + first run in fresh interpreters, the model's own latency left out."""
    found: dict[str, Any] = {}
    for latency in COLD_LATENCIES:
        samples = [_run(_COLD.format(latency=latency))[0] for _ in range(runs)]
        found[f"model_{latency:g}s"] = {
            "build_ms": round(statistics.median(s[0] for s in samples) * 1000, 1),
            "first_run_ms": round(statistics.median(s[1] for s in samples) * 1000, 1),
            "total_ms": round(statistics.median(s[2] for s in samples) * 1000, 1)}
    return found


def measure(sizes: Sizes) -> dict[str, Any]:
    modules = [m for m in MODULES if importlib.util.find_spec(m.split(".")[0]) is not None
               and (sizes.litellm or m != "litellm")]
    baseline: list[float] = []
    found: dict[str, list[tuple[float, float]]] = {m: [] for m in modules}
    for module in modules:
        _once(module)  # compile the bytecode caches
    for index in range(sizes.imports):
        order = modules[index % len(modules):] + modules[:index % len(modules)]
        for module in order:
            found[module].append(_once(module))
        baseline.append(_once("sys")[1])
    result: dict[str, Any] = {
        "runs": sizes.imports,
        "interpreter_startup_ms": round(statistics.median(baseline) * 1000, 1)}
    for module in modules:
        result[module] = {
            "import_ms": round(statistics.median(i for i, _ in found[module]) * 1000, 1),
            "process_ms": round(statistics.median(w for _, w in found[module]) * 1000, 1)}
    result["cold_start"] = _cold_start(sizes.imports)
    if "litellm" in found:
        core = result["arifos_core"]["import_ms"]
        result["arifos_core_over_litellm"] = ratio(core, result["litellm"]["import_ms"])
        result["backends_over_litellm"] = ratio(
            result["arifos_core.integration.adapters.llm_backends_v43"]["import_ms"],
            result["litellm"]["import_ms"])
    else:
        result["litellm"] = {"skipped": SKIPPED}
    return result
