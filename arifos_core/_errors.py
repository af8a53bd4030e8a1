"""Errors raised by arifos_core.

One root per concern::

    ValueError
     └── ContractError        a spec file (contract, policy, catalog) is unreadable or invalid;
                              carries the SpecIssue list: file, line, column, JSON pointer, fix

Later concerns (backends, governance) add their own roots here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ContractError", "SpecIssue"]


@dataclass(frozen=True)
class SpecIssue:
    """One problem found in a spec or canon file.

    ``line`` and ``column`` are 1-based and ``None`` when the position is unknown. ``pointer``
    is the RFC 6901 JSON pointer of the offending element (``""`` is the document root).
    ``code`` classifies the problem (``unknown-key``, ``missing-key``, ``type``, ``syntax``,
    ``io``, ...); ``io`` marks a file that could not be read at all.
    """

    file: str
    message: str
    pointer: str = ""
    line: int | None = None
    column: int | None = None
    expected: str | None = None
    suggestion: str | None = None
    code: str = "invalid"

    def location(self) -> str:
        """``file:line:column`` as far as it is known."""
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: {self.pointer or '/'}: {self.message}"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.suggestion:
            text += f"; did you mean {self.suggestion!r}?"
        return text

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "code": self.code,
            "message": self.message,
            "expected": self.expected,
            "suggestion": self.suggestion,
        }


class ContractError(ValueError):
    """A spec file could not be read or does not follow its schema.

    ``issues`` lists every problem found; the attributes ``file``, ``line``, ``column``,
    ``pointer`` and ``suggestion`` repeat those of the first one.
    """

    def __init__(self, issues: Sequence[SpecIssue]) -> None:
        if not issues:
            raise TypeError("ContractError needs at least one SpecIssue")
        self.issues: tuple[SpecIssue, ...] = tuple(issues)
        first = self.issues[0]
        self.file = first.file
        self.line = first.line
        self.column = first.column
        self.pointer = first.pointer
        self.suggestion = first.suggestion
        super().__init__(self._render())

    def _render(self) -> str:
        if len(self.issues) == 1:
            return str(self.issues[0])
        lines = [f"{self.file}: {len(self.issues)} problems"]
        lines.extend(f"  {issue}" for issue in self.issues)
        return "\n".join(lines)
