"""The tamper-evident ledger: append-only, hash-chained, optionally HMAC-keyed.

Stores: :class:`SQLiteLedger` (one file) and :class:`PostgresLedger` (a shared server; psycopg is
imported only when one is opened).
"""

from ._chain import (
    GENESIS,
    LedgerEntry,
    VerifyReport,
    canonical,
    entry_hash,
    verify_entries,
    verify_rows,
)
from ._postgres import PostgresLedger
from ._sqlite import SQLiteLedger
from ._store import DSN_ENV, Hold, Ledger, LedgerError, default_ledger_path, open_ledger

__all__ = [
    "DSN_ENV",
    "GENESIS",
    "Hold",
    "Ledger",
    "LedgerEntry",
    "LedgerError",
    "PostgresLedger",
    "SQLiteLedger",
    "VerifyReport",
    "canonical",
    "default_ledger_path",
    "entry_hash",
    "open_ledger",
    "verify_entries",
    "verify_rows",
]
