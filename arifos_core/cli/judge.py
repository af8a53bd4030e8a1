"""``arifos judge``: govern logged conversations without calling any model."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .._errors import ContractError
from ..ledger import LedgerError
from ._common import fail


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``judge`` command."""
    parser = commands.add_parser(
        "judge", help="govern logged conversations (JSONL) without calling a model",
        description="Apply the governance policy to conversations that already happened. "
        "Input: JSON Lines with 'prompt' and 'output', or OpenAI chat 'messages' whose last "
        "message is the assistant's. Exit code: 0 every line judged, 1 malformed lines were "
        "skipped, 2 usage or I/O error, or a malformed line with --strict.")
    parser.add_argument("file", metavar="FILE", help="a .jsonl file, or - for standard input")
    parser.add_argument("--output", metavar="OUT.jsonl", help="one JSON result per line")
    parser.add_argument("--report", metavar="FILE",
                        help="summary report: Markdown, or HTML when FILE ends in .html")
    parser.add_argument("--strict", action="store_true",
                        help="stop at the first malformed line")
    parser.add_argument("--policy", metavar="FILE", help="governance policy (default: shipped)")
    parser.add_argument("--ledger", metavar="PATH|DSN",
                        help="also record every judgement in this ledger (default: none)")
    parser.set_defaults(func=run)


def _lines(handle: IO[bytes]) -> Iterator[bytes]:
    yield from handle


def run(args: argparse.Namespace) -> int:
    from ..audit import ProgressBar
    from ..audit._judge import judge_lines, render_judge_html, render_judge_markdown
    from ..governance import GovernedPipeline

    try:
        pipeline = GovernedPipeline(policy=args.policy, ledger=args.ledger or False)
    except (ContractError, LedgerError) as exc:
        return fail(str(exc))
    try:
        source = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    except OSError as exc:
        return fail(f"cannot read {args.file}: {exc.strerror or exc}")
    try:
        out = open(args.output, "w", encoding="utf-8") if args.output else None  # noqa: SIM115
    except OSError as exc:
        return fail(f"cannot write {args.output}: {exc.strerror or exc}")
    total = os.path.getsize(args.file) if args.file != "-" else 0
    bar = ProgressBar()
    done = 0

    def progress(size: int) -> None:
        nonlocal done
        done += size
        if total:
            bar(done, total, "bytes")

    with source, (out if out is not None else _Null()):
        summary = judge_lines(pipeline, _lines(source), out, strict=args.strict,
                             progress=progress)
    bar.close()
    pipeline.close()
    for number, error in summary.malformed:
        print(f"{args.file}:{number}: skipped: {error}", file=sys.stderr)
    print(render_judge_markdown(summary, args.file), end="")
    if args.report:
        render = render_judge_html if args.report.endswith((".html", ".htm")) \
            else render_judge_markdown
        try:
            Path(args.report).write_text(render(summary, args.file), encoding="utf-8")
        except OSError as exc:
            return fail(f"cannot write {args.report}: {exc.strerror or exc}")
    if summary.stopped_at is not None:
        return fail(f"stopped at line {summary.stopped_at} (--strict)")
    return 1 if summary.malformed else 0


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
