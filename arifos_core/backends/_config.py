"""Connection settings for a backend: API key, base URL, headers, SDK import."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Mapping
from functools import cache
from types import ModuleType

from .._errors import AuthenticationError
from ..contracts import Catalog, Connection, SdkSpec, load_catalog

__all__ = ["Secret", "default_catalog", "require_sdk", "resolve_api_key", "resolve_base_url",
           "resolve_headers"]

_ENV_REF = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


@cache
def default_catalog() -> Catalog:
    """The shipped capability catalog, loaded once."""
    return load_catalog()


class Secret:
    """An API key that never shows itself in ``repr``, ``str`` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The key itself, for the SDK client and nothing else."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("Secret values are not picklable")


def resolve_api_key(explicit: str | None, connection: Connection, *, provider: str) -> Secret:
    """The key passed in, else the first set env var the connection names; AuthenticationError
    naming those env vars when a required key is missing. ``api_key=""`` means "no key" (a
    server of one's own) and is never replaced from the environment."""
    names = connection.api_key_env or ()
    if explicit == "":
        return Secret("")
    if explicit is None:
        explicit = next((os.environ[n] for n in names if os.environ.get(n)), None)
    if explicit:
        return Secret(explicit)
    if connection.api_key_required:
        where = " or ".join(names) if names else "the provider's key variable"
        raise AuthenticationError(
            f"no API key for {provider}: pass api_key=... or set {where}", provider=provider)
    return Secret("")


def resolve_base_url(explicit: str | None, connection: Connection) -> str | None:
    """The base URL passed in, else the first set env var, else the connection's default."""
    if explicit:
        return explicit.rstrip("/")
    for name in connection.base_url_env or ():
        if os.environ.get(name):
            return os.environ[name].rstrip("/")
    return connection.default_base_url


def resolve_headers(connection: Connection, extra: Mapping[str, str] | None) -> dict[str, str]:
    """The connection's headers with ``${NAME}`` filled from the environment (a header whose
    variable is unset is left out), then ``extra``."""
    headers: dict[str, str] = {}
    for name, template in (connection.headers or {}).items():
        missing = [v for v in _ENV_REF.findall(template) if not os.environ.get(v)]
        if not missing:
            headers[name] = _ENV_REF.sub(lambda m: os.environ[m.group(1)], template)
    headers.update(extra or {})
    return headers


def require_sdk(sdk: SdkSpec | None, *, family: str) -> ModuleType | None:
    """Import the SDK a backend family needs, or raise ImportError with the pip command."""
    if sdk is None:
        return None
    try:
        return importlib.import_module(sdk.module)
    except ImportError as exc:
        raise ImportError(f"the {family} backend needs the {sdk.module!r} package: "
                          f"{sdk.install_hint}") from exc
