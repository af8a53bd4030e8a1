"""The ``arifos`` command. One module per command group, each a thin layer over the library."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .._version import __version__

__all__ = ["main"]

#: Command modules; each has ``register(subparsers)`` and sets ``func(args) -> int``.
COMMANDS = ("validate", "run", "judge", "ledger", "holds", "audit")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command registered."""
    parser = argparse.ArgumentParser(
        prog="arifos",
        description="arifOS Core: governance between applications and large language models.",
    )
    parser.add_argument("--version", action="version", version=f"arifos {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("arifos: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
