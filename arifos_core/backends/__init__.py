"""One interface over every model provider: base types, registry, factory, adapters.

Provider SDKs are imported only when a backend of that provider is created.
"""

from .._errors import (
    AuthenticationError,
    BackendError,
    BackendTimeoutError,
    BackendUnavailableError,
    ContractViolation,
    InvalidRequestError,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
    UnsupportedParameterError,
)
from ._base import COMMON_PARAMS, ProviderBackend, Reasoning, Request
from ._factory import (
    BackendTarget,
    UnifiedBackendFactory,
    create_backend,
    create_backend_from_spec,
)
from ._interface import LLMBackend
from ._mock import MockBackend
from ._registry import get_backend, list_backends, register_backend
from ._types import (
    Completion,
    FinishReason,
    Health,
    Message,
    StreamChunk,
    TokenLogprob,
    Tool,
    ToolCall,
    Usage,
    collect_stream,
    confidence_from_logprobs,
)

__all__ = [
    "COMMON_PARAMS",
    "AuthenticationError",
    "BackendError",
    "BackendTarget",
    "BackendTimeoutError",
    "BackendUnavailableError",
    "Completion",
    "ContractViolation",
    "FinishReason",
    "Health",
    "InvalidRequestError",
    "LLMBackend",
    "Message",
    "MockBackend",
    "ModelNotFoundError",
    "ProtocolError",
    "ProviderBackend",
    "RateLimitError",
    "Reasoning",
    "Request",
    "StreamChunk",
    "TokenLogprob",
    "Tool",
    "ToolCall",
    "UnifiedBackendFactory",
    "UnsupportedParameterError",
    "Usage",
    "collect_stream",
    "confidence_from_logprobs",
    "create_backend",
    "create_backend_from_spec",
    "get_backend",
    "list_backends",
    "register_backend",
]
