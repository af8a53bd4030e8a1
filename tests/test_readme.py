"""The README cannot drift: its Python blocks run, and its test command is what CI runs."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, flags=re.S)
PYTHON = [code for lang, code in BLOCKS if lang == "python"]


@pytest.mark.parametrize("code", PYTHON, ids=[f"block{i}" for i in range(len(PYTHON))])
def test_python_blocks_run(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, "README.md", "exec"), {})


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    quick = README.split("## Quick start", 1)[1]
    lang, block = re.search(r"```(\w*)\n(.*?)```", quick, flags=re.S).groups()
    commands = block.strip().splitlines()
    assert lang == "bash" and len(commands) == 2
    assert "arifos validate" in commands[0]
    assert commands[1] in (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
