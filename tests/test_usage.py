"""Token counting (offline) and cost tracking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arifos_core.contracts import ContractError
from arifos_core.usage import (
    calculate_cost,
    count_message_tokens,
    count_tokens,
    encoding_for_model,
    estimate_cost,
    load_pricing,
)

# Token ids computed independently (bpe-openai, a separate Rust implementation of the same
# encodings); tiktoken over our shipped rank files must agree exactly.
GOLDEN = {
    "o200k_base": {
        "Hello world": [13225, 2375],
        "def f(x):\n    return x ** 2  # 平方": [1314, 285, 4061, 1883, 271, 622, 1215, 6240,
                                                   220, 17, 220, 1069, 37385, 4983],
    },
    "cl100k_base": {
        "Hello world": [9906, 1917],
        "def f(x):\n    return x ** 2  # 平方": [755, 282, 2120, 997, 262, 471, 865, 3146, 220,
                                                   17, 220, 674, 75677, 111, 24273],
    },
}


@pytest.fixture()
def no_downloads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """tiktoken must never try to fetch an encoding."""
    import tiktoken.load

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError(f"tiktoken tried to download {args}")

    monkeypatch.setattr(tiktoken.load, "read_file", refuse)
    monkeypatch.setattr(tiktoken.load, "read_file_cached", refuse)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty"))


@pytest.mark.parametrize("encoding,model", [("o200k_base", "gpt-4o"),
                                            ("cl100k_base", "gpt-4")])
def test_openai_counts_are_exact_and_offline(no_downloads: None, encoding: str,
                                             model: str) -> None:
    from arifos_core.usage._tokens import _encoding

    for text, ids in GOLDEN[encoding].items():
        assert _encoding(encoding).encode(text) == ids
        count = count_tokens(text, model)
        assert count.tokens == len(ids) and count.exact
        assert count.method == f"tiktoken {encoding}"


def test_model_to_encoding() -> None:
    assert encoding_for_model("gpt-4o-mini") == "o200k_base"
    assert encoding_for_model("openai/gpt-4o") == "o200k_base"
    assert encoding_for_model("gpt-4-turbo") == "cl100k_base"
    assert encoding_for_model("claude-sonnet-4-5") is None


def test_other_providers_get_a_labelled_estimate(no_downloads: None) -> None:
    count = count_tokens("Hello world", "claude-sonnet-4-5")
    assert count.tokens == 2 and not count.exact
    assert count.method.startswith("estimate: o200k_base")


def test_special_token_text_is_counted_as_text() -> None:
    assert count_tokens("<|endoftext|>", "gpt-4o").tokens > 1


def test_message_tokens_add_the_chat_overhead() -> None:
    single = count_message_tokens("Hello world", "gpt-4o")
    assert single.tokens == 2 + 3 + 3 and not single.exact
    chat = count_message_tokens([{"role": "system", "content": "Hello world"},
                                 {"role": "user", "content": "Hello world"}], "gpt-4o")
    assert chat.tokens == 2 * (2 + 3) + 3


def test_known_model_costs() -> None:
    cost = calculate_cost("openai", "gpt-4o", 1_000_000, 100_000)
    assert cost.cost_usd == pytest.approx(2.50 + 1.00)
    assert cost.price is not None and cost.price.as_of and cost.price.source
    mini = calculate_cost("openai", "gpt-4o-mini", 2000, 1000, cached_prompt_tokens=1000)
    assert mini.cost_usd == pytest.approx((1000 * 0.15 + 1000 * 0.075 + 1000 * 0.60) / 1e6)


def test_dated_snapshot_globs_and_long_context() -> None:
    short = calculate_cost("anthropic", "claude-sonnet-4-5-20250929", 100_000, 1000)
    assert short.cost_usd == pytest.approx((100_000 * 3 + 1000 * 15) / 1e6)
    long = calculate_cost("anthropic", "claude-sonnet-4-5-20250929", 300_000, 1000)
    assert long.cost_usd == pytest.approx((300_000 * 6 + 1000 * 22.5) / 1e6)


def test_local_models_cost_nothing_and_unknown_models_cost_none() -> None:
    assert calculate_cost("ollama", "llama3", 5000, 5000).cost_usd == 0.0
    assert calculate_cost("vllm", "anything", 1, 1).cost_usd == 0.0
    unknown = calculate_cost("openai", "gpt-99", 1000, 1000)
    assert unknown.cost_usd is None and "no price known" in unknown.note
    routed = calculate_cost("openrouter", "openai/gpt-4o", 1000, 1000)
    assert routed.cost_usd is None and "passes through" in routed.note
    assert calculate_cost("nobody", "x", 1, 1).cost_usd is None


def test_estimate_before_a_call() -> None:
    estimate = estimate_cost("openai", "gpt-4o", "Hello world", max_tokens=1000)
    assert estimate.estimated and estimate.prompt_tokens == 8
    assert estimate.cost_usd == pytest.approx((8 * 2.5 + 1000 * 10) / 1e6)


def test_user_pricing_file_overrides_and_extends(tmp_path: Path) -> None:
    own = tmp_path / "prices.json"
    own.write_text(json.dumps({
        "version": "1.0", "currency": "USD",
        "providers": {
            "openai": {"models": [{"match": "gpt-4o", "input": 1, "output": 2,
                                   "as_of": "2026-11-01", "source": "our contract"}]},
            "openrouter": {"models": [{"match": "openai/*", "input": 3, "output": 4,
                                       "as_of": "2026-11-01", "source": "our invoice"}]}}}))
    pricing = load_pricing(own)
    assert calculate_cost("openai", "gpt-4o", 1_000_000, 0, pricing=pricing).cost_usd == 1
    assert calculate_cost("openai", "gpt-4o-mini", 1_000_000, 0,
                          pricing=pricing).cost_usd == pytest.approx(0.15)
    assert calculate_cost("openrouter", "openai/gpt-4o", 0, 1_000_000,
                          pricing=pricing).cost_usd == 4


def test_bad_pricing_file_is_a_contract_error(tmp_path: Path) -> None:
    bad = tmp_path / "prices.json"
    bad.write_text(json.dumps({"version": "1.0", "currency": "USD", "providers": {
        "openai": {"models": [{"match": "gpt-4o", "input": -1, "output": 2,
                               "as_of": "yesterday", "source": "x"}]}}}))
    with pytest.raises(ContractError) as exc:
        load_pricing(bad)
    assert {i.pointer for i in exc.value.issues} == {"/providers/openai/models/0/input",
                                                      "/providers/openai/models/0/as_of"}
