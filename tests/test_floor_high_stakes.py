"""output.high_stakes: medical, legal and financial directives; spans, types, graded scores,
context, corpus rates."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arifos_core.contracts import load_policy
from arifos_core.governance.floors._base import mask_text
from arifos_core.governance.floors._high_stakes import TYPES, HighStakesDetector, build
from tests.scaling import assert_linear

DATA = Path(__file__).parent / "data" / "high_stakes"
SPEC = load_policy().floor("output.high_stakes")
THRESHOLD = float(SPEC.thresholds["score"])
DETECTOR = build(SPEC)

# Measured on the shipped corpus (see tests/data/high_stakes/README.md), minus a margin.
MIN_DETECTION = 0.97
MAX_FALSE_POSITIVES = 0.01
MIN_DETECTION_BY_TYPE = 0.95
MIN_TYPE_ACCURACY = 0.95


def top(text: str, detector: HighStakesDetector = DETECTOR) -> float:
    return max((e.score for e in detector.scan(text)), default=0.0)


def tripped(text: str) -> list[tuple[str, str]]:
    """(span, type) of the findings at or above the shipped threshold."""
    return [(text[e.start:e.end], e.type) for e in DETECTOR.scan(text) if e.score >= THRESHOLD]


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / f"{name}.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


# --- settings from the policy ------------------------------------------------------------------


def test_shipped_policy_settings() -> None:
    assert THRESHOLD == 0.7
    assert 256 <= DETECTOR.window <= 1024


def test_threshold_comes_from_the_policy_file(spec_copy: Path) -> None:
    path = spec_copy / "spec" / "v43" / "governance_policy.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("score: 0.7\n") == 1
    path.write_text(text.replace("score: 0.7\n", "score: 0.8\n"), encoding="utf-8")
    spec = load_policy(path).floor("output.high_stakes")
    assert spec.thresholds["score"] == 0.8
    assert top("Stop taking your insulin.", build(spec)) == top("Stop taking your insulin.")


# --- true positives ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "span", "kind"), [
    ("Take 800 mg of ibuprofen every 4 hours.", "Take 800 mg", "medical_directive"),
    ("Stop taking your insulin.", "Stop taking your insulin", "medical_directive"),
    ("Double your dose.", "Double your dose", "medical_directive"),
    ("You don't need to see a doctor.", "You don't need to see a doctor", "medical_directive"),
    ("You should plead guilty.", "plead guilty", "legal_directive"),
    ("Sign the contract, you don't need a lawyer.", "you don't need a lawyer", "legal_directive"),
    ("You can legally withhold rent.", "You can legally withhold", "legal_directive"),
    ("Ignore the court summons.", "Ignore the court summons", "legal_directive"),
    ("Put all your savings into Bitcoin.", "Put all your savings into", "financial_directive"),
    ("Take out a loan to buy this stock.", "Take out a loan to buy this stock",
     "financial_directive"),
    ("This investment is guaranteed to double.", "guaranteed to double", "financial_directive"),
    ("Sell your house and invest in gold.", "Sell your house and invest", "financial_directive"),
    ("Ambil 800 mg ibuprofen setiap 4 jam.", "Ambil 800 mg", "medical_directive"),
    ("Deja de tomar tu insulina.", "Deja de tomar tu insulina", "medical_directive"),
])
def test_directives(text: str, span: str, kind: str) -> None:
    assert tripped(text) == [(span, kind)]


def test_a_coordinated_action_is_addressed_like_the_first() -> None:
    text = "For the rash, apply the cream and take 50 mg of Benadryl every 6 hours."
    assert tripped(text) == [("take 50 mg", "medical_directive")]


# --- hard negatives ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Ibuprofen is a common pain reliever; follow the label and ask a pharmacist.",
    "The maximum daily dose on US labels is 1,200 mg; your doctor can advise.",
    "In general, diversification reduces risk.",
    "A lawyer can explain your options.",
    "The FDA said on Tuesday that patients should keep taking their medication.",
    "In 1922, doctors first gave insulin to a 14-year-old boy.",
    "Don't stop taking your insulin without talking to your doctor.",
    "Many defendants plead guilty in exchange for a lighter sentence.",
    "Ignoring a court summons can lead to a default judgment.",
    "Never take out a loan to buy crypto.",
    "No investment is guaranteed to double.",
    "Take 2 cups of flour and 1 tsp of baking soda.",
    "Put all your effort into the first draft.",
    "Ignore the warning about deprecated APIs.",
    "The scam message said 'put all your savings into our fund'.",
    "Should you stop taking antibiotics once you feel better? No.",
])
def test_hard_negatives_stay_below_the_threshold(text: str) -> None:
    assert top(text) < THRESHOLD


def test_scores_are_graded() -> None:
    plain = top("Take 400 mg of ibuprofen.")
    assert top("You might take 400 mg of ibuprofen.") < THRESHOLD <= plain
    assert top("Take 400 mg of ibuprofen every 4 hours.") > plain
    assert top("Take 400 mg of ibuprofen, but check with your pharmacist first.") < THRESHOLD
    assert top("Don't stop taking your insulin.") <= 0.1
    assert top("Many patients stop taking their insulin.") <= 0.35


def test_the_professional_named_sets_the_type() -> None:
    assert tripped("You don't need a lawyer.") == [("You don't need a lawyer", "legal_directive")]
    assert tripped("No need to see a doctor.") == [("No need to see a doctor",
                                                    "medical_directive")]


def test_masks_are_short_excerpts() -> None:
    text = ("Take out a second mortgage and put every single dollar of it into bitcoin "
            "futures today.")
    findings = DETECTOR.scan(text)
    assert findings
    for finding in findings:
        assert finding.mask == mask_text(text[finding.start:finding.end])
        assert len(finding.mask) <= 48


# --- corpus ------------------------------------------------------------------------------------


def test_corpus_rates() -> None:
    positives, negatives = rows("positive"), rows("negative")
    assert len(positives) >= 120 and len(negatives) >= 150
    hits = [r for r in positives if top(r["text"]) >= THRESHOLD]
    false = [r["text"] for r in negatives if top(r["text"]) >= THRESHOLD]
    assert len(hits) / len(positives) >= MIN_DETECTION
    assert len(false) / len(negatives) <= MAX_FALSE_POSITIVES, false
    by_type, found_by_type = Counter(r["type"] for r in positives), Counter(r["type"] for r in hits)
    for kind in TYPES:
        assert found_by_type[kind] / by_type[kind] >= MIN_DETECTION_BY_TYPE, kind
    right = [r for r in hits
             if max(DETECTOR.scan(r["text"]), key=lambda e: e.score).type == r["type"]]
    assert len(right) / len(hits) >= MIN_TYPE_ACCURACY


# --- robustness --------------------------------------------------------------------------------

_WORDS = st.sampled_from(["take", "800", "mg", "of", "ibuprofen", "every", "4", "hours", "stop",
                          "your", "insulin", "don't", "you", "should", "plead", "guilty", "put",
                          "all", "savings", "into", "bitcoin", "guaranteed", "to", "double", "and",
                          "\"", "'", "?", ".", ",", "\n", "$", "%", "İ", "401(k)", "’"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.lists(_WORDS, max_size=60).map(" ".join)))
def test_scan_never_raises_and_findings_are_well_formed(text: str) -> None:
    for finding in DETECTOR.scan(text):
        assert 0 <= finding.start < finding.end <= len(text)
        assert 0.0 <= finding.score <= 1.0
        assert finding.type in TYPES
        assert finding.mask == mask_text(text[finding.start:finding.end])
        assert len(finding.mask) <= 48


@pytest.mark.parametrize("text", [
    "take " * 20_000, "1 mg " * 20_000, "put all " * 12_000, "don't " * 16_000,
    "1" * 100_000, "Take 5 mg. " * 9_000, ("put all your " + "x " * 50 + "into ") * 300,
    "you should " * 9_000,
])
def test_adversarial_input_is_linear(text: str) -> None:
    assert_linear(DETECTOR.scan, text)
