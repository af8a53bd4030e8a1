"""Read JSON and YAML spec files into plain data, keeping where each element stands.

Parsing never raises anything but ContractError. Positions are worked out only when an issue
needs one, so valid files cost a single parse.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import yaml

from .._errors import ContractError, SpecIssue

__all__ = ["SpecDocument", "escape_pointer", "read_document"]

YAML_SUFFIXES = frozenset({".yaml", ".yml"})
_WS = re.compile(r"[ \t\n\r]*")
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


def escape_pointer(token: object) -> str:
    """One JSON-pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class SpecDocument:
    """A parsed spec file: its data and a way to find where a JSON pointer stands in it."""

    path: str
    text: str
    data: Any
    _locate: Callable[[], dict[str, tuple[int, int]]] = field(repr=False, compare=False)
    _positions: dict[str, tuple[int, int]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def position(self, pointer: str) -> tuple[int | None, int | None]:
        """1-based (line, column) of ``pointer``, or of its nearest ancestor that exists."""
        if not self._positions:
            self._positions.update(self._locate())
        probe = pointer
        while True:
            if probe in self._positions:
                return self._positions[probe]
            if not probe:
                return (None, None)
            probe = probe.rsplit("/", 1)[0]

    def issue(self, pointer: str, message: str, **extra: Any) -> SpecIssue:
        """A SpecIssue at ``pointer`` in this document."""
        line, column = self.position(pointer)
        return SpecIssue(self.path, message, pointer=pointer, line=line, column=column, **extra)


def read_document(path: str | os.PathLike[str]) -> SpecDocument:
    """Read and parse a spec file; JSON unless its suffix is .yaml or .yml."""
    shown = os.fspath(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise _fail(shown, "no such file; check the path", code="io") from None
    except IsADirectoryError:
        raise _fail(shown, "is a directory, not a spec file", code="io") from None
    except OSError as exc:
        raise _fail(shown, f"cannot read: {exc.strerror or exc}", code="io") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ContractError(
            [SpecIssue(shown, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                       "save the file as UTF-8", line=line, column=column, code="syntax")]
        ) from None
    if Path(shown).suffix.lower() in YAML_SUFFIXES:
        return _parse_yaml(shown, text)
    return _parse_json(shown, text)


def _fail(path: str, message: str, *, code: str, line: int | None = None,
          column: int | None = None) -> ContractError:
    return ContractError([SpecIssue(path, message, line=line, column=column, code=code)])


# -- JSON -------------------------------------------------------------------------------------

def _parse_json(path: str, text: str) -> SpecDocument:
    duplicated = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal duplicated
        result = dict(items)
        duplicated = duplicated or len(result) != len(items)
        return result

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise _fail(path, f"invalid JSON: {exc.msg}", code="syntax",
                    line=exc.lineno, column=exc.colno) from None
    except ValueError as exc:  # NaN / Infinity
        raise _fail(path, f"invalid JSON: {exc}", code="syntax") from None
    except RecursionError:
        raise _fail(path, "nested too deeply to be a spec file", code="syntax") from None
    if isinstance(data, float) and not math.isfinite(data):
        raise _fail(path, "invalid JSON number", code="syntax")
    doc = SpecDocument(path, text, data, lambda: _json_positions(text)[0])
    if duplicated:
        issues = [doc.issue(pointer, f"duplicate key {pointer.rsplit('/', 1)[1]!r}; "
                                     "keep one, a later copy would silently replace the first",
                            code="duplicate-key")
                  for pointer, _ in _json_positions(text)[1]]
        raise ContractError(issues)
    return doc


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _json_positions(text: str) -> tuple[dict[str, tuple[int, int]], list[tuple[str, int]]]:
    """Map every pointer of a valid JSON text to the position of its key (members) or value."""
    offsets: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    decoder = json.JSONDecoder()

    def skip(pos: int) -> int:
        return _WS.match(text, pos).end()  # type: ignore[union-attr]

    def value(pos: int, pointer: str) -> int:
        pos = skip(pos)
        offsets.setdefault(pointer, pos)
        opener = text[pos]
        if opener == "{":
            pos = skip(pos + 1)
            seen: set[str] = set()
            while text[pos] != "}":
                key, after = scanstring(text, pos + 1)
                child = f"{pointer}/{escape_pointer(key)}"
                if key in seen:
                    duplicates.append((child, pos))
                seen.add(key)
                offsets[child] = pos
                pos = skip(value(skip(after) + 1, child))
                if text[pos] == ",":
                    pos = skip(pos + 1)
            return pos + 1
        if opener == "[":
            pos = skip(pos + 1)
            index = 0
            while text[pos] != "]":
                pos = skip(value(pos, f"{pointer}/{index}"))
                index += 1
                if text[pos] == ",":
                    pos = skip(pos + 1)
            return pos + 1
        return decoder.raw_decode(text, pos)[1]

    with contextlib.suppress(RecursionError, IndexError, ValueError):
        value(0, "")  # positions are a courtesy; a partial map still helps
    return {p: _line_col(text, o) for p, o in offsets.items()}, duplicates


# -- YAML -------------------------------------------------------------------------------------

class _SpecLoader(yaml.SafeLoader):
    """SafeLoader limited to JSON data: no timestamps, no aliases, no duplicate keys."""

    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's class-level table
        first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in spec files; "
                "write the value out", event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raise yaml.constructor.ConstructorError(
                        None, None, f"mapping keys must be strings, found {key!r}",
                        key_node.start_mark)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}; keep one, a later copy would "
                        "silently replace the first", key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_JSON_SCALARS = (str, int, float, bool, type(None))


def _parse_yaml(path: str, text: str) -> SpecDocument:
    try:
        loader = _SpecLoader(text)
    except yaml.reader.ReaderError as exc:
        line, column = _line_col(text, exc.position)
        raise _fail(path, f"invalid YAML: character {exc.character:#06x} is not allowed",
                    code="syntax", line=line, column=column) from None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        code = "duplicate-key" if "duplicate key" in problem else "syntax"
        raise _fail(path, f"invalid YAML: {problem}", code=code,
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise _fail(path, f"invalid YAML: {exc}", code="syntax") from None
    except RecursionError:
        raise _fail(path, "nested too deeply to be a spec file", code="syntax") from None
    except (ValueError, TypeError, OverflowError) as exc:  # constructors of odd scalars
        raise _fail(path, f"invalid YAML value: {exc}", code="syntax") from None
    finally:
        loader.dispose()
    doc = SpecDocument(path, text, data, lambda: _yaml_positions(node))
    bad = _first_non_json(data, "")
    if bad is not None:
        pointer, value = bad
        raise ContractError([doc.issue(
            pointer, f"a YAML {type(value).__name__} value has no JSON equivalent; "
            "quote it to make it a string", code="type")])
    return doc


def _first_non_json(value: Any, pointer: str) -> tuple[str, Any] | None:
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first_non_json(item, f"{pointer}/{escape_pointer(key)}")
            if found:
                return found
        return None
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_non_json(item, f"{pointer}/{index}")
            if found:
                return found
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return pointer, value
    return None if isinstance(value, _JSON_SCALARS) else (pointer, value)


def _yaml_positions(root: Any) -> dict[str, tuple[int, int]]:
    positions: dict[str, tuple[int, int]] = {}
    stack = [("", root, None)]
    while stack:
        pointer, node, key_mark = stack.pop()
        if node is None:
            continue
        mark = key_mark or node.start_mark
        positions[pointer] = (mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = f"{pointer}/{escape_pointer(key_node.value)}"
                stack.append((child, value_node, key_node.start_mark))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((f"{pointer}/{index}", item, None))
    return positions
