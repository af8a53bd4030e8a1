"""``python -m benchmarks [--smoke] [--out DIR] [--only SECTION ...]``."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import backend, concurrency, governance, imports, ledger
from ._report import check, markdown
from ._stats import FULL, SMOKE, Sizes, machine

RESULTS = Path(__file__).resolve().parent / "results"
SECTIONS = ("server_alone", "backend_overhead", "streaming", "governance", "stream_governance",
            "imports", "ledger", "concurrency")


def _sections(sizes: Sizes) -> list[tuple[tuple[str, ...], Callable[[], Any]]]:
    """What to run, in order; the server is measured alone first."""
    return [(("server_alone",), lambda: backend.measure_server(sizes)),
            (("backend_overhead", "streaming"), lambda: backend.measure(sizes)),
            (("governance",), lambda: governance.measure_runs(sizes)),
            (("stream_governance",), lambda: governance.measure_streams(sizes)),
            (("imports",), lambda: imports.measure(sizes)),
            (("ledger",), lambda: ledger.measure(sizes)),
            (("concurrency",), lambda: concurrency.measure(sizes))]


def run(sizes: Sizes, mode: str, only: set[str] | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    flags = [*(["--smoke"] if mode == "smoke" else []),
             *([] if sizes.litellm else ["--no-litellm"]),
             *(["--only", *sorted(only)] if only else [])]
    results: dict[str, Any] = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
                               "command": " ".join(["python -m benchmarks", *flags]),
                               "mode": mode, "sizes": vars(sizes), "machine": machine()}
    for names, measure in _sections(sizes):
        if only is not None and not only & set(names):
            continue
        mark = time.perf_counter()
        print(f"benchmarks: {', '.join(names)} ...", file=sys.stderr, flush=True)
        try:
            value = measure()
            parts = value if len(names) > 1 else (value,)
        except Exception as exc:
            traceback.print_exc()
            parts = tuple({"error": f"{type(exc).__name__}: {exc}"} for _ in names)
        for name, part in zip(names, parts, strict=True):
            results[name] = part
        print(f"benchmarks: {', '.join(names)} done in {time.perf_counter() - mark:.1f} s",
              file=sys.stderr, flush=True)
    results["duration_s"] = round(time.perf_counter() - started, 1)
    results["targets"] = check(results)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=(
        "Measure arifOS Core against the raw openai SDK and litellm; write latest.json and "
        "latest.md."))
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes: checks that the harness works (numbers meaningless)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"directory for latest.json and latest.md (default {RESULTS}, "
                             "or a temporary directory with --smoke)")
    parser.add_argument("--no-litellm", action="store_true",
                        help="leave litellm out even when it is installed")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    args = parser.parse_args(argv)
    sizes, mode = (SMOKE, "smoke") if args.smoke else (FULL, "full")
    if args.no_litellm:
        sizes = replace(sizes, litellm=False)
    out: Path = args.out or (Path(tempfile.mkdtemp(prefix="arifos-bench-")) if args.smoke
                             else RESULTS)
    results = run(sizes, mode, set(args.only) if args.only else None)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    report = markdown(results)
    (out / "latest.md").write_text(report, encoding="utf-8")
    print(report)
    print(f"wrote {out / 'latest.json'} and {out / 'latest.md'}", file=sys.stderr)
    failed = [n for n in SECTIONS if isinstance(results.get(n), dict) and "error" in results[n]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
