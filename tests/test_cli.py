"""The real `arifos` entry point, run in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import CONTRACT, POLICY, ROOT, load_json

from arifos_core import __version__

ARIFOS = Path(sys.executable).parent / "arifos"


def arifos(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ARIFOS), *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=60, check=False)


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr


def test_version_and_help() -> None:
    version = arifos("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"arifos {__version__}"
    help_ = arifos("--help")
    assert help_.returncode == 0 and "validate" in help_.stdout
    sub = arifos("validate", "--help")
    assert sub.returncode == 0 and "--format" in sub.stdout and "Exit code" in sub.stdout


def test_no_command_prints_help_and_exits_2() -> None:
    result = arifos()
    assert result.returncode == 2 and "usage: arifos" in result.stdout


def test_validate_shipped_spec_exits_0(tmp_path: Path) -> None:
    result = arifos("validate", cwd=tmp_path)  # from anywhere, not only the checkout
    assert result.returncode == 0, result.stdout + result.stderr
    assert "interface_and_authority.json" in result.stdout
    assert "canon coverage" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("valid:")


def test_misspelt_contract_exits_1_with_file_line_pointer_and_suggestion(tmp_path: Path) -> None:
    text = CONTRACT.read_text("utf-8").replace('"required_capabilities"', '"required_capabilites"')
    bad = tmp_path / "contract.json"
    bad.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "required_capabilites" in row)
    result = arifos("validate", str(bad))
    assert result.returncode == 1
    assert f"{bad}:{line}:5: /llm_contract/required_capabilites: unknown key" in result.stdout
    assert "did you mean 'required_capabilities'?" in result.stdout
    assert_no_traceback(result)


def test_junit_report_parses_and_has_one_case_per_file_and_cross_check(tmp_path: Path) -> None:
    report = tmp_path / "validate.xml"
    result = arifos("validate", "--format", "junit", "--output", str(report))
    assert result.returncode == 0
    assert "valid:" in result.stdout  # the text summary still goes to stdout
    suite = ET.parse(report).getroot().find("testsuite")
    cases = suite.findall("testcase")
    names = {c.get("name") for c in cases}
    assert any(n.endswith("interface_and_authority.json") for n in names)
    assert "canon coverage" in names
    assert int(suite.get("tests")) == len(cases)
    assert suite.get("failures") == "0" and suite.get("errors") == "0"


def test_junit_failure_carries_the_issue(tmp_path: Path) -> None:
    data = load_json(CONTRACT)
    data["llm_contract"]["must_accept_verdicts"] = ["SEAL", "MAYBE"]
    bad = tmp_path / "c.json"
    bad.write_text(json.dumps(data, indent=2), encoding="utf-8")
    result = arifos("validate", str(bad), "--format", "junit")
    assert result.returncode == 1
    root = ET.fromstring(result.stdout)
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and "/llm_contract/must_accept_verdicts/1" in failure.get("message")
    assert root.find("testsuite").get("failures") == "1"


def test_json_format(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    text = POLICY.read_text("utf-8").replace("score: 0.6", "score: 6")
    policy.write_text(text, "utf-8")
    line = text.splitlines().index("      score: 6") + 1
    result = arifos("validate", str(policy), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["exit_code"] == 1
    (issue,) = report["checks"][0]["issues"]
    assert issue["pointer"] == "/floors/0/thresholds/score" and issue["line"] == line


def test_missing_path_exits_2(tmp_path: Path) -> None:
    result = arifos("validate", str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert "no such file or directory" in result.stdout
    assert_no_traceback(result)


def test_unwritable_output_exits_2(tmp_path: Path) -> None:
    result = arifos("validate", "--output", str(tmp_path / "missing-dir" / "r.xml"),
                    "--format", "junit")
    assert result.returncode == 2 and "cannot write" in result.stderr
    assert_no_traceback(result)


@pytest.mark.parametrize("args", [["validate", "--format", "yaml"], ["frobnicate"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = arifos(*args)
    assert result.returncode == 2 and "usage:" in result.stderr
    assert_no_traceback(result)


def test_unknown_kind_of_file(tmp_path: Path) -> None:
    odd = tmp_path / "odd.json"
    odd.write_text('{"hello": 1}', encoding="utf-8")
    result = arifos("validate", str(odd))
    assert result.returncode == 1 and "cannot tell what kind of spec file" in result.stdout


def test_broken_yaml_and_json_in_a_directory(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("floors: [\n", encoding="utf-8")
    (tmp_path / "b.json").write_text("{,}", encoding="utf-8")
    result = arifos("validate", str(tmp_path))
    assert result.returncode == 1
    assert f"{tmp_path / 'a.yaml'}:2" in result.stdout
    assert f"{tmp_path / 'b.json'}:1:2" in result.stdout
    assert_no_traceback(result)


def test_python_dash_m_entry_point() -> None:
    result = subprocess.run([sys.executable, "-m", "arifos_core.cli", "--version"],
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0 and __version__ in result.stdout
