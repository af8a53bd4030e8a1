"""The targets of issue 7, checked against a run's results, and the Markdown report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    """One target: where its value is in the results, the bound and how to show it."""

    section: str
    name: str
    path: tuple[str, ...]
    bound: float
    higher_is_better: bool
    unit: str
    fmt: Callable[[float], str]

    def value(self, results: dict[str, Any]) -> float | None:
        node: Any = results.get(self.section)
        for key in self.path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return float(node) if isinstance(node, (int, float)) else None

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.bound if self.higher_is_better else value <= self.bound

    def bound_text(self) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {self.fmt(self.bound)}{self.unit}"


def _n(digits: int) -> Callable[[float], str]:
    return lambda v: f"{v:,.{digits}f}"


TARGETS = (
    Target("backend_overhead", "backend overhead b/a (median per call)",
           ("ratio_b_over_a", "median"), 1.05, False, "", _n(3)),
    Target("streaming", "stream time to first chunk, ours − raw SDK",
           ("arifos_openai_compatible", "ttfc_overhead_us"), 1000, False, " µs", _n(0)),
    Target("governance", "governance overhead median (SQLite ledger on)",
           ("ledger_sqlite", "median_us"), 300, False, " µs", _n(0)),
    Target("governance", "governance overhead p99 (SQLite ledger on)",
           ("ledger_sqlite", "p99_us"), 2000, False, " µs", _n(0)),
    Target("stream_governance", "streaming governance per KB, 1 MB / 10 KB",
           ("ratio_large_over_small_per_kb",), 1.5, False, "", _n(2)),
    Target("imports", "`import arifos_core`", ("arifos_core", "import_ms"), 150, False, " ms",
           _n(0)),
    Target("imports", "`import arifos_core` / `import litellm`", ("arifos_core_over_litellm",),
           0.1, False, "", _n(3)),
    Target("ledger", "SQLite durable appends per second", ("sqlite", "appends_per_s"), 5000,
           True, "/s", _n(0)),
    Target("ledger", "SQLite entries verified per second", ("sqlite", "verified_per_s"), 100_000,
           True, "/s", _n(0)),
    Target("ledger", "PostgreSQL entries verified per second", ("postgres", "verified_per_s"),
           100_000, True, "/s", _n(0)),
    Target("concurrency", "64 concurrent `arun` / raw async SDK (SQLite ledger on)",
           ("governed_ledger_sqlite", "ratio_to_sdk"), 0.9, True, "", _n(3)),
)


def check(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for target in TARGETS:
        value = target.value(results)
        rows.append({"section": target.section, "name": target.name, "target":
                     target.bound_text(), "value": value, "met": target.met(value),
                     "shown": "n/a" if value is None else f"{target.fmt(value)}{target.unit}"})
    return rows


def _get(results: dict[str, Any], *path: str) -> Any:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _us(value: Any) -> str:
    return "n/a" if value is None else f"{value:,.0f} µs"


def markdown(results: dict[str, Any]) -> str:
    """The report: the targets table, then the measurements behind it."""
    m = results["machine"]
    lines = [f"Measured {results['date']} with `{results['command']}` ({results['mode']} run, "
             f"{results['duration_s']:.0f} s) on {m['usable_cpus']} of {m['cpu_count']} CPUs "
             f"({m['cpu']}), Python {m['python']}, SQLite {m['sqlite']}; "
             + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v) + ".", "",
             "| benchmark | result | target | met |", "| --- | --- | --- | --- |"]
    for row in results["targets"]:
        met = {True: "yes", False: "**no**", None: "n/a"}[row["met"]]
        lines.append(f"| {row['name']} | {row['shown']} | {row['target']} | {met} |")
    lines += ["", "| contender | median | p99 | what |", "| --- | --- | --- | --- |"]
    for name in ("openai_sdk", "arifos_openai_compatible", "litellm"):
        entry = _get(results, "backend_overhead", name) or {}
        lines.append(f"| {name} | {_us(entry.get('median_us'))} | {_us(entry.get('p99_us'))} "
                     "| one non-streaming call |")
    for name in ("openai_sdk", "arifos_openai_compatible", "litellm"):
        ttfc = _get(results, "streaming", name, "ttfc") or {}
        total = _get(results, "streaming", name, "total") or {}
        lines.append(f"| {name} | {_us(ttfc.get('median_us'))} / {_us(total.get('median_us'))} "
                     f"| {_us(ttfc.get('p99_us'))} / {_us(total.get('p99_us'))} "
                     "| 200-chunk stream: first chunk / total |")
    for name, ledger in (("ledger_sqlite", "SQLite ledger (shipped: synchronous=FULL)"),
                         ("ledger_sqlite_normal", "SQLite ledger, synchronous=NORMAL"),
                         ("ledger_off", "no ledger")):
        entry = _get(results, "governance", name) or {}
        lines.append(f"| pipeline, {ledger} | {_us(entry.get('median_us'))} "
                     f"| {_us(entry.get('p99_us'))} | `run`'s own time, 1 KB in, 4 KB out |")
    for label, entry in (_get(results, "stream_governance", "sizes") or {}).items():
        lines.append(f"| governed stream {label} | {entry['us_per_kb']:,.0f} µs/KB | | "
                     f"source alone {entry['source_us_per_kb']:,.0f} µs/KB |")
    imports = results.get("imports") or {}
    for module in ("arifos_core", "arifos_core.integration.adapters.llm_backends_v43", "litellm"):
        entry = imports.get(module) or {}
        if "import_ms" in entry:
            lines.append(f"| `import {module}` | {entry['import_ms']:,.0f} ms | | fresh "
                         f"interpreter, median of {imports.get('runs')} |")
    for label, entry in (imports.get("cold_start") or {}).items():
        lines.append(f"| cold start, {label.replace('_', ' ')} | {entry['total_ms']:,.0f} ms | "
                     f"| import, build ({entry['build_ms']:,.0f} ms), first run "
                     f"({entry['first_run_ms']:,.0f} ms); fresh interpreter, model's latency "
                     "left out |")
    for store in ("sqlite", "postgres"):
        entry = _get(results, "ledger", store) or {}
        if "appends_per_s" in entry:
            lines.append(f"| ledger {store} | {entry['appends_per_s']:,} appends/s | "
                         f"{_us(entry['append']['p99_us'])} | "
                         f"{entry['verified_per_s']:,} entries verified/s |")
    conc = results.get("concurrency") or {}
    for name in ("openai_sdk_async", "arifos_backend_async", "governed_ledger_off",
                 "governed_ledger_sqlite"):
        entry = conc.get(name) or {}
        if "calls_per_s" in entry:
            lines.append(f"| {name} ×64 | {entry['calls_per_s']:,.0f} calls/s | | "
                         f"{entry.get('ratio_to_sdk', 1.0)} of the raw async SDK |")
    return "\n".join(lines) + "\n"
