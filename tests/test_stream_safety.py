"""Streaming with the shipped detectors: whatever a scan of the whole answer flags (a secret, or
personal data the policy redacts) never leaves a governed stream, however the answer is chunked.

Every secrets and personal-data corpus positive is streamed in chunks of several sizes, placed
so that its first flagged span straddles the end of the first scan (the hardest place: the scan
saw only its start), and followed by enough prose that text is released before the next scan.
"""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

import pytest

from arifos_core.backends import MockBackend
from arifos_core.governance import GovernedPipeline
from tests.corpus import read_rows

DATA = Path(__file__).parent / "data"
PROSE = ("The ledger stores the hashes of each prompt and output together with the floors "
         "that ran. Operators can replay the chain to check that no entry was edited. ") * 12
CHUNKS = (1, 7, 64, 300)
ROWS = [row["text"] for kind in ("secrets", "pii")
        for row in read_rows(DATA / kind / "positive.jsonl")]
PIPELINE = GovernedPipeline(llm_generate=lambda prompt: "", ledger=False)
WINDOW = PIPELINE.compiled.window


Span = tuple[int, int, str]


def strong_spans(text: str) -> dict[str, list[Span]]:
    """Where the output secrets and PII floors flag the whole text, by floor."""
    spans: dict[str, list[Span]] = {}
    for floor_id in ("output.secrets", "output.pii"):
        floor = PIPELINE.compiled.floor(floor_id)
        assert floor is not None and floor.detector is not None
        spans[floor_id] = [(e.start, e.end, e.type) for e in floor.detector.scan(text)
                           if e.score >= floor.threshold and not floor.allowed(text[e.start:e.end])]
    return spans


def redacted(text: str, spans: list[Span]) -> str:
    """``text`` with each span (overlapping ones as their union) replaced by ``[TYPE]``."""
    pieces, cursor = [], 0
    for start, end, kind in sorted(spans):
        if start < cursor:
            cursor = max(cursor, end)
            continue
        pieces += [text[cursor:start], f"[{kind.upper()}]"]
        cursor = end
    return "".join([*pieces, text[cursor:]])


@pytest.mark.parametrize("chunk", CHUNKS)
def test_flagged_spans_never_leave_a_stream(chunk: int) -> None:
    first_scan = -(-WINDOW // chunk) * chunk  # the stream's length when it is first scanned
    note = PIPELINE.policy.messages.uncertainty_note
    checked = 0
    for sample in ROWS:
        found = strong_spans(sample)
        flagged = sorted(found["output.secrets"] + found["output.pii"])
        if not flagged:
            continue
        start, end, _ = flagged[0]
        lead = max(0, first_scan - (start + end) // 2)
        text = PROSE[:lead] + sample + " " + PROSE[:WINDOW + 200]  # releases before the end
        spans = strong_spans(text)
        pipeline = GovernedPipeline(backend=MockBackend([text], chunk_size=chunk), ledger=False)
        pieces = list(pipeline.stream("Show me the config."))
        released = "".join(p.text for p in pieces).removesuffix(f"\n\n{note}")
        result = pieces[-1].result
        assert result is not None
        secrets, pii = spans["output.secrets"], spans["output.pii"]
        if secrets:  # stopped before the first secret: what came out is the redacted text so far
            cut = min(s for s, _, _ in secrets)
            expected = redacted(text[:cut], [p for p in pii if p[1] <= cut])
            assert result.verdict == "VOID", (sample, chunk, result.reason)
        else:
            expected = redacted(text, pii)
        assert expected.startswith(released), (sample, chunk, released[-80:])
        if result.verdict not in ("VOID", "888_HOLD"):
            assert released == expected, (sample, chunk)
        checked += 1
    assert checked >= 250  # nearly every corpus positive is flagged alone


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _long_secrets() -> dict[str, str]:
    """Secrets longer than the streaming window (512): a real-sized JWT, a long bearer token,
    an RSA private key."""
    rng = random.Random(7)
    header = _b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "abc"}).encode())
    payload = _b64(json.dumps({"sub": "user", "aud": "api://x",
                               "roles": [f"r{i}" for i in range(150)]}).encode())
    jwt = f"{header}.{payload}.{_b64(rng.randbytes(256))}"
    body = base64.b64encode(rng.randbytes(1200)).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{lines}\n-----END RSA PRIVATE KEY-----"
    token = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(800))
    return {"jwt": f"Use this token: {jwt} and call the API.",
            "bearer": f"curl -H 'Authorization: Bearer {token}' https://api.example.com/v1",
            "pem": f"Here is the key you asked for:\n{pem}\n"}


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("kind", ["jwt", "bearer", "pem"])
def test_a_secret_longer_than_the_window_never_leaves_a_stream(kind: str, chunk: int) -> None:
    """A finding still running into the end of a scan holds the release at its start, and the
    next scan reads it again from there (a JWT of ~1.9 KB used to stream out whole, SEAL)."""
    sample = _long_secrets()[kind]
    text = PROSE[:300] + sample + " " + PROSE
    (start, end, _), *_ = strong_spans(text)["output.secrets"]
    assert end - start > WINDOW
    pipeline = GovernedPipeline(backend=MockBackend([text], chunk_size=chunk), ledger=False)
    pieces = list(pipeline.stream("Show me the config."))
    released = "".join(p.text for p in pieces)
    assert pieces[-1].result is not None and pieces[-1].result.verdict == "VOID"
    assert text[:start].startswith(released)  # not one character of the secret
