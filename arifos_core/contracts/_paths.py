"""Where the shipped spec and canon files are: inside the wheel, or beside the source tree."""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = [
    "default_catalog_path",
    "default_contract_path",
    "default_policy_path",
    "default_pricing_path",
    "packaged_canon_dir",
    "packaged_spec_dir",
]

_PACKAGE = Path(__file__).resolve().parent.parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"arifos_core's {name}/ directory is missing (looked in {_PACKAGE / '_data' / name} and "
        f"{_PACKAGE.parent / name}); reinstall with `pip install --force-reinstall arifos-core`"
    )


@cache
def packaged_spec_dir() -> Path:
    """The shipped ``spec/`` directory (schemas, default contract and policy, catalog)."""
    return _find("spec")


@cache
def packaged_canon_dir() -> Path:
    """The shipped ``canon/`` directory."""
    return _find("canon")


def default_contract_path() -> Path:
    """``spec/v43/interface_and_authority.json``."""
    return packaged_spec_dir() / "v43" / "interface_and_authority.json"


def default_policy_path() -> Path:
    """``spec/v43/governance_policy.yaml``."""
    return packaged_spec_dir() / "v43" / "governance_policy.yaml"


def default_pricing_path() -> Path:
    """``spec/pricing/prices.json``."""
    return packaged_spec_dir() / "pricing" / "prices.json"


def default_catalog_path() -> Path:
    """``spec/backends/catalog.json``."""
    return packaged_spec_dir() / "backends" / "catalog.json"
