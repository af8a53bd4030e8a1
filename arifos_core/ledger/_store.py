"""The ledger interface, held outputs, and opening a ledger from a setting."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from ._chain import LedgerEntry, VerifyReport

__all__ = ["DSN_ENV", "Hold", "Ledger", "LedgerError", "default_ledger_path", "open_ledger"]

#: When set, the default ledger: a ``postgresql://`` URL (or a SQLite file path).
DSN_ENV = "ARIFOS_LEDGER_DSN"


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
    """What the pipeline, the CLI and the audit need from a ledger store.

    A store may also offer ``async aappend(kind, record)``; ``GovernedPipeline.arun`` then
    writes through it instead of taking a worker thread per run.
    """

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


def _postgres(dsn: str) -> Ledger:
    from ._postgres import PostgresLedger

    return PostgresLedger(dsn)


#: Stores opened from a URL setting, by scheme; a setting without ``://`` is a SQLite file.
_URL_STORES: dict[str, Callable[[str], Ledger]] = {"postgres": _postgres,
                                                   "postgresql": _postgres}


def open_ledger(setting: Ledger | str | os.PathLike[str] | bool | None) -> Ledger | None:
    """A ledger from a pipeline's ``ledger=`` setting.

    - ``None`` or ``True``: the default, ``$ARIFOS_LEDGER_DSN`` if set (a URL or a file path),
      else the SQLite file at :func:`default_ledger_path`;
    - ``False``: no ledger;
    - ``"postgresql://…"`` or ``"postgres://…"``: a :class:`PostgresLedger` (needs
      ``pip install 'arifos-core[postgres]'``);
    - ``":memory:"`` or a file path: a :class:`SQLiteLedger`;
    - a ledger object: itself.
    """
    from ._sqlite import SQLiteLedger

    if setting is False:
        return None
    if setting is None or setting is True:
        setting = os.environ.get(DSN_ENV) or default_ledger_path()
    if not isinstance(setting, (str, os.PathLike)):
        return setting
    text = os.fspath(setting)
    scheme, sep, _ = text.partition("://")
    if not sep:
        return SQLiteLedger(text)
    opener = _URL_STORES.get(scheme.lower())
    if opener is None:
        raise LedgerError(f"unknown ledger URL scheme {scheme!r}; use one of "
                          f"{', '.join(sorted(_URL_STORES))} or a SQLite file path "
                          f"(in ledger= or {DSN_ENV})")
    return opener(text)
