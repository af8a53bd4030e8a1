"""Check a backend's declared capabilities against a contract."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ._model import UNKNOWN, CapabilityValue, Contract

__all__ = ["CapabilityCheck", "check_capabilities"]

CheckVerdict = Literal["PASS", "WARN", "FAIL"]


@dataclass(frozen=True)
class CapabilityCheck:
    """The outcome of checking one backend against a contract.

    ``verdict`` is FAIL when a required capability is missing (or, in strict mode, only
    "unknown"), WARN when a required capability is "unknown" or a recommended one is missing or
    "unknown", PASS otherwise. ``reason`` says so in one line.
    """

    name: str
    contract: str
    verdict: CheckVerdict
    missing_required: tuple[str, ...]
    missing_recommended: tuple[str, ...]
    unknown_required: tuple[str, ...]
    unknown_recommended: tuple[str, ...]
    strict: bool
    reason: str

    @property
    def ok(self) -> bool:
        """True unless the verdict is FAIL."""
        return self.verdict != "FAIL"


def _split(names: tuple[str, ...], caps: Mapping[str, CapabilityValue]
           ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    missing = tuple(n for n in names if caps.get(n, False) is False)
    unknown = tuple(n for n in names if caps.get(n) == UNKNOWN)
    return missing, unknown


def check_capabilities(contract: Contract, capabilities: Mapping[str, CapabilityValue], *,
                       name: str = "backend", strict: bool = False) -> CapabilityCheck:
    """Check declared ``capabilities`` (``True``/``False``/``"unknown"``; an absent name counts
    as ``False``) against ``contract``'s required and recommended capabilities."""
    for key, value in capabilities.items():
        if value is not True and value is not False and value != UNKNOWN:
            raise TypeError(f"capability {key!r} of {name} is {value!r}; "
                            f"declare True, False or {UNKNOWN!r}")
    missing_req, unknown_req = _split(contract.required_capabilities, capabilities)
    missing_rec, unknown_rec = _split(contract.recommended_capabilities, capabilities)
    failing = list(missing_req) + (list(unknown_req) if strict else [])
    if failing:
        verdict: CheckVerdict = "FAIL"
        reason = f"{name} missing required capabilities: {sorted(missing_req)}"
        if strict and unknown_req:
            reason = (f"{name} missing required capabilities: {sorted(failing)} "
                      f"(unverified in strict mode: {sorted(unknown_req)})")
    elif unknown_req or missing_rec or unknown_rec:
        verdict = "WARN"
        notes = []
        if unknown_req:
            notes.append(f"unverified required capabilities: {sorted(unknown_req)}")
        if missing_rec:
            notes.append(f"missing recommended capabilities: {sorted(missing_rec)}")
        if unknown_rec:
            notes.append(f"unverified recommended capabilities: {sorted(unknown_rec)}")
        reason = f"{name} meets {contract.name} with warnings: " + "; ".join(notes)
    else:
        verdict = "PASS"
        reason = f"{name} meets {contract.name}"
    return CapabilityCheck(name=name, contract=contract.name, verdict=verdict,
                           missing_required=missing_req, missing_recommended=missing_rec,
                           unknown_required=unknown_req, unknown_recommended=unknown_rec,
                           strict=strict, reason=reason)
