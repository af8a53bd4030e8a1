"""Validate spec and canon files as `arifos validate` does: each file, then cross-checks."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .._errors import ContractError, SpecIssue
from ._canon import CanonSection, Origin, canon_issues, read_canon_file
from ._load import check_document, detect_kind
from ._paths import packaged_canon_dir, packaged_spec_dir
from ._schema import SCHEMA_FILES, schema_for, vocabulary
from ._source import SpecDocument, read_document

__all__ = ["CheckOutcome", "ValidationReport", "validate_paths"]

Status = Literal["ok", "failed", "error", "skipped"]
_SPEC_SUFFIXES = {".json", ".yaml", ".yml"}
_METASCHEMA_PREFIX = "https://json-schema.org/"


@dataclass(frozen=True)
class CheckOutcome:
    """The result of one check: a file, or a cross-check over several."""

    name: str
    kind: str
    issues: tuple[SpecIssue, ...] = ()
    summary: str = ""
    skipped: str | None = None

    @property
    def status(self) -> Status:
        """``error`` when the file could not be read, ``failed`` on any other issue."""
        if self.skipped:
            return "skipped"
        if any(issue.code == "io" for issue in self.issues):
            return "error"
        return "failed" if self.issues else "ok"


@dataclass(frozen=True)
class ValidationReport:
    """Every check `arifos validate` ran, in order."""

    outcomes: tuple[CheckOutcome, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when no check failed or errored."""
        return all(o.status in ("ok", "skipped") for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 valid, 1 violations found, 2 a file could not be read."""
        statuses = {o.status for o in self.outcomes}
        return 2 if "error" in statuses else 1 if "failed" in statuses else 0

    @property
    def issues(self) -> list[SpecIssue]:
        """All issues of all checks."""
        return [issue for outcome in self.outcomes for issue in outcome.issues]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "checks": [{"name": o.name, "kind": o.kind, "status": o.status,
                        "summary": o.summary, "skipped": o.skipped,
                        "issues": [i.to_dict() for i in o.issues]} for o in self.outcomes],
        }


def validate_paths(paths: Sequence[str | os.PathLike[str]] = (), *,
                   canon: str | os.PathLike[str] | None = None) -> ValidationReport:
    """Validate spec files and canon files.

    ``paths`` are files or directories (searched for .json, .yaml, .yml and .md files). With
    no paths, the shipped ``spec/`` and ``canon/`` are validated. ``canon`` adds a canon
    directory. Canon coverage is checked whenever canon files are among the inputs.
    """
    if not paths:
        paths = [packaged_spec_dir()]
        canon = canon if canon is not None else packaged_canon_dir()
    inputs = list(paths) + ([canon] if canon is not None else [])
    outcomes: list[CheckOutcome] = []
    spec_docs: list[tuple[str, SpecDocument]] = []
    sections: list[CanonSection] = []
    for path in _expand(inputs, outcomes):
        if path.suffix.lower() == ".md":
            outcomes.append(_canon_file(path, sections))
        else:
            outcomes.append(_spec_file(path, spec_docs))
    if any(o.kind == "canon" and o.status != "skipped" for o in outcomes):
        outcomes.append(_canon_coverage(spec_docs, sections))
    return ValidationReport(tuple(outcomes))


def _expand(inputs: Iterable[str | os.PathLike[str]],
            outcomes: list[CheckOutcome]) -> list[Path]:
    found: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*")
                            if p.is_file() and p.suffix.lower() in _SPEC_SUFFIXES | {".md"})
        elif path.exists():
            found.append(path)
        else:
            outcomes.append(CheckOutcome(os.fspath(raw), "file", (SpecIssue(
                os.fspath(raw), "no such file or directory; check the path", code="io"),)))
    return list(dict.fromkeys(found))


def _spec_file(path: Path, spec_docs: list[tuple[str, SpecDocument]]) -> CheckOutcome:
    shown = os.fspath(path)
    try:
        doc = read_document(path)
    except ContractError as exc:
        return CheckOutcome(shown, "file", exc.issues)
    if _is_json_schema(path, doc):
        return _schema_file(doc)
    kind = detect_kind(doc)
    if kind is None:
        hint = ", ".join(f'"$schema": "{name}"' for name in SCHEMA_FILES.values())
        return CheckOutcome(shown, "file", (doc.issue(
            "", "cannot tell what kind of spec file this is", code="unknown-kind",
            expected=f"a top-level key naming its schema ({hint})"),))
    issues = check_document(doc, kind)
    if not issues:
        spec_docs.append((kind, doc))
    return CheckOutcome(shown, kind, tuple(issues), _summary(kind, doc.data) if not issues else "")


def _is_json_schema(path: Path, doc: SpecDocument) -> bool:
    named = doc.data.get("$schema") if isinstance(doc.data, dict) else None
    return (isinstance(named, str) and named.startswith(_METASCHEMA_PREFIX)) or (
        path.parent.name == "schema" and path.name.endswith(".schema.json"))


def _schema_file(doc: SpecDocument) -> CheckOutcome:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(doc.data)
    except SchemaError as exc:
        pointer = "".join(f"/{p}" for p in exc.absolute_path)
        return CheckOutcome(doc.path, "schema", (doc.issue(
            pointer, f"not a valid JSON Schema 2020-12: {exc.message}", code="schema"),))
    return CheckOutcome(doc.path, "schema", summary="JSON Schema 2020-12")


def _summary(kind: str, data: dict[str, Any]) -> str:
    if kind == "contract":
        llm = data["llm_contract"]
        return (f"contract {data['name']} {data['version']}: "
                f"{len(llm['required_capabilities'])} required, "
                f"{len(llm['recommended_capabilities'])} recommended capabilities")
    if kind == "policy":
        return f"policy {data['name']} {data['version']}: {len(data['floors'])} floors"
    if kind == "gateway":
        return f"gateway {data['version']}: default {data['default']}, " \
               f"{len(data.get('agents', {}))} agent routes"
    if kind == "pricing":
        models = sum(len(p.get("models", [])) for p in data["providers"].values())
        return f"pricing {data['version']}: {len(data['providers'])} providers, {models} models"
    return (f"catalog {data['version']}: {len(data['families'])} families, "
            f"{len(data['aliases'])} aliases")


def _canon_file(path: Path, sections: list[CanonSection]) -> CheckOutcome:
    shown = os.fspath(path)
    try:
        kind, found = read_canon_file(path)
    except (OSError, UnicodeDecodeError) as exc:
        return CheckOutcome(shown, "canon", (SpecIssue(shown, f"cannot read: {exc}", code="io"),))
    if kind is None:
        return CheckOutcome(shown, "canon", skipped="not a canon file (its title is not "
                            "Capabilities, Floors or Verdicts)")
    sections.extend(found)
    return CheckOutcome(shown, "canon", summary=f"{len(found)} {kind} sections")


def _canon_coverage(spec_docs: list[tuple[str, SpecDocument]],
                    sections: list[CanonSection]) -> CheckOutcome:
    words = vocabulary()
    schema_dir = packaged_spec_dir() / "schema"
    defs = (os.fspath(schema_dir / "defs.schema.json"), None, "/$defs")
    policy_schema = (os.fspath(schema_dir / SCHEMA_FILES["policy"]), None,
                     "/$defs/builtin_floor_id")
    floors: dict[str, Origin] = {}
    for kind, doc in spec_docs:
        if kind == "policy":
            for index, floor in enumerate(doc.data["floors"]):
                pointer = f"/floors/{index}/id"
                floors.setdefault(floor["id"], (doc.path, doc.position(pointer)[0], pointer))
    for floor_id in schema_for("policy")["$defs"]["builtin_floor_id"]["enum"]:
        floors.setdefault(floor_id, policy_schema)
    named: dict[str, dict[str, Origin]] = {
        "capability": dict.fromkeys(words["capability"], defs),
        "verdict": dict.fromkeys(words["verdict"] + words["signal"], defs),
        "floor": floors,
    }
    issues = canon_issues(sections, named, named)
    counts = ", ".join(f"{len(v)} {k} names" for k, v in named.items())
    return CheckOutcome("canon coverage", "cross-check", tuple(issues),
                        summary=f"every name has one canon section ({counts})")
