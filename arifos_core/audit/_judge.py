"""Judging logged conversations: the same governance, applied to exchanges that already happened.

Input is JSON Lines, read one line at a time (memory stays bounded whatever the file size):
``{"prompt": ..., "output": ...}`` (``prompt`` text or chat messages), or OpenAI chat format
``{"messages": [...]}`` whose last assistant message is the output. A malformed line is reported
with its number and skipped, or stops the run in strict mode.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from ..governance import GovernedPipeline, GovernedResult

__all__ = ["JudgeLineError", "JudgeSummary", "judge_lines", "parse_line", "render_judge_html",
           "render_judge_markdown"]


class JudgeLineError(ValueError):
    """A line that is not a usable conversation record."""


@dataclass
class JudgeSummary:
    """Counts over a judged file."""

    lines: int = 0
    judged: int = 0
    malformed: list[tuple[int, str]] = field(default_factory=list)
    verdicts: Counter[str] = field(default_factory=Counter)
    floors_tripped: Counter[str] = field(default_factory=Counter)
    floors_errored: Counter[str] = field(default_factory=Counter)
    stopped_at: int | None = None

    def add(self, result: GovernedResult) -> None:
        self.judged += 1
        self.verdicts[result.verdict] += 1
        for floor in result.floors:
            if floor.tripped:
                self.floors_tripped[floor.id] += 1
            elif floor.status == "errored":
                self.floors_errored[floor.id] += 1

    def to_dict(self) -> dict[str, Any]:
        return {"lines": self.lines, "judged": self.judged,
                "malformed": [{"line": n, "error": e} for n, e in self.malformed],
                "verdicts": dict(self.verdicts), "floors_tripped": dict(self.floors_tripped),
                "floors_errored": dict(self.floors_errored), "stopped_at": self.stopped_at}


def parse_line(text: str) -> tuple[Any, str, str | None]:
    """(prompt, output, id) from one JSONL line; JudgeLineError saying what is wrong."""
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise JudgeLineError(f"not JSON: {exc}") from None
    if not isinstance(record, Mapping):
        raise JudgeLineError(f"expected a JSON object, got {type(record).__name__}")
    record_id = record.get("id")
    if "messages" in record:
        messages = record["messages"]
        if not isinstance(messages, list) or not messages:
            raise JudgeLineError("'messages' must be a non-empty list")
        last = messages[-1]
        if not isinstance(last, Mapping) or last.get("role") != "assistant" \
                or not isinstance(last.get("content"), str):
            raise JudgeLineError("the last message must be the assistant's, with text content")
        prompt: Any = messages[:-1]
        if not prompt:
            raise JudgeLineError("there is no prompt before the assistant's message")
        output = last["content"]
    elif "prompt" in record and "output" in record:
        prompt, output = record["prompt"], record["output"]
        if not isinstance(output, str):
            raise JudgeLineError("'output' must be a string")
        if not isinstance(prompt, (str, list)):
            raise JudgeLineError("'prompt' must be a string or a list of messages")
    else:
        raise JudgeLineError("expected 'prompt' and 'output', or 'messages'")
    return prompt, output, None if record_id is None else str(record_id)


def _line_result(number: int, record_id: str | None, result: GovernedResult) -> dict[str, Any]:
    return {"line": number, "id": record_id, "verdict": result.verdict, "reason": result.reason,
            "output": result.output, "refused": result.refused,
            "floors": [{"id": f.id, "status": f.status, "action": f.action, "score": f.score,
                        "evidence": [{"type": e.type, "where": e.where, "start": e.start,
                                      "end": e.end, "mask": e.mask} for e in f.evidence]}
                       for f in result.floors if f.status != "passed"],
            "modifications": [{"floor": m.floor, "kind": m.kind, "where": m.where,
                               "start": m.start, "end": m.end, "type": m.type}
                              for m in result.modifications],
            "audit_id": result.audit_id}


def judge_lines(pipeline: GovernedPipeline, lines: Iterator[bytes], out: IO[str] | None, *,
                strict: bool = False, progress: Callable[[int], None] | None = None
                ) -> JudgeSummary:
    """Judge every line; write one JSON result per judged line to ``out``."""
    summary = JudgeSummary()
    for number, raw in enumerate(lines, start=1):
        summary.lines = number
        if progress is not None:
            progress(len(raw))
        if not raw.strip():
            continue
        try:
            prompt, output, record_id = parse_line(raw.decode("utf-8"))
            result = pipeline.judge(prompt, output)
        except (JudgeLineError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
            summary.malformed.append((number, str(exc)))
            if strict:
                summary.stopped_at = number
                return summary
            continue
        summary.add(result)
        if out is not None:
            out.write(json.dumps(_line_result(number, record_id, result), ensure_ascii=False))
            out.write("\n")
    return summary


def render_judge_markdown(summary: JudgeSummary, source: str) -> str:
    """The summary as Markdown."""
    lines = [f"# arifos judge: {source}", "",
             f"{summary.judged} conversations judged from {summary.lines} lines; "
             f"{len(summary.malformed)} malformed lines skipped.", "",
             "| verdict | count |", "| --- | --- |"]
    lines += [f"| {verdict} | {count} |" for verdict, count in sorted(summary.verdicts.items())]
    lines += ["", "| floor | tripped | errored |", "| --- | --- | --- |"]
    floors = sorted(set(summary.floors_tripped) | set(summary.floors_errored))
    lines += [f"| {f} | {summary.floors_tripped[f]} | {summary.floors_errored[f]} |"
              for f in floors]
    if summary.malformed:
        lines += ["", "## Malformed lines", ""]
        lines += [f"- line {n}: {error}" for n, error in summary.malformed[:200]]
    return "\n".join(lines) + "\n"


def render_judge_html(summary: JudgeSummary, source: str) -> str:
    """The summary as a self-contained HTML page."""
    from html import escape

    def rows(items: list[tuple[str, ...]]) -> str:
        return "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>"
                       for row in items)

    floors = sorted(set(summary.floors_tripped) | set(summary.floors_errored))
    malformed = "".join(f"<li>line {n}: {escape(e)}</li>" for n, e in summary.malformed[:200])
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>arifos judge: {escape(source)}</title><style>body{{font-family:sans-serif;"
        "margin:2rem}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;"
        "padding:.3rem .6rem}}</style></head><body>"
        f"<h1>arifos judge: {escape(source)}</h1><p>{summary.judged} conversations judged from "
        f"{summary.lines} lines; {len(summary.malformed)} malformed lines skipped.</p>"
        "<table><tr><th>verdict</th><th>count</th></tr>"
        f"{rows([(v, str(c)) for v, c in sorted(summary.verdicts.items())])}</table>"
        "<h2>Floors</h2><table><tr><th>floor</th><th>tripped</th><th>errored</th></tr>"
        f"{rows([(f, str(summary.floors_tripped[f]), str(summary.floors_errored[f])) for f in floors])}"  # noqa: E501
        f"</table>{'<h2>Malformed lines</h2><ul>' + malformed + '</ul>' if malformed else ''}"
        "</body></html>\n")
