"""The ledger interface, held outputs, and opening a ledger from a setting."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from ._chain import LedgerEntry, VerifyReport

__all__ = ["Hold", "Ledger", "LedgerError", "default_ledger_path", "open_ledger"]


class LedgerError(RuntimeError):
    """The ledger could not be opened or written."""


@dataclass(frozen=True)
class Hold:
    """An output withheld for review. ``decisions`` lists each approval or rejection."""

    id: str
    entry_id: str
    created: str
    output: str
    status: str = "pending"
    requested_by: str | None = None
    decisions: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Hold:
        hold_id, entry_id, created, status, requested_by, output, decisions = row
        return cls(hold_id, entry_id, created, output, status, requested_by,
                   tuple(json.loads(decisions)))

    def with_decision(self, decision: Mapping[str, Any], status: str) -> Hold:
        return replace(self, decisions=(*self.decisions, decision), status=status)


class Ledger(Protocol):
    """What the pipeline, the CLI and the audit need from a ledger store."""

    def append(self, kind: str, record: Mapping[str, Any]) -> LedgerEntry: ...

    def get(self, entry_id: str) -> LedgerEntry: ...

    def tail(self, count: int = 10) -> list[LedgerEntry]: ...

    def entries(self, batch: int = 5000) -> Iterator[LedgerEntry]: ...

    def verify(self) -> VerifyReport: ...

    def put_hold(self, hold: Hold) -> None: ...

    def get_hold(self, hold_id: str) -> Hold: ...

    def list_holds(self, status: str | None = "pending") -> list[Hold]: ...

    def update_hold(self, hold: Hold) -> None: ...

    def close(self) -> None: ...


def default_ledger_path() -> Path:
    """``$ARIFOS_HOME/ledger.sqlite3``; ``ARIFOS_HOME`` defaults to ``~/.arifos``."""
    home = os.environ.get("ARIFOS_HOME") or os.path.join(os.path.expanduser("~"), ".arifos")
    return Path(home) / "ledger.sqlite3"


def open_ledger(setting: Ledger | str | os.PathLike[str] | bool | None) -> Ledger | None:
    """A ledger from a pipeline's ``ledger=`` setting: None for the default file, False for none,
    ``":memory:"``, a file path, or a ledger object."""
    from ._sqlite import SQLiteLedger

    if setting is False:
        return None
    if setting is None or setting is True:
        return SQLiteLedger(default_ledger_path())
    if isinstance(setting, (str, os.PathLike)):
        text = os.fspath(setting)
        if text.startswith(("postgres://", "postgresql://")):
            raise LedgerError("PostgreSQL ledgers are not available in this version; "
                              "use a SQLite file path")
        return SQLiteLedger(text)
    return setting
