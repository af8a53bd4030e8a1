"""``input.injection``: prompt-injection and jailbreak detection.

Evidence types, each scored in [0, 1] (the floor trips at ``thresholds.score``, 0.6 shipped):

- ``instruction_override``  "ignore all previous instructions", "new instructions:", text that
  addresses an AI reading it, in English, Spanish, Portuguese, Italian, French, German, Dutch,
  Polish, Malay/Indonesian, Russian, Chinese, Japanese, Korean, Vietnamese, Arabic, Turkish and
  Hindi;
- ``role_play_jailbreak``   DAN-style personas, "developer mode", "an AI without restrictions",
  the deceased-grandmother trick, "hypothetically, with no rules";
- ``prompt_extraction``     requests to reveal, print or repeat the system prompt or what the
  assistant was told before the conversation;
- ``delimiter_spoofing``    chat-template tokens and fake role headers in user text;
- ``encoded_payload``       base64, hex, rot13 or reversed text that decodes to any of the above
  (up to ``thresholds.decode_depth`` layers, ``thresholds.max_decoded_bytes`` in all); the span
  is the encoded run;
- ``invisible_characters``  Unicode tag characters, zero-width and variation-selector
  smuggling, bidi overrides; hidden ASCII is decoded and scanned again.

Leetspeak, look-alike letters and full-width forms are folded before matching. A text that is
about attacks (it names prompt injection or jailbreaks, or asks "is this an attack?") keeps its
findings but at most at 0.65: still over the shipped threshold, so a quoted attack is refused,
and a policy that must let security questions through can set ``score`` to 0.7.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

from ..._errors import GovernanceError
from ...contracts import FloorSpec
from ._base import Evidence, mask_text
from ._injection_rules import ANALYSIS, RULES, Rule

__all__ = ["DEFAULT_DECODE_DEPTH", "DEFAULT_MAX_DECODED_BYTES", "InjectionDetector", "build"]

DEFAULT_DECODE_DEPTH = 2
DEFAULT_MAX_DECODED_BYTES = 65536
WINDOW = 512  # longest phrase a rule matches (<= 300) plus a rot13/reversed context window
_NEAR = 120  # findings of different rules this close (and this strong) corroborate each other
_PARTNER = 0.45
_ANALYSIS_CAP = 0.65
_HIDDEN = ("encoded_payload", "invisible_characters")
_VIEW_OF = {"text": attrgetter("text"), "low": attrgetter("low"), "norm": attrgetter("norm")}

# --- views: the text lower-cased, with leet digits and look-alike letters folded ---------------

_LEET_CHARS = "013457@$_"
_LEET_BYTES = bytes.maketrans(_LEET_CHARS.encode(), b"oieastas ")
_FOLD = str.maketrans({
    **{chr(0xFF01 + i): chr(0x21 + i).lower() for i in range(94)},  # full-width ASCII
    **dict(zip("аеорсухіјѕԁɡοαειкмнтвℓ", "aeopcyxijsdgoaeikmhtbl", strict=True)),
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u3000": " ",
})
_MIXED = re.compile(  # a Latin letter next to a Cyrillic or Greek one
    rb"[\xc9\xce\xcf\xd0\xd1\xd4](?:[\x80-\xbf][a-z]|(?<=[a-z][\xc9\xce\xcf\xd0\xd1\xd4]))")
_MIXED_LEADS = (b"\xc9", b"\xce", b"\xcf", b"\xd0", b"\xd1", b"\xd4")
_WIDE = re.compile(rb"\xef\xbd[\x81-\x9a]")  # full-width a-z
_MARKS = {m.encode(): a.encode() for m, a in zip("“”‘’«»—–…\u00a0", "\"\"''\"\"--. ",
                                                strict=True)}
_MARK = re.compile(b"|".join(_MARKS))
_SEP = bytes(b if 0x61 <= b <= 0x7A or 0x30 <= b <= 0x39 or b >= 0x80 else 0x20
             for b in range(256))
_SEP_ASCII = bytes(b if 0x61 <= b <= 0x7A or 0x30 <= b <= 0x39 else 0x20 for b in range(256))


class _Views(NamedTuple):
    """The text, lower-cased, and folded (leet, look-alikes, typographic quotes): strings of
    the same length sharing offsets; ``raw`` is the folded text in UTF-8, ``words`` the folded
    text with every character but a-z and 0-9 made a space, between two spaces (offset ``i``
    of the text is offset ``i + 1`` there)."""

    text: str
    low: str
    norm: str
    raw: bytes
    words: bytes


def _views(text: str) -> _Views:
    low = text.lower()
    if len(low) != len(text):  # "İ" lower-cases to two characters
        low = text.replace("\u0130", "i").lower()
        if len(low) != len(text):
            low = "".join(c.lower()[0] for c in text)
    if text.isascii():
        norm, raw = low, low.encode("ascii")
        if any(map(low.__contains__, _LEET_CHARS)):
            raw = raw.translate(_LEET_BYTES)
            norm = raw.decode("ascii")
        return _Views(text, low, norm, raw, b" %b " % raw.translate(_SEP_ASCII))
    raw = low.encode("utf-8", "surrogatepass").translate(_LEET_BYTES)
    if (b"\xe2\x80" in raw or b"\xc2" in raw) and _MARK.search(raw):
        raw = _MARK.sub(lambda m: _MARKS[m.group()], raw)
    norm = raw.decode("utf-8", "surrogatepass")
    if (any(lead in raw for lead in _MIXED_LEADS) and _MIXED.search(raw)) \
            or (b"\xef\xbd" in raw and _WIDE.search(raw)):
        norm = norm.translate(_FOLD)
        raw = norm.encode("utf-8", "surrogatepass")
    words = b" %b " % norm.encode("ascii", "replace").translate(_SEP_ASCII)
    return _Views(text, low, norm, raw, words)


# --- anchors: the places where a rule's pattern is tried ---------------------------------------

class _Anchor(NamedTuple):
    """Where a rule's pattern is tried: a whole word (``stem``), in the folded view if
    ``folded`` (else in the lower-cased one, when that differs), followed by one of the ``then``
    words if there are any (``follow`` finds such places in ``_Views.words``)."""

    rule: int
    stem: str
    folded: bool
    then: frozenset[bytes]
    follow: re.Pattern[bytes] | None


def _anchor(index: int, rule: Rule, word: str) -> _Anchor:
    then = frozenset(w.encode() for w in rule.then.get(word, "").split())
    if then and rule.view != "norm":  # the words are looked for in the folded text
        raise ValueError(f"rule {rule.name!r}: 'then' needs the folded view")
    return _Anchor(index, word, rule.view == "norm", then, _follower(word, then, rule.filler))


def _follower(word: str, then: frozenset[bytes], filler: str) -> re.Pattern[bytes] | None:
    """Finds ``word`` followed by one of the ``then`` words (past up to two ``filler`` words) in
    ``_Views.words``; None without ``then`` words."""
    if not then:
        return None
    stem, skip = re.escape(word.encode()), b"|".join(w.encode() for w in filler.split())
    gap = b" +(?:(?:%b) +){0,2}" % skip if skip else b" +"
    return re.compile(b"%b(?<= %b)(?=%b(?:%b) )" % (stem, stem, gap, b"|".join(sorted(then))))


def _anchor_table() -> dict[bytes, tuple[_Anchor, ...]]:
    table: dict[bytes, list[_Anchor]] = {}
    for index, rule in enumerate(RULES):
        for word in rule.words.split():
            table.setdefault(word.encode(), []).append(_anchor(index, rule, word))
    return {word: tuple(anchors) for word, anchors in table.items()}


_ANCHORS = _anchor_table()
_NEEDS = tuple(frozenset(w.encode() for w in rule.needs.split()) for rule in RULES)
_MARKED = {index: (rule.marks, _VIEW_OF[rule.view]) for index, rule in enumerate(RULES)
           if rule.marks}
_NEEDLES = tuple((index, needle, rule.view == "norm") for index, rule in enumerate(RULES)
                 for needle in rule.needles if needle.isascii())
_SCRIPT_NEEDLES = {needle: index for index, rule in enumerate(RULES) for needle in rule.needles
                   if not needle.isascii()}
_SCRIPT = re.compile("|".join(sorted(map(re.escape, _SCRIPT_NEEDLES), key=len, reverse=True)))
_SCRIPT_LEADS = tuple({needle.encode()[:1] for needle in _SCRIPT_NEEDLES})
# Where a match of a rule with ``lead`` characters starts: one of them, where the pattern matches.
_LEADS = {rule.name: re.compile(f"[{re.escape(rule.lead)}](?<=(?={rule.pattern.pattern}).)",
                                rule.pattern.flags) for rule in RULES if rule.lead}

# --- encodings ----------------------------------------------------------------------------------

_B64_CLASS = bytes(
    ord("a") if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "+/=-_")
    else ord("n") if chr(b) in "\r\n" else ord(" ") for b in range(256))
_HEX_CLASS = bytes(
    ord("h") if chr(b) in "0123456789abcdefABCDEF" else ord("s") if chr(b) in " ,:;"
    else ord("x") if chr(b) in "xX" else b if chr(b) in "\\%" else ord(".") for b in range(256))
_HEX_HINTS = (b"hhshhshhshhshh", b"hhsshhsshhsshh", b"\\xhh\\xhh\\xhh", b"%hh%hh%hh",
              b"hxhhshxhhshxhh", b"hxhhsshxhhsshxhh")
_HEX_RUN = re.compile(r"(?<![0-9A-Za-z\\])(?:(?:\\x|0[xX]|%)?[0-9A-Fa-f]{2}[ ,:;]{0,2}){8,}")
_HEX_NOISE = re.compile(r"\\x|0[xX]|%|[ ,:;]")
_HEX_ONLY = re.compile(r"(?:[0-9A-Fa-f]{2}){8,}")
_HEX_BYTES = re.compile(rb"[0-9A-Fa-f]+")
_ROT13 = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                       "nopqrstuvwxyzabcdefghijklmNOPQRSTUVWXYZABCDEFGHIJKLM")
_CUES = ("ignore", "disregard", "instruction", "instructions", "previous", "system", "prompt",
         "jailbreak", "developer", "reveal", "forget", "override", "pretend", "restrictions")
_ROT_WORDS = tuple(codecs.encode(cue, "rot13") for cue in _CUES)
_REV_WORDS = tuple(cue[::-1] for cue in _CUES)
_TRANSFORMS = (("rot13", tuple((cue, cue.encode()) for cue in _ROT_WORDS)),
               ("reversed", tuple((cue, cue.encode()) for cue in _REV_WORDS)))
_TRANSFORMED_CUES = frozenset(word for _, cues in _TRANSFORMS for _, word in cues)
_KNOWN = frozenset(_ANCHORS).union(
    *_NEEDS, *(anchor.then for anchors in _ANCHORS.values() for anchor in anchors),
    _TRANSFORMED_CUES)
_WHOLE = {word: re.compile(f"{re.escape(word)}(?<![a-z0-9]{re.escape(word)})(?![a-z0-9])")
          for word in {w.decode() for w in _ANCHORS} | {*_ROT_WORDS, *_REV_WORDS}}


def _tokens(views: _Views) -> frozenset[bytes]:
    """The words of the folded text that some rule or decoder looks for (ASCII words are also
    taken apart from other scripts, punctuation and invisible characters around them)."""
    found = _KNOWN.intersection(views.words.split())
    if views.raw.isascii():
        return found
    return found | _KNOWN.intersection(views.raw.translate(_SEP).split())

# --- invisible characters ------------------------------------------------------------------------

_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef]")
_INVISIBLE_BYTES = re.compile(  # the UTF-8 forms of _INVISIBLE: a cheap first look
    rb"\xc2\xad|\xcd\x8f|\xd8\x9c|\xe1(?:\x85[\x9f\xa0]|\x9e[\xb4\xb5]|\xa0[\x8b-\x8f])"
    rb"|\xe2(?:\x80[\x8b-\x8f\xaa-\xae]|\x81[\xa0-\xa4\xa6-\xaf])|\xe3\x85\xa4"
    rb"|\xef(?:\xb8[\x80-\x8f]|\xbb\xbf|\xbe\xa0)|\xf0\x9d\x85[\xb3-\xba]|\xf3\xa0[\x80-\x87]")
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_FLAG = "\U0001f3f4"


def _is_flag(text: str, start: int, cps: list[int]) -> bool:
    """Tag characters spelling a subdivision flag after U+1F3F4, e.g. England's."""
    return start > 0 and text[start - 1] == _FLAG and len(cps) <= 7 and all(
        0xE0030 <= cp <= 0xE0039 or 0xE0061 <= cp <= 0xE007A or cp == 0xE007F for cp in cps)


def _kind(cp: int) -> str:
    if 0xE0000 <= cp <= 0xE007F:
        return "tag"
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return "vs"
    if 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069 or cp in (0x200E, 0x200F, 0x061C):
        return "bidi"
    return "zw"


@dataclass(frozen=True, slots=True)
class _Hit:
    type: str
    start: int
    end: int
    score: float
    rule: str
    mask: str
    detail: str = ""


def _restored(at: int, kept: list[int]) -> int:
    """Offset ``at`` of a text with characters removed as an offset of the original, given how
    many characters were kept before each removed one (ascending)."""
    return at + bisect.bisect_right(kept, at)


def _rescored(hit: _Hit, score: float, note: str) -> _Hit:
    """``hit`` with another score, the reason noted in its detail."""
    return _Hit(hit.type, hit.start, hit.end, score, hit.rule, hit.mask, hit.detail + note)


class _Budget:
    """Decoded bytes still allowed in one scan (decoding never exceeds the policy's total)."""

    __slots__ = ("left",)

    def __init__(self, left: int) -> None:
        self.left = left

    def take(self, size: int) -> int:
        granted = max(0, min(size, self.left))
        self.left -= granted
        return granted


def _as_text(raw: bytes, budget: _Budget) -> str | None:
    """``raw`` as printable UTF-8 text, cut to the budget (and charged to it), or None."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    flat = text.replace("\n", " ").replace("\r", " ").replace("\t", " ")
    if len(text) < 6 or not flat.isprintable() or not any(c.isalpha() for c in text[:256]):
        return None
    size = budget.take(len(raw))
    return text if size == len(raw) else raw[:size].decode("utf-8", "ignore") or None


def _decode_base64(run: str) -> bytes | None:
    core = run.rstrip("=")
    if len(core) % 4 == 1:
        core = core[:-1]
    alt = b"-_" if "-" in core or "_" in core else None
    try:
        return base64.b64decode(core + "=" * (-len(core) % 4), altchars=alt, validate=True)
    except (binascii.Error, ValueError):
        return None


def _base64_runs(text: str, data: bytes) -> list[tuple[int, int]]:
    """Character spans of base64-alphabet runs of 16 or more (MIME-wrapped lines joined)."""
    classes, size, spans = data.translate(_B64_CLASS), len(data), []
    at = classes.find(b"a" * 16)
    while at >= 0:
        line, end = at, _run_end(classes, at)
        while end < size and classes[end] == 0x6E and (end - line) % 4 == 0 and end - line >= 16:
            nxt = end + 1 if classes[end + 1:end + 2] != b"n" else end + 2
            if classes[nxt:nxt + 4] != b"aaaa":
                break
            line, end = nxt, _run_end(classes, nxt)
        run = data[at:end]
        if not (run.islower() or run.isupper()) or _HEX_BYTES.fullmatch(run):
            spans.append((at, end))  # words and CONSTANT_NAMES are not base64 of text
        at = classes.find(b"a" * 16, end)
    if len(data) == len(text) or not spans:
        return spans
    chars, last_byte, last_char = [], 0, 0
    for edge in sorted({edge for span in spans for edge in span}):
        last_char += len(data[last_byte:edge].decode("utf-8", "surrogatepass"))
        last_byte = edge
        chars.append((edge, last_char))
    offsets = dict(chars)
    return [(offsets[a], offsets[b]) for a, b in spans]


def _run_end(classes: bytes, at: int) -> int:
    ends = [e for e in (classes.find(b" ", at), classes.find(b"n", at)) if e >= 0]
    return min(ends, default=len(classes))


def _spots(views: _Views, tokens: frozenset[bytes]) -> dict[int, list[tuple[int, int]]]:
    """Per rule with anchors in the text, their spans (only for rules whose marks and needed
    words the text has). Rules come in the order of their first anchor word among the text's
    anchor words sorted: a fixed order, as it breaks ties between equal findings."""
    same = views.low == views.norm
    marked: dict[int, bool] = {}
    spots: dict[int, list[tuple[int, int]]] = {}
    places: dict[tuple[str, bool, frozenset[bytes]], list[int]] = {}
    for word in sorted(_ANCHORS.keys() & tokens):
        for index, stem, folded, then, follow in _ANCHORS[word]:
            if _NEEDS[index] and _NEEDS[index].isdisjoint(tokens):
                continue
            found = spots.setdefault(index, [])
            if (then and then.isdisjoint(tokens)) \
                    or (index in _MARKED and not _marked(index, views, marked)):
                continue
            folded = folded or same
            at = places.get((stem, folded, then))
            if at is None:
                at = places[stem, folded, then] = _whole_words(views, stem, folded, follow)
            found.extend([(a, a + len(stem)) for a in at])
    for index, needle, folded in _NEEDLES:
        found = spots.setdefault(index, [])
        if _marked(index, views, marked):
            found.extend([(a, a + len(needle)) for a in _occurrences(
                views.norm if folded or same else views.low, needle, False)])
    if not views.text.isascii() and any(lead in views.raw for lead in _SCRIPT_LEADS):
        for m in _SCRIPT.finditer(views.low):
            spots.setdefault(_SCRIPT_NEEDLES[m.group()], []).append(m.span())
    return {index: found for index, found in spots.items() if found}


def _marked(index: int, views: _Views, known: dict[int, bool]) -> bool:
    """Whether the rule has no marks or its view of the text has one (remembered in
    ``known``)."""
    if index not in _MARKED:
        return True
    found = known.get(index)
    if found is None:
        marks, view = _MARKED[index]
        found = known[index] = any(map(view(views).__contains__, marks))
    return found


def _matches(rule: Rule, haystack: str, spots: list[tuple[int, int]]) -> Iterator[re.Match[str]]:
    """The rule's matches around its anchor spots (start and end of each anchor occurrence)."""
    if rule.mode == "window":
        size = len(haystack)
        for lo, hi in _merge([(max(0, a - rule.back), b + rule.fwd) for a, b in spots]):
            yield from _window(rule, haystack, lo, min(hi, size))
        return
    if rule.mode == "line":
        starts = {line for a, _ in spots
                  if a - (line := haystack.rfind("\n", 0, a) + 1) <= rule.back}
    elif rule.offsets == (0,):
        starts = {a for a, _ in spots}
    else:
        starts = {a - k for a, _ in spots for k in rule.offsets}
    match = rule.pattern.match
    for at in sorted(starts):
        if at >= 0 and (m := match(haystack, at)) is not None:
            yield m


def _window(rule: Rule, haystack: str, lo: int, hi: int) -> Iterator[re.Match[str]]:
    """What ``rule.pattern.finditer`` finds between ``lo`` and ``hi``."""
    lead = _LEADS.get(rule.name)
    if lead is None:
        yield from rule.pattern.finditer(haystack, lo, hi)
        return
    while (start := lead.search(haystack, lo, hi)) is not None:
        m = rule.pattern.match(haystack, start.start(), hi)
        assert m is not None  # the lead search stops only where the pattern matches
        yield m
        lo = m.end()


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(windows):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _whole_words(views: _Views, stem: str, folded: bool,
                 follow: re.Pattern[bytes] | None) -> list[int]:
    """Where ``stem`` occurs as a whole word in the folded (or lower-cased) view; for an ASCII
    word of the folded view, only where ``follow`` (if any) finds it in ``_Views.words``."""
    if follow is not None and folded and stem.isascii():
        return [m.start() - 1 for m in follow.finditer(views.words)]
    return _occurrences(views.norm if folded else views.low, stem)


def _occurrences(haystack: str, stem: str, whole: bool = True) -> list[int]:
    """Where ``stem`` occurs in ``haystack`` (as a whole word when ``whole``)."""
    if whole:
        return [m.start() for m in _WHOLE[stem].finditer(haystack)]
    found, at = [], haystack.find(stem)
    while at >= 0:
        found.append(at)
        at = haystack.find(stem, at + 1)
    return found


@dataclass(frozen=True, slots=True)
class InjectionDetector:
    """Detector of the ``input.injection`` floor (see the module docstring for what it finds)."""

    window: int = WINDOW
    decode_depth: int = DEFAULT_DECODE_DEPTH
    max_decoded_bytes: int = DEFAULT_MAX_DECODED_BYTES

    def scan(self, text: str) -> list[Evidence]:
        """Every finding in ``text``, in order of position."""
        if not text:
            return []
        views = _views(text)
        hits = self._final(views[2], self._scan(text, views, self.decode_depth,
                                                _Budget(self.max_decoded_bytes), True), True)
        return [Evidence(h.type, h.start, h.end, round(h.score, 3), h.mask, h.detail)
                for h in sorted(hits, key=lambda h: (h.start, -h.score))]

    # --- one layer --------------------------------------------------------------------------

    def _scan(self, text: str, views: _Views, depth: int, budget: _Budget,
              invisible: bool, transforms: bool = True) -> list[_Hit]:
        tokens = _tokens(views)
        hits = self._phrases(views, tokens)
        if depth > 0:
            hits += self._encoded(text, depth, budget)
            if transforms:
                hits += self._transformed(text, views[1], tokens, depth, budget)
        if invisible and not text.isascii() \
                and _INVISIBLE_BYTES.search(text.encode("utf-8", "surrogatepass")):
            hits += self._invisible(text, depth, budget)
        return hits

    def _inner(self, text: str, depth: int, budget: _Budget, invisible: bool = True) -> _Hit | None:
        """The strongest finding in a decoded or revealed text, if any."""
        views = _views(text)
        inner = self._final(views[2], self._scan(text, views, depth, budget, invisible), False)
        best = max(inner, key=lambda h: h.score, default=None)
        return best if best is not None and best.score >= 0.3 else None

    @staticmethod
    def _phrases(views: _Views, tokens: frozenset[bytes]) -> list[_Hit]:
        text, hits = views.text, []
        for index, spots in _spots(views, tokens).items():
            rule = RULES[index]
            haystack, seen = _VIEW_OF[rule.view](views), set()
            for m in _matches(rule, haystack, spots):
                if m.end() == m.start() or (m.start(), m.end()) in seen:
                    continue
                seen.add((m.start(), m.end()))
                score = rule.scorer(m, text)
                if score > 0:
                    hits.append(_Hit(rule.type, m.start(), m.end(), score, rule.name,
                                     mask_text(text[m.start():m.end()]), rule.name))
        return hits

    # --- encodings ---------------------------------------------------------------------------

    def _encoded(self, text: str, depth: int, budget: _Budget) -> list[_Hit]:
        data = text.encode("utf-8", "surrogatepass")
        runs: dict[tuple[int, int], str] = {}
        for span in _base64_runs(text, data):
            runs[span] = "base64"
        digits = len(data) - len(data.translate(None, b"0123456789")) \
            if any(map(text.__contains__, "0123456789")) else 0
        hexes = data.translate(_HEX_CLASS) if digits >= 8 else b""
        if hexes and any(hint in hexes for hint in _HEX_HINTS):
            for m in _HEX_RUN.finditer(text):
                runs.setdefault(m.span(), "hex")
        hits: list[_Hit] = []
        if not runs:
            return hits
        seen: dict[str, tuple[str, _Hit] | None] = {}
        for (start, end), kind in sorted(runs.items()):
            if budget.left <= 0:
                break
            run = text[start:end]
            if run not in seen:
                decoded = self._decode(run, kind, budget)
                best = self._inner(decoded[1], depth - 1, budget) if decoded else None
                seen[run] = (decoded[0], best) if decoded and best else None
            found = seen[run]
            if found is not None:
                hits.append(self._wrapped(found[1], start, end, found[0]))
        return hits

    @staticmethod
    def _decode(run: str, kind: str, budget: _Budget) -> tuple[str, str] | None:
        """(encoding, decoded text) of one candidate run; only text is charged to the budget."""
        if kind == "hex":
            digits = _HEX_NOISE.sub("", run)
            digits = digits[:len(digits) // 2 * 2]
            plain = _as_text(bytes.fromhex(digits), budget) if _HEX_ONLY.fullmatch(digits) \
                else None
            return ("hex", plain) if plain else None
        run = "".join(run.split())
        inner = run.rstrip("=")
        if "=" in inner:  # key=value: the payload is what follows the last "="
            run = run[inner.rindex("=") + 1:]
        if len(run) < 16:
            return None
        if _HEX_ONLY.fullmatch(run):
            plain = _as_text(bytes.fromhex(run), budget)
            if plain:
                return "hex", plain
        for how, candidate in (("base64", run), ("rot13+base64", run.translate(_ROT13))):
            raw = _decode_base64(candidate)
            plain = _as_text(raw, budget) if raw else None
            if plain:
                return how, plain
        return None

    def _transformed(self, text: str, low: str, tokens: frozenset[bytes], depth: int,
                     budget: _Budget) -> list[_Hit]:
        """rot13 and reversed text around the places where an encoded cue word appears."""
        hits: list[_Hit] = []
        if tokens.isdisjoint(_TRANSFORMED_CUES):
            return hits
        for how, cues in _TRANSFORMS:
            spots = [at for cue, word in cues if word in tokens for at in _occurrences(low, cue)]
            for lo, hi in _merge([(max(0, at - WINDOW), at + WINDOW) for at in spots]):
                hi = lo + budget.take(min(hi, len(text)) - lo)
                segment = text[lo:hi]
                plain = segment.translate(_ROT13) if how == "rot13" else segment[::-1]
                views = _views(plain)
                inner = self._final(
                    views[2], self._scan(plain, views, depth - 1, budget, False, False), False)
                for h in inner:
                    if h.score < 0.3:
                        continue
                    start, end = (lo + h.start, lo + h.end) if how == "rot13" else \
                        (hi - h.end, hi - h.start)
                    hits.append(self._wrapped(h, start, end, how))
        return hits

    @staticmethod
    def _wrapped(inner: _Hit, start: int, end: int, how: str) -> _Hit:
        detail = f"{how}: {inner.detail if inner.type in _HIDDEN else inner.type}"
        return _Hit("encoded_payload", start, end, min(0.99, inner.score + 0.05), how,
                    mask_text(f"{how}→{inner.mask}"), detail)

    # --- invisible characters ------------------------------------------------------------------

    def _invisible(self, text: str, depth: int, budget: _Budget) -> list[_Hit]:
        places = [m.start() for m in _INVISIBLE.finditer(text)]
        if not places:
            return []
        hits: list[_Hit] = []
        runs: list[list[int]] = []
        for at in places:
            if runs and at == runs[-1][-1] + 1:
                runs[-1].append(at)
            else:
                runs.append([at])
        rtl = _RTL.search(text) is not None
        loose: list[int] = []
        for run in runs:
            cps = [ord(text[at]) for at in run]
            if _is_flag(text, run[0], cps):
                continue
            hidden = self._hidden_run(text, run, cps, depth, budget)
            if hidden is not None:
                hits.append(hidden)
                continue
            for at, cp in zip(run, cps, strict=True):
                if self._suspicious(text, at, cp, len(run), rtl):
                    loose.append(at)
        hits += self._clusters(text, loose)
        hits += self._revealed(text, places, depth, budget)
        return hits

    def _hidden_run(self, text: str, run: list[int], cps: list[int], depth: int,
                    budget: _Budget) -> _Hit | None:
        """A run that carries data: tag-character ASCII, variation-selector bytes, or
        zero-width binary."""
        start, end = run[0], run[-1] + 1
        tags = [cp - 0xE0000 for cp in cps if 0xE0000 <= cp <= 0xE007F]
        if len(tags) == len(cps):
            plain = "".join(chr(c) for c in tags if 0x20 <= c <= 0x7E or c in (9, 10, 13))
            return self._reveal(plain[:budget.take(len(plain))], start, end, "tag characters",
                                0.75, depth, budget)
        if len(cps) >= 4 and all(_kind(cp) == "vs" for cp in cps):
            raw = bytes(cp - 0xFE00 if cp <= 0xFE0F else cp - 0xE0100 + 16 for cp in cps)
            revealed = _as_text(raw, budget) or ""
            return self._reveal(revealed, start, end, "variation selectors",
                                0.7 if revealed else 0.45, depth, budget)
        if len(cps) >= 8 and all(_kind(cp) == "zw" for cp in cps):
            symbols = sorted(set(cps))
            plain = ""
            if len(symbols) == 2:
                size = len(cps) // 8
                for zero in symbols:
                    bits = "".join("0" if cp == zero else "1" for cp in cps[:size * 8])
                    plain = _as_text(int(bits, 2).to_bytes(size, "big"), budget) or ""
                    if plain:
                        break
            return self._reveal(plain, start, end, "zero-width binary", 0.7 if plain else 0.65,
                                depth, budget)
        return None

    def _reveal(self, plain: str, start: int, end: int, what: str, floor: float, depth: int,
                budget: _Budget) -> _Hit:
        best = self._inner(plain, depth, budget, False) if plain else None
        score = max(floor, min(0.99, best.score + 0.05)) if best else floor
        mask = mask_text(f"{what}→{best.mask if best else plain}") if plain else \
            f"{end - start} {what}"
        detail = f"{what}: {best.type}" if best else f"{what}, {end - start} chars"
        return _Hit("invisible_characters", start, end, score, what, mask, detail)

    @staticmethod
    def _suspicious(text: str, at: int, cp: int, run_length: int, rtl: bool) -> bool:
        kind = _kind(cp)
        if kind == "bidi":
            return cp in (0x202D, 0x202E) or not rtl
        if kind == "vs" or (cp == 0xFEFF and at == 0) or cp == 0x00AD:
            return False
        if run_length > 1:
            return True
        before = text[at - 1] if at > 0 else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        return (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum())

    @staticmethod
    def _clusters(text: str, loose: list[int]) -> list[_Hit]:
        hits: list[_Hit] = []
        group: list[int] = []
        for at in [*loose, -1]:
            if group and (at < 0 or at - group[-1] > 32):
                overrides = sum(ord(text[i]) in (0x202D, 0x202E) for i in group)
                score = 0.5 if overrides or len(group) >= 3 else 0.3
                hits.append(_Hit("invisible_characters", group[0], group[-1] + 1, score,
                                 "zero-width", f"{len(group)} invisible chars",
                                 f"{len(group)} invisible or bidi control characters"))
                group = []
            if at >= 0:
                group.append(at)
        return hits

    def _revealed(self, text: str, places: list[int], depth: int, budget: _Budget) -> list[_Hit]:
        """Findings that only appear once invisible characters are removed."""
        plain = _INVISIBLE.sub("", text)
        if not plain:
            return []
        kept = [at - i for i, at in enumerate(places)]  # visible characters before each place
        views = _views(plain)
        hits = []
        for h in self._final(views[2], self._scan(plain, views, depth, budget, False), False):
            start, end = _restored(h.start, kept), _restored(h.end - 1, kept) + 1
            at = bisect.bisect_left(places, start - 1)
            if h.score >= 0.3 and at < len(places) and places[at] <= end:
                hits.append(_Hit("invisible_characters", start, end, min(0.99, h.score + 0.05),
                                 "revealed", h.mask, f"hidden by invisible characters: {h.type}"))
        return hits

    # --- scoring across findings ------------------------------------------------------------

    @staticmethod
    def _final(norm: str, hits: list[_Hit], top: bool) -> list[_Hit]:
        """Corroborate nearby findings of different rules, cap analysis texts, drop overlaps."""
        if not hits:
            return hits
        hits.sort(key=lambda h: h.start)
        boosted = []
        for i, h in enumerate(hits):
            if h.score >= _PARTNER:
                others: dict[str, float] = {}
                for o in hits[max(0, i - 16):i + 17]:
                    if o.score >= _PARTNER and o.rule != h.rule \
                            and (o.end <= h.start or h.end <= o.start) \
                            and -_NEAR <= o.start - h.start <= _NEAR:
                        others[o.rule] = max(o.score, others.get(o.rule, 0.0))
                combined = h.score
                for score in sorted(others.values(), reverse=True)[:3]:
                    combined += score * (1 - combined) * 0.5
                if combined > h.score + 1e-9:
                    h = _rescored(h, min(0.95, combined), "; corroborated")
            boosted.append(h)
        if top and any(h.score > _ANALYSIS_CAP and h.type not in _HIDDEN for h in boosted) \
                and ANALYSIS.search(norm):
            boosted = [_rescored(h, _ANALYSIS_CAP, "; analysis text")
                       if h.score > _ANALYSIS_CAP and h.type not in _HIDDEN else h
                       for h in boosted]
        kept: list[_Hit] = []
        taken: dict[str, list[tuple[int, int]]] = {}  # per type: disjoint spans, sorted
        for h in sorted(boosted, key=lambda h: -h.score):
            spans = taken.setdefault(h.type, [])
            at = bisect.bisect_left(spans, (h.start, h.end))
            if (at and spans[at - 1][1] > h.start) or (at < len(spans) and spans[at][0] < h.end):
                continue
            spans.insert(at, (h.start, h.end))
            kept.append(h)
        return kept


def _setting(spec: FloorSpec, name: str, default: int, high: int) -> int:
    value = spec.thresholds.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise GovernanceError(f"floor {spec.id!r}: thresholds.{name} must be an integer from 0 to "
                              f"{high}, got {value!r}; fix it in the policy file")
    return value


def build(spec: FloorSpec) -> InjectionDetector:
    """The ``input.injection`` detector with the policy's ``decode_depth`` and
    ``max_decoded_bytes`` (defaults 2 and 65536)."""
    return InjectionDetector(
        window=WINDOW,
        decode_depth=_setting(spec, "decode_depth", DEFAULT_DECODE_DEPTH, 4),
        max_decoded_bytes=_setting(spec, "max_decoded_bytes", DEFAULT_MAX_DECODED_BYTES,
                                   1 << 20))
