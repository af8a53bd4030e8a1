"""LLMGateway against loopback fakes: routing from a config file, fallback, retries, costs,
statistics across sync, async and streaming calls, callbacks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes._http import FakeServer, Fault
from fakes.clock import FakeClock
from fakes.openai import OpenAIFake, Script, error_body

from arifos_core.backends import AuthenticationError, MockBackend
from arifos_core.contracts import ContractError
from arifos_core.gateway import GatewayChunk, LLMGateway, LLMResponse

KEY = "sk-gateway-test"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FakeServer, FakeServer]]:
    pair = (FakeServer(OpenAIFake(api_key=KEY), error_body=error_body).start(),
            FakeServer(OpenAIFake(api_key=KEY), error_body=error_body).start())
    yield pair
    for server in pair:
        server.stop()


@pytest.fixture()
def fakes(servers: tuple[FakeServer, FakeServer]) -> tuple[FakeServer, FakeServer]:
    for server, text in zip(servers, ("answer from gpt-4o", "answer from the mini model"),
                            strict=True):
        server.app = OpenAIFake(Script(text=text, models=["gpt-4o", "gpt-4o-mini"]),
                                api_key=KEY)
        server.requests.clear()
        server.faults.clear()
    return servers


@pytest.fixture()
def config(tmp_path: Path, fakes: tuple[FakeServer, FakeServer],
           monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    path = tmp_path / "gateway.json"
    path.write_text(json.dumps({
        "$schema": "gateway.schema.json",
        "version": "1.0",
        "default": "openai:gpt-4o",
        "fallback_providers": ["openai:gpt-4o-mini"],
        "agents": {"planner": {"model": "openai:gpt-4o-mini", "temperature": 0.1},
                   "coder": "openai:gpt-4o"},
        "backends": {"openai:gpt-4o": {"base_url": fakes[0].url + "/v1"},
                     "openai:gpt-4o-mini": {"base_url": fakes[1].url + "/v1"}},
        "retry": {"max_retries": 1},
        "circuit_breaker": {"failure_threshold": 3, "cooldown_s": 30},
    }), encoding="utf-8")
    return path


def test_routes_agents_from_the_config_file(config: Path,
                                            fakes: tuple[FakeServer, FakeServer]) -> None:
    gateway = LLMGateway(config, clock=FakeClock())
    planner = gateway.complete("Plan the day", agent_name="planner")
    assert planner.text == "answer from the mini model" and planner.model == "gpt-4o-mini"
    assert fakes[1].requests[-1].json["temperature"] == 0.1
    coder = gateway.complete("Write code", agent_name="coder", system="Be terse.")
    assert coder.text == "answer from gpt-4o" and coder.provider == "openai"
    assert fakes[0].requests[-1].json["messages"][0] == {"role": "system", "content": "Be terse."}
    other = gateway.complete("Hi", agent_name="someone-else")
    assert other.model == "gpt-4o"
    explicit = gateway.complete("Hi", agent_name="coder", model="openai:gpt-4o-mini")
    assert explicit.model == "gpt-4o-mini"
    gateway.close()


def test_response_accounting(config: Path) -> None:
    gateway = LLMGateway(config, clock=FakeClock())
    response = gateway.complete("Hello", agent_name="coder", max_tokens=50)
    assert isinstance(response, LLMResponse)
    assert response.prompt_tokens and response.completion_tokens
    assert response.tokens == response.prompt_tokens + response.completion_tokens
    expected = (response.prompt_tokens * 2.5 + response.completion_tokens * 10) / 1e6
    assert response.cost_usd == pytest.approx(expected)
    assert response.latency_ms > 0 and response.timestamp.endswith("+00:00")
    assert not response.streamed and response.agent_name == "coder"
    gateway.close()


def test_fallback_after_retries(config: Path, fakes: tuple[FakeServer, FakeServer]) -> None:
    clock = FakeClock()
    gateway = LLMGateway(config, clock=clock)
    fakes[0].inject(Fault(status=529, times=2))
    response = gateway.complete("Hi", agent_name="coder")
    assert response.text == "answer from the mini model"
    assert response.metadata["served_by"].endswith("gpt-4o-mini")
    assert len(fakes[0].requests) == 2 and len(clock.sleeps) == 1
    gateway.close()


def test_errors_are_raised_and_counted(config: Path, fakes: tuple[FakeServer, FakeServer]
                                       ) -> None:
    gateway = LLMGateway(config, clock=FakeClock())
    fakes[0].inject(Fault(status=401))
    with pytest.raises(AuthenticationError):
        gateway.complete("Hi", agent_name="coder")
    stats = gateway.get_stats()
    assert stats["total"]["errors"] == 1 and stats["errors_by_type"] == {
        "AuthenticationError": 1}
    assert stats["by_agent"]["coder"]["errors"] == 1
    gateway.close()


def test_stats_add_up_across_sync_async_and_streaming(config: Path) -> None:
    seen: list[LLMResponse] = []
    chunks: list[GatewayChunk] = []
    gateway = LLMGateway(config, clock=FakeClock(), on_response=seen.append,
                         on_chunk=chunks.append)
    sync = gateway.complete("one", agent_name="coder")
    streamed = list(gateway.complete_stream("two", agent_name="planner"))

    async def run() -> tuple[LLMResponse, list[GatewayChunk]]:
        async with gateway:
            first = await gateway.acomplete("three", agent_name="coder")
            rest = [c async for c in gateway.acomplete_stream("four", agent_name="coder")]
        return first, rest

    async_one, async_stream = asyncio.run(run())
    final = streamed[-1].response
    assert final is not None and final.streamed and final.text == "answer from the mini model"
    assert "".join(c.text for c in streamed) == final.text
    counts = [c.cumulative_tokens for c in streamed]
    # counted as chunks arrive, then corrected to the provider's usage on the last chunk
    assert counts[:-1] == sorted(counts[:-1]) and counts[-1] == final.tokens
    assert chunks[:len(streamed)] == streamed and len(seen) == 4
    responses = [sync, final, async_one, async_stream[-1].response]
    stats = gateway.get_stats()
    total = stats["total"]
    assert total["calls"] == 4 and total["streamed_calls"] == 2 and total["errors"] == 0
    assert total["prompt_tokens"] == sum(r.prompt_tokens for r in responses)  # type: ignore[union-attr]
    assert total["completion_tokens"] == sum(r.completion_tokens for r in responses)  # type: ignore[union-attr]
    assert total["cost_usd"] == pytest.approx(sum(r.cost_usd for r in responses))  # type: ignore[union-attr]
    assert stats["by_agent"]["coder"]["calls"] == 3 and stats["by_agent"]["planner"]["calls"] == 1
    assert stats["by_model"]["gpt-4o"]["calls"] == 3
    assert stats["by_provider"]["openai"]["calls"] == 4
    assert json.loads(json.dumps(stats)) == stats
    gateway.close()


def test_unpriced_models_are_counted_as_such() -> None:
    gateway = LLMGateway(default="scripted", backends={"scripted": MockBackend(
        ["hello there"], model="house-model")})
    response = gateway.complete("hi")
    # the mock family is local: it costs 0; an unknown hosted model would cost None
    assert response.cost_usd == 0.0 and response.metadata["tokens_estimated"]
    assert gateway.get_stats()["total"]["unpriced_calls"] == 0


def test_invalid_config_is_a_contract_error(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text("version: '1.0'\ndefault: gpt-4o\nagents:\n  planner: {modle: claude}\n"
                    "backends:\n  gpt-4o: {api_key: sk-nope}\n", encoding="utf-8")
    with pytest.raises(ContractError) as exc:
        LLMGateway(path)
    text = str(exc.value)
    assert "/agents/planner" in text and "/backends/gpt-4o" in text
    assert "sk-nope" not in text


def test_gateway_needs_a_default() -> None:
    with pytest.raises(ValueError, match="default model"):
        LLMGateway()
