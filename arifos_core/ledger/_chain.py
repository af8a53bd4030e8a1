"""The hash chain: canonical JSON, entry hashes, optional HMAC, verification. No I/O here, so
every store (SQLite, PostgreSQL) computes and checks entries the same way."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["GENESIS", "LedgerEntry", "VerifyReport", "canonical", "entry_hash", "ledger_key",
           "verify_entries"]

#: The "previous hash" of the first entry.
GENESIS = "0" * 64
KEY_ENV = "ARIFOS_LEDGER_KEY"


def canonical(data: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def ledger_key() -> bytes | None:
    """The HMAC key from ``ARIFOS_LEDGER_KEY``, if set."""
    value = os.environ.get(KEY_ENV)
    return value.encode("utf-8") if value else None


def entry_hash(seq: int, entry_id: str, prev_hash: str, body: str,
               key: bytes | None = None) -> str:
    """SHA-256 (HMAC-SHA-256 with a key) over the sequence number, id, previous hash and the
    canonical body, so rewriting any of them, or the order, breaks the chain."""
    message = f"{seq}\n{entry_id}\n{prev_hash}\n{body}".encode()
    if key:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


@dataclass(frozen=True)
class LedgerEntry:
    """One stored entry: its place in the chain and its body."""

    seq: int
    id: str
    time: str
    kind: str
    body: str
    prev_hash: str
    hash: str

    @property
    def record(self) -> dict[str, Any]:
        """The body as data."""
        data: dict[str, Any] = json.loads(self.body)
        return data

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "id": self.id, "time": self.time, "kind": self.kind,
                "prev_hash": self.prev_hash, "hash": self.hash, "record": self.record}


@dataclass(frozen=True)
class VerifyReport:
    """The result of walking the chain: ``first_bad`` names the first entry that does not hold."""

    ok: bool
    checked: int
    first_bad: str | None = None
    first_bad_seq: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"ledger OK: {self.checked} entries verified"
        return (f"ledger BROKEN at entry {self.first_bad} (seq {self.first_bad_seq}): "
                f"{self.reason}; {self.checked} entries checked")


def verify_entries(entries: Iterable[LedgerEntry], key: bytes | None = None) -> VerifyReport:
    """Walk entries in sequence order and report the first that breaks the chain."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in entries:
        checked += 1
        problem = _problem(entry, prev, expected_seq, key)
        if problem:
            return VerifyReport(False, checked, entry.id, entry.seq, problem)
        prev = entry.hash
        expected_seq += 1
    return VerifyReport(True, checked)


def _problem(entry: LedgerEntry, prev: str, expected_seq: int, key: bytes | None) -> str:
    if entry.seq != expected_seq:
        return f"sequence {entry.seq} where {expected_seq} was expected (entry missing or moved)"
    if entry.prev_hash != prev:
        return "previous-hash link does not match the entry before it"
    try:
        body = json.loads(entry.body)
    except ValueError:
        return "body is not valid JSON"
    if not isinstance(body, Mapping) or canonical(body) != entry.body:
        return "body is not in canonical form (it was edited)"
    if body.get("id") != entry.id or body.get("kind") != entry.kind \
            or body.get("time") != entry.time:
        return "id, kind or time column differs from the body"
    if not hmac.compare_digest(entry_hash(entry.seq, entry.id, entry.prev_hash, entry.body, key),
                               entry.hash):
        return "hash does not match the contents" + (" (or the HMAC key differs)" if key else "")
    return ""
