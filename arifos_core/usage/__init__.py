"""Token counting and cost tracking."""

from ._pricing import (
    CostMetrics,
    ModelPrice,
    Pricing,
    calculate_cost,
    default_pricing,
    estimate_cost,
    load_pricing,
)
from ._tokens import TokenCount, count_message_tokens, count_tokens, encoding_for_model

__all__ = [
    "CostMetrics",
    "ModelPrice",
    "Pricing",
    "TokenCount",
    "calculate_cost",
    "count_message_tokens",
    "count_tokens",
    "default_pricing",
    "encoding_for_model",
    "estimate_cost",
    "load_pricing",
]
