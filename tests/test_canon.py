"""Canon and spec name the same capabilities, floors and verdicts."""

from __future__ import annotations

from pathlib import Path

from arifos_core.contracts import read_canon_file, validate_paths, vocabulary


def coverage(report):
    return next(o for o in report.outcomes if o.name == "canon coverage")


def test_shipped_canon_covers_the_spec() -> None:
    report = validate_paths()
    assert report.ok, [str(i) for i in report.issues]
    check = coverage(report)
    assert check.status == "ok"


def test_canon_sections_have_every_required_part() -> None:
    kind, sections = read_canon_file(Path(__file__).parent.parent / "canon" / "capabilities.md")
    assert kind == "capability"
    assert {s.name for s in sections} == set(vocabulary()["capability"])
    assert all(len(s.parts) == 4 for s in sections)


def test_removed_section_is_reported(spec_copy: Path) -> None:
    floors = spec_copy / "canon" / "floors.md"
    text = floors.read_text("utf-8")
    start = text.index("## `output.humility`")
    end = text.index("## `output.schema`")
    floors.write_text(text[:start] + text[end:], encoding="utf-8")
    report = validate_paths([spec_copy / "spec"], canon=spec_copy / "canon")
    issues = coverage(report).issues
    assert [i.code for i in issues] == ["canon-missing"]
    assert "'output.humility' has no canon section" in issues[0].message
    assert issues[0].file.endswith("governance_policy.yaml")
    assert report.exit_code == 1


def test_section_for_a_name_that_does_not_exist(spec_copy: Path) -> None:
    caps = spec_copy / "canon" / "capabilities.md"
    caps.write_text(caps.read_text("utf-8").replace(
        "## `supports_logprobs`", "## `supports_logprob`"), encoding="utf-8")
    report = validate_paths([spec_copy / "spec"], canon=spec_copy / "canon")
    codes = {i.code: i for i in coverage(report).issues}
    assert codes["unknown-name"].suggestion == "supports_logprobs"
    assert codes["unknown-name"].line is not None
    assert "supports_logprobs" in codes["canon-missing"].message


def test_section_missing_a_part_and_duplicate_sections(spec_copy: Path) -> None:
    verdicts = spec_copy / "canon" / "verdicts.md"
    text = verdicts.read_text("utf-8").replace("**Why the threshold.** Fail closed", "Fail closed")
    verdicts.write_text(text + "\n## `SEAL`\n\nagain\n", encoding="utf-8")
    issues = coverage(validate_paths([spec_copy / "spec"], canon=spec_copy / "canon")).issues
    assert {i.code for i in issues} == {"canon-part", "duplicate"}
    part = next(i for i in issues if i.code == "canon-part")
    assert "'VOID'" in part.message and "Why the threshold." in part.message


def test_headings_inside_code_blocks_are_not_sections(tmp_path: Path) -> None:
    path = tmp_path / "verdicts.md"
    path.write_text("# Verdicts\n\n```\n## `NOT_A_VERDICT`\n```\n", encoding="utf-8")
    kind, sections = read_canon_file(path)
    assert kind == "verdict" and sections == []


def test_user_floor_needs_a_canon_section(spec_copy: Path) -> None:
    policy = spec_copy / "spec" / "v43" / "governance_policy.yaml"
    policy.write_text(policy.read_text("utf-8") + "  - id: output.house_style\n    stage: post\n"
                      "    action: record\n    callable: pkg:fn\n", encoding="utf-8")
    issues = coverage(validate_paths([spec_copy / "spec"], canon=spec_copy / "canon")).issues
    assert [i.message.split(" has")[0] for i in issues] == ["floor 'output.house_style'"]
