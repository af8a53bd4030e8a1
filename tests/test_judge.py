"""`arifos judge`: logged conversations governed without a model, streamed in bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from arifos_core.audit._judge import JudgeLineError, parse_line
from arifos_core.governance import GovernedPipeline

ARIFOS = Path(sys.executable).parent / "arifos"
EXAMPLE = ROOT / "examples" / "conversations.jsonl"


def arifos(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ARIFOS), *args], capture_output=True, text=True, timeout=300,
                          check=False, input=stdin)


def test_parse_line_formats() -> None:
    assert parse_line('{"prompt": "hi", "output": "hello", "id": 7}') == ("hi", "hello", "7")
    prompt, output, _ = parse_line(json.dumps({"messages": [
        {"role": "system", "content": "s"}, {"role": "user", "content": "u"},
        {"role": "assistant", "content": "a"}]}))
    assert output == "a" and [m["role"] for m in prompt] == ["system", "user"]
    for bad, message in [("{", "not JSON"), ("[1]", "JSON object"),
                         ('{"prompt": "x"}', "expected 'prompt' and 'output'"),
                         ('{"messages": [{"role": "user", "content": "x"}]}', "assistant"),
                         ('{"messages": [{"role": "assistant", "content": "x"}]}', "no prompt"),
                         ('{"prompt": "x", "output": 3}', "'output' must be a string")]:
        with pytest.raises(JudgeLineError, match=message):
            parse_line(bad)


def test_judging_never_calls_a_model_and_cannot_repair() -> None:
    pipeline = GovernedPipeline(ledger=False)
    result = pipeline.judge("How are you?", "I feel so sad and lonely today.")
    assert result.verdict == "VOID" and "cannot be repaired" in result.reason
    assert pipeline.judge("hi", "Write to a@example.com").output == "Write to [EMAIL]"


def test_the_example_log_is_the_main_job(tmp_path: Path) -> None:
    out, report = tmp_path / "out.jsonl", tmp_path / "report.html"
    result = arifos("judge", str(EXAMPLE), "--output", str(out), "--report", str(report))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == len(EXAMPLE.read_text().splitlines())
    assert {r["verdict"] for r in rows} == {"SEAL", "PARTIAL", "VOID", "888_HOLD"}
    by_id = {r["id"]: r for r in rows}
    assert by_id["attack-1"]["verdict"] == "VOID" and by_id["faq-1"]["verdict"] == "SEAL"
    assert "[EMAIL]" in by_id["support-1"]["output"]
    assert "| SEAL |" in result.stdout and "<table>" in report.read_text()
    assert "sk-proj-" not in out.read_text()  # secrets never echoed, only masks


def test_malformed_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text('{"prompt": "hi", "output": "hello"}\nnot json\n\n'
                   '{"prompt": "a", "output": "b"}\n{"messages": []}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = arifos("judge", str(log), "--output", str(out), "--report", str(tmp_path / "r.md"))
    assert result.returncode == 1
    assert f"{log}:2: skipped: not JSON" in result.stderr
    assert f"{log}:5: skipped: 'messages' must be a non-empty list" in result.stderr
    assert [json.loads(x)["line"] for x in out.read_text().splitlines()] == [1, 4]
    assert "2 malformed lines skipped" in (tmp_path / "r.md").read_text()
    strict = arifos("judge", str(log), "--strict")
    assert strict.returncode == 2 and "stopped at line 2" in strict.stderr
    assert "Traceback" not in result.stderr + strict.stderr


def test_standard_input_and_missing_file(tmp_path: Path) -> None:
    piped = arifos("judge", "-", stdin='{"prompt": "hi", "output": "hello"}\n')
    assert piped.returncode == 0 and "1 conversations judged" in piped.stdout
    missing = arifos("judge", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr


MEASURE = """
import resource, subprocess, sys
subprocess.run([sys.argv[1], "judge", sys.argv[2], "--output", "/dev/null"], check=False,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_kb(log: Path) -> int:
    result = subprocess.run([sys.executable, "-c", MEASURE, str(ARIFOS), str(log)],
                            capture_output=True, text=True, timeout=600, check=True)
    return int(result.stdout.strip())


def test_memory_stays_bounded_on_a_large_file(tmp_path: Path) -> None:
    line = json.dumps({"prompt": "Summarise the meeting notes please.",
                       "output": "The team agreed to ship on Friday. " * 30}) + "\n"
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    small.write_text(line * 20, encoding="utf-8")
    large.write_text(line * 4000, encoding="utf-8")  # ~4.4 MB, 200x the lines
    growth_kb = _peak_kb(large) - _peak_kb(small)
    assert growth_kb < 20_000, f"peak memory grew by {growth_kb} KB for 200x the input"
