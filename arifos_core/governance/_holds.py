"""Human review of held outputs: list, approve, reject — each decision a ledger entry."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from .._errors import HoldError
from ..contracts import Contract
from ..ledger import Hold, Ledger

__all__ = ["HoldDecision", "HoldQueue"]


@dataclass(frozen=True)
class HoldDecision:
    """The outcome of a decision: ``output`` is released only once the hold is approved."""

    hold: Hold
    audit_id: str
    released: bool
    output: str | None


class HoldQueue:
    """Held outputs in a ledger; who may decide comes from the contract's ``authority``."""

    def __init__(self, ledger: Ledger | None, contract: Contract) -> None:
        self.ledger = ledger
        self.authority = contract.authority

    def _store(self) -> Ledger:
        if self.ledger is None:
            raise HoldError("this pipeline has no ledger (ledger=False), so it keeps no holds")
        return self.ledger

    def list(self, status: str | None = "pending") -> list[Hold]:
        """Holds with this status (all when None), oldest first."""
        return self._store().list_holds(status)

    def get(self, hold_id: str) -> Hold:
        """One hold."""
        return self._store().get_hold(hold_id)

    def _check(self, hold: Hold, reviewer: str, role: str) -> None:
        if not reviewer:
            raise HoldError("a decision needs the reviewer's name")
        if role not in self.authority.reviewer_roles:
            raise HoldError(f"role {role!r} may not decide holds; allowed roles: "
                            f"{', '.join(self.authority.reviewer_roles)}")
        if hold.status != "pending":
            raise HoldError(f"hold {hold.id} is already {hold.status}")
        if hold.requested_by and reviewer == hold.requested_by \
                and not self.authority.allow_self_approval:
            raise HoldError(f"{reviewer} asked for this output and may not review it")
        if any(d.get("reviewer") == reviewer for d in hold.decisions):
            raise HoldError(f"{reviewer} has already decided on hold {hold.id}")

    def _decide(self, hold: Hold, decision: str, reviewer: str, role: str, reason: str,
                status: str) -> str:
        store = self._store()
        record = {"hold_id": hold.id, "run_entry": hold.entry_id, "decision": decision,
                  "reviewer": reviewer, "role": role, "reason": reason, "status": status,
                  "output_sha256": hashlib.sha256(hold.output.encode()).hexdigest()}
        entry = store.append("hold_decision", record)
        stamp = {"reviewer": reviewer, "role": role, "decision": decision, "reason": reason,
                 "time": datetime.now(timezone.utc).isoformat(), "entry_id": entry.id}
        store.update_hold(hold.with_decision(stamp, status))
        return entry.id

    def approve(self, hold_id: str, reviewer: str, *, role: str,
                note: str = "") -> HoldDecision:
        """Approve; the output is released once ``min_approvals`` reviewers have approved."""
        hold = self.get(hold_id)
        self._check(hold, reviewer, role)
        approvals = 1 + sum(d.get("decision") == "approve" for d in hold.decisions)
        released = approvals >= self.authority.min_approvals
        status = "approved" if released else "pending"
        audit_id = self._decide(hold, "approve", reviewer, role, note, status)
        return HoldDecision(self.get(hold_id), audit_id, released,
                            hold.output if released else None)

    def reject(self, hold_id: str, reviewer: str, reason: str, *, role: str) -> HoldDecision:
        """Reject; the output is never released."""
        hold = self.get(hold_id)
        self._check(hold, reviewer, role)
        if self.authority.reject_requires_reason and not reason.strip():
            raise HoldError("a rejection needs a reason (the contract requires one)")
        audit_id = self._decide(hold, "reject", reviewer, role, reason, "rejected")
        return HoldDecision(self.get(hold_id), audit_id, False, None)
