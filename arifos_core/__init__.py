"""arifOS Core: governance between applications and large language models.

Public names are imported on first use, so ``import arifos_core`` stays cheap and never
imports a provider SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._errors import BackendError, ContractError, SpecIssue
    from .backends import LLMBackend, MockBackend, create_backend_from_spec
    from .contracts import (
        CapabilityCheck,
        Catalog,
        Contract,
        Policy,
        check_capabilities,
        load_catalog,
        load_contract,
        load_policy,
        validate_paths,
    )
    from .governance import GovernedPipeline, GovernedResult

_LAZY = {
    "ContractError": "arifos_core._errors",
    "SpecIssue": "arifos_core._errors",
    "CapabilityCheck": "arifos_core.contracts",
    "Catalog": "arifos_core.contracts",
    "Contract": "arifos_core.contracts",
    "Policy": "arifos_core.contracts",
    "check_capabilities": "arifos_core.contracts",
    "load_catalog": "arifos_core.contracts",
    "load_contract": "arifos_core.contracts",
    "load_policy": "arifos_core.contracts",
    "validate_paths": "arifos_core.contracts",
    "LLMBackend": "arifos_core.backends",
    "MockBackend": "arifos_core.backends",
    "BackendError": "arifos_core._errors",
    "create_backend_from_spec": "arifos_core.backends",
    "GovernedPipeline": "arifos_core.governance",
    "GovernedResult": "arifos_core.governance",
}

__all__ = [
    "BackendError",
    "CapabilityCheck",
    "Catalog",
    "Contract",
    "ContractError",
    "GovernedPipeline",
    "GovernedResult",
    "LLMBackend",
    "MockBackend",
    "Policy",
    "SpecIssue",
    "__version__",
    "check_capabilities",
    "create_backend_from_spec",
    "load_catalog",
    "load_contract",
    "load_policy",
    "validate_paths",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'arifos_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
