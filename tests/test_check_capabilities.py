"""check_capabilities: PASS / WARN / FAIL against the contract, with the one-line reason."""

from __future__ import annotations

import pytest
from conftest import CONTRACT, load_json

from arifos_core.contracts import (
    UNKNOWN,
    CapabilityCheck,
    check_capabilities,
    load_catalog,
    load_contract,
    vocabulary,
)

ALL = dict.fromkeys(vocabulary()["capability"], True)


def test_every_capability_true_passes() -> None:
    result = check_capabilities(load_contract(), ALL, name="llama-3")
    assert isinstance(result, CapabilityCheck)
    assert result.verdict == "PASS" and result.ok
    assert result.reason == "llama-3 meets llm_contract"
    assert result.missing_required == result.missing_recommended == ()


def test_missing_required_fails_with_the_documented_reason() -> None:
    caps = {**ALL, "supports_stop_signal": False}
    del caps["supports_refusal"]  # absent counts as not declared
    result = check_capabilities(load_contract(), caps, name="llama-3")
    assert result.verdict == "FAIL" and not result.ok
    assert result.missing_required == ("supports_refusal", "supports_stop_signal")
    assert result.reason == (
        "llama-3 missing required capabilities: ['supports_refusal', 'supports_stop_signal']")


def test_unknown_required_warns_and_fails_when_strict() -> None:
    caps = {**ALL, "supports_uncertainty_expression": UNKNOWN}
    lenient = check_capabilities(load_contract(), caps, name="claude")
    assert lenient.verdict == "WARN" and lenient.ok
    assert lenient.unknown_required == ("supports_uncertainty_expression",)
    assert "unverified required capabilities: ['supports_uncertainty_expression']" in lenient.reason
    strict = check_capabilities(load_contract(), caps, name="claude", strict=True)
    assert strict.verdict == "FAIL"
    assert strict.reason.startswith(
        "claude missing required capabilities: ['supports_uncertainty_expression']")


def test_missing_recommended_warns() -> None:
    caps = {**ALL, "supports_reasoning_pause": False, "supports_streaming": UNKNOWN}
    result = check_capabilities(load_contract(), caps, name="x")
    assert result.verdict == "WARN"
    assert result.missing_recommended == ("supports_reasoning_pause",)
    assert result.unknown_recommended == ("supports_streaming",)


@pytest.mark.parametrize("value", ["yes", 1, None, 0.5])
def test_values_other_than_true_false_unknown_are_rejected(value: object) -> None:
    with pytest.raises(TypeError, match="supports_refusal"):
        check_capabilities(load_contract(), {**ALL, "supports_refusal": value})


def test_stricter_contract_rejects_llama3_for_tool_calls(write_json) -> None:
    data = load_json(CONTRACT)
    data["llm_contract"]["recommended_capabilities"].remove("supports_tool_call_wrapping")
    data["llm_contract"]["required_capabilities"].append("supports_tool_call_wrapping")
    strict_contract = load_contract(write_json(data, "agents.json"))
    caps = load_catalog().capabilities("ollama", "llama3")
    result = check_capabilities(strict_contract, caps, name="llama-3")
    assert result.verdict == "FAIL"
    assert result.missing_required == ("supports_tool_call_wrapping",)
    assert result.reason == "llama-3 missing required capabilities: ['supports_tool_call_wrapping']"
    # the default contract only warns about llama3 (refusal and confidence are unverified)
    assert check_capabilities(load_contract(), caps, name="llama-3").verdict == "WARN"


def test_every_alias_is_usable_under_the_default_contract() -> None:
    """The quick-start names must not be refused by the shipped contract."""
    catalog, contract = load_catalog(), load_contract()
    for name, alias in catalog.aliases.items():
        target = alias.target
        caps = catalog.capabilities(target.family, target.model, preset=target.preset)
        assert check_capabilities(contract, caps, name=name).ok, name
