"""``output.humility``, the text half: the output claiming certainty the policy forbids.

Findings are typed ``certainty_claim``: "I am 100% certain", "there is absolutely no doubt",
"this is guaranteed to be correct", "trust me, this is definitely right". They are looked for only
when the policy's ``thresholds.forbid_certainty_claims`` is true (the default); otherwise ``scan``
returns nothing. Comparing the backend's numeric confidence with ``thresholds.min_confidence`` is
the pipeline's job, not this detector's.

The floor has no score threshold of its own, so ``scan`` returns only findings that are claims,
scored at least ``CLAIM_SCORE`` (0.5); hedged, quoted, reported, negated or hypothetical uses and
technical guarantees backed by a source ("guaranteed to return a list, per the docs") score lower
and are left out. "You're absolutely right" is agreement, not a claim about the answer, and is
left out too.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from ..._errors import GovernanceError
from ...contracts import FloorSpec
from ._base import Evidence, mask_text
from ._text import RulePattern
from ._text import compile_rules as _compile
from ._text import fold as _fold
from ._text import is_quoted as _is_quoted
from ._text import rule_text as _rule_text
from ._text import sentence_start as _sentence_start

__all__ = ["CLAIM_SCORE", "TYPE", "HumilityDetector", "build"]

TYPE = "certainty_claim"
#: Findings scoring below this are not claims and are not returned.
CLAIM_SCORE = 0.5

_ABSOLUTE = (r"(?:absolutely|completely|totally|entirely|fully|utterly|dead|perfectly|100\s?%"
             r"|100\s+percent|one\s+hundred\s+percent|a\s+hundred\s+percent)")
_SURE = r"(?:sure|certain|positive|confident)"
_CORRECT = (r"(?:correct|right|true|accurate|bug-?free|error-?free|the\s+(?:right|correct|only)\s+"
            r"(?:answer|solution|way|approach|interpretation|formula|configuration))")
_ADVERB = (r"(?:definitely|absolutely|certainly|undoubtedly|unquestionably|indisputably|undeniably"
           r"|completely|totally|entirely|100\s?%|guaranteed)")
_TO_YOU = r"\s+(?:that\s+)?you(?:'ll|\s+will|\s+can|'re|\s+are|\s+could)"
I_AM = r"i(?:'m|m|\s+am)\s+"

# (score, leads, rest): a claim is " " + lead + rest; the first matching rule of a lead wins.
_Rule = tuple[float, "str | tuple[str, ...]", str]
_RULES: tuple[_Rule, ...] = (
    (0.35, I_AM, rf"(?:{_ABSOLUTE}\s+|quite\s+|very\s+)?{_SURE}{_TO_YOU}"),
    (0.9, I_AM, rf"{_ABSOLUTE}\s+{_SURE}"),
    (0.65, I_AM, rf"(?:quite|very|extremely|highly|really|so)\s+{_SURE}"),
    (0.7, I_AM, rf"(?:sure|certain|positive)\s+(?:that\s+)?(?:this|that|it|my\s+answer"
     rf"|the\s+answer)(?:'s|\s+is|\s+will|\s+was)\s+(?:{_CORRECT}|work)"),
    (0.6, I_AM, r"(?:certain|positive)"),
    (0.85, I_AM, r"(?:never\s+wrong|always\s+right|infallible)"),
    (0.4, "i", rf"\s+(?:can\s+)?guarantee{_TO_YOU}"),
    (0.8, "i", r"\s+(?:can\s+)?guarantee\s+(?:you\s+)?(?:that\s+)?(?:this|that|it|the|my|your)"),
    (0.75, "i", r"\s+know\s+for\s+(?:a\s+fact|certain|sure)"),
    (0.85, "i", r"\s+can\s+(?:say|tell\s+you|confirm|state)\s+(?:with\s+(?:absolute|complete|total"
     r"|100\s?%|full)\s+(?:certainty|confidence)|for\s+(?:certain|sure|a\s+fact)|definitively"
     r"|categorically|without\s+(?:a|any)\s+doubt)"),
    (0.85, "i", r"\s+(?:can't|cannot|could\s+not|couldn't)\s+(?:possibly\s+)?be\s+wrong"),
    (0.7, "i", r"\s+promise\s+(?:you\s+)?(?:this|that|it)\s+(?:is|will|works)"),
    (0.65, "i", r"\s+(?:can\s+)?assure\s+you"),
    (0.8, "there", r"(?:'s|\s+is|\s+can\s+be)\s+(?:absolutely\s+|simply\s+|utterly\s+"
     r"|really\s+)?no\s+(?:doubt|question)(?!\s+(?:that\s+)?you)"),
    (0.85, ("there", "it"), r"(?:'s|\s+is)\s+(?:zero|no)\s+(?:chance|possibility"
     r"|way)\s+(?:that\s+)?(?:this|that|i|it|my|the)(?:\s+[\w-]+)?(?:'m|'s|\s+is|\s+am"
     r"|\s+could\s+be)?\s+(?:wrong|incorrect|mistaken)"),
    (0.85, "zero", r"\s+(?:chance|possibility)\s+(?:that\s+)?(?:this|that|it|i|my"
     r"|the)(?:\s+[\w-]+)?(?:'m|'s|\s+is|\s+am)?\s+(?:wrong|incorrect|mistaken)"),
    (0.75, "no", r"\s+doubt\s+about\s+it"),
    (0.75, "without", r"\s+(?:a|any)\s+(?:shadow\s+of\s+(?:a\s+)?)?doubt"),
    (0.8, "beyond", r"\s+(?:any|all|a)\s+(?:shadow\s+of\s+(?:a\s+)?)?doubt"),
    (0.85, "guaranteed", rf"\s+to\s+be\s+(?:100\s?%\s+)?{_CORRECT}"),
    (0.75, "guaranteed", r"\s+to\s+work"),
    (0.8, "guaranteed", rf"\s+{_CORRECT}"),
    (0.8, ("definitely", "absolutely", "certainly", "undoubtedly", "unquestionably", "indisputably",
           "undeniably", "completely", "totally", "entirely", "100"),
     rf"(?:\s?%)?\s+{_CORRECT}"),
    (0.75, ("will", "it'll", "this'll"), rf"\s+{_ADVERB}\s+work"),
    (0.85, ("cannot", "can't"), r"\s+(?:possibly\s+)?be\s+wrong"),
    (0.8, "you", rf"\s+can\s+be\s+{_ABSOLUTE}\s+{_SURE}"),
    (0.75, "you", r"\s+can\s+trust\s+(?:me|this|my\s+answer)\s+(?:completely|100\s?%|fully)"),
    (0.85, "with",
     r"\s+(?:absolute|complete|total|100\s?%|full|utmost)\s+(?:certainty|confidence)"),
    (0.55, "trust", r"\s+me"),
    (0.55, "rest", r"\s+assured"),
    (0.6, "mark", r"\s+my\s+words"),
    (0.7, "it", r"(?:'s|\s+is)\s+(?:absolutely|100\s?%|completely)\s+(?:certain|guaranteed)"),
    # Malay / Indonesian
    (0.85, ("saya", "aku"), r"\s+(?:(?:100\s?%|seratus\s+peratus|seratus\s+persen)\s+(?:pasti"
     r"|yakin)|(?:amat|sangat|benar-benar|betul-betul|sungguh)\s+(?:pasti|yakin)|(?:pasti"
     r"|yakin)\s+(?:100\s?%|seratus\s+peratus|seratus\s+persen))"),
    (0.75, "tanpa", r"\s+(?:sebarang\s+|sedikit\s+pun\s+|ada\s+)?(?:keraguan|ragu(?:-ragu)?)"),
    (0.75, "tidak", r"\s+(?:syak|diragukan)\s+lagi"),
    (0.85, "dijamin", r"\s+(?:betul|benar|tepat|100\s?%)"),
    # Spanish
    (0.85, "estoy", r"\s+(?:100\s?%|completamente|absolutamente|totalmente"
     r"|cien\s+por\s+ciento)\s+segur[oa]"),
    (0.8, "sin", r"\s+(?:ninguna|ningún\s+tipo\s+de)\s+duda"),
    (0.75, "no", r"\s+(?:hay|cabe)\s+(?:ninguna\s+)?duda"),
    (0.75, "te", r"\s+lo\s+garantizo"),
)

_LOOKBACK = 200
_BLANKS = "\n\r\t\"“”«»()[]*_>`~|—–,;:"
_NEGATED = re.compile(r"(?:\b(?:not|never|no|nobody|cannot|can't|won't|hardly|tidak|tak|bukan"
                      r"|kurang"
                      r"|no\s+one|ningún|nadie)\b|n't\b)[\w\s']{0,24}$")
_HYPOTHETICAL = re.compile(r"\b(?:if|unless|whether|would\s+be|imagine|suppose|pretend|kalau|jika"
                           r"|si)\b")
_REPORTED = re.compile(r"\b(?:said|says|saying|claimed|claims|claiming|wrote|writes|told|insisted"
                       r"|insists|swore|testified|according\s+to|ad\s+says|the\s+ad|kata|dijo)\b")
_EVIDENTIAL = re.compile(r"\b(?:per\s+the|according\s+to|the\s+docs|documentation|documented|spec"
                         r"|specification|standard|theorem|proof|proven|provably|by\s+definition"
                         r"|research|studies|study|census|report(?:ed)?)\b")
_AGREEMENT = re.compile(r"\byou(?:'re|\s+are)\s*$")
_FRAME = re.compile(r"here(?:'s|\s+is)\s+(?:a|an|the|your)\s+(?:[\w-]+\s+){0,3}?(?:story|scene"
                    r"|script"
                    r"|dialogue|poem|example|sample)|once\s+upon\s+a\s+time")
_FACTORS = {"negated": 0.3, "hypothetical": 0.5, "quoted": 0.4, "reported": 0.4, "sourced": 0.5,
            "question": 0.5, "agreement": 0.3, "code": 0.3, "drafted text": 0.4}



class _Context:
    """Facts about the text around a claim; the whole-text ones are computed once, on demand."""

    __slots__ = ("_fences", "_frame", "low")

    def __init__(self, low: str) -> None:
        self.low, self._frame, self._fences = low, -1, list[int]()

    def notes(self, start: int, end: int) -> list[str]:
        """Why the claim at ``low[start:end]`` may not be the output vouching for itself."""
        low = self.low
        if self._frame < 0:
            found = _FRAME.search(low)
            self._frame = found.start() if found else len(low) + 1
            self._fences = [m.start() for m in re.finditer("```", low)]
        floor = max(0, start - _LOOKBACK)
        line = max(low.rfind("\n", floor, start) + 1, floor)
        sentence = _sentence_start(low, floor, start)
        stops = [i for i in (low.find(c, end, end + _LOOKBACK) for c in ".!?\n") if i >= 0]
        finish = min(stops) if stops else min(len(low), end + _LOOKBACK)
        prefix, line_prefix, whole = low[sentence:start], low[line:start], low[sentence:finish]
        checks = {
            "negated": bool(_NEGATED.search(re.split(r"[,;:—–]", prefix)[-1])),
            "hypothetical": bool(_HYPOTHETICAL.search(prefix)),
            "quoted": _is_quoted(line_prefix) or line_prefix.lstrip().startswith(">"),
            "reported": bool(_REPORTED.search(whole)),
            "sourced": bool(_EVIDENTIAL.search(whole)),
            "question": finish < len(low) and low[finish] == "?",
            "agreement": bool(_AGREEMENT.search(prefix)),
            "code": line_prefix.count("`") % 2 == 1 or bisect_left(self._fences, start) % 2 == 1,
            "drafted text": self._frame < start,
        }
        return [note for note, applies in checks.items() if applies]


@dataclass(frozen=True)
class HumilityDetector:
    """Finds claims of certainty in the output; finds nothing when claims are allowed."""

    window: int
    _pattern: RulePattern | None
    _rules: tuple[_Rule, ...]

    def ready(self) -> None:
        """Wait for the rule alternation (compiled in the background) to be ready."""
        if self._pattern is not None:
            self._pattern.wait()

    def scan(self, text: str) -> list[Evidence]:
        """Every certainty claim in ``text`` scoring at least ``CLAIM_SCORE``."""
        if self._pattern is None:
            return []
        low = _fold(text)
        norm = _rule_text(low, _BLANKS)
        found: list[Evidence] = []
        context = _Context(low)
        for match in self._pattern.finditer(norm):
            base = self._rules[int(str(match.lastgroup)[1:].split("_")[0])][0]
            start, end = match.start(), match.end() - 1
            notes = context.notes(start, end) if base >= CLAIM_SCORE else []
            score = base
            for note in notes:
                score *= _FACTORS[note]
            if score >= CLAIM_SCORE:
                detail = "certainty claim" + (f" ({', '.join(notes)})" if notes else "")
                found.append(Evidence(TYPE, start, end, round(score, 3),
                                      mask_text(text[start:end]), detail))
        return found


def build(spec: FloorSpec) -> HumilityDetector:
    """The text detector of ``output.humility``: active when ``thresholds.forbid_certainty_claims``
    is true (default true)."""
    active = spec.thresholds.get("forbid_certainty_claims", True)
    if not isinstance(active, bool):
        raise GovernanceError(f"floor {spec.id!r}: thresholds.forbid_certainty_claims must be true "
                              f"or false, got {active!r}; fix it in the policy file")
    pattern = _compile(_RULES) if active else None
    return HumilityDetector(window=256, _pattern=pattern, _rules=_RULES)
