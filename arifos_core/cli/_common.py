"""Helpers shared by the command modules: user-facing errors and ledger options."""

from __future__ import annotations

import argparse
import os
import sys

from ..ledger import DSN_ENV, Ledger, LedgerError, SQLiteLedger, default_ledger_path, open_ledger

__all__ = ["add_ledger_option", "fail", "open_cli_ledger"]


def fail(message: str, code: int = 2) -> int:
    """Print a user-facing error (no traceback) and return the exit code."""
    print(f"arifos: {message}", file=sys.stderr)
    return code


def add_ledger_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ledger", metavar="PATH|DSN",
                        help="ledger file or postgresql:// DSN (default: $ARIFOS_LEDGER_DSN, "
                             "else $ARIFOS_HOME/ledger.sqlite3)")


def open_cli_ledger(path: str | None, *, must_exist: bool = True) -> Ledger:
    """The ledger a command works on; LedgerError naming the file when it is missing."""
    target = path or os.environ.get(DSN_ENV) or str(default_ledger_path())
    if target.startswith(("postgres://", "postgresql://")):
        ledger = open_ledger(target)
        assert ledger is not None
        return ledger
    if must_exist and target != ":memory:" and not os.path.exists(target):
        raise LedgerError(f"no ledger at {target}; run something first or pass --ledger PATH")
    return SQLiteLedger(target)
