"""Backend registry: family name -> adapter class, imported on first use.

Built-in adapters are registered by import path, so registering costs no SDK import. Plugins
register through the ``arifos_core.backends`` entry-point group or ``register_backend``.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._base import LLMBackend

__all__ = ["ENTRY_POINT_GROUP", "get_backend", "list_backends", "register_backend"]

ENTRY_POINT_GROUP = "arifos_core.backends"

_REGISTRY: dict[str, type[LLMBackend] | str] = {
    "openai": "arifos_core.backends._openai:OpenAIBackend",
    "openai_compatible": "arifos_core.backends._openai:OpenAICompatibleBackend",
    "anthropic": "arifos_core.backends._anthropic:AnthropicBackend",
    "gemini": "arifos_core.backends._gemini:GeminiBackend",
    "ollama": "arifos_core.backends._ollama:OllamaBackend",
    "mock": "arifos_core.backends._mock:MockBackend",
}
_plugins_loaded = False


def register_backend(name: str, backend: type[LLMBackend] | str) -> None:
    """Register an adapter class (or its ``"module:Class"`` path) under a family name."""
    if not name or not isinstance(name, str):
        raise ValueError("a backend needs a non-empty name")
    _REGISTRY[name] = backend


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for point in entry_points(group=ENTRY_POINT_GROUP):
        _REGISTRY.setdefault(point.name, point.value)


def list_backends() -> list[str]:
    """Registered family names."""
    _load_plugins()
    return sorted(_REGISTRY)


def get_backend(name: str) -> type[LLMBackend]:
    """The adapter class registered under ``name``."""
    _load_plugins()
    try:
        entry = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"no backend named {name!r}; registered: "
                         f"{', '.join(sorted(_REGISTRY))}") from None
    if isinstance(entry, str):
        module, _, attribute = entry.partition(":")
        entry = getattr(importlib.import_module(module), attribute)
        _REGISTRY[name] = entry
    return entry
