"""Read the canon (Markdown law) and check it names exactly what the spec names."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .._errors import SpecIssue

__all__ = ["CANON_KINDS", "REQUIRED_PARTS", "CanonSection", "canon_issues", "read_canon_file"]

#: H1 title of a canon file -> the kind of name its sections document.
CANON_KINDS: Mapping[str, str] = {"capabilities": "capability", "floors": "floor",
                                  "verdicts": "verdict"}
#: Labelled paragraphs every section must have.
REQUIRED_PARTS = ("What it means.", "How it is measured.", "Why the threshold.", "On failure.")

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class CanonSection:
    """One ``## `name` `` section of a canon file."""

    kind: str
    name: str
    file: str
    line: int
    parts: tuple[str, ...]


def read_canon_file(path: str | os.PathLike[str]) -> tuple[str | None, list[CanonSection]]:
    """The kind a canon file documents (None if it is not a canon file) and its sections."""
    shown = os.fspath(path)
    text = Path(path).read_text("utf-8")
    kind: str | None = None
    sections: list[CanonSection] = []
    current: tuple[str, int, list[str]] | None = None
    in_fence = False

    def close() -> None:
        if current and kind:
            name, line, body = current
            joined = "\n".join(body)
            parts = tuple(p for p in REQUIRED_PARTS if f"**{p}**" in joined)
            sections.append(CanonSection(kind, name, shown, line, parts))

    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading and len(heading.group(1)) == 1:
            close()
            current = None
            kind = CANON_KINDS.get(heading.group(2).strip().lower())
        elif heading and len(heading.group(1)) == 2:
            close()
            current = (heading.group(2).strip().strip("`").strip(), number, [])
        elif current is not None:
            current[2].append(line)
    close()
    return kind, sections


#: Where the spec names something: file, line (if known) and JSON pointer.
Origin = tuple[str, "int | None", str]


def canon_issues(sections: Iterable[CanonSection],
                 named: Mapping[str, Mapping[str, Origin]],
                 known: Mapping[str, Iterable[str]]) -> list[SpecIssue]:
    """Problems between canon sections and the spec.

    ``named[kind]`` maps each name the spec uses to where it is named; every one needs
    a section. ``known[kind]`` lists every name that exists; a section naming anything else is
    an error. Sections must also be unique and have all REQUIRED_PARTS.
    """
    issues: list[SpecIssue] = []
    seen: dict[tuple[str, str], CanonSection] = {}
    for section in sections:
        key = (section.kind, section.name)
        valid = set(known.get(section.kind, ()))
        if key in seen:
            first = seen[key]
            issues.append(SpecIssue(section.file, f"second canon section for {section.kind} "
                                    f"{section.name!r}; the first is at {first.file}:{first.line}",
                                    line=section.line, column=1, code="duplicate"))
            continue
        seen[key] = section
        if section.name not in valid:
            near = difflib.get_close_matches(section.name, sorted(valid), n=1)
            issues.append(SpecIssue(section.file, f"canon section names {section.kind} "
                                    f"{section.name!r}, which the spec does not define",
                                    line=section.line, column=1, code="unknown-name",
                                    suggestion=near[0] if near else None))
        missing = [p for p in REQUIRED_PARTS if p not in section.parts]
        if missing:
            issues.append(SpecIssue(section.file, f"canon section {section.name!r} lacks "
                                    + ", ".join(f"'**{p}**'" for p in missing),
                                    line=section.line, column=1, code="canon-part"))
    for kind, names in named.items():
        for name, (file, line, pointer) in sorted(names.items()):
            if (kind, name) not in seen:
                issues.append(SpecIssue(file, f"{kind} {name!r} has no canon section; add "
                                        f"'## `{name}`' to the canon file of {kind} names",
                                        pointer=pointer, line=line, code="canon-missing"))
    return issues
