"""arifOS v43 backend API at its documented import path.

Holds the contract side of the backend factory: load the contract and check a backend's
declared capabilities against it. Backends and the factory are added at this path as they land.
"""

from ...contracts import (
    UNKNOWN,
    CapabilityCheck,
    CapabilityValue,
    Catalog,
    Contract,
    ContractError,
    check_capabilities,
    default_catalog_path,
    default_contract_path,
    load_catalog,
    load_contract,
)

__all__ = [
    "UNKNOWN",
    "CapabilityCheck",
    "CapabilityValue",
    "Catalog",
    "Contract",
    "ContractError",
    "check_capabilities",
    "default_catalog_path",
    "default_contract_path",
    "load_catalog",
    "load_contract",
]
