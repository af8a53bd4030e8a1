"""Declarative contracts: load and validate spec files, check backend capabilities.

    >>> from arifos_core.contracts import load_contract, check_capabilities
    >>> contract = load_contract()            # the shipped spec/v43/interface_and_authority.json
    >>> check_capabilities(contract, {"supports_refusal": True}, name="demo").verdict
    'FAIL'
"""

from .._errors import ContractError, SpecIssue
from ._canon import CanonSection, read_canon_file
from ._check import CapabilityCheck, check_capabilities
from ._load import load_catalog, load_contract, load_policy, read_spec
from ._model import (
    UNKNOWN,
    Alias,
    AllowEntry,
    Authority,
    CapabilityValue,
    Catalog,
    Connection,
    Contract,
    Family,
    FloorSpec,
    ModelRule,
    Policy,
    PolicyMessages,
    Preset,
    RepairSpec,
    SdkSpec,
    Target,
)
from ._paths import (
    default_catalog_path,
    default_contract_path,
    default_policy_path,
    default_pricing_path,
    packaged_canon_dir,
    packaged_spec_dir,
)
from ._schema import vocabulary
from ._validate import CheckOutcome, ValidationReport, validate_paths

__all__ = [
    "UNKNOWN",
    "Alias",
    "AllowEntry",
    "Authority",
    "CanonSection",
    "CapabilityCheck",
    "CapabilityValue",
    "Catalog",
    "CheckOutcome",
    "Connection",
    "Contract",
    "ContractError",
    "Family",
    "FloorSpec",
    "ModelRule",
    "Policy",
    "PolicyMessages",
    "Preset",
    "RepairSpec",
    "SdkSpec",
    "SpecIssue",
    "Target",
    "ValidationReport",
    "check_capabilities",
    "default_catalog_path",
    "default_contract_path",
    "default_policy_path",
    "default_pricing_path",
    "load_catalog",
    "load_contract",
    "load_policy",
    "packaged_canon_dir",
    "packaged_spec_dir",
    "read_canon_file",
    "read_spec",
    "validate_paths",
    "vocabulary",
]
