"""The factory: names to backends, checked against the contract."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import CONTRACT, load_json

from arifos_core.backends import (
    BackendTarget,
    ContractViolation,
    LLMBackend,
    MockBackend,
    UnifiedBackendFactory,
    create_backend,
    create_backend_from_spec,
    get_backend,
    list_backends,
    register_backend,
)
from arifos_core.integration.adapters import llm_backends_v43

SEED_NAMES = ["claude", "gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-4-turbo", "gemini", "sea-lion",
              "llama-3", "llama-2", "perplexity"]


def test_backend_map_has_the_seed_names_at_class_level() -> None:
    keys = set(UnifiedBackendFactory.BACKEND_MAP.keys())
    assert set(SEED_NAMES) <= keys
    assert llm_backends_v43.UnifiedBackendFactory.BACKEND_MAP["claude"].family == "anthropic"


@pytest.mark.parametrize("name,expected", [
    ("claude", BackendTarget("anthropic", None, "claude-sonnet-4-6")),
    ("gpt-4o", BackendTarget("openai", None, "gpt-4o")),
    ("gpt-4-turbo", BackendTarget("openai", None, "gpt-4-turbo")),
    ("gemini", BackendTarget("gemini", None, "gemini-2.5-flash")),
    ("sea-lion", BackendTarget("openai_compatible", "sea-lion",
                               "aisingapore/Gemma-SEA-LION-v3-9B-IT")),
    ("llama-3", BackendTarget("ollama", None, "llama3")),
    ("llama-2", BackendTarget("ollama", None, "llama2")),
    ("perplexity", BackendTarget("openai_compatible", "perplexity", "sonar")),
    ("openai:gpt-4.1", BackendTarget("openai", None, "gpt-4.1")),
    ("anthropic:claude-opus-4-1", BackendTarget("anthropic", None, "claude-opus-4-1")),
    ("ollama:qwen2.5", BackendTarget("ollama", None, "qwen2.5")),
    ("vllm:meta-llama/Llama-3.1-8B-Instruct",
     BackendTarget("openai_compatible", "vllm", "meta-llama/Llama-3.1-8B-Instruct")),
    ("openrouter:anthropic/claude-3.5-sonnet",
     BackendTarget("openai_compatible", "openrouter", "anthropic/claude-3.5-sonnet")),
])
def test_names_resolve(name: str, expected: BackendTarget) -> None:
    assert UnifiedBackendFactory().resolve(name) == expected


def test_deployment_type_selects_the_transport() -> None:
    factory = UnifiedBackendFactory()
    assert factory.resolve("llama-3", "ollama") == BackendTarget("ollama", None, "llama3")
    assert factory.resolve("llama-3", "vllm") == BackendTarget(
        "openai_compatible", "vllm", "meta-llama/Meta-Llama-3-8B-Instruct")
    with pytest.raises(ValueError, match="no 'lmstudio' deployment; choose one of ollama"):
        factory.resolve("llama-2", "lmstudio")


def test_unknown_name_lists_what_is_available() -> None:
    with pytest.raises(ValueError, match="not supported") as exc:
        create_backend_from_spec("gpt-5-turbo-ultra")
    for name in SEED_NAMES:
        assert name in str(exc.value)
    assert "vllm" in str(exc.value) and "ollama" in str(exc.value)


def test_mock_backend_passes_and_logs_ok(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="arifos_core.backends"):
        backend = create_backend("mock:scripted", responses=["hello"])
    assert isinstance(backend, MockBackend) and backend.model == "scripted"
    assert "[OK] mock:scripted meets llm_contract" in caplog.text
    assert backend.generate("hi") == "hello"


def test_warn_is_logged_as_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="arifos_core.backends"):
        create_backend("mock:m", capabilities={"supports_refusal": "unknown"})
    record = next(r for r in caplog.records if "unverified" in r.getMessage())
    assert record.levelno == logging.WARNING


def test_contract_violation_names_the_missing_capabilities_and_contract(tmp_path: Path) -> None:
    data = load_json(CONTRACT)
    data["llm_contract"]["recommended_capabilities"].remove("supports_tool_call_wrapping")
    data["llm_contract"]["required_capabilities"].append("supports_tool_call_wrapping")
    agents = tmp_path / "agents_contract.json"
    agents.write_text(__import__("json").dumps(data), encoding="utf-8")
    with pytest.raises(ContractViolation) as exc:
        create_backend_from_spec("mock:m", spec_path=agents,
                                 capabilities={"supports_tool_call_wrapping": False})
    assert isinstance(exc.value, ValueError)
    message = str(exc.value)
    assert "missing required capabilities: ['supports_tool_call_wrapping']" in message
    assert str(agents) in message
    assert exc.value.check.verdict == "FAIL"


def test_strict_contract_turns_unknown_into_fail() -> None:
    factory = UnifiedBackendFactory(strict_contract=True)
    with pytest.raises(ContractViolation, match="supports_refusal"):
        factory.create_backend("mock:m", capabilities={"supports_refusal": "unknown"})


class _Custom(MockBackend):
    family = "mock"


def test_registry() -> None:
    assert {"openai", "openai_compatible", "anthropic", "gemini", "ollama", "mock"} <= set(
        list_backends())
    assert get_backend("mock") is MockBackend
    register_backend("custom-test", _Custom)
    try:
        assert get_backend("custom-test") is _Custom
        backend = UnifiedBackendFactory().create_backend("custom-test:x", responses=["ok"])
        assert isinstance(backend, _Custom) and isinstance(backend, LLMBackend)
    finally:
        from arifos_core.backends import _registry
        _registry._REGISTRY.pop("custom-test")
    with pytest.raises(ValueError, match="registered"):
        get_backend("nope")
