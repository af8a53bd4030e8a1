"""Validate spec data against the shipped JSON Schemas and explain failures in plain words.

jsonschema is imported on first validation: it is most of the import cost of this package.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from .._errors import SpecIssue
from ._paths import packaged_spec_dir
from ._source import SpecDocument, escape_pointer

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

__all__ = ["KINDS", "SCHEMA_FILES", "schema_for", "schema_issues", "vocabulary"]

#: Spec file kinds and the schema file each follows.
SCHEMA_FILES: Mapping[str, str] = {
    "contract": "contract.schema.json",
    "policy": "policy.schema.json",
    "catalog": "catalog.schema.json",
    "pricing": "pricing.schema.json",
    "gateway": "gateway.schema.json",
}
KINDS = tuple(SCHEMA_FILES)
_DEFS_FILE = "defs.schema.json"
_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean",
               int: "integer", float: "number", type(None): "null"}


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    directory = packaged_spec_dir() / "schema"
    return {name: json.loads((directory / name).read_text("utf-8"))
            for name in (*SCHEMA_FILES.values(), _DEFS_FILE)}


@cache
def _registry() -> Registry:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = [(schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
                 for schema in _schemas().values()]
    return Registry().with_resources(resources)


def schema_for(kind: str) -> dict[str, Any]:
    """The JSON Schema of a spec kind (``contract``, ``policy`` or ``catalog``)."""
    return _schemas()[SCHEMA_FILES[kind]]


@cache
def _validator(kind: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(schema_for(kind), registry=_registry(),
                                format_checker=FormatChecker(["regex"]))


@cache
def vocabulary() -> dict[str, tuple[str, ...]]:
    """Names the schemas define: ``capability``, ``verdict`` and ``signal``."""
    defs = _schemas()[_DEFS_FILE]["$defs"]
    return {name: tuple(defs[name]["enum"]) for name in ("capability", "verdict", "signal")}


def schema_issues(kind: str, doc: SpecDocument) -> list[SpecIssue]:
    """Every way ``doc`` breaks the schema of ``kind``, in file order."""
    issues: dict[tuple[str, str], SpecIssue] = {}
    for error in _validator(kind).iter_errors(doc.data):
        for issue in _explain(error, doc, schema_for(kind)):
            issues.setdefault((issue.pointer, issue.message), issue)
    return sorted(issues.values(), key=lambda i: (i.line or 0, i.column or 0, i.pointer))


# -- explaining errors ------------------------------------------------------------------------

def _pointer(path: Iterable[object]) -> str:
    return "".join(f"/{escape_pointer(part)}" for part in path)


def _show(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _closest(word: str, choices: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _one_of(choices: Iterable[Any]) -> str:
    shown = [_show(c) for c in choices]
    return shown[0] if len(shown) == 1 else "one of " + ", ".join(shown)


def _allowed_keys(schema: Any, root: Mapping[str, Any]) -> set[str]:
    """Property names a schema (with its allOf and local $refs) knows."""
    if not isinstance(schema, Mapping):
        return set()
    keys = set(schema.get("properties", {}))
    parts = list(schema.get("allOf", []))
    ref = schema.get("$ref")
    if isinstance(ref, str):
        parts.append(_resolve(ref, root))
    for part in parts:
        keys |= _allowed_keys(_resolve(part["$ref"], root) if "$ref" in part else part, root)
    return keys


def _resolve(ref: str, root: Mapping[str, Any]) -> Any:
    """A $ref's target; local refs are tried against the root schema, then the shared defs."""
    fragment = ref.split("#", 1)[1] if "#" in ref else ""
    bases = ([root["$id"], _schemas()[_DEFS_FILE]["$id"]] if ref.startswith("#")
             else [ref.split("#")[0]])
    for base in bases:
        try:
            return _registry().resolver(base_uri=base).lookup(f"#{fragment}").contents
        except Exception:
            continue
    return {}


def _explain(error: ValidationError, doc: SpecDocument,
             root: Mapping[str, Any]) -> Iterator[SpecIssue]:
    pointer = _pointer(error.absolute_path)
    instance = error.instance
    validator = error.validator
    value: Any = error.validator_value  # the stubs widen these to include jsonschema's Unset
    schema: Any = error.schema
    hint = schema.get("description") if isinstance(schema, Mapping) else None

    if "propertyNames" in error.absolute_schema_path:
        yield _unknown_key(doc, pointer, str(instance), value
                           if validator == "enum" else None, pattern=validator == "pattern"
                           and value)
        return
    closed = validator in ("additionalProperties", "unevaluatedProperties")
    if closed and isinstance(instance, dict):
        allowed = _allowed_keys(schema, root)
        patterns = schema.get("patternProperties", {})
        for key in instance:
            if key not in allowed and not patterns:
                yield _unknown_key(doc, pointer, key, sorted(allowed))
        return
    if validator == "required" and isinstance(instance, dict):
        strays = [k for k in instance if k not in _allowed_keys(schema, root)]
        for key in value:
            if key in instance:
                continue
            message = f"missing required key {key!r}"
            near = _closest(key, strays)
            if near:
                message += f" ({near!r} looks like a misspelling of it)"
            yield doc.issue(pointer, message, code="missing-key")
        return
    if validator is None:  # a `false` subschema: the key is not allowed in this place
        key = _key_holding(doc.data, error.absolute_path, instance)
        where = f"{pointer}/{escape_pointer(key)}" if key is not None else pointer
        yield doc.issue(where, f"{key!r} is not allowed here", code="not-allowed")
        return
    if validator in ("oneOf", "anyOf") and error.context:
        if all(not e.relative_path for e in error.context):
            options = [_alternative(e) for e in error.context]
            yield doc.issue(pointer, f"invalid value {_show(instance)}",
                            expected=" or ".join(dict.fromkeys(options)), code="type")
        else:
            from jsonschema.exceptions import best_match

            deepest = best_match(error.context)
            yield from _explain(deepest, doc, root)
        return
    if validator == "type":
        yield doc.issue(pointer, f"wrong type: got {_json_type(instance)} {_show(instance)}",
                        expected=_type_words(value), code="type")
        return
    if validator == "enum":
        near = _closest(instance, map(str, value)) \
            if isinstance(instance, str) else None
        yield doc.issue(pointer, f"{_show(instance)} is not an accepted value",
                        expected=_one_of(value), suggestion=near, code="enum")
        return
    if validator == "const":
        yield doc.issue(pointer, f"{_show(instance)} is not accepted here"
                        + (f" ({hint})" if hint else ""),
                        expected=_show(value), code="enum")
        return
    message = error.message if len(error.message) < 200 else error.message[:199] + "…"
    if hint and validator in ("pattern", "format"):
        message += f" ({hint})"
    yield doc.issue(pointer, message, code=str(validator))


def _key_holding(data: Any, path: Iterable[object], value: Any) -> str | None:
    """The key under ``path`` whose value is ``value`` (jsonschema leaves it off the path of a
    `false` subschema's error)."""
    for part in path:
        data = data[part]
    if not isinstance(data, dict):
        return None
    for key, item in data.items():
        if item is value:
            return str(key)
    return next((str(key) for key, item in data.items() if item == value), None)


def _alternative(error: ValidationError) -> str:
    value: Any = error.validator_value
    if error.validator == "type":
        return _type_words(value)
    if error.validator == "const":
        return _show(value)
    if error.validator == "enum":
        return _one_of(value)
    return str(error.message)


def _type_words(types: Any) -> str:
    names = [types] if isinstance(types, str) else list(types)
    return " or ".join("a boolean (true/false)" if t == "boolean" else f"{t}" for t in names)


def _unknown_key(doc: SpecDocument, pointer: str, key: str, allowed: Iterable[str] | None,
                 *, pattern: Any = None) -> SpecIssue:
    where = f"{pointer}/{escape_pointer(key)}"
    if pattern:
        return doc.issue(where, f"key {key!r} is not a valid name",
                         expected=f"a name matching {pattern}", code="unknown-key")
    choices = sorted(allowed or [])
    return doc.issue(
        where, f"unknown key {key!r}",
        expected=f"one of {', '.join(choices)}" if choices else None,
        suggestion=_closest(key, choices), code="unknown-key")
