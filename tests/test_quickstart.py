"""The documented quick start, end to end against the loopback fakes, and every seed model name
building the right adapter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CONTRACT, load_json
from fakes._http import FakeServer
from fakes.anthropic import AnthropicFake
from fakes.anthropic import error_body as anthropic_error
from fakes.ollama import OllamaApp, Script
from fakes.ollama import error_body as ollama_error

from arifos_core.backends._anthropic import AnthropicBackend
from arifos_core.backends._gemini import GeminiBackend
from arifos_core.backends._ollama import OllamaBackend
from arifos_core.backends._openai import OpenAIBackend, OpenAICompatibleBackend
from arifos_core.integration.adapters.llm_backends_v43 import (
    ContractViolation,
    UnifiedBackendFactory,
    create_backend_from_spec,
)

KEY = "sk-ant-quickstart"


@pytest.fixture()
def claude_fake() -> Iterator[FakeServer]:
    with FakeServer(AnthropicFake(api_key=KEY), error_body=anthropic_error) as server:
        yield server


@pytest.fixture()
def ollama_fake() -> Iterator[FakeServer]:
    app = OllamaApp(Script(models=["llama3:latest", "llama3.1:latest"]))
    with FakeServer(app, error_body=ollama_error) as server:
        yield server


def test_quick_start_with_claude(claude_fake: FakeServer) -> None:
    backend = create_backend_from_spec("claude", api_key=KEY, base_url=claude_fake.url)
    assert isinstance(backend, AnthropicBackend) and backend.model == "claude-sonnet-4-6"
    assert backend.generate("What is arifOS?") == "Hello! How can I help you today?"
    chunks = list(backend.generate_stream("Tell me a story"))
    assert "".join(c.text for c in chunks) == "Hello! How can I help you today?"
    assert chunks[-1].finish_reason == "stop"
    caps = backend.get_capabilities()
    assert caps["supports_tool_call_wrapping"] is True and caps["supports_refusal"] is True
    backend.close()


def test_quick_start_with_local_llama3_on_ollama(ollama_fake: FakeServer) -> None:
    backend = create_backend_from_spec("llama-3", api_key="", base_url=ollama_fake.url,
                                       deployment_type="ollama")
    assert isinstance(backend, OllamaBackend) and backend.model == "llama3"
    assert backend.generate("What is Llama?") == "Hello from Ollama."
    backend.close()


def test_stricter_contract_rejects_llama3(ollama_fake: FakeServer, tmp_path: Path) -> None:
    data = load_json(CONTRACT)
    data["llm_contract"]["recommended_capabilities"].remove("supports_tool_call_wrapping")
    data["llm_contract"]["required_capabilities"].append("supports_tool_call_wrapping")
    agents = tmp_path / "agents.json"
    agents.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContractViolation, match=r"llama-3 missing required capabilities: "
                                                r"\['supports_tool_call_wrapping'\]"):
        create_backend_from_spec("llama-3", api_key="", spec_path=agents,
                                 base_url=ollama_fake.url, deployment_type="ollama")
    # llama3.1 has tool calling and passes the same contract
    backend = create_backend_from_spec("ollama:llama3.1", spec_path=agents,
                                       base_url=ollama_fake.url)
    assert backend.model == "llama3.1"
    backend.close()


@pytest.mark.parametrize("name,kwargs,cls,url", [
    ("claude", {"api_key": "sk-ant-x"}, AnthropicBackend, "https://api.anthropic.com"),
    ("gpt-4o", {"api_key": "sk-proj-x"}, OpenAIBackend, "https://api.openai.com/v1"),
    ("gpt-4o-mini", {"api_key": "sk-proj-x"}, OpenAIBackend, "https://api.openai.com/v1"),
    ("gpt-4", {"api_key": "sk-x"}, OpenAIBackend, "https://api.openai.com/v1"),
    ("gpt-4-turbo", {"api_key": "sk-x"}, OpenAIBackend, "https://api.openai.com/v1"),
    ("gemini", {"api_key": "AIza-x"}, GeminiBackend, "https://generativelanguage.googleapis.com"),
    ("sea-lion", {"api_key": "", "base_url": "http://localhost:8000"}, OpenAICompatibleBackend,
     "http://localhost:8000/v1"),
    ("llama-3", {"api_key": "", "base_url": "http://localhost:11434",
                 "deployment_type": "ollama"}, OllamaBackend, "http://localhost:11434"),
    ("llama-2", {"api_key": ""}, OllamaBackend, "http://localhost:11434"),
    ("perplexity", {"api_key": "pplx-x"}, OpenAICompatibleBackend, "https://api.perplexity.ai"),
])
def test_every_seed_name_builds_the_right_adapter(name: str, kwargs: dict, cls: type,
                                                  url: str, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    for var in ("OLLAMA_HOST", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    backend = create_backend_from_spec(name, **kwargs)
    assert type(backend) is cls
    assert backend.base_url == url
    assert name in UnifiedBackendFactory.BACKEND_MAP
    backend.close()


def test_missing_cloud_key_names_the_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(Exception, match="ANTHROPIC_API_KEY"):
        create_backend_from_spec("claude", api_key=None)
