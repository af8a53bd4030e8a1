"""arifOS v43 governance API at its documented import path.

Holds the policy side of the governed pipeline: the shipped policy and its floors. The
pipeline itself is added at this path when it lands.
"""

from ...contracts import (
    ContractError,
    FloorSpec,
    Policy,
    PolicyMessages,
    default_policy_path,
    load_policy,
)

__all__ = [
    "ContractError",
    "FloorSpec",
    "Policy",
    "PolicyMessages",
    "default_policy_path",
    "load_policy",
]
