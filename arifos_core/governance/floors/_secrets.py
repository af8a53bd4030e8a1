"""Credential detectors for the ``input.secrets`` and ``output.secrets`` floors.

Findings and their scores:

* Known key formats (OpenAI, Anthropic, Google, AWS, GitHub, GitLab, Slack, Stripe, Hugging Face,
  npm, PyPI, Shopify, DigitalOcean, SendGrid, Telegram, Azure storage): 1.0 when the whole token
  has the documented shape (prefix, length, alphabet, OpenAI's ``T3BlbkFJ`` marker), 0.85-0.95
  for the looser historical shapes, 0.6 for Stripe test-mode keys.
* ``jwt``: three base64url parts whose header decodes to JSON with ``alg`` (1.0); a header and
  its dot at the end of the text, as a stream shows it, 0.9; a header quoted in prose 0.3.
* ``private_key``: the ``-----BEGIN ... PRIVATE KEY-----`` line alone scores 0.9, with a base64
  body 1.0. The span runs to the END line when it is there, so redaction covers the block, but
  recognition needs only the BEGIN line, which keeps ``window`` at 512 characters although an
  RSA-4096 block is ~3.3 KB.
* ``url_password`` (the password of ``scheme://user:password@host``), ``bearer_token`` and
  ``basic_auth`` (``Authorization`` headers), ``password_assignment`` (``password = ...`` with a
  value of 8+ characters mixing character classes).
* ``generic_high_entropy``: a token of at least ``min_length`` characters with Shannon entropy of
  at least ``min_entropy`` bits per character, letters and digits, and a secret-ish word (key,
  token, secret, password, api, auth, ... also in Malay, Indonesian and Spanish) in the 40
  characters before it: 0.85 when assigned to a secret-named key, 0.6 when merely near one.
  Hex-only tokens (git SHAs, sha256 digests) reach 0.7 only when assigned to a secret-named key
  and 0.35 otherwise; UUIDs count only when so assigned. Skipped: tokens after a hash word (sha,
  commit, digest, checksum, fingerprint, uuid, request id) unless assigned and not hex, after
  ``public``/``site key``/``key id``, SSH public keys, SRI hashes, ``data:`` URIs, file paths,
  identifiers made of English-looking words; base64 of plain text scores 0.2 unless assigned,
  base64 of a known key format is reported as that format (0.9).

Placeholders -- ``EXAMPLE`` in the token (AWS's documentation keys), ``xxxx``, ``your``, runs of
one character, counting sequences (``1234567890abcdef``), jwt.io's sample token, PEM armour with
no body, ``user:password`` and documentation-domain URLs -- are reported at 0.1 so that logs show
them but the pipeline's 0.5 trip point (the policy sets no ``score`` here) passes them.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from operator import add

from ..._errors import GovernanceError
from ...contracts import FloorSpec
from ._base import Evidence, mask_secret

__all__ = ["SecretsDetector", "build", "keep_strongest", "shannon_entropy"]

DEFAULT_MIN_LENGTH = 24
DEFAULT_MIN_ENTROPY = 3.5
PLACEHOLDER_SCORE = 0.1
_WINDOW = 512
_CONTEXT = 40  # characters before a token searched for a secret-ish word
_PEM_SPAN_LIMIT = 16384

_TOKEN_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+/-"
#: Token characters become ``a``, everything else a space: runs are then found with bytes.find.
_SHAPE = bytes(0x61 if i in _TOKEN_CHARS else 0x20 for i in range(256))


@dataclass(frozen=True)
class _Format:
    type: str
    prefixes: tuple[str, ...]
    shapes: tuple[tuple[re.Pattern[str], float], ...]  # first full match wins
    body_from: int  # where the random part starts, for the randomness check


def _f(type_: str, prefixes: tuple[str, ...], *shapes: tuple[str, float], body: int) -> _Format:
    return _Format(type_, prefixes, tuple((re.compile(p), s) for p, s in shapes), body)


_FORMATS: tuple[_Format, ...] = (
    _f("anthropic_api_key", ("sk-ant-",),
       (r"sk-ant-api03-[A-Za-z0-9_-]{93}AA", 1.0),
       (r"sk-ant-(?:api|admin|oat|ort)\d\d-[A-Za-z0-9_-]{32,200}", 0.95), body=14),
    _f("openai_api_key", ("sk-",),
       (r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{10,200}T3BlbkFJ[A-Za-z0-9_-]{10,200}", 1.0),
       (r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,250}", 0.9),
       (r"sk-[A-Za-z0-9]{20,31}", 0.7), body=3),
    _f("stripe_api_key", ("sk_live_", "rk_live_", "sk_test_", "rk_test_"),
       (r"[sr]k_live_[A-Za-z0-9]{20,247}", 1.0), (r"[sr]k_test_[A-Za-z0-9]{20,247}", 0.6),
       body=8),
    _f("stripe_webhook_secret", ("whsec_",), (r"whsec_[A-Za-z0-9]{32,64}", 0.95), body=6),
    _f("aws_access_key_id", ("AKIA", "ASIA", "ABIA", "ACCA"),
       (r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}", 1.0), (r"(?:AKIA|ASIA)[A-Z0-9]{16}", 0.7),
       body=4),
    _f("google_api_key", ("AIza",), (r"AIza[0-9A-Za-z_-]{35}", 1.0), body=4),
    _f("github_token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
       (r"gh[pousr]_[A-Za-z0-9]{36}", 1.0), (r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}", 1.0),
       (r"gh[pousr]_[A-Za-z0-9]{37,251}", 0.9), (r"github_pat_[A-Za-z0-9_]{30,250}", 0.9),
       body=4),
    _f("gitlab_token", ("glpat-",),
       (r"glpat-[A-Za-z0-9_-]{20}", 1.0), (r"glpat-[A-Za-z0-9_-]{21,300}", 0.9), body=6),
    _f("slack_token", ("xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-"),
       (r"xox[baprs]-\d{8,13}-\d{8,13}(?:-\d{8,13})?-[A-Za-z0-9]{24,32}", 1.0),
       (r"xox[baprs]-[A-Za-z0-9-]{10,250}", 0.85), body=5),
    _f("huggingface_token", ("hf_",),
       (r"hf_[A-Za-z]{34}", 1.0), (r"hf_[A-Za-z0-9]{30,40}", 0.9), body=3),
    _f("npm_token", ("npm_",), (r"npm_[A-Za-z0-9]{36}", 1.0), body=4),
    _f("pypi_token", ("pypi-AgE",), (r"pypi-AgE[A-Za-z0-9_-]{50,300}", 1.0), body=5),
    _f("shopify_token", ("shpat_", "shpss_", "shpca_", "shppa_"),
       (r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}", 1.0), body=6),
    _f("digitalocean_token", ("dop_v1_", "doo_v1_", "dor_v1_"),
       (r"do[por]_v1_[a-f0-9]{64}", 1.0), body=7),
)
_PREFIXES = tuple(p for f in _FORMATS for p in f.prefixes)

# A secret-ish word: at a word start (any case) or a camelCase boundary (apiKey, authToken).
_SECRET_WORD = re.compile(
    r"(?<![A-Za-z])(?i:key|token|secret|passw|pwd|passphrase|api|auth|credential|bearer"
    r"|private|kunci|rahsia|rahasia|sandi|laluan|contrase|clave|secreto|llave)"
    r"|(?<=[a-z])(?:Key|Token|Secret|Passw|Pwd|Auth|Credential)")
# The token is the value assigned to a secret-named key: KEY=, "key": ", --token , X-Api-Key: .
_ASSIGNED = re.compile(
    r"(?i:key|token|secret|passw(?:or)?d|pwd|passphrase|auth|credentials?|bearer|kunci|sandi"
    r"|laluan|contrase(?:ñ|n)a|clave)[A-Za-z0-9_.-]{0,24}(?:[\"'\]]?\s{0,3}(?P<op>=>|:=|[:=])"
    r"|(?<=[A-Za-z0-9])\s)\s{0,3}[\"'`]?$")
_FLAG = re.compile(r"(?:^|\s)--?[A-Za-z0-9_-]*(?i:key|token|secret|passw|auth)[A-Za-z0-9_-]*\s$")
_HASH_WORD = re.compile(
    r"(?i:sha-?(?:1|224|256|384|512)?|md5|hash|digest|checksum|commit|revision|\brev\b|etag"
    r"|fingerprint|integrity|uuid|guid|cipher|signature[_ ]?value|request[_ -]?id|trace[_ -]?id"
    r"|correlation|nonce|salt"
    r"|ssh-(?:rsa|ed25519|dss)|ecdsa-sha2|object[_ ]?id"
    r"|\bcid\b|multihash)")
_PUBLIC_WORD = re.compile(r"(?i:public|publishable|site[_ -]?key|pubkey|key[_ -]?ids?\b|keyid"
                          r"|recv-keys|thumbprint|x509|certificate)")
_AWS_WORD = re.compile(r"(?i:aws|secret[_ -]?access)")
_NOT_SECRET_PREFIXES = ("sha1-", "sha256-", "sha384-", "sha512-", "AAAAB3NzaC1", "AAAAC3NzaC1",
                        "AAAAE2VjZHNh", "pk_live_", "pk_test_", "base64,")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_HUMP = re.compile(r"[A-Z]?[a-z]{2,}|[A-Z]{3,}(?![a-z])")
_HEX_LETTERS = frozenset("abcdef")
#: Frequent English letter pairs: identifiers made of words are mostly these, random text is not.
_BIGRAM_TEXT = (
    "th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve "
    "co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di fo ho pe ec pr no "
    "ct us ac ot il tr ly nc et ut ss so rs un lo wa ge ie wh ee wi em ad ol rt po we na ul ni ts "
    "mo ow pa im mi ai sh ir su id os iv ia am fi ci vi pl ig tu ev ld ry mp fe bl ab gh ty op wo "
    "sa ay ex ke fr oo av ag gr od bo sp rd do uc bu ei ov by rm ep tt oc fa ef cu rn sc gi da yo "
    "cr cl du ga qu ue ff ba ey ls va um pp ua up lu go ht ru ug ds lt pi rc rr eg au ck ew mu br "
    "bi pt ak pu ui rg ib tl ny ki rk ys ob mm fu ph og ms ye ud mb ip ub oi rl gu dr hr cc tw ft "
    "wn nu af hu nn eo vo rv nf xp gn sm fl iz ok nl my gl aw ju oa eq sy sl ps jo yp ke ks dl "
    "oy ym nk sk ck ct")
_BIGRAMS = frozenset(_BIGRAM_TEXT.split())
_PATH_SEGMENT = re.compile(r"[a-z]{4,}|[a-z]+(?:[-_][a-z]+)+")
_PRINTABLE = bytes([*range(32, 127), 9, 10, 13])
_PLACEHOLDER_WORDS = ("example", "xxxx", "your", "placeholder", "redacted", "dummy", "sample",
                      "insert", "replace", "changeme", "****", "....", "<", ">", "fake")

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,1000}\.(?:[A-Za-z0-9_-]{2,8000}(?:\.[A-Za-z0-9_-]*)?)?")
_JWT_SAMPLE_SIG = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"  # jwt.io's documentation token
_PEM_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_ARMOUR = re.compile(r"-----BEGIN (?P<kind>[A-Z0-9 ]{1,40})-----")
_PEM_BODY = re.compile(r"(?:\\n|\\r|[\s\"'])*(?:[A-Za-z][A-Za-z-]{0,30}: [^\n]{0,200}\n){0,4}"
                       r"(?P<b>(?:[A-Za-z0-9+/=]|\\n|\\r|\s){0,400})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}$")
_URL_CREDS = re.compile(r"(?P<user>[^\s:/@?#\[\]\"'<>]{1,128}):(?P<pw>[^\s/@?#\"'<>]{1,256})@"
                        r"(?P<host>\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9.-]{1,253})")
_BEARER = re.compile(r"(?i:bearer)\s{1,4}(?P<t>[A-Za-z0-9._~+/-]{16,4096}=*)")
_BASIC = re.compile(r"(?i:basic)\s{1,4}(?P<t>[A-Za-z0-9+/]{8,1024}={0,2})(?![A-Za-z0-9+/=])")
_PASSWORD = re.compile(
    r"(?i:passw(?:or)?d|pwd|passphrase|kata\s(?:laluan|sandi)|contrase(?:ñ|n)a|senha)"
    r"[A-Za-z0-9_]{0,16}(?:\sfor\s[\w.@-]{1,32}|\s(?i:saya|anda|kamu|ku|my|mi|tu))?[\"']?"
    r"\s{0,3}(?:(?P<op>=>|:=|[:=])|\s(?i:is|ialah|adalah|es|era)\s)\s{0,3}"
    r"[\"'`]?(?P<v>[^\s\"'`,;]{8,64})")
_PASSWORD_ANCHORS = (b"passw", b"pwd", b"passphrase", b"kata laluan", b"kata sandi",
                     b"contrase", b"senha")
_PASSWORD_HINTS = (b"pass", b"pwd", b"kata ", b"contrase", b"senha")  # one in each anchor
_CODE_REF = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(.*)?|[A-Z][A-Z0-9_]+|\w+\(.*")
_SENDGRID = re.compile(r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
_SLACK_HOOK = re.compile(r"hooks\.slack\.com/services/T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/"
                         r"[A-Za-z0-9]{20,32}")
_EMAIL = re.compile(r"[^@\s]+@[\w-]+(?:\.[\w-]+)+")
_DOC_HOSTS = ("example.com", "example.org", "example.net", ".example", ".test", ".invalid")
_TELEGRAM_ID = re.compile(r"(?<![0-9])[0-9]{8,10}:$")
_TRIVIAL_PASSWORDS = frozenset({
    "password", "pass", "passwd", "pwd", "secret", "changeme", "user", "username", "example",
    "test", "mypassword", "yourpassword", "your_password", "your-password", "pw", "admin",
    "root", "p@ssw0rd", "password123", "xxx", "none", "null", "required", "optional", "string",
    "str", "true", "false", "hidden", "redacted", "********"})


def shannon_entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character (0 for the empty string)."""
    n = len(value)
    if n == 0:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def _is_placeholder(body: str) -> bool:
    """True for documentation stand-ins: EXAMPLE, xxxx, one repeated character, 1234abcd..."""
    if any(map(body.lower().__contains__, _PLACEHOLDER_WORDS)):
        return True
    if len(body) >= 12 and len(set(body)) <= 5:
        return True
    steps = sum(1 for a, b in pairwise(body) if ord(b) - ord(a) == 1)
    return len(body) >= 8 and steps * 2 >= len(body)


def _is_wordy(token: str) -> bool:
    """True for identifiers and paths made of words rather than random characters.

    The letter runs of ``getUserById2`` or ``NID_pbe_WithSHA1And3_Key`` are mostly frequent
    English letter pairs; those of a random key are not.
    """
    if "/" in token and any(_PATH_SEGMENT.fullmatch(s) for s in token.split("/")):
        return True
    pairs = common = 0
    for hump in _HUMP.findall(token):
        low = hump.lower()
        if set(low) <= _HEX_LETTERS:
            continue
        pairs += len(low) - 1
        common += sum(map(_BIGRAMS.__contains__, map(add, low, low[1:])))
    return pairs >= 5 and common * 10 >= pairs * 7


def _looks_random(body: str, min_entropy: float = 3.0) -> bool:
    classes = (any(map(str.islower, body)) + any(map(str.isupper, body))
               + any(map(str.isdigit, body)))
    return classes >= 2 and shannon_entropy(body) >= min_entropy and not _is_wordy(body)


def _b64_json(part: str) -> object:
    """The JSON value a base64url part decodes to, or None."""
    try:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, binascii.Error):
        return None


def _decoded_text(token: str) -> str | None:
    """The printable text ``token`` is base64 of (an encoded sentence or key), else None."""
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
    except (ValueError, binascii.Error):
        return None
    if len(raw) < 8 or len(raw) - len(raw.translate(None, _PRINTABLE)) < 0.95 * len(raw):
        return None
    return raw.decode("ascii", "replace")


def keep_strongest(found: Iterable[Evidence]) -> list[Evidence]:
    """Drop each finding that overlaps a stronger (or equally strong, longer) one; sort by start."""
    kept_starts: list[int] = []
    kept: dict[int, Evidence] = {}
    for ev in sorted(found, key=lambda e: (-e.score, e.start - e.end, e.start)):
        i = bisect_left(kept_starts, ev.start)
        if i < len(kept_starts) and kept_starts[i] < ev.end:
            continue
        if i > 0 and kept[kept_starts[i - 1]].end > ev.start:
            continue
        insort(kept_starts, ev.start)
        kept[ev.start] = ev
    return [kept[s] for s in kept_starts]


def _ev(type_: str, start: int, end: int, score: float, secret: str, detail: str) -> Evidence:
    return Evidence(type_, start, end, score, mask_secret(secret), detail)


class SecretsDetector:
    """Finds credentials in text; one instance serves every scan of a policy's floor."""

    __slots__ = ("_needle", "min_entropy", "min_length", "window")

    def __init__(self, *, min_length: int = DEFAULT_MIN_LENGTH,
                 min_entropy: float = DEFAULT_MIN_ENTROPY) -> None:
        self.window = _WINDOW
        self.min_length = min_length
        self.min_entropy = min_entropy
        self._needle = b"a" * min(16, min_length)

    def __repr__(self) -> str:
        return (f"SecretsDetector(min_length={self.min_length}, "
                f"min_entropy={self.min_entropy})")

    def scan(self, text: str) -> list[Evidence]:
        """Every credential in ``text``, overlapping findings resolved to the strongest."""
        raw = text.encode("ascii", "replace")  # one byte per character: offsets carry over
        low = raw.lower()
        found: list[Evidence] = []
        quiet: list[tuple[int, int]] = []  # public keys, certificates: not scanned for tokens
        # Each marker is looked for only when the text has a rarer character of it (cheaper).
        if b"-" in raw and b"-----BEGIN" in raw:
            found += _pem(text, raw, quiet)
        if b"J" in raw and b"eyJ" in raw:
            found += _jwt(text, raw)
        if b":" in raw and b"://" in raw:
            found += _url_passwords(text, raw)
        if b"bearer" in low or (b"authorization" in low and b"basic" in low):
            found += _auth_headers(text, low)  # Basic credentials count only after that header
        if (b"G" in raw and b"SG." in raw) or b"hooks.slack.com/services/" in raw:
            found += _dotted(text)
        if any(map(low.__contains__, _PASSWORD_HINTS)):
            found += _passwords(text, low)
        claimed = sorted([(e.start, e.end) for e in found if e.type != "password_assignment"]
                         + quiet)
        found += self._tokens(text, raw.translate(_SHAPE), claimed)
        return keep_strongest(found) if found else found

    def _tokens(self, text: str, shape: bytes, claimed: list[tuple[int, int]]) -> list[Evidence]:
        out: list[Evidence] = []
        pos, n = 0, len(shape)
        while (i := shape.find(self._needle, pos)) != -1:
            start = shape.rfind(b" ", 0, i) + 1
            end = shape.find(b" ", i)
            end = n if end == -1 else end
            pos = end
            while start < end and text[start] in "-/+":
                start += 1
            k = bisect_left(claimed, (end, 0))
            if k and claimed[k - 1][1] > start:
                continue
            ev = self._token(text, start, end)
            if ev is not None:
                out.append(ev)
        return out

    def _token(self, text: str, start: int, end: int) -> Evidence | None:
        token = text[start:end]
        if token.startswith(_PREFIXES):
            return _known(token, start, end)
        before = text[max(0, start - _CONTEXT):start]
        bot = _TELEGRAM_ID.search(before) if token.startswith("AA") and len(token) == 35 else None
        if bot is not None:
            first = start - len(bot.group())
            return _ev("telegram_bot_token", first, end, 1.0, text[first:end], "Telegram bot")
        if before.endswith("AccountKey=") and len(token) == 86 and text[end:end + 2] == "==":
            return _ev("azure_storage_key", start, end + 2, 1.0, token, "Azure storage key")
        if len(token) == 40 and _aws_secret_context(text, start, before):
            if _is_placeholder(token):
                return _ev("aws_secret_access_key", start, end, PLACEHOLDER_SCORE, token,
                           "placeholder")
            if _looks_random(token, self.min_entropy) and "_" not in token and "-" not in token:
                return _ev("aws_secret_access_key", start, end, 0.95, token,
                           "40-character key near an AWS context word")
        if len(token) < self.min_length:
            return None
        return self._generic(token, start, end, before)

    def _generic(self, token: str, start: int, end: int, before: str) -> Evidence | None:
        named = _ASSIGNED.search(before)
        assigned = named is not None and (named.group("op") is not None
                                          or _FLAG.search(before) is not None)
        if named is None and _SECRET_WORD.search(before) is None:
            return None
        if _PUBLIC_WORD.search(before):
            return None
        if token.startswith(_NOT_SECRET_PREFIXES) or before.endswith(_NOT_SECRET_PREFIXES):
            return None
        if token[0] in "/~" or not any(c.isdigit() for c in token):
            return None
        if not any(c.isalpha() for c in token) or _is_wordy(token):
            return None
        hexy = _HEX.fullmatch(token) is not None
        if _HASH_WORD.search(before) and (hexy or not assigned):
            return None  # sha256 of the key: <hex>, commit <sha>
        if _UUID.fullmatch(token):
            return (_ev("generic_high_entropy", start, end, 0.6, token, "UUID assigned to a "
                        "secret-named key") if assigned else None)
        if shannon_entropy(token) < self.min_entropy:
            return None
        if _is_placeholder(token):
            return _ev("generic_high_entropy", start, end, PLACEHOLDER_SCORE, token,
                       "placeholder")
        decoded = None if hexy else _decoded_text(token)
        if decoded is not None and decoded.startswith(_PREFIXES):
            inner = _known(decoded.strip(), 0, len(decoded.strip()))
            if inner is not None and inner.score >= 0.5:
                return _ev(inner.type, start, end, 0.9, token, f"base64-encoded {inner.type}")
        if not assigned and (hexy or decoded is not None):
            return _ev("generic_high_entropy", start, end, 0.35 if hexy else 0.2, token,
                       "hex digest or encoded text near a secret word")
        score = (0.7 if hexy else 0.85) if assigned else 0.6
        how = "assigned to a secret-named key" if assigned else "near a secret word"
        return _ev("generic_high_entropy", start, end, score, token,
                   f"{len(token)}-character random token {how}")


def _known(token: str, start: int, end: int) -> Evidence | None:
    for fmt in _FORMATS:
        if not token.startswith(fmt.prefixes):
            continue
        for shape, score in fmt.shapes:
            if shape.fullmatch(token) is None:
                continue
            body = token[fmt.body_from:]
            if _is_placeholder(body):
                return _ev(fmt.type, start, end, PLACEHOLDER_SCORE, token, "placeholder")
            if score < 1.0 and not _looks_random(body):
                return None
            detail = "validated format" if score == 1.0 else "format match"
            return _ev(fmt.type, start, end, score, token, detail)
        return None
    return None


def _aws_secret_context(text: str, start: int, before: str) -> bool:
    if _AWS_WORD.search(text, max(0, start - 100), start):
        return True
    window = text[max(0, start - 300):start]
    return any(p in window for p in ("AKIA", "ASIA"))


def _pem(text: str, raw: bytes, quiet: list[tuple[int, int]]) -> list[Evidence]:
    out = []
    pos = 0
    while (i := raw.find(b"-----BEGIN", pos)) != -1:
        pos = i + 10
        m = _PEM_BEGIN.match(text, i)
        if m is None:
            armour = _ARMOUR.match(text, i)
            if armour is not None:  # a public key or certificate: its body is not a secret
                tail = f"-----END {armour.group('kind')}-----"
                end = text.find(tail, armour.end(), armour.end() + _PEM_SPAN_LIMIT)
                quiet.append((i, end + len(tail) if end != -1 else armour.end()))
            continue
        kind = (m.group(1) or "").strip()
        body = _PEM_BODY.match(text, m.end())
        b64 = re.sub(r"\\[nr]|[\s=]", "", body.group("b")) if body else ""
        end_m = _PEM_END.search(text, m.end(), min(len(text), m.end() + _PEM_SPAN_LIMIT))
        end = end_m.end() if end_m else (body.end() if body else m.end())
        if len(b64) >= 64:
            score, detail = (0.9, "encrypted private key") if "ENCRYPTED" in kind else (
                1.0, "private key block")
        elif end_m is not None or (body and body.end() < len(text) and len(b64) > 0):
            score, detail = PLACEHOLDER_SCORE, "private key armour without a key body"
        else:
            score, detail = 0.9, "private key BEGIN line"
        label = f"-----BEGIN {kind + ' ' if kind else ''}PRIVATE KEY-----…"
        out.append(Evidence("private_key", i, end, score, label, detail))
        pos = max(pos, end)
    return out


def _jwt_header(token: str) -> bool:
    header = _b64_json(token.split(".", 1)[0]) if token.startswith("eyJ") else None
    return isinstance(header, dict) and ("alg" in header or "enc" in header)


def _jwt(text: str, raw: bytes) -> list[Evidence]:
    out = []
    pos = 0
    while (i := raw.find(b"eyJ", pos)) != -1:
        pos = i + 3
        if i and raw[i - 1] in _TOKEN_CHARS:
            continue
        m = _JWT.match(text, i)
        if m is None:
            continue
        parts = m.group().split(".")
        header = _b64_json(parts[0])
        if not isinstance(header, dict) or not ("alg" in header or "enc" in header):
            continue
        pos = m.end()
        token = m.group()
        if len(parts) == 3 and len(parts[2]) >= 16 and isinstance(_b64_json(parts[1]), dict):
            score, detail = 1.0, f"signed JWT (alg {str(header.get('alg'))[:10]})"
            if parts[2] == _JWT_SAMPLE_SIG:
                score, detail = PLACEHOLDER_SCORE, "jwt.io sample token"
        elif str(header.get("alg", "")).lower() == "none" and len(parts) == 3:
            score, detail = 0.8, "unsigned JWT"
        elif m.end() == len(text):
            score, detail = 0.9, "JWT header (token may continue)"
        else:
            score, detail = 0.3, "JWT header without a complete token"
        out.append(_ev("jwt", i, m.end(), score, token, detail))
    return out


def _url_passwords(text: str, raw: bytes) -> list[Evidence]:
    out = []
    pos = 0
    while (i := raw.find(b"://", pos)) != -1:
        pos = i + 3
        scheme = _SCHEME.search(text, max(0, i - 31), i)
        m = _URL_CREDS.match(text, i + 3)
        if scheme is None or m is None:
            continue
        pw, user = m.group("pw"), m.group("user")
        if pw.startswith(_PREFIXES) and (known := _known(pw, m.start("pw"), m.end("pw"))):
            out.append(known)
            pos = m.end()
            continue
        host = m.group("host").lower()
        trivial = (pw.lower() in _TRIVIAL_PASSWORDS or pw == user or _is_placeholder(pw)
                   or pw[0] in "$%{*:" or len(set(pw)) == 1 or host.endswith(_DOC_HOSTS))
        score = PLACEHOLDER_SCORE if trivial else 0.95
        detail = f"{scheme.group()} URL password for host {m.group('host')[:60]}"
        out.append(_ev("url_password", m.start("pw"), m.end("pw"), score, pw,
                       ("placeholder " if trivial else "") + detail))
        pos = m.end()
    return out


def _auth_headers(text: str, low: bytes) -> list[Evidence]:
    out = []
    for word, pattern in ((b"bearer", _BEARER), (b"basic", _BASIC)):
        pos = 0
        while (i := low.find(word, pos)) != -1:
            pos = i + len(word)
            m = pattern.match(text, i)
            if m is None or (i and text[i - 1].isalnum()) or _jwt_header(m.group("t")):
                continue  # a JWT is reported by its own detector
            header = b"authorization" in low[max(0, i - 40):i]
            token = m.group("t")
            if word == b"basic":
                ev = _basic(token, m.start("t"), m.end("t"), header)
            else:
                real = _looks_random(token.rstrip("="), 3.0) and not _is_placeholder(token)
                score = (0.95 if header else 0.7) if real else PLACEHOLDER_SCORE
                ev = _ev("bearer_token", m.start("t"), m.end("t"), score, token,
                         "Authorization: Bearer header" if header else "Bearer token")
            if ev is not None:
                out.append(ev)
            pos = m.end()
    return out


def _basic(token: str, start: int, end: int, header: bool) -> Evidence | None:
    try:
        decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True).decode()
    except (ValueError, binascii.Error):
        return None
    user, sep, pw = decoded.partition(":")
    if not sep or not header or not pw.isprintable():
        return None
    trivial = pw.lower() in _TRIVIAL_PASSWORDS or pw == user or _is_placeholder(pw)
    return _ev("basic_auth", start, end, PLACEHOLDER_SCORE if trivial else 0.95, token,
               "Authorization: Basic credentials")


def _dotted(text: str) -> list[Evidence]:
    out = [_ev("sendgrid_api_key", m.start(), m.end(), 1.0, m.group(), "validated format")
           for m in _SENDGRID.finditer(text)]
    out += [_ev("slack_webhook", m.start(), m.end(), 0.95, m.group(), "Slack webhook URL")
            for m in _SLACK_HOOK.finditer(text)]
    return out


def _passwords(text: str, low: bytes) -> list[Evidence]:
    out = []
    for anchor in _PASSWORD_ANCHORS:
        pos = 0
        while (i := low.find(anchor, pos)) != -1:
            pos = i + len(anchor)
            m = _PASSWORD.match(text, i)
            if m is None:
                continue
            value = m.group("v").rstrip(".")
            if not _password_like(value, prose=m.group("op") is None):
                continue
            s = m.start("v")
            out.append(_ev("password_assignment", s, s + len(value), 0.75, value,
                           "password given in the text"))
    return out


def _password_like(value: str, prose: bool) -> bool:
    """A literal password, not code (``self.password``, ``Optional[str]``), a path, an e-mail
    address, a label (``Password:``) or a stand-in. After "is" it must mix 3 character kinds."""
    classes = (any(c.islower() for c in value) + any(c.isupper() for c in value)
               + any(c.isdigit() for c in value) + any(not c.isalnum() for c in value))
    low = value.lower()
    if len(value) < 8 or value[0] in "$%{<[(*@&/~.\\" or any(c in "[](){}<>" for c in value):
        return False
    if low.rstrip(":.!?") in _TRIVIAL_PASSWORDS or "passw" in low or _EMAIL.fullmatch(value):
        return False
    if _CODE_REF.fullmatch(value) or _is_placeholder(value) or "://" in value:
        return False
    if value.isidentifier() and _is_wordy(value):
        return False
    return classes >= 3 or (not prose and classes == 2 and len(value) >= 12)


def _number(spec: FloorSpec, name: str, default: float, low: float, high: float) -> float:
    value = spec.thresholds.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise GovernanceError(f"floor {spec.id!r}: thresholds.{name} must be a number from {low:g} "
                              f"to {high:g}, got {value!r}; fix it in the policy file")
    return value


def build(spec: FloorSpec) -> SecretsDetector:
    """The detector for ``input.secrets`` / ``output.secrets`` with the spec's ``min_length``
    and ``min_entropy`` (defaults 24 and 3.5)."""
    min_length = _number(spec, "min_length", DEFAULT_MIN_LENGTH, 8, 512)
    if min_length != int(min_length):
        raise GovernanceError(f"floor {spec.id!r}: thresholds.min_length must be an integer, "
                              f"got {min_length!r}; fix it in the policy file")
    min_entropy = _number(spec, "min_entropy", DEFAULT_MIN_ENTROPY, 0, 8)
    return SecretsDetector(min_length=int(min_length), min_entropy=float(min_entropy))
