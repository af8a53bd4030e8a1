"""Packaging: public names, light import, shipped data."""

from __future__ import annotations

import importlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

import arifos_core
import arifos_core.contracts

SDKS = {"openai", "anthropic", "google", "ollama", "httpx", "httpx2", "tiktoken"}


def test_import_arifos_core_imports_no_provider_sdk() -> None:
    code = ("import arifos_core, sys; "
            f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {SDKS!r}); "
            "assert not bad, bad; "
            "import arifos_core.integration.adapters.llm_backends_v43, "
            "arifos_core.integration.adapters.governed_llm, arifos_core.gateway, "
            "arifos_core.usage, arifos_core.resilience; "
            f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {SDKS!r}); "
            "assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0, result.stderr


def test_import_arifos_core_is_lazy() -> None:
    code = ("import arifos_core, sys; assert 'jsonschema' not in sys.modules; "
            "import arifos_core.contracts; assert 'jsonschema' not in sys.modules; "
            "arifos_core.load_contract(); assert 'jsonschema' in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("module", [
    "arifos_core",
    "arifos_core.contracts",
    "arifos_core.backends",
    "arifos_core.resilience",
    "arifos_core.usage",
    "arifos_core.gateway",
    "arifos_core.governance",
    "arifos_core.ledger",
    "arifos_core.integration.adapters.llm_backends_v43",
    "arifos_core.integration.adapters.governed_llm",
])
def test_public_names_resolve(module: str) -> None:
    mod = importlib.import_module(module)
    assert len(set(mod.__all__)) == len(mod.__all__)
    for name in mod.__all__:
        assert getattr(mod, name) is not None, name


@pytest.mark.parametrize("module", ["arifos_core.contracts", "arifos_core.backends",
                                    "arifos_core.resilience", "arifos_core.usage",
                                    "arifos_core.gateway", "arifos_core.governance",
                                    "arifos_core.ledger"])
def test_all_lists_every_public_name(module: str) -> None:
    mod = importlib.import_module(module)
    public = {n for n, v in vars(mod).items() if not n.startswith("_")
              and not isinstance(v, type(importlib))}
    assert public == set(mod.__all__)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="nope"):
        arifos_core.nope  # noqa: B018


def test_wheel_ships_spec_and_canon(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("arifos_core-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("spec/v43/interface_and_authority.json", "spec/v43/governance_policy.yaml",
                    "spec/backends/catalog.json", "spec/schema/defs.schema.json",
                    "canon/floors.md", "canon/capabilities.md", "canon/verdicts.md"):
        assert f"arifos_core/_data/{shipped}" in names, shipped
    assert "arifos_core/py.typed" in names
    for encoding in ("o200k_base", "cl100k_base"):
        assert f"arifos_core/usage/encodings/{encoding}.tiktoken.gz" in names
