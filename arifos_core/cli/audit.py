"""``arifos audit``: probe a live backend's capabilities, or check the catalog offline."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._errors import AuthenticationError, BackendError, ContractError, ContractViolation
from ..contracts import UNKNOWN, CapabilityValue, vocabulary
from ..ledger import LedgerError, open_ledger
from ._common import add_ledger_option, fail

if TYPE_CHECKING:  # the audit and backends load only when the command runs
    from ..audit import AuditReport
    from ..backends import LLMBackend, UnifiedBackendFactory


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``audit`` command."""
    parser = commands.add_parser(
        "audit", help="probe a backend's capabilities, or check the catalog (--static)",
        description="Probe a live BACKEND (claude, gpt-4o, ollama:qwen3, vllm:MODEL, ...) "
        "capability by capability and compare what it does with what the catalog declares; "
        "or, with --static, check every catalog entry's declared capabilities against the "
        "contract offline. API keys come from the environment (e.g. ANTHROPIC_API_KEY). "
        "Exit code: 0 the contract holds (PASS or WARN), 1 it fails, 2 usage, setup or "
        "authentication error.")
    parser.add_argument("backend", nargs="?", metavar="BACKEND", help="model name to probe")
    parser.add_argument("--static", action="store_true",
                        help="check the catalog's declarations against the contract, offline")
    parser.add_argument("--base-url", metavar="URL", help="server URL for the backend")
    parser.add_argument("--deployment-type", metavar="TYPE",
                        help="ollama, vllm, openai_compatible, ... for local models")
    parser.add_argument("--contract", metavar="FILE", help="contract (default: shipped)")
    parser.add_argument("--catalog", metavar="FILE", help="capability catalog (default: shipped)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="trials per capability, decided by majority (default: 1)")
    parser.add_argument("--seed", type=int, metavar="N", help="seed for the probes' code words")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                        help="timeout of each request (default: 60)")
    parser.add_argument("--strict", action="store_true",
                        help="an unknown required capability fails the contract")
    parser.add_argument("--json", metavar="FILE", help="write the report as JSON")
    parser.add_argument("--junit", metavar="FILE",
                        help="write JUnit XML: one test case per capability (per row with "
                        "--static)")
    parser.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    parser.add_argument("--update-catalog", metavar="FILE",
                        help="write the observed values as a catalog fragment to review")
    add_ledger_option(parser)
    parser.add_argument("--no-ledger", action="store_true",
                        help="do not write the audit to the ledger")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the audit; returns the exit code."""
    if args.static:
        if args.backend or args.update_catalog or args.base_url:
            return fail("--static checks the catalog offline; it takes no BACKEND, --base-url "
                        "or --update-catalog")
        return _run_static(args)
    if not args.backend:
        return fail("give a BACKEND to probe (e.g. `arifos audit claude`) or --static")
    if args.repeat < 1:
        return fail(f"--repeat must be at least 1, not {args.repeat}")
    return _run_live(args)


def _outputs(args: argparse.Namespace, renderers: dict[str, Callable[[], str]]) -> str | None:
    """Write each requested file; the first error, if any."""
    for option, render in renderers.items():
        path = getattr(args, option)
        if not path:
            continue
        try:
            Path(path).write_text(render(), encoding="utf-8")
        except OSError as exc:
            return f"cannot write {path} (--{option.replace('_', '-')}): {exc.strerror or exc}"
    return None


def _run_static(args: argparse.Namespace) -> int:
    from ..audit import (
        render_static_html,
        render_static_json,
        render_static_junit,
        render_static_table,
        static_matrix,
    )
    from ..contracts import load_catalog, load_contract

    try:
        matrix = static_matrix(load_catalog(args.catalog), load_contract(args.contract),
                               strict=args.strict)
    except ContractError as exc:
        return fail(str(exc))
    sys.stdout.write(render_static_table(matrix))
    problem = _outputs(args, {"json": lambda: render_static_json(matrix),
                              "junit": lambda: render_static_junit(matrix),
                              "html": lambda: render_static_html(matrix)})
    return fail(problem) if problem else matrix.exit_code


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Silence the factory's contract warning: the audit is the check."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _build(args: argparse.Namespace) -> tuple[UnifiedBackendFactory, LLMBackend,
                                              dict[str, CapabilityValue], Any]:
    """The factory, the backend (its catalog gates lifted so the provider, not the catalog,
    answers each probe), the declared capabilities and the resolved target."""
    from ..backends import ProviderBackend, UnifiedBackendFactory, get_backend

    factory = UnifiedBackendFactory(args.contract, catalog_path=args.catalog)
    target = factory.resolve(args.backend, args.deployment_type)
    options: dict[str, Any] = {"timeout": args.timeout}
    if args.base_url:
        options["base_url"] = args.base_url
    if issubclass(get_backend(target.family), ProviderBackend):
        options["capabilities"] = dict.fromkeys(vocabulary()["capability"], UNKNOWN)
    with _quiet("arifos_core.backends"):
        backend = factory.create_backend(args.backend, deployment_type=args.deployment_type,
                                         **options)
    if target.family in factory.catalog.families:
        declared = factory.catalog.capabilities(target.family, backend.model,
                                                preset=target.preset)
    else:
        declared = backend.get_capabilities()
    return factory, backend, declared, target


def _audit(args: argparse.Namespace) -> AuditReport | int:
    from ..audit import AuditTarget, ProgressBar, run_audit

    try:
        factory, backend, declared, resolved = _build(args)
    except (ContractError, ContractViolation, BackendError, ImportError, ValueError) as exc:
        return fail(str(exc))
    target = AuditTarget(args.backend, resolved.family, resolved.preset, backend.model,
                         backend.provider, getattr(backend, "base_url", None) or args.base_url)
    progress = ProgressBar(sys.stderr)
    try:
        return run_audit(backend, contract=factory.contract, declared=declared, target=target,
                         repeat=args.repeat, seed=args.seed, strict=args.strict,
                         progress=progress)
    except AuthenticationError as exc:
        return fail(f"authentication failed for {args.backend}, audit aborted: {exc}")
    finally:
        progress.close()
        backend.close()


def _run_live(args: argparse.Namespace) -> int:
    from ..audit import (
        catalog_update,
        record_audit,
        render_html,
        render_json,
        render_junit,
        render_table,
    )

    report = _audit(args)
    if isinstance(report, int):
        return report
    ledger_problem = None
    if not args.no_ledger:
        try:
            ledger = open_ledger(args.ledger or None)
            if ledger is not None:
                try:
                    report, _ = record_audit(ledger, report)
                finally:
                    ledger.close()
        except LedgerError as exc:
            ledger_problem = f"the audit was not written to the ledger: {exc}"
    sys.stdout.write(render_table(report))
    done = report
    problem = _outputs(args, {
        "json": lambda: render_json(done), "junit": lambda: render_junit(done),
        "html": lambda: render_html(done),
        "update_catalog": lambda: json.dumps(catalog_update(done), indent=2,
                                             ensure_ascii=False) + "\n"})
    if problem or ledger_problem:
        return fail(problem or str(ledger_problem))
    return report.exit_code
