"""The factory: a model name in, a backend that meets the contract out."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .._errors import ContractViolation
from ..contracts import (
    CapabilityCheck,
    Catalog,
    check_capabilities,
    default_contract_path,
    load_catalog,
    load_contract,
)
from ._config import default_catalog
from ._interface import LLMBackend
from ._registry import get_backend, list_backends

__all__ = ["BackendTarget", "UnifiedBackendFactory", "create_backend", "create_backend_from_spec"]

log = logging.getLogger("arifos_core.backends")


@dataclass(frozen=True)
class BackendTarget:
    """Where a model name leads: the adapter family, an optional preset and the model id."""

    family: str
    preset: str | None
    model: str | None


class _AliasMap(Mapping[str, BackendTarget]):
    """The catalog's aliases as BackendTargets (read-only, loaded on first use)."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self._catalog = catalog

    def _targets(self) -> dict[str, BackendTarget]:
        catalog = self._catalog or default_catalog()
        return {name: BackendTarget(a.target.family, a.target.preset, a.target.model)
                for name, a in catalog.aliases.items()}

    def __getitem__(self, name: str) -> BackendTarget:
        return self._targets()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets())

    def __len__(self) -> int:
        return len(self._targets())

    def __repr__(self) -> str:
        return repr(self._targets())


class _BackendMapDescriptor:
    def __get__(self, factory: UnifiedBackendFactory | None, owner: type) -> _AliasMap:
        return _AliasMap(factory.catalog if factory is not None else None)


class UnifiedBackendFactory:
    """Builds backends by model name and refuses those that fail the contract.

    Names are the catalog's aliases (``claude``, ``gpt-4o``, ``llama-3``, …, listed in
    ``BACKEND_MAP``) or ``provider:model`` for any model id (``openai:gpt-4.1``,
    ``ollama:qwen2.5``, ``vllm:meta-llama/Llama-3.1-8B-Instruct``).
    """

    BACKEND_MAP = _BackendMapDescriptor()

    def __init__(self, spec_path: str | os.PathLike[str] | None = None, *,
                 catalog_path: str | os.PathLike[str] | None = None,
                 strict_contract: bool = False) -> None:
        self.contract_path = os.fspath(spec_path or default_contract_path())
        self.contract = load_contract(self.contract_path)
        self.catalog = load_catalog(catalog_path) if catalog_path else default_catalog()
        self.strict_contract = strict_contract

    def resolve(self, model_name: str, deployment_type: str | None = None) -> BackendTarget:
        """The family, preset and model a name stands for."""
        aliases = self.catalog.aliases
        if model_name in aliases:
            alias = aliases[model_name]
            target = alias.target
            if deployment_type is not None and deployment_type != target.family:
                if deployment_type not in alias.deployments:
                    raise ValueError(
                        f"{model_name!r} has no {deployment_type!r} deployment; choose one of "
                        f"{', '.join(sorted(alias.deployments)) or 'none'}")
                target = alias.deployments[deployment_type]
            return BackendTarget(target.family, target.preset, target.model)
        provider, sep, model = model_name.partition(":")
        if sep and model:
            presets = self.catalog.family("openai_compatible").presets
            if provider in presets:
                return BackendTarget("openai_compatible", provider, model)
            if provider in list_backends():
                return BackendTarget(provider, None, model)
        providers = set(list_backends()) | set(self.catalog.family("openai_compatible").presets)
        raise ValueError(
            f"Model {model_name!r} not supported. Available names: "
            f"{', '.join(sorted(aliases))}; or 'provider:model' with provider one of "
            f"{', '.join(sorted(providers))}")

    def create_backend(self, model_name: str, api_key: str | None = None, *,
                       deployment_type: str | None = None, **kwargs: Any) -> LLMBackend:
        """Build the backend for ``model_name`` and check it against the contract."""
        target = self.resolve(model_name, deployment_type)
        cls = get_backend(target.family)
        backend = cls(model=target.model, api_key=api_key, preset=target.preset,
                      catalog=self.catalog, **kwargs)
        check = self.check(backend, name=model_name)
        if not check.ok:
            backend.close()
            raise ContractViolation(f"{check.reason} (contract: {self.contract_path})",
                                    check=check, contract_path=self.contract_path)
        if check.verdict == "WARN":
            log.warning("%s", check.reason)
        else:
            log.info("[OK] %s", check.reason)
        return backend

    def check(self, backend: LLMBackend, *, name: str) -> CapabilityCheck:
        """The contract check of a built backend's declared capabilities."""
        return check_capabilities(self.contract, backend.get_capabilities(), name=name,
                                  strict=self.strict_contract)


def create_backend(model_name: str, api_key: str | None = None, **kwargs: Any) -> LLMBackend:
    """Build a backend by name, checked against the default contract."""
    return UnifiedBackendFactory().create_backend(model_name, api_key, **kwargs)


def create_backend_from_spec(model_name: str, api_key: str | None = None,
                             spec_path: str | os.PathLike[str] | None = None,
                             **kwargs: Any) -> LLMBackend:
    """Build a backend by name, checked against the contract at ``spec_path`` (default: the
    shipped v43 contract). Raises ContractViolation when it falls short."""
    return UnifiedBackendFactory(spec_path).create_backend(model_name, api_key, **kwargs)
