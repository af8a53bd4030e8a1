"""``arifos holds list|approve|reject``: human review of withheld outputs."""

from __future__ import annotations

import argparse
import json

from .._errors import ContractError, HoldError
from ..ledger import LedgerError
from ._common import add_ledger_option, fail, open_cli_ledger


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``holds`` command group."""
    parser = commands.add_parser("holds", help="review outputs held for a person (888_HOLD)",
                                 description="List, approve or reject held outputs. Who may "
                                 "decide comes from the contract's authority section.")
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="pending holds (all with --all)")
    listing.add_argument("--all", action="store_true")
    listing.add_argument("--json", action="store_true")
    add_ledger_option(listing)
    listing.set_defaults(func=_list)
    for name, helptext in (("approve", "approve and release a held output"),
                           ("reject", "reject a held output (it is never released)")):
        action = actions.add_parser(name, help=helptext)
        action.add_argument("hold_id", metavar="HOLD_ID")
        action.add_argument("--reviewer", required=True, help="your name")
        action.add_argument("--role", required=True, help="your reviewer role")
        action.add_argument("--reason" if name == "reject" else "--note", default="",
                            required=name == "reject")
        action.add_argument("--contract", metavar="FILE", help="contract (default: shipped)")
        add_ledger_option(action)
        action.set_defaults(func=_decide, decision=name)


def _list(args: argparse.Namespace) -> int:
    try:
        holds = open_cli_ledger(args.ledger).list_holds(None if args.all else "pending")
    except LedgerError as exc:
        return fail(str(exc))
    for hold in holds:
        if args.json:
            print(json.dumps({"id": hold.id, "status": hold.status, "created": hold.created,
                              "entry_id": hold.entry_id, "requested_by": hold.requested_by,
                              "decisions": list(hold.decisions)}, ensure_ascii=False))
        else:
            print(f"{hold.id}  {hold.status:<9} {hold.created}  entry {hold.entry_id}")
    if not holds and not args.json:
        print("no holds")
    return 0


def _decide(args: argparse.Namespace) -> int:
    from ..contracts import load_contract
    from ..governance import HoldQueue

    try:
        queue = HoldQueue(open_cli_ledger(args.ledger), load_contract(args.contract))
        if args.decision == "approve":
            decision = queue.approve(args.hold_id, args.reviewer, role=args.role, note=args.note)
        else:
            decision = queue.reject(args.hold_id, args.reviewer, args.reason, role=args.role)
    except (HoldError, LedgerError, ContractError) as exc:
        return fail(str(exc), 1 if isinstance(exc, HoldError) else 2)
    except KeyError as exc:
        return fail(str(exc).strip("'\""))
    done = {"approve": "approved", "reject": "rejected"}[args.decision]
    print(f"{done} hold {args.hold_id} (status {decision.hold.status}, "
          f"audit {decision.audit_id})")
    if decision.released and decision.output is not None:
        print(decision.output)
    return 0
