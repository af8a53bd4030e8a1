"""The hash chain: canonical JSON, entry hashes, optional HMAC, verification. No I/O here, so
every store (SQLite, PostgreSQL) computes and checks entries the same way."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["GENESIS", "LedgerEntry", "Row", "VerifyReport", "batched_rows", "canonical",
           "entry_hash", "hasher", "ledger_key", "verify_entries", "verify_rows"]

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


def entry_hash(seq: int, entry_id: str, kind: str, time: str, prev_hash: str, body: str,
               key: bytes | None = None) -> str:
    """SHA-256 (HMAC-SHA-256 with a key) over the entry's place, id, kind, time, the previous
    hash and the canonical body, so rewriting any stored column, or the order, breaks the
    chain; checking it needs no JSON parsing."""
    return hasher(key)(seq, entry_id, kind, time, prev_hash, body)


def hasher(key: bytes | None) -> Callable[[int, str, str, str, str, str], str]:
    """:func:`entry_hash` for one key, with the HMAC's key schedule done once."""
    keyed = hmac.new(key, digestmod=hashlib.sha256) if key else None

    def digest(seq: int, entry_id: str, kind: str, time: str, prev_hash: str, body: str) -> str:
        message = f"v2\n{seq}\n{entry_id}\n{kind}\n{time}\n{prev_hash}\n{body}".encode()
        if keyed is None:
            return hashlib.sha256(message).hexdigest()
        mac = keyed.copy()
        mac.update(message)
        return mac.hexdigest()

    return digest


def _legacy_hash(seq: int, entry_id: str, prev_hash: str, body: str, key: bytes | None) -> str:
    """The first format's hash (seq, id, previous hash, body); kind and time were bound only
    through the body, so an entry in this format is also checked against its body."""
    message = f"{seq}\n{entry_id}\n{prev_hash}\n{body}".encode()
    if key:
        return hmac.digest(key, message, "sha256").hex()
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


#: A stored entry as its columns: seq, id, time, kind, body, prev_hash, hash.
Row = tuple[int, str, str, str, str, str, str]


def verify_rows(rows: Iterable[Row], key: bytes | None = None) -> VerifyReport:
    """Walk stored rows in sequence order and report the first that breaks the chain."""
    prev = GENESIS
    checked = 0
    hash_of = hasher(key)
    for row in rows:
        checked += 1
        seq, entry_id, time, kind, body, prev_hash, digest = row
        if seq != checked:
            problem = f"sequence {seq} where {checked} was expected (entry missing or moved)"
        elif prev_hash != prev:
            problem = "previous-hash link does not match the entry before it"
        elif hash_of(seq, entry_id, kind, time, prev_hash, body) == digest:
            prev = digest
            continue
        else:
            problem = _legacy_problem(row, key)
            if not problem:
                prev = digest
                continue
        return VerifyReport(False, checked, entry_id, seq, problem)
    return VerifyReport(True, checked)


def batched_rows(fetch: Callable[[int], list[Row]]) -> Iterator[Row]:
    """Every row from ``fetch(after_seq)`` batches, in sequence order."""
    rows = fetch(0)
    while rows:
        yield from rows
        rows = fetch(rows[-1][0])


def verify_entries(entries: Iterable[LedgerEntry], key: bytes | None = None) -> VerifyReport:
    """Walk entries in sequence order and report the first that breaks the chain."""
    return verify_rows(((e.seq, e.id, e.time, e.kind, e.body, e.prev_hash, e.hash)
                        for e in entries), key)


def _legacy_problem(row: Row, key: bytes | None) -> str:
    """Why ``row`` is not a valid entry in the first format either ("" when it is)."""
    seq, entry_id, time, kind, body, prev_hash, digest = row
    mismatch = "hash does not match the contents" + (" (or the HMAC key differs)" if key else "")
    if _legacy_hash(seq, entry_id, prev_hash, body, key) != digest:
        return mismatch
    try:
        data = json.loads(body)
    except ValueError:
        return "body is not valid JSON"
    if not isinstance(data, Mapping) or canonical(data) != body:
        return "body is not in canonical form (it was edited)"
    if data.get("id") != entry_id or data.get("kind") != kind or data.get("time") != time:
        return "id, kind or time column differs from the body"
    return ""
