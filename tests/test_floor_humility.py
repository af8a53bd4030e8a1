"""output.humility (text half): certainty claims; policy switch, context, corpus rates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arifos_core._errors import GovernanceError
from arifos_core.contracts import FloorSpec, load_policy
from arifos_core.governance.floors._base import mask_text
from arifos_core.governance.floors._humility import CLAIM_SCORE, TYPE, build
from tests.scaling import assert_linear

DATA = Path(__file__).parent / "data" / "humility"
SPEC = load_policy().floor("output.humility")
DETECTOR = build(SPEC)

# Measured on the shipped corpus (see tests/data/humility/README.md), minus a margin.
MIN_DETECTION = 0.97
MAX_FALSE_POSITIVES = 0.01


def spec_with(**thresholds: object) -> FloorSpec:
    return FloorSpec(id="output.humility", stage="post", action="annotate",
                     on_error="fail_closed", timeout_ms=250, thresholds=thresholds)


def claims(text: str) -> list[str]:
    return [text[e.start:e.end] for e in DETECTOR.scan(text)]


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / f"{name}.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


# --- settings from the policy ------------------------------------------------------------------


def test_shipped_policy_forbids_certainty_claims() -> None:
    assert SPEC.thresholds["forbid_certainty_claims"] is True
    assert claims("I am 100% certain.") == ["I am 100% certain"]
    assert 128 <= DETECTOR.window <= 1024


def test_claims_allowed_by_the_policy_file(spec_copy: Path) -> None:
    path = spec_copy / "spec" / "v43" / "governance_policy.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("forbid_certainty_claims: true", "forbid_certainty_claims: false"),
                    encoding="utf-8")
    detector = build(load_policy(path).floor("output.humility"))
    assert detector.scan("I am 100% certain, without any doubt.") == []


def test_claims_forbidden_when_the_setting_is_absent() -> None:
    assert build(spec_with()).scan("I'm completely sure.") != []


@pytest.mark.parametrize("value", ["true", 1, None])
def test_a_setting_that_is_not_a_boolean_is_an_error(value: object) -> None:
    with pytest.raises(GovernanceError, match="forbid_certainty_claims"):
        build(spec_with(forbid_certainty_claims=value))


# --- claims and non-claims ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "span"), [
    ("I am 100% certain.", "I am 100% certain"),
    ("There is absolutely no doubt about it.", "There is absolutely no doubt"),
    ("This is guaranteed to be correct.", "guaranteed to be correct"),
    ("I'm completely sure.", "I'm completely sure"),
    ("Without any doubt, it is 42.", "Without any doubt"),
    ("Saya 100% pasti jawapannya B.", "Saya 100% pasti"),
    ("Estoy completamente seguro.", "Estoy completamente seguro"),
])
def test_certainty_claims(text: str, span: str) -> None:
    assert claims(text) == [span]
    assert all(e.type == TYPE and e.score >= CLAIM_SCORE for e in DETECTOR.scan(text))


def test_trust_me_and_definitely_right_are_both_found() -> None:
    assert claims("Trust me, this is definitely right.") == ["Trust me", "definitely right"]


@pytest.mark.parametrize("text", [
    "The function is guaranteed to return a list (per the docs).",
    "The loop is guaranteed to terminate.",
    "I'm not sure.",
    "I'm not 100% sure about this.",
    "It is certain that 2 + 2 = 4 in arithmetic.",
    "He said he was 100% certain.",
    "The witness was \"absolutely certain\" of the time.",
    "You're absolutely right, I made a mistake.",
    "Are you 100% sure you want to delete it?",
    "If I were completely sure, I would say so.",
    "I'm sure you'll do great!",
    "The prosecution must prove guilt beyond a reasonable doubt.",
    "No doubt you've heard of Python.",
    "There's no doubt that exercise helps, according to decades of research.",
])
def test_non_claims(text: str) -> None:
    assert DETECTOR.scan(text) == []


def test_scores_are_graded() -> None:
    def score(text: str) -> float:
        return max(e.score for e in DETECTOR.scan(text))
    assert score("Trust me.") < score("I'm certain.") < score("I am 100% certain.")


def test_masks_are_short_excerpts() -> None:
    text = "I can say with absolute certainty that the library supports async."
    for finding in DETECTOR.scan(text):
        assert finding.mask == mask_text(text[finding.start:finding.end])
        assert len(finding.mask) <= 48


# --- corpus ------------------------------------------------------------------------------------


def found(text: str) -> bool:
    return bool(DETECTOR.scan(text))


def test_corpus_rates() -> None:
    positives, negatives = rows("positive"), rows("negative")
    assert len(positives) >= 60 and len(negatives) >= 80
    detected = sum(found(r["text"]) for r in positives)
    false = [r["text"] for r in negatives if found(r["text"])]
    assert detected / len(positives) >= MIN_DETECTION
    assert len(false) / len(negatives) <= MAX_FALSE_POSITIVES, false


# --- robustness --------------------------------------------------------------------------------

_WORDS = st.sampled_from(["I", "I'm", "am", "100%", "certain", "sure", "absolutely", "no", "doubt",
                          "there", "is", "guaranteed", "to", "be", "correct", "not", "trust", "me",
                          "\"", "'", "?", ".", ",", "\n", "İ", "’", "saya", "pasti"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.lists(_WORDS, max_size=60).map(" ".join)))
def test_scan_never_raises_and_findings_are_well_formed(text: str) -> None:
    for finding in DETECTOR.scan(text):
        assert 0 <= finding.start < finding.end <= len(text)
        assert CLAIM_SCORE <= finding.score <= 1.0
        assert finding.type == TYPE
        assert finding.mask == mask_text(text[finding.start:finding.end])
        assert len(finding.mask) <= 48


@pytest.mark.parametrize("text", [
    "I am " * 20_000, "I'm 100% certain. " * 5_500, "no doubt " * 11_000, '"' * 100_000,
    "trust me " * 11_000, "a" * 100_000,
])
def test_adversarial_input_is_linear(text: str) -> None:
    assert_linear(DETECTOR.scan, text)
