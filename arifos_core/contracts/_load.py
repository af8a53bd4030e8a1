"""Load contract, policy and catalog files into typed objects, or fail with ContractError."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

from .._errors import ContractError, SpecIssue
from ._model import (
    Alias,
    AllowEntry,
    Authority,
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
    frozen_map,
)
from ._paths import default_catalog_path, default_contract_path, default_policy_path
from ._schema import KINDS, SCHEMA_FILES, schema_for, schema_issues
from ._source import SpecDocument, escape_pointer, read_document

__all__ = ["check_document", "detect_kind", "load_catalog", "load_contract", "load_policy",
           "read_spec"]

PathLike = str | os.PathLike[str]
_SNIFF = {"llm_contract": "contract", "floors": "policy", "families": "catalog",
          "providers": "pricing", "agents": "gateway"}


def load_contract(path: PathLike | None = None) -> Contract:
    """Load a contract file (JSON or YAML); the shipped v43 contract by default."""
    doc = _checked(path or default_contract_path(), "contract")
    return _build_contract(doc.data, doc.path, _digest(doc.data))


def load_policy(path: PathLike | None = None) -> Policy:
    """Load a governance policy file (YAML or JSON); the shipped v43 policy by default."""
    doc = _checked(path or default_policy_path(), "policy")
    return _build_policy(doc.data, doc.path, _digest(doc.data))


def load_catalog(path: PathLike | None = None) -> Catalog:
    """Load a capability catalog file (JSON or YAML); the shipped catalog by default."""
    doc = _checked(path or default_catalog_path(), "catalog")
    return _build_catalog(doc.data, doc.path, _digest(doc.data))


def read_spec(path: PathLike, kind: str) -> Any:
    """The data of a spec file of ``kind`` after every check; ContractError otherwise."""
    return _checked(path, kind).data


def _checked(path: PathLike, kind: str) -> SpecDocument:
    doc = read_document(path)
    issues = check_document(doc, kind)
    if issues:
        raise ContractError(issues)
    return doc


def check_document(doc: SpecDocument, kind: str) -> list[SpecIssue]:
    """Every problem of ``doc`` read as ``kind``: its $schema, the schema, then the rules a
    schema cannot say (duplicates, references between entries)."""
    issues = _schema_ref_issues(doc, kind)
    if issues:
        return issues
    issues = schema_issues(kind, doc)
    return issues or _SEMANTIC[kind](doc)


def detect_kind(doc: SpecDocument) -> str | None:
    """The spec kind a document declares with $schema, or shows by its top-level keys."""
    if not isinstance(doc.data, dict):
        return None
    named = doc.data.get("$schema")
    if isinstance(named, str):
        kind = _kind_of_schema_ref(named)
        if kind:
            return kind
    found = {kind for key, kind in _SNIFF.items() if key in doc.data}
    return found.pop() if len(found) == 1 else None


def _kind_of_schema_ref(ref: str) -> str | None:
    for kind in KINDS:
        if PurePath(ref).name == SCHEMA_FILES[kind] or ref == schema_for(kind)["$id"]:
            return kind
    return None


def _schema_ref_issues(doc: SpecDocument, kind: str) -> list[SpecIssue]:
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("$schema"), str):
        return []
    named = doc.data["$schema"]
    declared = _kind_of_schema_ref(named)
    if declared == kind:
        return []
    if declared is None:
        message = f"unknown schema {named!r}"
    else:
        message = f"this file declares the {declared} schema but is read as a {kind}"
    return [doc.issue("/$schema", message, code="schema-ref",
                      expected=f"'{SCHEMA_FILES[kind]}' or '{schema_for(kind)['$id']}'")]


def _digest(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# -- rules beyond the schema ------------------------------------------------------------------

def _contract_rules(doc: SpecDocument) -> list[SpecIssue]:
    llm = doc.data["llm_contract"]
    required = set(llm["required_capabilities"])
    return [doc.issue(f"/llm_contract/recommended_capabilities/{i}",
                      f"{name!r} is listed as both required and recommended; keep one",
                      code="conflict")
            for i, name in enumerate(llm["recommended_capabilities"]) if name in required]


def _policy_rules(doc: SpecDocument) -> list[SpecIssue]:
    issues = []
    first: dict[str, int] = {}
    for index, floor in enumerate(doc.data["floors"]):
        floor_id = floor["id"]
        if floor_id in first:
            issues.append(doc.issue(
                f"/floors/{index}/id",
                f"duplicate floor id {floor_id!r}, first defined at /floors/{first[floor_id]}",
                code="duplicate"))
        first.setdefault(floor_id, index)
    return issues


def _rule_duplicates(doc: SpecDocument, pointer: str,
                     rules: list[dict[str, Any]]) -> list[SpecIssue]:
    seen: dict[str, int] = {}
    issues = []
    for index, rule in enumerate(rules):
        key = rule["match"].lower()
        if key in seen:
            issues.append(doc.issue(f"{pointer}/{index}/match",
                                    f"model rule {rule['match']!r} repeats {pointer}/{seen[key]}; "
                                    "only the first matching rule applies", code="duplicate"))
        seen.setdefault(key, index)
    return issues


def _catalog_rules(doc: SpecDocument) -> list[SpecIssue]:
    families = doc.data["families"]
    issues = []
    for name, family in families.items():
        base = f"/families/{escape_pointer(name)}"
        issues += _rule_duplicates(doc, f"{base}/models", family.get("models", []))
        for preset_name, preset in family.get("presets", {}).items():
            issues += _rule_duplicates(doc, f"{base}/presets/{escape_pointer(preset_name)}/models",
                                       preset.get("models", []))
    for alias, entry in doc.data["aliases"].items():
        base = f"/aliases/{escape_pointer(alias)}"
        targets = [(base, entry)] + [(f"{base}/deployments/{escape_pointer(k)}", t)
                                     for k, t in entry.get("deployments", {}).items()]
        for pointer, target in targets:
            issues += _target_issues(doc, pointer, target, families)
    return issues


def _target_issues(doc: SpecDocument, pointer: str, target: Mapping[str, Any],
                   families: Mapping[str, Any]) -> list[SpecIssue]:
    family = families.get(target["family"])
    if family is None:
        return [doc.issue(f"{pointer}/family", f"no backend family {target['family']!r} in this "
                          "catalog", expected="one of " + ", ".join(sorted(families)),
                          code="reference")]
    preset = target.get("preset")
    if preset is not None and preset not in family.get("presets", {}):
        return [doc.issue(f"{pointer}/preset", f"family {target['family']!r} has no preset "
                          f"{preset!r}", expected="one of " + ", ".join(sorted(family.get(
                              "presets", {}))) if family.get("presets") else "no preset",
                          code="reference")]
    return []


def _pricing_rules(doc: SpecDocument) -> list[SpecIssue]:
    issues = []
    for name, provider in doc.data["providers"].items():
        base = f"/providers/{escape_pointer(name)}"
        if provider.get("local") and provider.get("models"):
            issues.append(doc.issue(f"{base}/models", "a local provider costs nothing; remove its "
                                    "model prices or set local to false", code="conflict"))
        issues += _rule_duplicates(doc, f"{base}/models", provider.get("models", []))
    return issues


_SEMANTIC: dict[str, Callable[[SpecDocument], list[SpecIssue]]] = {
    "contract": _contract_rules,
    "policy": _policy_rules,
    "catalog": _catalog_rules,
    "pricing": _pricing_rules,
    "gateway": lambda doc: [],
}


# -- building typed objects from validated data -----------------------------------------------

def _build_contract(data: dict[str, Any], source: str, digest: str) -> Contract:
    llm, authority = data["llm_contract"], data["authority"]
    release = authority["hold_release"]
    return Contract(
        name=data["name"],
        version=data["version"],
        description=data.get("description", ""),
        required_capabilities=tuple(llm["required_capabilities"]),
        recommended_capabilities=tuple(llm["recommended_capabilities"]),
        must_accept_verdicts=tuple(llm["must_accept_verdicts"]),
        authority=Authority(
            verdict_issuer=authority["verdict_issuer"],
            stop_issuers=tuple(authority.get("stop_issuers", ("pipeline",))),
            reviewer_roles=tuple(release["reviewer_roles"]),
            min_approvals=release.get("min_approvals", 1),
            allow_self_approval=release.get("allow_self_approval", False),
            reject_requires_reason=release.get("reject_requires_reason", True),
        ),
        source=source,
        digest=digest,
    )


def _build_floor(entry: dict[str, Any], defaults: dict[str, Any]) -> FloorSpec:
    repair = entry.get("repair")
    return FloorSpec(
        id=entry["id"],
        stage=entry["stage"],
        action=entry["action"],
        on_error=entry.get("on_error", defaults["on_error"]),
        timeout_ms=entry.get("timeout_ms", defaults["timeout_ms"]),
        description=entry.get("description", ""),
        enabled=entry.get("enabled", True),
        thresholds=frozen_map(entry.get("thresholds")),
        types=tuple(entry.get("types", ())),
        allowlist=tuple(AllowEntry(**item) for item in entry.get("allowlist", ())),
        repair=RepairSpec(**repair) if repair else None,
        callable=entry.get("callable"),
        params=frozen_map(entry.get("params")),
    )


def _build_policy(data: dict[str, Any], source: str, digest: str) -> Policy:
    defaults = data["defaults"]
    ledger = data.get("ledger", {})
    return Policy(
        name=data["name"],
        version=data["version"],
        description=data.get("description", ""),
        messages=PolicyMessages(**data["messages"]),
        floors=tuple(_build_floor(entry, defaults) for entry in data["floors"]),
        store_texts=ledger.get("store_texts", False),
        on_ledger_failure=ledger.get("on_write_failure", "void"),
        holdback_chars=data.get("streaming", {}).get("holdback_chars", 512),
        source=source,
        digest=digest,
    )


def _build_connection(entry: Mapping[str, Any]) -> Connection:
    def names(key: str) -> tuple[str, ...] | None:
        return tuple(entry[key]) if key in entry else None

    return Connection(
        default_base_url=entry.get("default_base_url"),
        api_key_env=names("api_key_env"),
        api_key_required=entry.get("api_key_required"),
        base_url_env=names("base_url_env"),
        default_model=entry.get("default_model"),
        headers=frozen_map(entry["headers"]) if "headers" in entry else None,
        health_path=entry.get("health_path"),
        api_version=entry.get("api_version"),
        api_version_env=names("api_version_env"),
    )


def _build_rules(entries: list[dict[str, Any]]) -> tuple[ModelRule, ...]:
    return tuple(ModelRule(e["match"], frozen_map(e["capabilities"]), e.get("note", ""))
                 for e in entries)


def _build_family(name: str, entry: dict[str, Any]) -> Family:
    sdk = entry.get("sdk")
    return Family(
        name=name,
        description=entry["description"],
        capabilities=frozen_map(entry["capabilities"]),
        connection=_build_connection(entry),
        sdk=SdkSpec(**sdk) if sdk else None,
        models=_build_rules(entry.get("models", [])),
        presets=frozen_map({
            preset_name: Preset(
                name=preset_name,
                connection=_build_connection(preset),
                description=preset.get("description", ""),
                capabilities=frozen_map(preset.get("capabilities")),
                models=_build_rules(preset.get("models", [])),
                sources=tuple(preset.get("sources", ())),
            )
            for preset_name, preset in entry.get("presets", {}).items()
        }),
        sources=tuple(entry.get("sources", ())),
    )


def _target(entry: Mapping[str, Any]) -> Target:
    return Target(entry["family"], entry.get("preset"), entry.get("model"))


def _build_catalog(data: dict[str, Any], source: str, digest: str) -> Catalog:
    return Catalog(
        version=data["version"],
        description=data.get("description", ""),
        families=frozen_map({n: _build_family(n, e) for n, e in data["families"].items()}),
        aliases=frozen_map({
            name: Alias(name=name, target=_target(entry),
                        description=entry.get("description", ""),
                        deployments=frozen_map({k: _target(t) for k, t in
                                                entry.get("deployments", {}).items()}))
            for name, entry in data["aliases"].items()
        }),
        source=source,
        digest=digest,
    )
