"""``arifos ledger verify|tail|show``: check and read the tamper-evident ledger."""

from __future__ import annotations

import argparse
import json

from ..ledger import LedgerError
from ._common import add_ledger_option, fail, open_cli_ledger


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``ledger`` command group."""
    parser = commands.add_parser("ledger", help="verify and read the ledger",
                                 description="Verify the hash chain, or read entries.")
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="walk the chain; exit 1 at the first bad entry")
    add_ledger_option(verify)
    verify.set_defaults(func=_verify)
    tail = actions.add_parser("tail", help="print the last entries")
    tail.add_argument("-n", type=int, default=10, help="how many (default 10)")
    tail.add_argument("--json", action="store_true", help="one JSON object per line")
    add_ledger_option(tail)
    tail.set_defaults(func=_tail)
    show = actions.add_parser("show", help="print one entry as JSON")
    show.add_argument("entry_id", metavar="ID")
    add_ledger_option(show)
    show.set_defaults(func=_show)


def _verify(args: argparse.Namespace) -> int:
    try:
        report = open_cli_ledger(args.ledger).verify()
    except LedgerError as exc:
        return fail(str(exc))
    print(report)
    return 0 if report.ok else 1


def _tail(args: argparse.Namespace) -> int:
    try:
        entries = open_cli_ledger(args.ledger).tail(args.n)
    except LedgerError as exc:
        return fail(str(exc))
    for entry in entries:
        if args.json:
            print(json.dumps(entry.to_dict(), ensure_ascii=False))
        else:
            record = entry.record
            summary = record.get("verdict") or record.get("decision") or ""
            print(f"{entry.seq:>6}  {entry.time}  {entry.kind:<14} {summary:<9} {entry.id}")
    return 0


def _show(args: argparse.Namespace) -> int:
    try:
        entry = open_cli_ledger(args.ledger).get(args.entry_id)
    except (LedgerError, KeyError) as exc:
        return fail(str(exc).strip("'\""))
    print(json.dumps(entry.to_dict(), indent=2, ensure_ascii=False))
    return 0
