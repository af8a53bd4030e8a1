"""Typed, immutable views of the spec files."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Union

__all__ = [
    "UNKNOWN",
    "Alias",
    "AllowEntry",
    "Authority",
    "CapabilityValue",
    "Catalog",
    "Connection",
    "Contract",
    "Family",
    "FloorSpec",
    "ModelRule",
    "Policy",
    "PolicyMessages",
    "Preset",
    "RepairSpec",
    "SdkSpec",
    "Target",
]

#: A catalog value nobody has verified.
UNKNOWN: Literal["unknown"] = "unknown"
CapabilityValue = Union[bool, Literal["unknown"]]  # noqa: UP007 - a runtime alias on 3.10

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return _EMPTY


def frozen_map(data: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only copy of ``data``."""
    return MappingProxyType(dict(data or {}))


# -- contract ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Authority:
    """Who issues verdicts and who may release a held output."""

    verdict_issuer: str
    reviewer_roles: tuple[str, ...]
    stop_issuers: tuple[str, ...] = ("pipeline",)
    min_approvals: int = 1
    allow_self_approval: bool = False
    reject_requires_reason: bool = True


@dataclass(frozen=True)
class Contract:
    """What a backend must be able to do (``llm_contract``) and the authority section."""

    name: str
    version: str
    required_capabilities: tuple[str, ...]
    recommended_capabilities: tuple[str, ...]
    must_accept_verdicts: tuple[str, ...]
    authority: Authority
    description: str = ""
    source: str = "<data>"
    digest: str = ""


# -- policy -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PolicyMessages:
    """Texts shown in place of withheld output."""

    refusal: str
    hold: str
    sabar: str
    uncertainty_note: str


@dataclass(frozen=True)
class AllowEntry:
    """A literal string or a regular expression that never trips a floor."""

    literal: str | None = None
    pattern: str | None = None
    note: str = ""


@dataclass(frozen=True)
class RepairSpec:
    """How often a floor may re-ask the model, and what happens if that does not help."""

    max_attempts: int
    then: str
    instruction: str | None = None


@dataclass(frozen=True)
class FloorSpec:
    """One floor as the policy declares it, with the policy defaults already applied."""

    id: str
    stage: Literal["pre", "post"]
    action: str
    on_error: Literal["fail_closed", "fail_open"]
    timeout_ms: int
    description: str = ""
    enabled: bool = True
    thresholds: Mapping[str, Any] = field(default_factory=_empty)
    types: tuple[str, ...] = ()
    allowlist: tuple[AllowEntry, ...] = ()
    repair: RepairSpec | None = None
    callable: str | None = None
    params: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True)
class Policy:
    """A governance policy: messages, defaults, ledger and streaming settings, floors."""

    name: str
    version: str
    messages: PolicyMessages
    floors: tuple[FloorSpec, ...]
    description: str = ""
    store_texts: bool = False
    on_ledger_failure: Literal["void", "release"] = "void"
    holdback_chars: int = 512
    source: str = "<data>"
    digest: str = ""

    def floor(self, floor_id: str) -> FloorSpec:
        """The floor with this id; KeyError naming the ids there are otherwise."""
        for spec in self.floors:
            if spec.id == floor_id:
                return spec
        raise KeyError(f"policy {self.name!r} has no floor {floor_id!r}; "
                       f"it has {[f.id for f in self.floors]}")

    @property
    def pre_floors(self) -> tuple[FloorSpec, ...]:
        """Enabled floors that run before the model call."""
        return tuple(f for f in self.floors if f.stage == "pre" and f.enabled)

    @property
    def post_floors(self) -> tuple[FloorSpec, ...]:
        """Enabled floors that run on the model's output."""
        return tuple(f for f in self.floors if f.stage == "post" and f.enabled)


# -- catalog ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SdkSpec:
    """The module an adapter imports and the extra that installs it."""

    module: str
    extra: str

    @property
    def install_hint(self) -> str:
        """The pip command that installs the SDK."""
        return f"pip install 'arifos-core[{self.extra}]'"


@dataclass(frozen=True)
class Connection:
    """How to reach a service; ``None`` fields are not set at this level."""

    default_base_url: str | None = None
    api_key_env: tuple[str, ...] | None = None
    api_key_required: bool | None = None
    base_url_env: tuple[str, ...] | None = None
    default_model: str | None = None
    headers: Mapping[str, str] | None = None
    health_path: str | None = None
    api_version: str | None = None
    api_version_env: tuple[str, ...] | None = None

    def merged(self, override: Connection) -> Connection:
        """This connection with the fields ``override`` sets replacing ours."""
        values = {name: getattr(override, name) if getattr(override, name) is not None
                  else getattr(self, name) for name in self.__dataclass_fields__}
        return Connection(**values)


@dataclass(frozen=True)
class ModelRule:
    """Capability overrides for model ids matching ``match`` (a case-insensitive glob)."""

    match: str
    capabilities: Mapping[str, CapabilityValue]
    note: str = ""

    def matches(self, model: str) -> bool:
        """Whether ``model`` matches this rule's glob."""
        return fnmatch.fnmatchcase(model.lower(), self.match.lower())


def _apply_rules(caps: dict[str, CapabilityValue], rules: tuple[ModelRule, ...],
                 model: str | None) -> None:
    if model is None:
        return
    for rule in rules:
        if rule.matches(model):
            caps.update(rule.capabilities)
            return


@dataclass(frozen=True)
class Preset:
    """A named configuration of a family, e.g. ``vllm`` of ``openai_compatible``."""

    name: str
    connection: Connection
    description: str = ""
    capabilities: Mapping[str, CapabilityValue] = field(default_factory=_empty)
    models: tuple[ModelRule, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Family:
    """A backend family: one adapter, its declared capabilities, model rules and presets."""

    name: str
    description: str
    capabilities: Mapping[str, CapabilityValue]
    connection: Connection
    sdk: SdkSpec | None = None
    models: tuple[ModelRule, ...] = ()
    presets: Mapping[str, Preset] = field(default_factory=_empty)
    sources: tuple[str, ...] = ()

    def preset(self, name: str) -> Preset:
        """The named preset; KeyError listing the presets otherwise."""
        try:
            return self.presets[name]
        except KeyError:
            raise KeyError(f"family {self.name!r} has no preset {name!r}; "
                           f"presets: {sorted(self.presets)}") from None

    def capabilities_for(self, model: str | None = None, *,
                         preset: str | None = None) -> dict[str, CapabilityValue]:
        """Declared capabilities: family, then its first matching model rule, then the preset
        and the preset's first matching model rule, each overriding the one before."""
        caps = dict(self.capabilities)
        _apply_rules(caps, self.models, model)
        if preset is not None:
            chosen = self.preset(preset)
            caps.update(chosen.capabilities)
            _apply_rules(caps, chosen.models, model)
        return caps

    def connection_for(self, preset: str | None = None) -> Connection:
        """The family's connection settings with the preset's applied."""
        if preset is None:
            return self.connection
        return self.connection.merged(self.preset(preset).connection)


@dataclass(frozen=True)
class Target:
    """Where an alias points: family, optional preset, optional model id."""

    family: str
    preset: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class Alias:
    """A short model name (``claude``) and where it runs, by deployment type."""

    name: str
    target: Target
    description: str = ""
    deployments: Mapping[str, Target] = field(default_factory=_empty)


@dataclass(frozen=True)
class Catalog:
    """The capability catalog: families and aliases."""

    version: str
    families: Mapping[str, Family]
    aliases: Mapping[str, Alias]
    description: str = ""
    source: str = "<data>"
    digest: str = ""

    def family(self, name: str) -> Family:
        """The named family; KeyError listing the families otherwise."""
        try:
            return self.families[name]
        except KeyError:
            raise KeyError(f"catalog has no backend family {name!r}; "
                           f"families: {sorted(self.families)}") from None

    def capabilities(self, family: str, model: str | None = None, *,
                     preset: str | None = None) -> dict[str, CapabilityValue]:
        """Declared capabilities of a model in a family (and preset)."""
        return self.family(family).capabilities_for(model, preset=preset)
