"""The streaming governor: nothing a floor must withhold is released, whatever the chunking;
holdback stays bounded; total scanning work is linear in the output."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arifos_core.contracts import FloorSpec, RepairSpec
from arifos_core.governance._runtime import CompiledFloor
from arifos_core.governance._stream import StreamGovernor
from arifos_core.governance.floors._base import Evidence


@dataclass
class RegexDetector:
    pattern: re.Pattern[str]
    kind: str
    window: int = 64
    scanned_chars: list[int] = field(default_factory=list)

    def scan(self, text: str) -> list[Evidence]:
        self.scanned_chars.append(len(text))
        return [Evidence(self.kind, m.start(), m.end(), 1.0, "…") for m in
                self.pattern.finditer(text)]


def floor(floor_id: str, action: str, detector: RegexDetector) -> CompiledFloor:
    repair = RepairSpec(1, "void") if action == "repair" else None
    spec = FloorSpec(floor_id, "post", action, "fail_closed", 250, repair=repair)
    return CompiledFloor(spec, 0.5, detector)


SECRET = "SECRET-123456"
EMAIL = "alice@example.com"


def secrets_floor() -> CompiledFloor:
    return floor("output.secrets", "void", RegexDetector(re.compile(r"SECRET-\d{6}"), "token"))


def pii_floor() -> CompiledFloor:
    return floor("output.pii", "redact", RegexDetector(re.compile(r"[a-z]+@[a-z]+\.com"),
                                                       "email"))


def feed(governor: StreamGovernor, text: str, cuts: list[int]) -> str:
    bounds = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    released = []
    for start, end in itertools.pairwise(bounds):
        released.append(governor.feed(text[start:end]))
        if governor.stop is not None:
            return "".join(released)
    released.append(governor.finish())
    return "".join(released)


@settings(max_examples=300, deadline=None)
@given(before=st.text(alphabet="abc xyz.\n", max_size=300),
       after=st.text(alphabet="abc xyz.\n", max_size=300),
       cuts=st.one_of(st.lists(st.integers(0, 700), max_size=40),  # many small chunks
                      st.lists(st.integers(0, 700), max_size=3)))  # or a few large ones
def test_a_secret_split_anywhere_is_never_released(before: str, after: str,
                                                   cuts: list[int]) -> None:
    text = before + SECRET + after
    governor = StreamGovernor((secrets_floor(), pii_floor()), window=64)
    released = feed(governor, text, cuts)
    assert governor.stop is not None and governor.stop.id == "output.secrets"
    assert text.startswith(released)
    assert len(released) <= len(before)  # not even the secret's first character


@settings(max_examples=300, deadline=None)
@given(before=st.text(alphabet="abc xyz.\n", max_size=200),
       after=st.text(alphabet="abc xyz.\n", max_size=200),
       cuts=st.lists(st.integers(0, 500), max_size=40))
def test_personal_data_split_anywhere_is_redacted(before: str, after: str,
                                                  cuts: list[int]) -> None:
    text = f"{before} {EMAIL} {after}"
    governor = StreamGovernor((secrets_floor(), pii_floor()), window=64)
    released = feed(governor, text, cuts)
    assert governor.stop is None
    assert released == f"{before} [EMAIL] {after}"
    assert EMAIL not in released


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.text(alphabet="abc xyz.\n", max_size=90), min_size=1, max_size=8),
       cuts=st.lists(st.integers(0, 900), max_size=80))
def test_many_redactions_in_a_long_stream_match_the_whole_text(parts: list[str],
                                                                cuts: list[int]) -> None:
    emails = [f"{'abcdefgh'[i]}user@example.com" for i in range(len(parts) - 1)]
    pieces = [f"{part} {email} " for part, email in zip(parts, emails, strict=False)]
    text = "".join(pieces) + parts[-1]
    governor = StreamGovernor((pii_floor(),), window=64)
    released = feed(governor, text, cuts)
    assert released == pii_floor_redacted(text)
    assert not any(email in released for email in emails)


def pii_floor_redacted(text: str) -> str:
    """The whole text redacted at once, as the non-streaming pipeline would."""
    return re.sub(r"[a-z]+@[a-z]+\.com", "[EMAIL]", text)


@pytest.mark.parametrize("at", range(40, 70))
def test_a_secret_across_two_scans_is_never_released(at: int) -> None:
    """One large chunk whose end cuts the secret, then small ones that do not trigger a scan
    at once: the secret's start was scanned without its end, and must still be held back."""
    text = "a" * at + SECRET + "b" * 60
    for cuts in ([64], [64, 70], [64, 64 + 9, 64 + 18]):
        governor = StreamGovernor((secrets_floor(), pii_floor()), window=64)
        released = feed(governor, text, cuts)
        assert governor.stop is not None, (at, cuts)
        assert len(released) <= at, (at, cuts, released[-16:])


@pytest.mark.parametrize("size", [1, 3, 7, 40])
def test_a_finding_cut_short_by_a_scan_is_redacted_whole(size: int) -> None:
    """"bob@example.co" also looks like an address: a scan ending inside one must not leave
    the rest ("m") to be released after the redaction."""
    loose = re.compile(r"[a-z]+@[a-z]+\.[a-z]+")
    for at in range(0, 70):
        text = "x" * at + " bob@example.com and more text" * 4
        governor = StreamGovernor((floor("output.pii", "redact",
                                         RegexDetector(loose, "email")),), window=64)
        released = feed(governor, text, list(range(size, len(text), size)))
        assert released == loose.sub("[EMAIL]", text), (at, released)


@dataclass
class ContextDetector(RegexDetector):
    """Scores a match 0.9 when "!" follows it within the text, else 0.3."""

    def scan(self, text: str) -> list[Evidence]:
        return [Evidence(self.kind, m.start(), m.end(), 0.9 if "!" in text[m.end():] else 0.3,
                         "…") for m in self.pattern.finditer(text)]


def test_a_finding_seen_again_with_more_context_keeps_the_higher_score() -> None:
    detector = ContextDetector(re.compile(r"SECRET-\d{6}"), "token")
    governor = StreamGovernor((floor("output.secrets", "void", detector),), window=64)
    text = "a" * 18 + SECRET + " " * 10 + "!" + "b" * 100  # a scan ends between the two
    released = feed(governor, text, list(range(4, len(text), 4)))
    assert governor.stop is not None and governor.stop.score == 0.9
    assert SECRET[:1] not in released.replace("a", "")


@dataclass
class OverlapDetector:
    """A strong finding "SECRETword" overlapped by a weak one "wordMORE" (not redacted)."""

    window: int = 64

    def scan(self, text: str) -> list[Evidence]:
        found = []
        if (at := text.find("SECRETword")) >= 0:
            found.append(Evidence("email", at, at + 10, 0.95, "…"))
        if (at := text.find("wordMORE")) >= 0:
            found.append(Evidence("phone", at, at + 8, 0.2, "…"))
        return found


@pytest.mark.parametrize("size", [1, 3, 10])
def test_a_weak_finding_overlapping_a_redacted_one_releases_none_of_it(size: int) -> None:
    """Holding the release back to the weak finding's start can land inside the strong one:
    that one must then hold it further back (one pass in arrival order did not)."""
    for at in range(20, 90):
        text = "x" * at + "SECRETwordMORE" + "y" * 200
        governor = StreamGovernor((floor("output.pii", "redact", OverlapDetector()),), window=64)
        released = feed(governor, text, list(range(size, len(text), size)))
        assert released == "x" * at + "[EMAIL]MORE" + "y" * 200, (at, size)


@dataclass
class CrashingDetector:
    """Raises once it sees "BOOM"."""

    window: int = 64

    def scan(self, text: str) -> list[Evidence]:
        if "BOOM" in text:
            raise ValueError("detector bug")
        return []


@pytest.mark.parametrize("on_error", ["fail_closed", "fail_open"])
def test_a_detector_that_raises_mid_stream_fails_closed_unless_told_otherwise(
        on_error: str) -> None:
    spec = FloorSpec("output.pii", "post", "redact", on_error, 250)  # type: ignore[arg-type]
    crashing = CompiledFloor(spec, 0.5, CrashingDetector())
    governor = StreamGovernor((crashing,), window=64)
    text = "a" * 100 + "BOOM" + "b" * 300
    released = feed(governor, text, list(range(7, len(text), 7)))
    result = governor.result(crashing)
    assert result.status == "errored" and "ValueError: detector bug" in result.reason
    if on_error == "fail_closed":
        assert governor.stop is result and result.action == "void"
        assert "BOOM" not in released and text.startswith(released)
    else:
        assert governor.stop is None and result.fail_open and released == text


def test_holdback_is_bounded_by_the_window() -> None:
    governor = StreamGovernor((pii_floor(),), window=64)
    released = 0
    fed = 0
    for _ in range(500):
        released += len(governor.feed("word "))
        fed += 5
        assert fed - released <= 64 + 64 // 4 + 5  # a window, a scan step, the chunk
    assert released + len(governor.finish()) == fed


def test_scanning_work_is_linear_in_the_output() -> None:
    per_kb = []
    for size in (10_000, 100_000, 1_000_000):
        detector = RegexDetector(re.compile(r"[a-z]+@[a-z]+\.com"), "email")
        governor = StreamGovernor((floor("output.pii", "redact", detector),), window=64)
        chunk = "lorem ipsum dolor sit amet "[:9]
        for _ in range(size // len(chunk)):
            governor.feed(chunk)
        governor.finish()
        per_kb.append(sum(detector.scanned_chars) / (size / 1000))
    assert max(per_kb) / min(per_kb) < 1.05
    # a scan every quarter window over the new text and one window: each character about 5x
    assert per_kb[-1] < 5.5 * 1000


def test_repairable_floor_stops_a_stream_with_its_then_action() -> None:
    bad = floor("output.anthropomorphism", "repair",
                RegexDetector(re.compile(r"I feel sad"), "claimed_feeling"))
    governor = StreamGovernor((bad,), window=64)
    released = feed(governor, "Well. " * 20 + "I feel sad about that." + " More." * 20, [7, 50])
    assert governor.stop is not None and governor.stop.action == "void"
    assert "I feel" not in released


def test_allowlisted_matches_are_released() -> None:
    base = secrets_floor()
    allowed = CompiledFloor(base.spec, 0.5, base.detector, allow_literals=frozenset({SECRET}))
    governor = StreamGovernor((allowed,), window=64)
    text = "the documented example is " + SECRET + " and that is fine"
    assert feed(governor, text, [10, 30]) == text and governor.stop is None
