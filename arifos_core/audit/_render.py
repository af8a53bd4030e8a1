"""Audit reports as a terminal table, JSON, JUnit XML and a self-contained HTML page, and the
progress bar shown while probes run.

Everything a model or server said is data: XML goes through ElementTree, HTML through
``html.escape``, and characters XML 1.0 cannot carry are dropped from both. Transcripts arrive
redacted and truncated by the probes.
"""

from __future__ import annotations

import html
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from ..contracts import CapabilityValue
from ._audit import AuditReport, ProbeResult, StaticMatrix

__all__ = [
    "ProgressBar",
    "render_html",
    "render_json",
    "render_junit",
    "render_static_html",
    "render_static_json",
    "render_static_junit",
    "render_static_table",
    "render_table",
]

_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SHORT = {"supports_refusal": "refusal", "supports_uncertainty_expression": "uncert",
          "supports_system_prompts": "system", "supports_stop_signal": "stop",
          "supports_tool_call_wrapping": "tools", "supports_reasoning_pause": "reason",
          "supports_streaming": "stream", "supports_logprobs": "logprob",
          "supports_structured_output": "struct"}


def _clean(text: Any) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def _value(value: CapabilityValue) -> str:
    return value if isinstance(value, str) else str(value).lower()


def _short(capability: str) -> str:
    return _SHORT.get(capability, capability.removeprefix("supports_")[:8])


def _table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    body = [header, *rows]
    widths = [max(len(row[i]) for row in body) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in body]


# -- live audit ---------------------------------------------------------------------------------

def render_table(report: AuditReport) -> str:
    """Declared vs observed per capability, the verdicts and the mismatches, for a terminal."""
    contract = report.contract
    lines = [f"arifos audit: {report.target.describe()}",
             f"contract {contract.name} {contract.version}, repeat {report.repeat}, "
             f"seed {report.seed}" + (", strict" if report.strict else ""), ""]
    lines += _table(
        ["capability", "contract", "declared", "observed", "pass/fail/undecided", "status"],
        ([r.capability, r.requirement, _value(r.declared), _value(r.observed),
          f"{r.passed}/{r.failed}/{r.undecided}", r.status.upper() if r.status == "mismatch"
          else r.status] for r in report.results))
    lines.append("")
    for result in report.results:
        if result.observed is not True or result.status == "mismatch":
            lines.append(f"  {result.capability}: {_clean(result.summary)}")
    for result in report.mismatches:
        lines.append(f"MISMATCH {result.capability}: the catalog declares "
                     f"{_value(result.declared)}, the backend was observed "
                     f"{_value(result.observed)}; the catalog is wrong "
                     "(see --update-catalog)")
    lines.append(f"declared: {report.declared_check.verdict}  {report.declared_check.reason}")
    lines.append(f"observed: {report.observed_check.verdict}  {report.observed_check.reason}")
    if report.ledger_entry:
        lines.append(f"ledger entry {report.ledger_entry} "
                     f"(evidence sha256 {report.evidence_sha256})")
    lines.append(f"verdict: {report.verdict}")
    return "\n".join(lines) + "\n"


def render_json(report: AuditReport) -> str:
    """The whole report, transcripts included, as JSON."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite(name: str, tests: int) -> tuple[ET.Element, ET.Element]:
    root = ET.Element("testsuites")
    suite = ET.SubElement(root, "testsuite", name=_clean(name), tests=str(tests))
    return root, suite


def _properties(suite: ET.Element, values: Mapping[str, Any]) -> None:
    props = ET.SubElement(suite, "properties")
    for key, value in values.items():
        ET.SubElement(props, "property", name=key, value=_clean("" if value is None else value))


def _classname(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "backend"


def _result_text(result: ProbeResult) -> str:
    return "\n".join([f"declared: {_value(result.declared)}",
                      f"observed: {_value(result.observed)} ({result.status})",
                      f"rule: {result.rule}", f"trials: {result.summary}",
                      f"evidence sha256: {result.sha256}"])


def render_junit(report: AuditReport) -> str:
    """One test case per capability: a failure when the contract fails on it or the catalog
    is wrong about it, skipped when the probe could not decide."""
    root, suite = _suite(f"arifos audit {report.target.name}", len(report.results))
    _properties(suite, {"backend": report.target.name, "model": report.target.model,
                        "base_url": report.target.base_url, "contract": report.contract.name,
                        "verdict": report.verdict, "repeat": report.repeat,
                        "evidence_sha256": report.evidence_sha256,
                        "ledger_entry": report.ledger_entry})
    failures = skipped = 0
    for result in report.results:
        elapsed = sum(t.elapsed_s for t in result.trials)
        case = ET.SubElement(suite, "testcase", name=result.capability, time=f"{elapsed:.3f}",
                             classname=f"arifos.audit.{_classname(report.target.name)}")
        why = report.failing(result)
        if why is not None:
            failures += 1
            failure = ET.SubElement(case, "failure", message=_clean(why),
                                    type="mismatch" if result.status == "mismatch"
                                    else result.requirement)
            failure.text = _clean(_result_text(result))
        elif result.observed == "unknown":
            skipped += 1
            ET.SubElement(case, "skipped", message=_clean(f"undecided: {result.summary}"))
        ET.SubElement(case, "system-out").text = _clean(_result_text(result))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    suite.set("time", f"{report.elapsed_s:.3f}")
    return _xml(root)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.PASS,.true,.confirmed{background:#e6f4ea}.WARN,.unknown,.undecided,.new{background:#fff6d5}
.FAIL,.false,.mismatch{background:#fde7e7}
pre{background:#f8f8f8;padding:.5rem;overflow-x:auto;white-space:pre-wrap;word-break:break-word}
details{margin:.25rem 0 .75rem}summary{cursor:pointer}code{font-size:90%}
"""


def _e(value: Any) -> str:
    return html.escape(_clean(value), quote=True)


def _page(title: str, body: list[str]) -> str:
    return "\n".join(["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
                      f"<title>{_e(title)}</title>", f"<style>{_CSS}</style>", "</head>",
                      "<body>", *body, "</body>", "</html>"]) + "\n"


def _cell(value: Any, css: str | None = None) -> str:
    return f'<td class="{_e(css)}">{_e(value)}</td>' if css else f"<td>{_e(value)}</td>"


def _dl(items: Mapping[str, Any]) -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e('' if v is None else v)}</td></tr>"
                   for k, v in items.items())
    return f"<table>{rows}</table>"


def _pre(data: Any) -> str:
    return f"<pre>{_e(json.dumps(data, indent=2, ensure_ascii=False))}</pre>"


def _transcript(result: ProbeResult) -> list[str]:
    out = [f'<section id="{_e(result.capability)}">', f"<h3>{_e(result.capability)}</h3>",
           f"<p>{_e(result.rule)}</p>",
           f"<p>declared <b>{_e(_value(result.declared))}</b>, observed "
           f"<b>{_e(_value(result.observed))}</b> ({_e(result.status)}); evidence sha256 "
           f"<code>{_e(result.sha256)}</code></p>"]
    for trial in result.trials:
        out.append(f"<details><summary>trial {trial.index}: <span class=\"{_e(trial.status)}\">"
                   f"{_e(trial.status)}</span> — {_e(trial.reason)} "
                   f"({trial.elapsed_s:.3f} s)</summary>")
        if trial.notes:
            out.append("<p>notes</p>" + _pre(dict(trial.notes)))
        for exchange in trial.exchanges:
            out.append(f"<h4>{_e(exchange.label)} ({exchange.elapsed_s:.3f} s)</h4>")
            out.append("<p>request</p>" + _pre(dict(exchange.request)))
            if exchange.response is not None:
                out.append("<p>response</p>" + _pre(dict(exchange.response)))
            if exchange.error:
                out.append(f"<p>error</p><pre>{_e(exchange.error)}</pre>")
        out.append("</details>")
    out.append("</section>")
    return out


def render_html(report: AuditReport) -> str:
    """A self-contained page: summary, matrix, and every probe's transcript."""
    title = f"arifos audit: {report.target.name}"
    body = [f"<h1>{_e(title)}</h1>", "<h2>Summary</h2>", _dl({
        "backend": report.target.describe(), "contract": f"{report.contract.name} "
        f"{report.contract.version} ({report.contract.source})",
        "verdict (observed)": f"{report.verdict}: {report.observed_check.reason}",
        "verdict (declared)": f"{report.declared_check.verdict}: "
                              f"{report.declared_check.reason}",
        "mismatches": ", ".join(r.capability for r in report.mismatches) or "none",
        "repeat": report.repeat, "seed": report.seed, "started": report.started,
        "finished": report.finished, "evidence sha256": report.evidence_sha256,
        "ledger entry": report.ledger_entry})]
    body += ["<h2>Capabilities</h2>", "<table><tr><th>capability</th><th>contract</th>"
             "<th>declared</th><th>observed</th><th>pass / fail / undecided</th><th>status</th>"
             "<th>reason</th></tr>"]
    for r in report.results:
        body.append(f'<tr><td><a href="#{_e(r.capability)}">{_e(r.capability)}</a></td>'
                    + _cell(r.requirement) + _cell(_value(r.declared), _value(r.declared))
                    + _cell(_value(r.observed), _value(r.observed))
                    + _cell(f"{r.passed} / {r.failed} / {r.undecided}")
                    + _cell(r.status, r.status) + _cell(r.summary) + "</tr>")
    body.append("</table>")
    body.append("<h2>Transcripts</h2>")
    for result in report.results:
        body += _transcript(result)
    return _page(title, body)


# -- static matrix ------------------------------------------------------------------------------

def render_static_table(matrix: StaticMatrix) -> str:
    """The matrix for a terminal: one row per subject, one column per capability."""
    required = set(matrix.contract.required_capabilities)
    header = ["subject", "kind"] + [_short(c) + ("*" if c in required else "")
                                    for c in matrix.capabilities] + ["verdict"]
    marks = {True: "yes", False: "no", "unknown": "?"}
    rows = ([row.subject, row.kind] + [marks.get(row.capabilities[c], "?")
                                       for c in matrix.capabilities] + [row.check.verdict]
            for row in matrix.rows)
    counts = ", ".join(f"{n} {v}" for v, n in matrix.counts.items())
    lines = [f"arifos audit --static: catalog {matrix.catalog.source} vs contract "
             f"{matrix.contract.name} {matrix.contract.version}"
             + (" (strict)" if matrix.strict else ""), ""]
    lines += _table(header, rows)
    lines += ["", "* required by the contract; yes/no/? = declared true/false/unknown",
              "family and preset rows show their default model; model rules their match "
              "pattern as a pseudo-model",
              f"{len(matrix.rows)} rows: {counts}; verdict: {matrix.verdict}"]
    return "\n".join(lines) + "\n"


def render_static_json(matrix: StaticMatrix) -> str:
    return json.dumps(matrix.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_static_junit(matrix: StaticMatrix) -> str:
    """One test case per row; a row that fails the contract is a failing test."""
    root, suite = _suite("arifos audit --static", len(matrix.rows))
    _properties(suite, {"contract": matrix.contract.name, "catalog": matrix.catalog.source,
                        "verdict": matrix.verdict})
    failures = 0
    for row in matrix.rows:
        case = ET.SubElement(suite, "testcase", name=_clean(row.subject),
                             classname=f"arifos.audit.static.{_classname(row.kind)}")
        if row.check.verdict == "FAIL":
            failures += 1
            ET.SubElement(case, "failure", message=_clean(row.check.reason),
                          type="contract").text = _clean(row.check.reason)
        else:
            ET.SubElement(case, "system-out").text = _clean(
                f"{row.check.verdict}: {row.check.reason}")
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    return _xml(root)


def render_static_html(matrix: StaticMatrix) -> str:
    title = "arifos audit --static"
    required = set(matrix.contract.required_capabilities)
    head = "".join(f"<th>{_e(_short(c))}{'*' if c in required else ''}</th>"
                   for c in matrix.capabilities)
    body = [f"<h1>{_e(title)}</h1>", _dl({
        "catalog": matrix.catalog.source, "contract": f"{matrix.contract.name} "
        f"{matrix.contract.version} ({matrix.contract.source})", "verdict": matrix.verdict,
        "rows": ", ".join(f"{n} {v}" for v, n in matrix.counts.items())}),
        "<p>* required by the contract. Family and preset rows show their default model; "
        "model rules their match pattern as a pseudo-model.</p>",
        f"<table><tr><th>subject</th><th>kind</th><th>model</th>{head}<th>verdict</th>"
        "<th>reason</th></tr>"]
    for row in matrix.rows:
        cells = "".join(_cell(_value(row.capabilities[c]), _value(row.capabilities[c]))
                        for c in matrix.capabilities)
        body.append("<tr>" + _cell(row.subject) + _cell(row.kind) + _cell(row.model or "")
                    + cells
                    + _cell(row.check.verdict, row.check.verdict)
                    + _cell(row.check.reason + (f" ({row.note})" if row.note else "")) + "</tr>")
    body.append("</table>")
    return _page(title, body)


# -- progress -----------------------------------------------------------------------------------

class ProgressBar:
    """``[#####-----] 4/9 supports_stop_signal 1/1`` on one terminal line; silent unless the
    stream (stderr by default) is a terminal."""

    def __init__(self, stream: TextIO | None = None, *, width: int = 24) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self._shown = 0
        try:
            self.enabled = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.enabled = False

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled:
            return
        filled = self.width * done // total if total else self.width
        line = f"[{'#' * filled}{'-' * (self.width - filled)}] {done}/{total} {label}"
        self.stream.write("\r" + line.ljust(self._shown))
        self.stream.flush()
        self._shown = len(line)

    def close(self) -> None:
        """Erase the bar."""
        if self.enabled and self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0
