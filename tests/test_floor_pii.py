"""input.pii / output.pii detectors: per-type validity checks, hard negatives, masks, rates."""

from __future__ import annotations

import random
import re
import string
from collections import Counter
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arifos_core._errors import GovernanceError
from arifos_core.contracts import load_policy
from arifos_core.governance.floors._pii import ALL_TYPES, DEFAULT_TYPES, PiiDetector, build, luhn_ok
from tests.corpus import assert_rates, assert_recognised_within_window, read_rows
from tests.scaling import assert_linear

DATA = Path(__file__).parent / "data" / "pii"
POLICY = load_policy()
SPEC = POLICY.floor("output.pii")
DETECTOR = build(SPEC)
EVERYTHING = build(replace(SPEC, types=ALL_TYPES))
#: The policy sets no score for the PII floors; the pipeline trips them at 0.5.
THRESHOLD = 0.5

# Measured on the shipped corpus (see tests/data/pii/README.md), minus a small margin.
MIN_DETECTION = 0.95
MAX_FALSE_POSITIVES = 0.01
#: Types with known misses in the corpus (see the README); every other type must be all caught.
MIN_DETECTION_BY_TYPE = {"email": 0.9, "phone": 0.9, "payment_card": 0.9, "street_address": 0.8}


def strong(text: str, detector: PiiDetector = EVERYTHING) -> list[tuple[str, str]]:
    """(span, type) of the findings at or above the trip point."""
    return [(text[e.start:e.end], e.type) for e in detector.scan(text) if e.score >= THRESHOLD]


def top(text: str, detector: PiiDetector = EVERYTHING) -> float:
    return max((e.score for e in detector.scan(text)), default=0.0)


def rows(name: str) -> list[dict[str, str]]:
    return read_rows(DATA / f"{name}.jsonl")


# --- settings from the policy ------------------------------------------------------------------


def test_shipped_policy_types() -> None:
    for floor in ("input.pii", "output.pii"):
        detector = build(POLICY.floor(floor))
        assert detector.types == frozenset(DEFAULT_TYPES)
        assert 128 <= detector.window <= POLICY.holdback_chars


def test_only_listed_types_are_reported(spec_copy: Path) -> None:
    path = spec_copy / "spec" / "v43" / "governance_policy.yaml"
    text = path.read_text(encoding="utf-8")
    shipped = "types: [email, phone, payment_card, iban, us_ssn, ip_address]\n"
    assert text.count(shipped) == 2
    path.write_text(text.replace(shipped, "types: [email, national_id]\n"), encoding="utf-8")
    detector = build(load_policy(path).floor("input.pii"))
    sample = "Mail amir@acme.io, call +60 12-345 6789, IC 900101-14-5678, card 4242424242424242"
    assert strong(sample, detector) == [("amir@acme.io", "email"),
                                        ("900101-14-5678", "national_id")]
    assert ("900101-14-5678", "national_id") not in strong(sample, DETECTOR)


def test_unknown_types_name_the_floor() -> None:
    with pytest.raises(GovernanceError, match=r"'output.pii'.*\['passport'\]"):
        build(replace(SPEC, types=("email", "passport")))


def test_no_types_means_the_canon_defaults() -> None:
    assert build(replace(SPEC, types=())).types == frozenset(DEFAULT_TYPES)


# --- each type ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "span", "kind", "mask"), [
    ("Write to jane.doe@example.com today", "jane.doe@example.com", "email", "j***@example.com"),
    ("Emel saya siti.n@gmail.com ya", "siti.n@gmail.com", "email", "s***@gmail.com"),
    ("mailto:amir@acme.io?subject=hi", "amir@acme.io", "email", "a***@acme.io"),
    ("Call +60 12-345 6789 now", "+60 12-345 6789", "phone", "+** **-*** **89"),
    ("Tel: (212) 555-0143", "(212) 555-0143", "phone", "(***) ***-**43"),
    ("Hubungi 012-345 6789", "012-345 6789", "phone", "***-*** **89"),
    ("UK office 020 7946 0958", "020 7946 0958", "phone", "*** **** **58"),
    ("Card 4242 4242 4242 4242 exp 12/27", "4242 4242 4242 4242", "payment_card",
     "**** **** **** 4242"),
    ("Amex 3782 822463 10005 on file", "3782 822463 10005", "payment_card",
     "**** **** **** 0005"),
    ("IBAN DE89 3704 0044 0532 0130 00 please", "DE89 3704 0044 0532 0130 00", "iban",
     "DE** … 3000"),
    ("GB82WEST12345698765432 is mine", "GB82WEST12345698765432", "iban", "GB** … 5432"),
    ("SSN: 123-45-6789", "123-45-6789", "us_ssn", "***-**-6789"),
    ("Client 203.0.113.45 logged in", "203.0.113.45", "ip_address", "203.0.*.*"),
    ("from 81.2.69.142 at noon", "81.2.69.142", "ip_address", "81.2.*.*"),
    ("v6 2a03:2880:f12f:83:face:b00c::25de seen", "2a03:2880:f12f:83:face:b00c::25de",
     "ip_address", "2a03:…"),
])
def test_default_types(text: str, span: str, kind: str, mask: str) -> None:
    found = [e for e in DETECTOR.scan(text) if e.score >= THRESHOLD]
    assert [(text[e.start:e.end], e.type, e.mask) for e in found] == [(span, kind, mask)]


@pytest.mark.parametrize(("text", "span"), [
    ("No. IC: 900101-14-5678", "900101-14-5678"),
    ("IC no 900101145678", "900101145678"),
    ("NINO: AB 12 34 56 C", "AB 12 34 56 C"),
    ("NRIC S1234567D", "S1234567D"),
    ("DNI 12345678Z", "12345678Z"),
    ("NIE X1234567L", "X1234567L"),
    ("NIK: 3171234501900003", "3171234501900003"),
])
def test_national_ids(text: str, span: str) -> None:
    assert strong(text) == [(span, "national_id")]


@pytest.mark.parametrize("text", [
    "IC 991340-14-1234 is malformed",  # month 13
    "IC 900101-00-1234",  # birthplace code 00
    "QQ 12 34 56 C is HMRC's placeholder",  # Q is never a first letter
    "S1234567A fails the check letter", "DNI 12345678A no es válido",
    "NIK 1234567890123456 contoh format saja", "ref 3171234501900003",  # no NIK word
    "1.38435736E+12",
])
def test_national_id_lookalikes(text: str) -> None:
    assert [t for _, t in strong(text)] == []


@pytest.mark.parametrize(("text", "span"), [
    ("Date of birth: 14/03/1985", "14/03/1985"), ("DOB 1990-07-22", "1990-07-22"),
    ("I was born on 3 March 1979.", "3 March 1979"), ("born March 3, 1979", "March 3, 1979"),
    ("Tarikh lahir: 12 Mac 1988", "12 Mac 1988"),
    ("Tanggal lahir 17 Agustus 1992", "17 Agustus 1992"),
    ("Fecha de nacimiento: 5 de mayo de 1991", "5 de mayo de 1991"),
    ("Nací el 02/02/1980 en Sevilla.", "02/02/1980"),
])
def test_date_of_birth_needs_a_birth_word(text: str, span: str) -> None:
    assert strong(text) == [(span, "date_of_birth")]


@pytest.mark.parametrize("text", ["Released 2024-01-15", "Meeting on 12 March 1985",
                                  "Born in 1985, she founded it in 2010.", "born on 31/02/1990"])
def test_dates_without_birth_context(text: str) -> None:
    assert strong(text) == []


def test_street_addresses_are_conservative() -> None:
    assert strong("I live at 221 Baker Street, London NW1 6XE.") == [
        ("221 Baker Street, London NW1 6XE", "street_address")]
    assert strong("Alamat: No. 12, Jalan Ampang, 50450 Kuala Lumpur") == [
        ("No. 12, Jalan Ampang, 50450", "street_address")]
    assert strong("He lives on Baker Street.") == []
    assert strong("Mi dirección: Calle Mayor 15, Madrid") == []  # known miss: number after


def test_card_needs_luhn_and_an_issuer() -> None:
    assert luhn_ok("4242424242424242") and not luhn_ok("4242424242424241")
    assert strong("4242 4242 4242 4241") == []
    assert strong("0000 0000 0000 0000") == []  # Luhn-valid, no issuer
    assert strong("1234 5678 9012 3456") == []
    assert [e.score for e in EVERYTHING.scan("order #4242424242424242")] == [0.2]
    assert [e.score for e in EVERYTHING.scan("my card 4242424242424242")] == [0.9]


def test_iban_needs_country_length_and_checksum() -> None:
    assert strong("IBAN DE89 3704 0044 0532 0130 01") == []
    assert strong("GB82 WEST 1234 5698 7654 34") == []
    assert strong("XX12 3456 7890 1234") == []
    assert strong("DE89370400440532013000 EUR") == [("DE89370400440532013000", "iban")]


@pytest.mark.parametrize("ssn", ["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567",
                                 "123-45-0000"])
def test_ssn_reserved_ranges(ssn: str) -> None:
    assert strong(f"SSN {ssn}") == []


def test_ssn_forms_and_context() -> None:
    assert strong("SSN 123 45 6789") == [("123 45 6789", "us_ssn")]
    assert strong("social security number 219456789") == [("219456789", "us_ssn")]
    assert strong("the number 219456789") == []
    assert top("078-05-1120 was printed on wallet inserts") == 0.1
    assert strong("Part No. 123-45-6789 is out of stock") == []


@pytest.mark.parametrize("text", [
    "Version 1.2.3.4 of the firmware", "release v10.0.19041.1", "see section 2.3.1.4",
    "OID 1.3.6.1.4.1.311.21.7", "upgrade V8 from 4.2.77.18 to 4.2.77.20",
    "Subnet mask 255.255.255.0 and gateway 127.0.0.1", "Listen on 0.0.0.0:8080",
    "Use DNS 8.8.8.8 or 1.1.1.1", "route 10.0.0.0/8", "IPv6 loopback ::1", "MAC 00:1A:2B:3C:4D:5E",
    "Time 12:30:45 UTC", "std::vector<int> v;", "multicast 224.0.0.251", "My router is 192.168.1.1",
    "SVG path M1.52-.87 2.83-2.12 3.51.98.32 2.03.5",
])
def test_ip_lookalikes_and_non_personal_addresses(text: str) -> None:
    assert strong(text) == []


@pytest.mark.parametrize("text", [
    "ISBN 978-0-306-40615-7", "Order 123-456-7890 was cancelled", "SKU 555-0199-22",
    "Model XJ-2049-3381", "Timestamp 1718090000", "1718090000123 ms", "Released 2024-01-15",
    "Meeting 09:00-17:30 on 12/06/2024", "Price: $1,234,567.89", "Coordinates 3.1390, 101.6869",
    "Lottery numbers 04 11 23 35 42 49", "Boston, MA 02110-1301", "DFARS 252.227-7013",
    "decimal 0.301029996", "hexdump 00000010  02 00 3e 00 01 00 00 00", "<Buffer 01 02 03 04 05>",
    "Copyright (C) 2003-2004 Example Corp", "Unicode 0069 0307 0301", "FedEx 7489 1234 5678",
    # "nomor"/"nombor" only mean "number": found by the blind batch (tests/data/pii/README.md)
    "Pesanan nomor 20261121-00482 sudah dikirim.", "nombor resit 20261121-00482",
])
def test_phone_lookalikes(text: str) -> None:
    assert strong(text) == []


def test_phone_context_lifts_bare_numbers() -> None:
    assert strong("call 0123456789 after 5pm") == [("0123456789", "phone")]
    assert strong("ref 0123456789") == []
    assert strong("phone 4155552671") == [("4155552671", "phone")]
    assert strong("id 4155552671") == []
    assert strong("Nomor WA 081234567890") == [("081234567890", "phone")]
    assert strong("nombor telefon 0123456789") == [("0123456789", "phone")]


@pytest.mark.parametrize("text", [
    "email support@acme.io for help", "noreply@github.com", "user@localhost", "icon@2x.png",
    "git@github.com:acme/app.git", "npm i @types/node react@18.2.0", "@pytest.fixture",
])
def test_email_lookalikes_and_role_mailboxes(text: str) -> None:
    assert strong(text) == []


def test_obfuscated_email() -> None:
    assert strong("write to nurul (at) gmail (dot) com") == [
        ("nurul (at) gmail (dot) com", "email")]


# --- masks, offsets, robustness ----------------------------------------------------------------


def _leaks(mask: str, span: str) -> bool:
    """Whether the mask repeats 5+ digits of the span, or an e-mail's local part."""
    if any(run in mask for run in re.findall(r"\d{5,}", span.replace(" ", "").replace("-", ""))):
        return True
    local = span.split("@")[0] if "@" in span else ""
    return len(local) >= 3 and local in mask


def test_masks_never_show_the_identifier() -> None:
    for row in rows("positive"):
        text = row["text"]
        for e in EVERYTHING.scan(text):
            span = text[e.start:e.end]
            assert not _leaks(e.mask, span) and e.mask != span, (row["note"], e.mask)


FRAGMENTS = ["+60 ", "+1 ", "(", ")", "-", ".", " ", "@", "gmail.com", "::", ":", "0", "4242 ",
             "DE89 ", "GB82", "IC ", "SSN ", "born ", "DOB ", "Jalan ", " Street", "No. ", "[at]",
             "(dot)", "tel ", "03-", "1990-", "/1985", "AB 12 34 56 C", "S1234567D"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30),
                          st.text(alphabet=string.digits + " -.", min_size=3, max_size=25)),
                max_size=30))
def test_scan_never_raises_and_stays_in_bounds(parts: list[str]) -> None:
    text = "".join(parts)
    found = EVERYTHING.scan(text)
    for e in found:
        assert 0 <= e.start < e.end <= len(text)
        assert 0.0 <= e.score <= 1.0 and e.type in ALL_TYPES and e.mask
        assert not _leaks(e.mask, text[e.start:e.end])
    spans = sorted((e.start, e.end) for e in found)
    assert all(a[1] <= b[0] for a, b in pairwise(spans))


_R = random.Random(7)


@pytest.mark.parametrize("text", [
    "1 " * 50_000, "1." * 50_000, "0" * 100_000, "@" * 100_000, "a@b." * 25_000, ":" * 100_000,
    "1:" * 50_000, "AA00 " * 20_000, "born 12/12/1990 " * 6000, "1 A " * 25_000, "0-" * 50_000,
    "(0)" * 33_000, "+1 " * 33_000, "123-45-6789 " * 8000, "x [at] y (dot) " * 7000,
    # random text repeated: the prefix then holds the same rare trigger words as the whole
    "".join(_R.choice(string.printable) for _ in range(12_500)) * 8,
])
def test_adversarial_100kb_is_fast(text: str) -> None:
    assert_linear(EVERYTHING.scan, text[:100_000])


def test_each_finding_is_recognised_within_the_window() -> None:
    assert_recognised_within_window(EVERYTHING, rows("positive"), THRESHOLD)


# --- corpus ------------------------------------------------------------------------------------


def test_corpus_rates() -> None:
    positives, negatives = rows("positive"), rows("negative")
    assert len(positives) >= 120 and len(negatives) >= 150
    assert_rates(positives, negatives, strong, min_detection=MIN_DETECTION,
                 max_false_positives=MAX_FALSE_POSITIVES, min_by_type=MIN_DETECTION_BY_TYPE)


def test_corpus_covers_every_type() -> None:
    kinds = Counter(r["type"] for r in rows("positive"))
    assert set(kinds) == set(ALL_TYPES)
    assert all(kinds[k] >= 8 for k in ALL_TYPES), kinds
