"""The tamper-evident ledger: append-only, hash-chained, optionally HMAC-keyed."""

from ._chain import GENESIS, LedgerEntry, VerifyReport, canonical, entry_hash, verify_entries
from ._sqlite import SQLiteLedger
from ._store import Hold, Ledger, LedgerError, default_ledger_path, open_ledger

__all__ = [
    "GENESIS",
    "Hold",
    "Ledger",
    "LedgerEntry",
    "LedgerError",
    "SQLiteLedger",
    "VerifyReport",
    "canonical",
    "default_ledger_path",
    "entry_hash",
    "open_ledger",
    "verify_entries",
]
