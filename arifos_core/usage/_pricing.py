"""What a call costs: the pricing table (``spec/pricing/prices.json``) and the arithmetic.

Local providers cost 0. A model with no known price costs ``None`` — never a guessed number.
Users override or extend prices with their own file; its entries are consulted first.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..contracts import default_pricing_path, read_spec
from ._tokens import count_message_tokens

__all__ = ["CostMetrics", "ModelPrice", "Pricing", "calculate_cost", "default_pricing",
           "estimate_cost", "load_pricing"]

_MILLION = 1_000_000


@dataclass(frozen=True)
class ModelPrice:
    """USD per million tokens for the models matching ``match``."""

    match: str
    input: float
    output: float
    as_of: str
    source: str
    cached_input: float | None = None
    long_context_above: int | None = None
    long_input: float | None = None
    long_output: float | None = None
    long_cached_input: float | None = None

    def rates(self, prompt_tokens: int) -> tuple[float, float, float]:
        """(input, output, cached input) rates for a prompt of this size."""
        if self.long_context_above is not None and prompt_tokens > self.long_context_above:
            assert self.long_input is not None and self.long_output is not None
            cached = self.long_cached_input if self.long_cached_input is not None else (
                self.cached_input if self.cached_input is not None else self.long_input)
            return self.long_input, self.long_output, cached
        cached = self.cached_input if self.cached_input is not None else self.input
        return self.input, self.output, cached


@dataclass(frozen=True)
class CostMetrics:
    """The cost of a call. ``cost_usd`` is None when the price is unknown."""

    provider: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cached_prompt_tokens: int = 0
    cost_usd: float | None = None
    input_cost_usd: float | None = None
    output_cost_usd: float | None = None
    price: ModelPrice | None = None
    estimated: bool = False
    note: str = ""


@dataclass(frozen=True)
class _Provider:
    local: bool
    models: tuple[ModelPrice, ...]
    note: str


def _price(entry: Mapping[str, Any]) -> ModelPrice:
    long = entry.get("long_context", {})
    return ModelPrice(
        match=entry["match"], input=entry["input"], output=entry["output"],
        as_of=entry["as_of"], source=entry["source"], cached_input=entry.get("cached_input"),
        long_context_above=long.get("above_prompt_tokens"), long_input=long.get("input"),
        long_output=long.get("output"), long_cached_input=long.get("cached_input"))


class Pricing:
    """Prices from one or more pricing files; earlier files win."""

    def __init__(self, tables: Sequence[Mapping[str, Any]]) -> None:
        self._providers: dict[str, list[_Provider]] = {}
        for table in tables:
            for name, entry in table["providers"].items():
                self._providers.setdefault(name, []).append(_Provider(
                    entry.get("local", False),
                    tuple(_price(m) for m in entry.get("models", [])), entry.get("note", "")))

    def lookup(self, provider: str, model: str) -> tuple[bool, ModelPrice | None, str]:
        """(local, price or None, note) for a provider's model."""
        notes = []
        for entry in self._providers.get(provider, []):
            if entry.local:
                return True, None, "local model"
            for price in entry.models:
                if fnmatch.fnmatchcase(model.lower(), price.match.lower()):
                    return False, price, ""
            if entry.note:
                notes.append(entry.note)
        return False, None, " ".join(notes) or f"no price known for {provider} model {model!r}"

    def cost(self, provider: str, model: str, prompt_tokens: int, completion_tokens: int, *,
             cached_prompt_tokens: int = 0, estimated: bool = False) -> CostMetrics:
        """The cost of a call with these token counts (cached tokens are part of the prompt)."""
        local, price, note = self.lookup(provider, model)
        base = CostMetrics(provider, model, prompt_tokens, completion_tokens,
                           cached_prompt_tokens, estimated=estimated, note=note)
        if local:
            return CostMetrics(**{**vars(base), "cost_usd": 0.0, "input_cost_usd": 0.0,
                                  "output_cost_usd": 0.0})
        if price is None:
            return base
        input_rate, output_rate, cached_rate = price.rates(prompt_tokens)
        cached = min(cached_prompt_tokens, prompt_tokens)
        input_cost = ((prompt_tokens - cached) * input_rate + cached * cached_rate) / _MILLION
        output_cost = completion_tokens * output_rate / _MILLION
        return CostMetrics(**{**vars(base), "cost_usd": input_cost + output_cost,
                              "input_cost_usd": input_cost, "output_cost_usd": output_cost,
                              "price": price})


def load_pricing(*paths: str | os.PathLike[str], include_default: bool = True) -> Pricing:
    """Pricing from user files (first wins), then the shipped table."""
    tables = [read_spec(path, "pricing") for path in paths]
    if include_default:
        tables.append(read_spec(default_pricing_path(), "pricing"))
    return Pricing(tables)


@cache
def default_pricing() -> Pricing:
    """The shipped pricing table, plus the file named by ``ARIFOS_PRICING`` if set."""
    extra = os.environ.get("ARIFOS_PRICING")
    return load_pricing(*([extra] if extra else []))


def calculate_cost(provider: str, model: str, prompt_tokens: int, completion_tokens: int, *,
                   cached_prompt_tokens: int = 0, pricing: Pricing | None = None) -> CostMetrics:
    """The cost of a finished call."""
    return (pricing or default_pricing()).cost(provider, model, prompt_tokens, completion_tokens,
                                               cached_prompt_tokens=cached_prompt_tokens)


def estimate_cost(provider: str, model: str, prompt: Any, max_tokens: int = 1024, *,
                  pricing: Pricing | None = None) -> CostMetrics:
    """The most a call can cost before it is made: the prompt's tokens and ``max_tokens``."""
    tokens = count_message_tokens(prompt, model)
    return (pricing or default_pricing()).cost(provider, model, tokens.tokens, max_tokens,
                                               estimated=True)
