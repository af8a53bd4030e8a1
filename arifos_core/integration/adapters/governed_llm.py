"""arifOS v43 governance API at its documented import path.

    >>> from arifos_core.integration.adapters.governed_llm import GovernedPipeline
    >>> pipeline = GovernedPipeline(llm_generate=backend.generate)  # doctest: +SKIP
    >>> result = pipeline.run("What is arifOS?")                    # doctest: +SKIP
    >>> print(result["output"], result["verdict"])                  # doctest: +SKIP
"""

from ...contracts import (
    ContractError,
    FloorSpec,
    Policy,
    PolicyMessages,
    default_policy_path,
    load_policy,
)
from ...governance import (
    VERDICTS,
    Evidence,
    EvidenceRecord,
    FloorContext,
    FloorResult,
    GovernedChunk,
    GovernedPipeline,
    GovernedResult,
    HoldDecision,
    HoldQueue,
    Modification,
    Verdict,
    register_floor,
)
from ...ledger import Ledger, LedgerError, SQLiteLedger, VerifyReport

__all__ = [
    "VERDICTS",
    "ContractError",
    "Evidence",
    "EvidenceRecord",
    "FloorContext",
    "FloorResult",
    "FloorSpec",
    "GovernedChunk",
    "GovernedPipeline",
    "GovernedResult",
    "HoldDecision",
    "HoldQueue",
    "Ledger",
    "LedgerError",
    "Modification",
    "Policy",
    "PolicyMessages",
    "SQLiteLedger",
    "Verdict",
    "VerifyReport",
    "default_policy_path",
    "load_policy",
    "register_floor",
]
