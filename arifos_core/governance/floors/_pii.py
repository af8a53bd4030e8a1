"""Personal-data detectors for the ``input.pii`` and ``output.pii`` floors.

Only the types listed in ``spec.types`` are looked for; each finding's ``type`` is the type name.
Scores assume the pipeline's 0.5 trip point (the policy sets no ``score`` for these floors).

* ``email``: addr-spec with a dotted domain (also ``name [at] host [dot] com``, 0.7); role
  mailboxes (noreply@, support@, info@ ...) score 0.4; ``icon@2x.png`` and ``git@host:`` are
  skipped.
* ``phone``: ``+CC`` numbers (0.9), NANP ``(212) 555-0143`` (0.85), national numbers starting
  ``0`` grouped by spaces or dashes -- Malaysian, Indonesian, UK, European -- (0.8); bare digit
  strings, short local numbers and dotted numbers need a phone word nearby (call, tel, hp,
  hubungi, teléfono ...); dates, year ranges, decimals, ZIP+4 and clause numbers are not phones.
* ``payment_card``: 13-19 digits passing Luhn with a known issuer prefix; 1.0 when grouped as
  printed, 0.9 ungrouped.
* ``iban``: the country's length and the mod-97 checksum (1.0).
* ``us_ssn``: ``AAA-GG-SSSS`` without area 000/666/9xx, group 00 or serial 0000 (0.85); spaced
  or bare forms need an SSN word; the advertising numbers 078-05-1120 and 219-09-9999 score 0.1.
* ``ip_address``: IPv4 and IPv6 validated with :mod:`ipaddress`; global 0.9, documentation
  ranges 0.8, private and link-local 0.4 (recorded, not tripping), public resolvers (8.8.8.8,
  1.1.1.1 ...) and all-octets-below-32 quads 0.3; loopback, unspecified, multicast, netmasks,
  CIDR networks, and dotted numbers after version/section words, inside longer dotted runs
  (``1.3.6.1.4.1``) or among other decimals are skipped.
* ``national_id``: Malaysian MyKad ``YYMMDD-PB-###G`` with a real date and birthplace code,
  UK NINO, Singapore NRIC/FIN with its check letter, Spanish DNI/NIE with its check letter,
  Indonesian NIK (16 digits) only after NIK/KTP.
* ``date_of_birth``: a full date (numeric, ISO, or with an English/Malay/Indonesian/Spanish month
  name) within 30 characters after a birth word (born, DOB, tarikh lahir, fecha de nacimiento).
* ``street_address`` (conservative, off in the shipped policy): house number + capitalised name
  + street suffix (Street, Ave, Road ... Jalan, Lorong, Calle, Avenida); 0.7, 0.85 with a postcode.

Numbers after order/invoice/tracking/ISBN/serial/version words score 0.2 or less.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..._errors import GovernanceError
from ...contracts import FloorSpec
from ._base import Evidence
from ._secrets import keep_strongest

__all__ = ["ALL_TYPES", "DEFAULT_TYPES", "PiiDetector", "build", "luhn_ok"]

ALL_TYPES = ("email", "phone", "payment_card", "iban", "us_ssn", "national_id", "ip_address",
             "street_address", "date_of_birth")
#: The canon's types, used when a spec lists none.
DEFAULT_TYPES = ("email", "phone", "payment_card", "iban", "us_ssn", "ip_address")
_WINDOW = 256
_LOOKBACK = 32


def _shape_table() -> bytes:
    keep = b" -.()+/:@"
    table = bytearray(b"#" * 256)
    for i in range(256):
        c = bytes([i])
        if c.isdigit():
            table[i] = 0x30
        elif c.isupper():
            table[i] = 0x41
        elif c.islower():
            table[i] = 0x61
        elif c in keep:
            table[i] = i
    return bytes(table)


#: digits -> 0, A-Z -> A, a-z -> a, number punctuation kept, the rest -> '#'.
_SHAPE = _shape_table()
# Shape patterns start with a literal so the regex engine skips ahead fast; what may not stand
# before a match is checked in Python (a leading look-behind would disable that skipping).
_NUMBERS = re.compile(rb"0(?:[ ().\-/]{0,2}0){5,}")
_DATE_SHAPE = re.compile(rb"0000[-/.]00?[-/.]00?|00?[-/.]00?[-/.]0000")
_IPV4_SHAPE = re.compile(rb"00{0,2}\.00{0,2}\.00{0,2}\.00{0,2}(?![0Aa]|\.0)")
_IBAN_SHAPE = re.compile(rb"AA00(?: ?[A0]){11,32}")
_ID_SHAPES = (re.compile(rb"A(?:A ?00 ?00 ?00 ?A|0{7}-?A)(?![Aa0])"),
              re.compile(rb"00{7}-?A(?![Aa0])"))
_IPV6_HINT = re.compile(rb":[0-9A-Fa-f]{0,4}:")
_STREET_HINT = re.compile(rb"00{0,4}a?#? A")  # "," is "#" in the shape
_HOUSE_NO = re.compile(r"No\.?\s?$")
_AT_HINT = re.compile(rb"at ?[\])]")

_CARD = re.compile(r"(?<![\d/-])\d(?:[ -]?\d){12,18}(?![\d])")
_SSN = re.compile(r"(?<![\d-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-])")
_PHONE = re.compile(r"(?<![\w+\-/.])(?:\+|00)?\(?\d[\d ().-]{5,22}\d(?![\d])")
#: SSN-shaped, ZIP+4, six or more 1-2 digit groups (hex dumps, lottery), decimals, dates,
#: IPv4-shaped, and lists of 0-led 4-digit code points.
_NOT_PHONE = re.compile(r"\d{3}-\d\d-\d{4}|\d{5}-\d{4}|\d{1,2}(?:[ .-]\d{1,2}){5,}|\d+\.\d+"
                        r"|(?:19|20)\d\d(?:[-/. ]\d\d?[-/. ]\d\d?|-(?:19|20)\d\d)"
                        r"|\d{1,3}(?:\.\d{1,3}){3}|0\d{3}(?: 0\d{3}){2,}")
_NANP = re.compile(r"(?:\+?1[ .-]?)?(?:\([2-9]\d\d\) ?|[2-9]\d\d[-. ])[2-9]\d\d[-. ]\d{4}")
_MYKAD = re.compile(r"(?<![\d-])(\d{6})(-?)(\d{2})\2(\d{4})(?![\d-])")
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}$")
_EMAIL_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}"
                           r"(?P<tld>[A-Za-z]{2,24})(?![A-Za-z0-9-]|\.[A-Za-z0-9])")
_EMAIL_OBFUSCATED = re.compile(
    r"(?<![\w.])[\w.+-]{1,64}\s?[\[(]\s?at\s?[\])]\s?[\w-]{1,63}(?:\s?[\[(]\s?dot\s?[\])]\s?"
    r"[\w-]{1,63}){1,4}", re.IGNORECASE)
_HEXCOLON = frozenset("0123456789abcdefABCDEF:.")
_VERSION_TAIL = re.compile(r"-[A-Za-z0-9]|\.?[A-Za-z]")
_IPV6_BAD_BEFORE = re.compile(r"[\w:.]")


@dataclass(frozen=True)
class _Cue:
    """Words (and phrases) that, just before a number, say what the number is."""

    words: frozenset[str]
    phrases: tuple[str, ...] = ()

    def near(self, before: _Before) -> bool:
        return (not self.words.isdisjoint(before.words)
                or any(p in before.low for p in self.phrases))


@dataclass(frozen=True)
class _Before:
    """The lower-cased text just before a finding and the words in it."""

    low: str
    words: frozenset[str]


def _cue(words: str, *phrases: str) -> _Cue:
    return _Cue(frozenset(words.split()), phrases)


_NEGATIVE = _cue(
    "order orders invoice inv ref reference tracking track sku isbn part model serial ticket "
    "case po receipt transaction txn shipment parcel awb booking confirmation pesanan resit "
    "invois pedido factura resi version ver build id product item batch lot code kod código",
    "s/n", "no. siri", "#")
_PHONE_WORD = _cue(
    "phone phones telephone tel mobile mob cell call calls fax whatsapp wa sms contact hp "
    "handphone hubungi telefon telepon ponsel teléfono telefono móvil movil "
    "llama llámame llamar", "text me")
_CARD_WORD = _cue("card cards visa mastercard master amex credit debit kad kartu tarjeta cc pay "
                  "payment charge pan")
_SSN_WORD = _cue("ssn", "social security", "soc. sec")
_ID_WORD = _cue("ic mykad nric fin ni nino dni nie nik ktp identity identiti identidad",
                "kad pengenalan", "k/p", "national insurance", "nomor induk")
_LETTERS = re.compile(r"[^\W\d_]+")
_NON_DIGIT = re.compile(r"[^0-9]+")
_VERSION_WORD = re.compile(r"(?i:version|\bver\b|\bv\d*|release|build|section|chapter|clause"
                           r"|step|figure|table|§|rule|oid|identifier|firmware|kernel|python"
                           r"|node|update|upgrade|patch|object)\W+(?:[\w.]{1,12}\W+){0,3}$")
#: Another decimal right before or after: SVG paths and number lists, not an address.
_NUMBER_NEXT = re.compile(r"[ -]-?\d*\.\d")
_NUMBER_BEFORE = re.compile(r"\d\.\d*[ -]$")
_BIRTH_ANCHORS = (b"born", b"birth", b"dob", b"d.o.b", b"lahir", b"nac")
_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june"
    "|july|august|september|october|november|december|januari|februari|mac|mei|julai|ogos"
    "|oktober|disember|maret|juni|juli|agustus|desember|enero|febrero|marzo|abril|mayo|junio"
    "|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre")
_MONTH_NUM = {m: i for i, names in enumerate((
    "jan january januari enero", "feb february februari febrero", "mar march mac maret marzo",
    "apr april abril", "may mei mayo", "jun june juni junio", "jul july julai juli julio",
    "aug august ogos agustus agosto", "sep sept september septiembre setiembre",
    "oct october oktober octubre", "nov november noviembre",
    "dec december disember desember diciembre"), start=1) for m in names.split()}
_DOB = re.compile(
    r"(?i:born|birth\s?date|date of birth|birthday|d\.?o\.?b\.?|tarikh lahir|tanggal lahir"
    r"|lahir|fecha de nacimiento|nac[ií](?:d[oa])?)[^\n\d]{0,30}?"
    r"(?P<date>(?P<d1>\d{1,2})[/.-](?P<m1>\d{1,2})[/.-](?P<y1>(?:19|20)\d\d)"
    r"|(?P<y2>(?:19|20)\d\d)-(?P<m2>\d\d)-(?P<d2>\d\d)"
    rf"|(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?\s(?:de\s)?(?P<m3>(?i:{_MONTHS}))\.?,?\s(?:de\s)?"
    r"(?P<y3>(?:19|20)\d\d)"
    rf"|(?P<m4>(?i:{_MONTHS}))\.?\s(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,?\s(?P<y4>(?:19|20)\d\d))"
    r"(?!\d)")
_STREET = re.compile(
    r"\d{1,5}[A-Za-z]?,?\s(?:(?:Jalan|Jln\.?|Lorong|Persiaran|Calle"
    r"|Avenida|Rue)\s[A-Z][\w']+(?:\s[A-Z0-9][\w']*){0,3}|[A-Z][a-z']+(?:\s[A-Z][a-z']+){0,3}"
    r"\s(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Lane|Ln\.?|Drive|Dr\.?"
    r"|Court|Ct\.?|Way|Place|Pl\.?|Terrace|Close|Crescent|Highway|Hwy\.?|Square|Parkway|Loop"
    r"|Circle)\b)")
_POSTCODE = re.compile(r"[ ,]{1,3}(?:[\w ]{0,30}[ ,]{1,3})?(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d"
                       r"[A-Z\d]? ?\d[A-Z]{2})\b")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ROLE_MAILBOXES = _words(
    "noreply no-reply donotreply do-not-reply support info admin sales contact help webmaster "
    "postmaster abuse hostmaster billing team hello privacy security press careers jobs "
    "marketing service feedback enquiries hr office mail notifications")
_FILE_TLDS = _words(
    "png jpg jpeg gif svg webp ico bmp js ts css py rb go rs java json yaml yml md txt html htm "
    "xml pdf zip gz tar exe dll so lock toml cfg ini log csv mp3 mp4 mov wav woff ttf")
_IBAN_LENGTHS = {e[:2]: int(e[2:]) for e in _words(
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DK18 DO28 "
    "EE20 EG29 ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 "
    "IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NL18 "
    "NO15 PK24 PL28 PS29 PT25 QA29 RO24 RS22 SA24 SC31 SE24 SI19 SK24 SM27 ST25 SV28 TL23 TN24 "
    "TR26 UA29 VA22 VG24 XK20")}
_MYKAD_BAD_PLACES = frozenset({0, 17, 18, 19, 20, 69, 70, 73, 80, 81, 94, 95, 96, 97})
_PUBLIC_RESOLVERS = frozenset({"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9",
                               "208.67.222.222", "208.67.220.220", "2001:4860:4860::8888",
                               "2001:4860:4860::8844", "2606:4700:4700::1111"})
_DOC_NETS = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
_AD_SSNS = frozenset({"078051120", "219099999"})


def _digits(value: str) -> str:
    return _NON_DIGIT.sub("", value)


def _mask_digits(value: str, keep: int) -> str:
    """Every digit but the last ``keep`` becomes ``*``; separators stay."""
    total = sum(c.isdigit() for c in value)
    out, seen = [], 0
    for c in value:
        if c.isdigit():
            seen += 1
            out.append(c if seen > total - keep else "*")
        else:
            out.append(c)
    return "".join(out)


def _mask_alnum(value: str, keep: int = 2) -> str:
    return "".join("*" if c.isalnum() and i < len(value) - keep else c
                   for i, c in enumerate(value))


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _card_brand(d: str) -> str:
    n, p2, p4 = len(d), int(d[:2]), int(d[:4])
    if d[0] == "4" and n in (13, 16, 19):
        return "visa"
    if n == 16 and (51 <= p2 <= 55 or 2221 <= p4 <= 2720):
        return "mastercard"
    if n == 15 and p2 in (34, 37):
        return "amex"
    if n >= 16 and (p4 == 6011 or p2 == 65 or 644 <= int(d[:3]) <= 649):
        return "discover"
    if n >= 16 and 3528 <= p4 <= 3589:
        return "jcb"
    if n >= 14 and (p2 in (36, 38, 39) or 300 <= int(d[:3]) <= 305):
        return "diners"
    if n >= 16 and p2 == 62:
        return "unionpay"
    if n >= 12 and p2 in (50, 56, 57, 58, 63, 67):
        return "maestro"
    return ""


def _valid_date(y: int, m: int, d: int) -> bool:
    try:
        _dt.date(y, m, d)
    except ValueError:
        return False
    return True


class PiiDetector:
    """Finds personal data of the configured types; one instance serves every scan."""

    __slots__ = ("_scanners", "types", "window")

    def __init__(self, types: tuple[str, ...] = ALL_TYPES) -> None:
        unknown = sorted(set(types) - set(ALL_TYPES))
        if unknown:
            raise GovernanceError(f"unknown PII types {unknown}; known types are {list(ALL_TYPES)}")
        self.window = _WINDOW
        self.types = frozenset(types)
        self._scanners: tuple[Callable[[str, bytes, bytes], list[Evidence]], ...] = tuple(
            f for t, f in _SCANNERS if t & self.types)

    def __repr__(self) -> str:
        return f"PiiDetector(types={sorted(self.types)})"

    def scan(self, text: str) -> list[Evidence]:
        """Every finding of the configured types in ``text``; overlaps keep the strongest."""
        raw = text.encode("ascii", "replace")  # one byte per character: offsets carry over
        shape = raw.translate(_SHAPE)
        found: list[Evidence] = []
        for scanner in self._scanners:
            found += scanner(text, raw, shape)
        return keep_strongest(e for e in found if e.type in self.types)


def _before(text: str, start: int) -> str:
    return text[max(0, start - _LOOKBACK):start]


def _context(text: str, start: int) -> _Before:
    low = _before(text, start).lower()
    return _Before(low, frozenset(_LETTERS.findall(low)))


# -- numbers: cards, SSNs, phones, MyKad, NIK --------------------------------------------------

def _numbers(text: str, raw: bytes, shape: bytes) -> list[Evidence]:
    out: list[Evidence] = []
    for region in _NUMBERS.finditer(shape):
        lo, hi = region.span()
        if (lo and shape[lo - 1] in b"Aa") or _DATE_SHAPE.fullmatch(shape, lo, hi):
            continue
        lo -= 1 if lo and text[lo - 1] in "+(" else 0
        digits = shape.count(b"0", lo, hi)
        if digits >= 12:
            for m in _CARD.finditer(text, lo, hi):
                out += _card(text, m.start(), m.group())
            for m in _MYKAD.finditer(text, lo, hi):
                out += _mykad(text, m)
        if digits >= 16:
            out += [Evidence("national_id", m.start(), m.end(), 0.9, _mask_alnum(m.group(), 3),
                             "Indonesian NIK") for m in _NIK.finditer(text, lo, hi)
                    if _ID_WORD.near(_context(text, m.start())) and _nik_ok(m.group())]
        if digits >= 9:
            for m in _SSN.finditer(text, lo, hi):
                out += _ssn(text, m)
        for m in _PHONE.finditer(text, lo, hi):
            out += _phone(text, m.start(), m.group())
    return out


def _card(text: str, start: int, value: str) -> list[Evidence]:
    d = _digits(value)
    if len(set(d)) == 1 or not luhn_ok(d) or not (brand := _card_brand(d)):
        return []
    groups = [len(g) for g in re.split(r"[ -]", value)]
    score = 0.9 if len(groups) == 1 else (1.0 if groups in ([4] * (len(d) // 4),
                                                            [4, 6, 5], [4, 6, 4]) else 0.8)
    before = _context(text, start)
    if _NEGATIVE.near(before) and not _CARD_WORD.near(before):
        score = 0.2
    return [Evidence("payment_card", start, start + len(value), score,
                     f"**** **** **** {d[-4:]}", f"{brand} number, Luhn valid")]


def _ssn(text: str, m: re.Match[str]) -> list[Evidence]:
    area, sep, group, serial = int(m.group(1)), m.group(2), m.group(3), m.group(4)
    if area == 0 or area == 666 or area >= 900 or group == "00" or serial == "0000":
        return []
    before = _context(text, m.start())
    word = _SSN_WORD.near(before)
    if _digits(m.group()) in _AD_SSNS:
        score = 0.1
    elif sep == "-":
        score = 0.95 if word else 0.85
    else:
        score = (0.9 if word else 0.3) if sep == " " else (0.85 if word else 0.0)
    if _NEGATIVE.near(before) and not word:
        score = min(score, 0.2)
    if score <= 0:
        return []
    return [Evidence("us_ssn", m.start(), m.end(), score, f"***-**-{m.group(4)}",
                     "SSN format, valid ranges")]


def _phone(text: str, start: int, value: str) -> list[Evidence]:
    value = value.rstrip(" .-(")
    d = _digits(value)
    if (not 7 <= len(d) <= 15 or len(set(d)) == 1 or re.search(r"[ .-]{2}|\)\d*\(", value)
            or _NOT_PHONE.fullmatch(value)):
        return []
    seps = set(re.findall(r"[ .-]", value))
    if "." in seps and len(seps) > 1:
        return []  # 252.227-7013, 0.9.33-17222: clause and version numbers
    before = _context(text, start)
    word = _PHONE_WORD.near(before)
    score = _phone_score(value, d, bool(seps), word)
    if score and _NEGATIVE.near(before) and not word:
        score = 0.2
    if score <= 0:
        return []
    return [Evidence("phone", start, start + len(value), score, _mask_digits(value, 2),
                     f"{len(d)}-digit phone number")]


def _phone_score(value: str, d: str, grouped: bool, word: bool) -> float:
    if value.startswith("+"):
        return 0.9 if len(d) >= 8 and d[0] != "0" else 0.0
    if _NANP.fullmatch(value):
        return 0.85
    if re.fullmatch(r"\d{1,2}(?: \d\d){3,4}", value):
        return 0.7 if word else 0.3  # 01 23 45 67 89: French style, or a byte dump
    if value.startswith("00") and len(d) >= 10 and d[2] != "0":
        return 0.7 if grouped or word else 0.3
    if "." in value and not word:
        return 0.3  # 0675.0020.001C: dotted numbers other than NANP need a phone word
    if d[0] == "0" and d[1] != "0" and (9 <= len(d) <= 11
                                         or (len(d) == 12 and re.match(r"\d{3}", value))):
        return 0.8 if grouped else (0.75 if word else 0.3)
    if len(d) in (7, 8) and re.fullmatch(r"\d{3,4}[ -]\d{4}", value):
        return 0.7 if word else 0.3
    if len(d) == 10 and d[0] in "23456789" and d[3] in "23456789" and not grouped:
        return 0.75 if word else 0.0
    return 0.6 if word and grouped else 0.0


def _mykad(text: str, m: re.Match[str]) -> list[Evidence]:
    ymd, dashed, place = m.group(1), m.group(2) == "-", int(m.group(3))
    yy, mm, dd = int(ymd[:2]), int(ymd[2:4]), int(ymd[4:])
    if place in _MYKAD_BAD_PLACES or not (_valid_date(1900 + yy, mm, dd)
                                          or _valid_date(2000 + yy, mm, dd)):
        return []
    word = _ID_WORD.near(_context(text, m.start()))
    score = 0.9 if dashed else (0.85 if word else 0.0)
    if score <= 0:
        return []
    return [Evidence("national_id", m.start(), m.end(), score, _mask_alnum(m.group(), 2),
                     "Malaysian MyKad")]


def _nik_ok(d: str) -> bool:
    day = int(d[6:8]) - (40 if int(d[6:8]) > 40 else 0)
    return 11 <= int(d[:2]) <= 94 and _valid_date(2000, int(d[8:10]) or 13, day) and \
        d[12:] != "0000"


# -- letters and digits: IBAN, NINO, NRIC, DNI ------------------------------------------------

def _iban(text: str, raw: bytes, shape: bytes) -> list[Evidence]:
    out = []
    for m in _IBAN_SHAPE.finditer(shape):
        if m.start() and shape[m.start() - 1] in b"Aa0":
            continue
        found = text[m.start():m.end()]
        length = _IBAN_LENGTHS.get(found[:2])
        compact = found.replace(" ", "")
        if length is None or len(compact) < length:
            continue
        end, seen = m.start(), 0
        while seen < length:  # where the country's length ends in the spaced text
            seen += text[end] != " "
            end += 1
        if end < len(text) and text[end].isalnum():
            continue
        iban = compact[:length]
        number = int("".join(str(int(c, 36)) for c in iban[4:] + iban[:4]))
        if number % 97 == 1:
            out.append(Evidence("iban", m.start(), end, 1.0, f"{iban[:2]}** … {iban[-4:]}",
                                "IBAN, checksum valid"))
    return out


def _ids(text: str, raw: bytes, shape: bytes) -> list[Evidence]:
    out = []
    for m in (m for p in _ID_SHAPES for m in p.finditer(shape)):
        if m.start() and shape[m.start() - 1] in b"Aa0.":
            continue
        value = text[m.start():m.end()]
        kind = _id_kind(value.replace(" ", "").replace("-", "").upper())
        if kind:
            word = _ID_WORD.near(_context(text, m.start()))
            score = 0.9 if word else (0.6 if kind == "UK NINO" else 0.8)
            out.append(Evidence("national_id", m.start(), m.end(), score, _mask_alnum(value),
                                kind))
    return out


def _id_kind(v: str) -> str:
    if len(v) == 9 and v[:2].isalpha() and v[2:8].isdigit():
        bad = v[0] in "DFIQUV" or v[1] in "DFIOQUV" or v[:2] in ("BG", "GB", "KN", "NK", "NT",
                                                                  "TN", "ZZ")
        return "" if bad or v[8] not in "ABCD" else "UK NINO"
    if len(v) == 9 and v[0] in "STFG" and v[1:8].isdigit():
        total = sum(int(c) * w for c, w in zip(v[1:8], (2, 7, 6, 5, 4, 3, 2), strict=True))
        total += 4 if v[0] in "TG" else 0
        letters = "JZIHGFEDCBA" if v[0] in "ST" else "XWUTRQPNMLK"
        return "Singapore NRIC/FIN" if letters[total % 11] == v[8] else ""
    number = v[:-1].replace("X", "0").replace("Y", "1").replace("Z", "2")
    if len(v) == 9 and number.isdigit():
        ok = "TRWAGMYFPDXBNJZSQVHLCKE"[int(number) % 23] == v[-1]
        return ("Spanish NIE" if v[0] in "XYZ" else "Spanish DNI") if ok else ""
    return ""


# -- email, IP addresses, dates of birth, street addresses ------------------------------------

def _emails(text: str, raw: bytes, shape: bytes) -> list[Evidence]:
    out = []
    pos = 0
    while (at := raw.find(b"@", pos)) != -1:
        pos = at + 1
        local = _EMAIL_LOCAL.search(text, max(0, at - 64), at)
        dom = _EMAIL_DOMAIN.match(text, at + 1)
        if local is None or dom is None or dom.group("tld").lower() in _FILE_TLDS:
            continue
        start, name = local.start(), local.group()
        if start and (text[start - 1].isalnum() or text[start - 1] == "/"):
            continue
        if name.lower() == "git" or text[dom.end():dom.end() + 1] == ":":
            continue
        score = 0.4 if name.lower() in _ROLE_MAILBOXES else 0.95
        out.append(Evidence("email", start, dom.end(), score,
                            f"{name[0]}***@{dom.group()}", "e-mail address"))
        pos = dom.end()
    if _AT_HINT.search(raw.lower()):
        for m in _EMAIL_OBFUSCATED.finditer(text):
            out.append(Evidence("email", m.start(), m.end(), 0.7, f"{m.group()[0]}*** [at] …",
                                "obfuscated e-mail address"))
    return out


def _ip_score(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> float:
    if addr.is_loopback or addr.is_unspecified or addr.is_multicast or addr.is_reserved:
        return 0.0
    if str(addr) in _PUBLIC_RESOLVERS:
        return 0.3
    if any(addr in net for net in _DOC_NETS):
        return 0.8
    if addr.is_link_local:
        return 0.4
    return 0.4 if addr.is_private else 0.9


def _ipv4(text: str, raw: bytes, shape: bytes) -> list[Evidence]:
    out = []
    for m in _IPV4_SHAPE.finditer(shape):
        if m.start() and shape[m.start() - 1] in b"0Aa.":
            continue
        value = text[m.start():m.end()]
        before = _before(text, m.start())
        if (_VERSION_WORD.search(before) or text.startswith("/", m.end())
                or _VERSION_TAIL.match(text, m.end()) or _NUMBER_NEXT.match(text, m.end())
                or _NUMBER_BEFORE.search(before)):
            continue  # a version, section number, CIDR network or a run of decimals
        try:
            addr = ipaddress.IPv4Address(value)
        except ValueError:
            continue
        bits = "".join(f"{int(o):08b}" for o in value.split("."))
        if re.fullmatch(r"1{4,}0*", bits):
            continue  # a netmask
        score = _ip_score(addr)
        if all(int(o) < 32 for o in value.split(".")) and score > 0.3:
            score = 0.3  # 2.4.8.19: far more often a version or section number than an address
        if score:
            mask = ".".join(value.split(".")[:2]) + ".*.*"
            out.append(Evidence("ip_address", m.start(), m.end(), score, mask, "IPv4 address"))
    return out


def _ipv6(text: str, raw: bytes, shape: bytes) -> list[Evidence]:
    out: list[Evidence] = []
    pos, n = 0, len(text)
    while (hint := _IPV6_HINT.search(raw, pos)) is not None:
        i = hint.start()
        lo, hi = i, i
        while lo > pos and text[lo - 1] in _HEXCOLON and i - lo < 45:
            lo -= 1  # never back into the previous candidate: each character is seen twice
        while hi < n and text[hi] in _HEXCOLON and hi - lo < 45:
            hi += 1
        pos = max(i + 1, hi)
        value = text[lo:hi].rstrip(".")
        if value.count(":") < 2 or (lo and _IPV6_BAD_BEFORE.match(text, lo - 1)):
            continue
        if hi < n and (text[hi].isalnum() or text[hi] in "_/"):
            continue  # part of a word, or a CIDR network
        try:
            addr = ipaddress.IPv6Address(value)
        except ValueError:
            continue
        score = _ip_score(addr)
        if score:
            mask = value.split(":")[0] + ":…"
            out.append(Evidence("ip_address", lo, lo + len(value), score, mask, "IPv6 address"))
    return out


def _dates_of_birth(text: str, raw: bytes, shape: bytes) -> list[Evidence]:
    low = raw.lower()
    if not any(a in low for a in _BIRTH_ANCHORS):
        return []
    out = []
    for m in _DOB.finditer(text):
        g = m.groupdict()
        if g["y1"]:
            y, mo, d = int(g["y1"]), int(g["m1"]), int(g["d1"])
            if mo > 12:
                mo, d = d, mo  # US order
        elif g["y2"]:
            y, mo, d = int(g["y2"]), int(g["m2"]), int(g["d2"])
        else:
            y = int(g["y3"] or g["y4"])
            mo = _MONTH_NUM[(g["m3"] or g["m4"]).lower()]
            d = int(g["d3"] or g["d4"])
        if _valid_date(y, mo, d):
            date = m.group("date")
            out.append(Evidence("date_of_birth", m.start("date"), m.end("date"), 0.85,
                                re.sub(r"\d", "*", date), "date after a birth word"))
    return out


def _streets(text: str, raw: bytes, shape: bytes) -> list[Evidence]:
    out = []
    for hint in _STREET_HINT.finditer(shape):
        at = hint.start()
        m = None if at and shape[at - 1] in b"0Aa-" else _STREET.match(text, at)
        if m is None:
            continue
        house = _HOUSE_NO.search(text, max(0, at - 4), at)
        start = house.start() if house else at
        post = _POSTCODE.match(text, m.end())
        end = post.end() if post else m.end()
        mask = re.sub(r"(?<=[A-Za-z])[a-z']+", "***", re.sub(r"\d", "*", text[start:end]))
        out.append(Evidence("street_address", start, end, 0.85 if post else 0.7,
                            mask[:48], "street address"))
    return out


_SCANNERS: tuple[tuple[frozenset[str], Callable[[str, bytes, bytes], list[Evidence]]], ...] = (
    (frozenset({"payment_card", "us_ssn", "phone", "national_id"}), _numbers),
    (frozenset({"iban"}), _iban),
    (frozenset({"national_id"}), _ids),
    (frozenset({"email"}), _emails),
    (frozenset({"ip_address"}), _ipv4),
    (frozenset({"ip_address"}), _ipv6),
    (frozenset({"date_of_birth"}), _dates_of_birth),
    (frozenset({"street_address"}), _streets),
)


def build(spec: FloorSpec) -> PiiDetector:
    """The detector for ``input.pii`` / ``output.pii``: only the types the spec lists."""
    unknown = sorted(set(spec.types) - set(ALL_TYPES))
    if unknown:
        raise GovernanceError(f"floor {spec.id!r}: unknown PII types {unknown} in types; known "
                              f"types are {list(ALL_TYPES)}; fix it in the policy file")
    return PiiDetector(tuple(spec.types) or DEFAULT_TYPES)
