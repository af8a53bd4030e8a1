"""Text helpers the phrase-rule detectors share: case folding that keeps offsets, one compiled
alternation over a rule table, sentence starts, and whether a position sits inside a quote."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

__all__ = ["RulePattern", "compile_rules", "fold", "is_quoted", "rule_text", "sentence_start"]


def fold(text: str) -> str:
    """Lower-case ``text`` without changing its length (offsets stay valid)."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return low


def rule_text(low: str, blanks: str) -> str:
    """``low`` as a :func:`compile_rules` pattern reads it: a leading space, each of ``blanks``
    as a space and curly apostrophes straight, so index ``i + 1`` is ``low[i]``."""
    for blank in blanks:
        if blank in low:
            low = low.replace(blank, " ")
    return " " + low.replace("’", "'").replace("‘", "'")


class RulePattern:
    """A rule alternation compiled in a background thread from the moment it is made, so
    building a pipeline does not wait for it (the high-stakes table takes ~0.5 s to compile)
    and the compilation overlaps the model call; the first search waits for it if needed."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._pid = os.getpid()
        self._compiled: Future[re.Pattern[str]] = _compiler().submit(re.compile, source)

    def _pattern(self) -> re.Pattern[str]:
        if self._pid != os.getpid() and not self._compiled.done():
            # forked while it compiled: the compiling thread did not come along, compile here
            self._compiled = Future()
            self._compiled.set_result(re.compile(self._source))
            self._pid = os.getpid()
        return self._compiled.result()

    def wait(self) -> None:
        """Block until compiled (raises what compiling raised)."""
        self._pattern()

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """``re.Pattern.finditer`` of the compiled alternation."""
        return self._pattern().finditer(text)


_executor: ThreadPoolExecutor | None = None
_patterns: dict[str, RulePattern] = {}
_patterns_lock = threading.Lock()


def _compiler() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(1, thread_name_prefix="arifos-compile")
    return _executor


def _after_fork_in_child() -> None:
    """A forked child has none of the parent's threads: start a new compiler when needed."""
    global _executor, _patterns_lock
    _executor = None
    _patterns_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


def compile_rules(rules: Sequence[tuple[Any, ...]]) -> RulePattern:
    """One alternation over all rules, grouped by the first letter of the lead, then the lead;
    made once per process."""
    tree: dict[str, dict[str, list[str]]] = {}
    for index, (*_, leads, rest) in enumerate(rules):
        for k, lead in enumerate((leads,) if isinstance(leads, str) else leads):
            # The empty group at the end names the rule without hiding the literal first
            # character of ``rest`` from the regex engine's quick rejection of branches.
            branch = f"(?:{rest})(?P<r{index}_{k}>)"
            tree.setdefault(lead[0], {}).setdefault(lead[1:], []).append(branch)
    body = "|".join(
        re.escape(letter) + "(?:" + "|".join(f"{tail}(?:{'|'.join(alts)})"
                                             for tail, alts in by_tail.items()) + ")"
        for letter, by_tail in tree.items())
    source = f" (?:{body})(?![\\w])"
    with _patterns_lock:
        if source not in _patterns:
            _patterns[source] = RulePattern(source)
        return _patterns[source]


def sentence_start(low: str, floor: int, start: int) -> int:
    """Where the sentence containing ``start`` begins; a line break inside a wrapped sentence
    (no end punctuation before it, no list marker after it) does not end the sentence."""
    stop = max(low.rfind(c, floor, start) for c in ".!?")
    newline = low.rfind("\n", floor, start)
    while newline > stop:
        before = low[floor:newline].rstrip()
        after = low[newline + 1:newline + 8].lstrip(" \t")[:1]
        if not before or before[-1] in ".!?:;" or not after or after in "-*•>#" or after.isdigit():
            return newline + 1
        newline = low.rfind("\n", floor, newline)
    return max(stop + 1, floor)


def is_quoted(line_prefix: str) -> bool:
    """Whether text following ``line_prefix`` (the line so far) is inside a quotation."""
    if line_prefix.count('"') % 2:
        return True
    for opening, closing in (("“", "”"), ("«", "»"), ("‘", "’")):
        if line_prefix.rfind(opening) > line_prefix.rfind(closing):
            return True
    if "'" in line_prefix:
        return len(re.findall(r"(?<![a-z0-9])'|'(?![a-z0-9])", line_prefix)) % 2 == 1
    return False
