"""Token counting that works offline.

OpenAI models are counted exactly with tiktoken and the o200k_base / cl100k_base rank files
shipped in ``encodings/`` (OpenAI's published files, checked against tiktoken's expected
SHA-256 before use), so nothing is downloaded. Other providers' tokenizers are not available
offline; their counts are estimates made with o200k_base, and the result says so.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
import types
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..backends._types import as_messages

if TYPE_CHECKING:
    import tiktoken

__all__ = ["TokenCount", "count_message_tokens", "count_tokens", "encoding_for_model"]

_DIR = Path(__file__).parent / "encodings"
#: SHA-256 of each uncompressed rank file, as tiktoken expects it.
_EXPECTED = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}
ESTIMATOR = "o200k_base"
#: OpenAI's chat format: tokens added per message and to prime the reply.
_PER_MESSAGE, _PER_REPLY = 3, 3

_cache: dict[str, tiktoken.Encoding] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class TokenCount:
    """A token count; ``exact`` is False for estimates, and ``method`` says how it was made."""

    tokens: int
    exact: bool
    method: str


def _ranks(name: str) -> dict[bytes, int]:
    raw = gzip.decompress((_DIR / f"{name}.tiktoken.gz").read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != _EXPECTED[name]:
        raise RuntimeError(f"{name} rank file is corrupt (sha256 {digest}); reinstall arifos-core")
    ranks = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def _encoding(name: str) -> tiktoken.Encoding:
    """The named encoding, built once from the shipped ranks with tiktoken's own parameters."""
    with _lock:
        if name not in _cache:
            import tiktoken
            import tiktoken_ext.openai_public as public

            ranks = _ranks(name)
            constructor = getattr(public, name)
            # Run tiktoken's constructor with a loader that returns the shipped ranks, so the
            # split pattern and special tokens are exactly tiktoken's; nothing is downloaded.
            scope = {**vars(public), "load_tiktoken_bpe": lambda *_a, **_k: ranks}
            params: dict[str, Any] = types.FunctionType(constructor.__code__, scope)()
            _cache[name] = tiktoken.Encoding(**params)
        return _cache[name]


def encoding_for_model(model: str) -> str | None:
    """The tiktoken encoding of an OpenAI model we ship, or None for other models."""
    import tiktoken.model

    bare = model.split("/", 1)[1] if model.startswith("openai/") else model
    try:
        name = tiktoken.model.encoding_name_for_model(bare)
    except KeyError:
        return None
    return name if name in _EXPECTED else None


def count_tokens(text: str, model: str) -> TokenCount:
    """Tokens ``text`` costs with ``model``: exact for OpenAI models, an o200k_base estimate
    otherwise."""
    name = encoding_for_model(model)
    encoding = _encoding(name or ESTIMATOR)
    tokens = len(encoding.encode(text, disallowed_special=()))
    if name:
        return TokenCount(tokens, True, f"tiktoken {name}")
    return TokenCount(tokens, False, f"estimate: {ESTIMATOR} token count; {model!r} has no "
                                     "offline tokenizer")


def count_message_tokens(messages: Any, model: str) -> TokenCount:
    """Tokens a prompt or chat messages cost as input, counting the chat format's per-message
    overhead. Never exact: providers add their own framing."""
    chat = as_messages(messages)
    counts = [count_tokens(m.content, model) for m in chat]
    tokens = sum(c.tokens for c in counts) + _PER_MESSAGE * len(chat) + _PER_REPLY
    method = counts[0].method if counts else f"tiktoken {ESTIMATOR}"
    return TokenCount(tokens, False, f"{method}, plus {_PER_MESSAGE} per message and "
                                     f"{_PER_REPLY} for the reply")
