"""LLMGateway: routing, resilience and accounting for many agents and models."""

from ._gateway import LLMGateway
from ._stats import GatewayChunk, GatewayStats, LLMResponse, Totals

__all__ = ["GatewayChunk", "GatewayStats", "LLMGateway", "LLMResponse", "Totals"]
