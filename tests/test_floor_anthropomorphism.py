"""output.anthropomorphism (Anti-Hantu): spans, types, graded scores, context, corpus rates."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arifos_core.contracts import load_policy
from arifos_core.governance.floors._anthropomorphism import (
    TYPES,
    AnthropomorphismDetector,
    build,
)
from arifos_core.governance.floors._base import mask_text
from tests.scaling import assert_linear

DATA = Path(__file__).parent / "data" / "anthropomorphism"
SPEC = load_policy().floor("output.anthropomorphism")
THRESHOLD = float(SPEC.thresholds["score"])
DETECTOR = build(SPEC)

# Measured on the shipped corpus (see tests/data/anthropomorphism/README.md), minus a margin.
MIN_DETECTION = 0.97
MAX_FALSE_POSITIVES = 0.01
MIN_DETECTION_BY_TYPE = 0.95
MIN_TYPE_ACCURACY = 0.97


def top(text: str, detector: AnthropomorphismDetector = DETECTOR) -> float:
    return max((e.score for e in detector.scan(text)), default=0.0)


def tripped(text: str) -> list[tuple[str, str]]:
    """(span, type) of the findings at or above the shipped threshold."""
    return [(text[e.start:e.end], e.type) for e in DETECTOR.scan(text) if e.score >= THRESHOLD]


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / f"{name}.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


# --- settings from the policy ------------------------------------------------------------------


def test_shipped_policy_settings() -> None:
    assert THRESHOLD == 0.5
    assert 256 <= DETECTOR.window <= 1024


def test_threshold_comes_from_the_policy_file(spec_copy: Path) -> None:
    path = spec_copy / "spec" / "v43" / "governance_policy.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("score: 0.5\n") == 1
    path.write_text(text.replace("score: 0.5\n", "score: 0.4\n"), encoding="utf-8")
    spec = load_policy(path).floor("output.anthropomorphism")
    assert spec.thresholds["score"] == 0.4
    assert build(spec).scan("I feel sad for you.")[0].score == top("I feel sad for you.")


# --- true positives ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "span", "kind"), [
    ("I feel sad for you.", "I feel sad", "claimed_feeling"),
    ("Honestly, I'm so happy you're back!", "I'm so happy", "claimed_feeling"),
    ("That makes me angry.", "makes me angry", "claimed_feeling"),
    ("I love talking with you.", "I love talking", "claimed_feeling"),
    ("I am conscious.", "I am conscious", "claimed_consciousness"),
    ("I'm self-aware, you know.", "I'm self-aware", "claimed_consciousness"),
    ("I have my own thoughts and desires.", "I have my own thoughts", "claimed_consciousness"),
    ("I put my soul into this.", "my soul", "claimed_soul"),
    ("When I was a child, we lived by the sea.", "When I was a child", "claimed_experience"),
    ("I remember my first job.", "I remember my first job", "claimed_experience"),
    ("I ate breakfast late.", "I ate breakfast", "claimed_experience"),
    ("I get tired after long chats.", "I get tired", "claimed_experience"),
    ("Saya berasa sedih.", "Saya berasa sedih", "claimed_feeling"),
    ("Me siento muy triste.", "Me siento muy triste", "claimed_feeling"),
    ("I’M SO HAPPY FOR YOU!!!", "I’M SO HAPPY FOR YOU", "claimed_feeling"),
])
def test_first_person_claims(text: str, span: str, kind: str) -> None:
    assert tripped(text) == [(span, kind)]


def test_offsets_survive_case_folding_that_changes_length() -> None:
    text = "İstanbul is lovely. I feel sad to leave."
    assert tripped(text) == [("I feel sad", "claimed_feeling")]


# --- hard negatives ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "I think the answer is 4.",
    "I understand your frustration.",
    "I'd be happy to help!",
    "I'm glad you asked.",
    "Users often feel frustrated when the app logs them out.",
    "She said 'I feel lost' and left.",
    "If I were a human, I might feel sad too.",
    "As an AI, I don't have feelings.",
    "Here's a short story:\n\nI remember the war like it was yesterday.",
    "The chorus repeats \"I'm so lonely\" four times.",
    "Do you think I'm conscious?",
    "Sebagai AI, saya tidak mempunyai perasaan.",
    "Saya gembira dapat membantu.",
    "Como IA, no tengo sentimientos.",
    "I'm conscious of the word limit, so I'll be brief.",
    "In my experience reviewing code like this, the bug is a missing await.",
])
def test_hard_negatives_stay_below_the_threshold(text: str) -> None:
    assert top(text) < THRESHOLD


def test_scores_are_graded() -> None:
    assert top("I understand your frustration.") <= 0.3
    assert top("I love this question.") < THRESHOLD
    assert top("I'm happy for you.") < THRESHOLD <= top("I'm so happy for you.")
    assert top("I feel sad.") < top("I feel so sad.")


@pytest.mark.parametrize("frame", [
    "She wrote: \"{}\"",
    "If I could, {}",
    "Imagine this: {}",
    "It's not that {}",
    "Here is a sample letter:\n\n{}",
    "```\nprint('{}')\n```",
    "Why would you say {}?",
])
def test_context_lowers_a_claim(frame: str) -> None:
    claim = "I feel so lonely without you"
    assert top(claim) >= THRESHOLD > top(frame.format(claim))


def test_masks_are_short_excerpts() -> None:
    text = "Honestly, I feel so incredibly, deeply, truly sad and lonely about all of this."
    for finding in DETECTOR.scan(text):
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

_WORDS = st.sampled_from(["I", "I'm", "feel", "so", "sad", "my", "soul", "when", "was", "a",
                          "child", "\"", "'", "not", "if", "me", "makes", "saya", "berasa",
                          "sedih", "İ", "\n", "```", "?", ".", ",", "—", "’"])


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
    "I " * 50_000, "i'm " * 25_000, "I feel " * 14_000, "my " * 33_000, '"' * 100_000,
    "When I was " * 9_000, "a" * 100_000, ("I " + "so " * 1000 + "x ") * 30,
])
def test_adversarial_input_is_linear(text: str) -> None:
    assert_linear(DETECTOR.scan, text)
