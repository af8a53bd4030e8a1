"""Errors raised by arifos_core.

One root per concern::

    ValueError
     ├── ContractError              a spec file (contract, policy, catalog) is unreadable or
     │                              invalid; carries SpecIssues: file, line, column, pointer, fix
     └── ContractViolation          the factory refused a backend that falls short of the
                                    contract; carries the CapabilityCheck

    BackendError                    a model provider call failed; keeps provider, status code and
     │                              request id; ``retryable`` says whether trying again may help
     ├── AuthenticationError        key missing, invalid or not permitted: names the env var
     ├── RateLimitError             429; ``retry_after`` in seconds when the provider said
     ├── BackendTimeoutError        the request timed out (also a TimeoutError)
     ├── BackendUnavailableError    connection refused, 5xx, overloaded (529): the URL and a hint
     ├── ModelNotFoundError         unknown model; ``available`` lists what the server offers
     ├── InvalidRequestError        the provider rejected the request (also a ValueError)
     ├── ProtocolError              malformed response or stream
     └── UnsupportedParameterError  a parameter this backend cannot honour (also a TypeError)

    GovernanceError                 a governance operation cannot be done as asked
     └── HoldError                  a hold decision is not allowed (role, self-approval, state)

Error messages never contain API keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AuthenticationError",
    "BackendError",
    "BackendTimeoutError",
    "BackendUnavailableError",
    "ContractError",
    "ContractViolation",
    "GovernanceError",
    "HoldError",
    "InvalidRequestError",
    "ModelNotFoundError",
    "ProtocolError",
    "RateLimitError",
    "SpecIssue",
    "UnsupportedParameterError",
]


@dataclass(frozen=True)
class SpecIssue:
    """One problem found in a spec or canon file.

    ``line`` and ``column`` are 1-based and ``None`` when the position is unknown. ``pointer``
    is the RFC 6901 JSON pointer of the offending element (``""`` is the document root).
    ``code`` classifies the problem (``unknown-key``, ``missing-key``, ``type``, ``syntax``,
    ``io``, ...); ``io`` marks a file that could not be read at all.
    """

    file: str
    message: str
    pointer: str = ""
    line: int | None = None
    column: int | None = None
    expected: str | None = None
    suggestion: str | None = None
    code: str = "invalid"

    def location(self) -> str:
        """``file:line:column`` as far as it is known."""
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: {self.pointer or '/'}: {self.message}"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.suggestion:
            text += f"; did you mean {self.suggestion!r}?"
        return text

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "code": self.code,
            "message": self.message,
            "expected": self.expected,
            "suggestion": self.suggestion,
        }


class ContractError(ValueError):
    """A spec file could not be read or does not follow its schema.

    ``issues`` lists every problem found; the attributes ``file``, ``line``, ``column``,
    ``pointer`` and ``suggestion`` repeat those of the first one.
    """

    def __init__(self, issues: Sequence[SpecIssue]) -> None:
        if not issues:
            raise TypeError("ContractError needs at least one SpecIssue")
        self.issues: tuple[SpecIssue, ...] = tuple(issues)
        first = self.issues[0]
        self.file = first.file
        self.line = first.line
        self.column = first.column
        self.pointer = first.pointer
        self.suggestion = first.suggestion
        super().__init__(self._render())

    def _render(self) -> str:
        if len(self.issues) == 1:
            return str(self.issues[0])
        lines = [f"{self.file}: {len(self.issues)} problems"]
        lines.extend(f"  {issue}" for issue in self.issues)
        return "\n".join(lines)


class ContractViolation(ValueError):
    """The factory refused a backend whose declared capabilities fail the contract.

    ``check`` is the CapabilityCheck; ``contract_path`` the contract file it was checked against.
    """

    def __init__(self, message: str, *, check: object, contract_path: str) -> None:
        super().__init__(message)
        self.check = check
        self.contract_path = contract_path


class BackendError(Exception):
    """A model provider call failed. Never carries the API key."""

    default_retryable = False

    def __init__(self, message: str, *, provider: str | None = None,
                 status_code: int | None = None, request_id: str | None = None,
                 retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.status_code = status_code
        self.request_id = request_id
        self.retryable = self.default_retryable if retryable is None else retryable

    def __str__(self) -> str:
        details = [f"{k}={v}" for k, v in (("provider", self.provider),
                                           ("status", self.status_code),
                                           ("request_id", self.request_id)) if v is not None]
        return f"{self.message} [{', '.join(details)}]" if details else self.message

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.message, dict(vars(self))))


def _rebuild(cls: type[BackendError], message: str, state: dict[str, object]) -> BackendError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    vars(error).update(state)
    return error


class AuthenticationError(BackendError):
    """The API key is missing, invalid or lacks permission; the message names the env var."""


class RateLimitError(BackendError):
    """The provider rate-limited the call (429). ``retry_after`` is in seconds, when known."""

    default_retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class BackendTimeoutError(BackendError, TimeoutError):
    """The request did not finish within its timeout."""

    default_retryable = True


class BackendUnavailableError(BackendError):
    """The service could not be reached or is failing (connection refused, 5xx, overloaded)."""

    default_retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ModelNotFoundError(BackendError):
    """The provider does not know the model. ``available`` lists the models it offers."""

    def __init__(self, message: str, *, available: tuple[str, ...] = (),
                 **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.available = available


class InvalidRequestError(BackendError, ValueError):
    """The request was rejected as invalid (400, 413, 422) or failed local validation."""


class ProtocolError(BackendError):
    """The response or stream did not follow the provider's protocol."""


class UnsupportedParameterError(BackendError, TypeError):
    """A parameter this backend cannot honour; pass ``strict=False`` to drop it instead."""

    def __init__(self, message: str, *, parameter: str, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.parameter = parameter


class GovernanceError(Exception):
    """A governance operation cannot be done as asked."""


class HoldError(GovernanceError):
    """A decision on a held output is not allowed: wrong role, self-approval, already decided,
    or a rejection without a reason."""
