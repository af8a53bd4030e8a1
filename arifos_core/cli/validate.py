"""``arifos validate``: check spec files against their schemas and the canon against the spec."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from ..contracts import SpecIssue, ValidationReport, validate_paths

FORMATS = ("text", "json", "junit")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``validate`` command."""
    parser = commands.add_parser(
        "validate",
        help="validate spec files (contract, policy, catalog) and the canon",
        description="Validate spec files against their JSON Schemas and check that the canon "
        "documents every capability, floor and verdict. With no PATH, validates the shipped "
        "spec/ and canon/. Exit code: 0 valid, 1 violations found, 2 usage or I/O error.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="spec file, canon file or directory of them")
    parser.add_argument("--canon", metavar="DIR", help="also check this canon directory")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="report format (default: text)")
    parser.add_argument("--output", metavar="FILE",
                        help="write the report here; the text summary still goes to stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate and report; returns the exit code."""
    report = validate_paths(args.paths, canon=args.canon)
    renderers = {"text": render_text, "json": render_json, "junit": render_junit}
    rendered = renderers[args.format](report)
    if args.output:
        try:
            Path(args.output).write_text(rendered, encoding="utf-8")
        except OSError as exc:
            print(f"arifos validate: cannot write {args.output}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 2
        if args.format != "text":
            sys.stdout.write(render_text(report))
    else:
        sys.stdout.write(rendered)
    return report.exit_code


def _shown(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


def _issue_line(issue: SpecIssue) -> str:
    return str(dataclasses.replace(issue, file=_shown(issue.file)))


def render_text(report: ValidationReport) -> str:
    """Human-readable report: one line per check, the issues under each."""
    lines = []
    for outcome in report.outcomes:
        label = {"ok": "ok", "failed": "FAILED", "error": "ERROR", "skipped": "skipped"}
        note = outcome.skipped or outcome.summary
        lines.append(f"{label[outcome.status]:<8}{_shown(outcome.name)}"
                     + (f"  ({note})" if note else ""))
        lines.extend(f"    {_issue_line(issue)}" for issue in outcome.issues)
    counts: dict[str, int] = {}
    for outcome in report.outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    tally = ", ".join(f"{n} {s}" for s, n in counts.items())
    problems = len(report.issues)
    verdict = "valid" if report.ok else f"{problems} problem{'s' * (problems != 1)}"
    checks = len(report.outcomes)
    lines.append(f"{verdict}: {checks} check{'s' * (checks != 1)} ({tally})")
    return "\n".join(lines) + "\n"


def render_json(report: ValidationReport) -> str:
    """The report as JSON."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_junit(report: ValidationReport) -> str:
    """The report as JUnit XML: one test case per file and per cross-check."""
    suite = ET.Element("testsuite", name="arifos validate", tests=str(len(report.outcomes)))
    tallies = {"failed": 0, "error": 0, "skipped": 0}
    for outcome in report.outcomes:
        case = ET.SubElement(suite, "testcase", classname=f"arifos.validate.{outcome.kind}",
                             name=_shown(outcome.name))
        status = outcome.status
        if status in tallies:
            tallies[status] += 1
        if status == "skipped":
            ET.SubElement(case, "skipped", message=outcome.skipped or "")
        elif status in ("failed", "error"):
            tag = "failure" if status == "failed" else "error"
            details = [_issue_line(issue) for issue in outcome.issues]
            element = ET.SubElement(case, tag, message=details[0], type=outcome.issues[0].code)
            element.text = "\n".join(details)
    suite.set("failures", str(tallies["failed"]))
    suite.set("errors", str(tallies["error"]))
    suite.set("skipped", str(tallies["skipped"]))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
