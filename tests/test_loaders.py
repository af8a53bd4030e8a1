"""Loaders: valid files give typed objects; each kind of bad file gives a ContractError that
names the file, line, column, JSON pointer, what was expected and the likely fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CATALOG, CONTRACT, POLICY, load_json

from arifos_core.contracts import (
    UNKNOWN,
    Catalog,
    Contract,
    ContractError,
    Policy,
    load_catalog,
    load_contract,
    load_policy,
)


def only_issue(exc: pytest.ExceptionInfo[ContractError], code: str):
    matching = [i for i in exc.value.issues if i.code == code]
    assert matching, f"no {code} issue in {exc.value.issues}"
    return matching[0]


# -- valid files ------------------------------------------------------------------------------

def test_default_contract_loads_typed() -> None:
    contract = load_contract()
    assert isinstance(contract, Contract)
    assert contract.name == "llm_contract"
    assert contract.required_capabilities == (
        "supports_refusal", "supports_uncertainty_expression",
        "supports_system_prompts", "supports_stop_signal")
    assert contract.recommended_capabilities == (
        "supports_tool_call_wrapping", "supports_reasoning_pause", "supports_streaming")
    assert contract.must_accept_verdicts == ("SEAL", "PARTIAL", "SABAR", "VOID", "888_HOLD", "STOP")
    assert contract.authority.verdict_issuer == "pipeline"
    assert "safety_reviewer" in contract.authority.reviewer_roles
    assert contract.source == str(CONTRACT.resolve()) or contract.source.endswith(
        "interface_and_authority.json")
    assert len(contract.digest) == 64


def test_contract_digest_ignores_formatting(write_json) -> None:
    data = load_json(CONTRACT)
    compact = write_json(data, "compact.json")
    compact.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    assert load_contract(compact).digest == load_contract(CONTRACT).digest


def test_contract_may_be_yaml(tmp_path: Path) -> None:
    import yaml
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(load_json(CONTRACT)), encoding="utf-8")
    assert load_contract(path).required_capabilities == load_contract().required_capabilities


def test_default_policy_loads_every_floor_with_defaults_applied() -> None:
    policy = load_policy()
    assert isinstance(policy, Policy)
    ids = [f.id for f in policy.floors]
    assert ids == ["input.injection", "input.secrets", "input.pii", "input.budget",
                   "output.secrets", "output.pii", "output.anthropomorphism",
                   "output.high_stakes", "output.humility", "output.schema", "output.refusal"]
    injection = policy.floor("input.injection")
    assert (injection.stage, injection.action, injection.on_error) == ("pre", "void", "fail_closed")
    assert injection.thresholds["score"] == 0.6
    assert injection.timeout_ms == 250
    assert policy.floor("output.anthropomorphism").repair.then == "void"
    assert policy.floor("output.pii").types[:2] == ("email", "phone")
    assert [f.id for f in policy.pre_floors] == ids[:4]
    assert policy.messages.refusal
    with pytest.raises(KeyError, match=r"input\.injection"):
        policy.floor("input.nope")


def test_policy_thresholds_are_read_only() -> None:
    floor = load_policy().floor("input.injection")
    with pytest.raises(TypeError):
        floor.thresholds["score"] = 0.0  # type: ignore[index]


def test_policy_schema_defaults_match_loader_defaults() -> None:
    schema = load_json(Path(POLICY).parent.parent / "schema" / "policy.schema.json")
    policy = load_policy()
    props = schema["properties"]
    assert props["ledger"]["properties"]["store_texts"]["default"] == policy.store_texts
    assert props["ledger"]["properties"]["on_write_failure"]["default"] == policy.on_ledger_failure
    assert props["streaming"]["properties"]["holdback_chars"]["default"] == 512


def test_catalog_resolves_family_model_and_preset_layers() -> None:
    catalog = load_catalog()
    assert isinstance(catalog, Catalog)
    assert set(catalog.families) == {"openai", "anthropic", "gemini", "openai_compatible",
                                     "ollama", "mock"}
    assert set(catalog.family("openai_compatible").presets) == {
        "vllm", "sea-lion", "llama-cpp-server", "lmstudio", "openrouter", "perplexity",
        "azure-openai"}
    # a per-model override: reasoning models lack logprobs, gpt-4o has them
    assert catalog.capabilities("openai", "o3-mini")["supports_logprobs"] is False
    assert catalog.capabilities("openai", "gpt-4o")["supports_logprobs"] is True
    # first matching rule wins: llama3.1 has tools, llama3 does not
    assert catalog.capabilities("ollama", "llama3.1:8b")["supports_tool_call_wrapping"] is True
    assert catalog.capabilities("ollama", "llama3")["supports_tool_call_wrapping"] is False
    assert catalog.capabilities("ollama", "llama3:70b")["supports_tool_call_wrapping"] is False
    # a preset layers over its family
    vllm = catalog.capabilities("openai_compatible", "any-model", preset="vllm")
    assert vllm["supports_logprobs"] is True
    assert catalog.capabilities("openai_compatible", "x", preset="lmstudio")["supports_logprobs"] \
        is False
    # unverified stays unknown rather than guessed
    assert catalog.capabilities("anthropic", "claude-sonnet-4-5")[
        "supports_uncertainty_expression"] == UNKNOWN
    with pytest.raises(KeyError, match="families"):
        catalog.family("nope")
    with pytest.raises(KeyError, match="presets"):
        catalog.capabilities("openai_compatible", preset="nope")


def test_catalog_connection_and_aliases() -> None:
    catalog = load_catalog()
    openrouter = catalog.family("openai_compatible").connection_for("openrouter")
    assert openrouter.default_base_url == "https://openrouter.ai/api/v1"
    assert openrouter.api_key_env == ("OPENROUTER_API_KEY",)
    assert set(openrouter.headers) == {"HTTP-Referer", "X-Title"}
    azure = catalog.family("openai_compatible").connection_for("azure-openai")
    assert azure.api_version and azure.base_url_env == ("AZURE_OPENAI_ENDPOINT",)
    assert catalog.family("gemini").sdk.install_hint == "pip install 'arifos-core[gemini]'"
    assert catalog.family("mock").sdk is None
    for name in ("claude", "gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-4-turbo", "gemini",
                 "sea-lion", "llama-3", "llama-2", "perplexity"):
        assert name in catalog.aliases
    llama = catalog.aliases["llama-3"]
    assert (llama.target.family, llama.target.model) == ("ollama", "llama3")
    assert llama.deployments["vllm"].preset == "vllm"


# -- syntax errors ----------------------------------------------------------------------------

def test_json_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{\n  "version": "43.0",\n  "name": oops\n}\n', encoding="utf-8")
    with pytest.raises(ContractError) as exc:
        load_contract(path)
    issue = only_issue(exc, "syntax")
    assert (issue.file, issue.line, issue.column) == (str(path), 3, 11)
    assert str(path) + ":3:11" in str(exc.value)


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: '43.0'\nfloors:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContractError) as exc:
        load_policy(path)
    issue = only_issue(exc, "syntax")
    assert issue.line == 4 and issue.column is not None


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_duplicate_keys_are_errors(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"c{suffix}"
    text = ('{"version": "43.0",\n "version": "44.0"}' if suffix == ".json"
            else "version: '43.0'\nversion: '44.0'\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContractError) as exc:
        load_contract(path)
    issue = only_issue(exc, "duplicate-key")
    assert issue.line == 2 and "version" in issue.message


def test_non_utf8_file_names_the_byte_position(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(b'{\n  "name": "caf\xe9"\n}')
    with pytest.raises(ContractError) as exc:
        load_contract(path)
    issue = only_issue(exc, "syntax")
    assert (issue.line, issue.column) == (2, 15) and "UTF-8" in issue.message


def test_nan_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"version": NaN}', encoding="utf-8")
    with pytest.raises(ContractError, match="NaN"):
        load_contract(path)


def test_yaml_aliases_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("a: &x [1, 2]\nb: *x\n", encoding="utf-8")
    with pytest.raises(ContractError, match="aliases") as exc:
        load_policy(path)
    assert exc.value.line == 2


def test_yaml_dates_stay_strings_and_binary_is_rejected(tmp_path: Path) -> None:
    policy = load_json_policy_as_yaml(tmp_path, version="2024-01-01")
    with pytest.raises(ContractError) as exc:
        load_policy(policy)
    assert any(i.pointer == "/version" and "does not match" in i.message for i in exc.value.issues)
    binary = tmp_path / "b.yaml"
    binary.write_text("version: !!binary aGVsbG8=\n", encoding="utf-8")
    with pytest.raises(ContractError, match="no JSON equivalent") as exc:
        load_policy(binary)
    assert exc.value.pointer == "/version"


def load_json_policy_as_yaml(tmp_path: Path, *, version: str) -> Path:
    text = POLICY.read_text("utf-8").replace('version: "43.0"', f"version: {version}")
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_is_an_io_issue(tmp_path: Path) -> None:
    with pytest.raises(ContractError) as exc:
        load_catalog(tmp_path / "nope.json")
    assert exc.value.issues[0].code == "io" and "no such file" in str(exc.value)
    with pytest.raises(ContractError, match="directory"):
        load_catalog(tmp_path)


# -- schema errors ----------------------------------------------------------------------------

def test_misspelt_key_gets_pointer_line_and_suggestion(write_json) -> None:
    data = load_json(CONTRACT)
    data["llm_contract"]["required_capabilites"] = data["llm_contract"].pop(
        "required_capabilities")
    path = write_json(data, "contract.json")
    with pytest.raises(ContractError) as exc:
        load_contract(path)
    unknown = only_issue(exc, "unknown-key")
    assert unknown.pointer == "/llm_contract/required_capabilites"
    assert unknown.suggestion == "required_capabilities"
    lines = path.read_text().splitlines()
    assert '"required_capabilites"' in lines[unknown.line - 1]
    assert lines[unknown.line - 1].index('"required_capabilites"') + 1 == unknown.column
    missing = only_issue(exc, "missing-key")
    assert missing.pointer == "/llm_contract" and "misspelling" in missing.message
    text = str(exc.value)
    assert "did you mean 'required_capabilities'?" in text and str(path) in text


def test_unknown_capability_name_is_an_unknown_key(write_json) -> None:
    data = load_json(CATALOG)
    data["families"]["openai"]["capabilities"]["supports_refusl"] = True
    with pytest.raises(ContractError) as exc:
        load_catalog(write_json(data, "catalog.json"))
    issue = only_issue(exc, "unknown-key")
    assert issue.pointer == "/families/openai/capabilities/supports_refusl"
    assert issue.suggestion == "supports_refusal"


def test_capability_value_must_be_bool_or_unknown(write_json) -> None:
    data = load_json(CATALOG)
    data["families"]["mock"]["capabilities"]["supports_streaming"] = "yes"
    with pytest.raises(ContractError) as exc:
        load_catalog(write_json(data, "catalog.json"))
    issue = exc.value.issues[0]
    assert issue.pointer == "/families/mock/capabilities/supports_streaming"
    assert "boolean" in issue.expected and '"unknown"' in issue.expected


def test_family_must_declare_every_capability(write_json) -> None:
    data = load_json(CATALOG)
    del data["families"]["mock"]["capabilities"]["supports_refusal"]
    with pytest.raises(ContractError) as exc:
        load_catalog(write_json(data, "catalog.json"))
    assert only_issue(exc, "missing-key").message.startswith(
        "missing required key 'supports_refusal'")


def test_enum_value_gets_suggestion(write_json) -> None:
    data = load_json(CONTRACT)
    data["llm_contract"]["required_capabilities"][0] = "supports_refusals"
    with pytest.raises(ContractError) as exc:
        load_contract(write_json(data))
    issue = only_issue(exc, "enum")
    assert issue.pointer == "/llm_contract/required_capabilities/0"
    assert issue.suggestion == "supports_refusal"


def test_wrong_type_says_what_was_expected(write_json) -> None:
    data = load_json(CONTRACT)
    data["authority"]["hold_release"]["min_approvals"] = "two"
    with pytest.raises(ContractError) as exc:
        load_contract(write_json(data))
    issue = only_issue(exc, "type")
    assert issue.expected == "integer" and 'got string "two"' in issue.message


def test_floor_stage_must_match_its_id(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(POLICY.read_text("utf-8").replace(
        "  - id: output.refusal\n    stage: post", "  - id: output.refusal\n    stage: pre"))
    with pytest.raises(ContractError) as exc:
        load_policy(path)
    issue = exc.value.issues[0]
    assert issue.pointer == "/floors/10/stage" and issue.expected == '"post"'
    assert "run on the model's output" in issue.message


def test_floor_specific_threshold_keys_and_fields(tmp_path: Path) -> None:
    text = POLICY.read_text("utf-8").replace("      score: 0.6\n", "      scor: 0.6\n", 1)
    text = text.replace("    action: seal\n", "    action: seal\n    types: [email]\n")
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContractError) as exc:
        load_policy(path)
    unknown = only_issue(exc, "unknown-key")
    assert unknown.pointer == "/floors/0/thresholds/scor" and unknown.suggestion == "score"
    assert only_issue(exc, "not-allowed").pointer == "/floors/10/types"


def test_user_floor_needs_a_callable(tmp_path: Path) -> None:
    text = POLICY.read_text("utf-8") + (
        "  - id: output.house_style\n    stage: post\n    action: record\n")
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContractError) as exc:
        load_policy(path)
    assert "callable" in only_issue(exc, "missing-key").message
    path.write_text(text + "    callable: mypkg.floors:house_style\n    params: {max: 3}\n")
    floor = load_policy(path).floor("output.house_style")
    assert floor.callable == "mypkg.floors:house_style" and floor.params["max"] == 3


def test_bad_allowlist_regex(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(POLICY.read_text("utf-8").replace(
        "    allowlist: []", "    allowlist:\n      - pattern: '(unclosed'"))
    with pytest.raises(ContractError) as exc:
        load_policy(path)
    assert exc.value.pointer.startswith("/floors/0/allowlist/0")


def test_repair_action_needs_repair_settings(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(POLICY.read_text("utf-8").replace(
        "    action: seal\n", "    action: void\n    repair: {max_attempts: 1, then: void}\n"))
    with pytest.raises(ContractError) as exc:
        load_policy(path)
    assert only_issue(exc, "not-allowed").pointer == "/floors/10/repair"


# -- rules beyond the schema ------------------------------------------------------------------

def test_schema_ref_must_match_the_kind(write_json) -> None:
    data = load_json(CONTRACT)
    data["$schema"] = "../schema/policy.schema.json"
    with pytest.raises(ContractError, match="declares the policy schema") as exc:
        load_contract(write_json(data))
    assert exc.value.pointer == "/$schema"
    data["$schema"] = "urn:arifos:schema:contract"
    assert load_contract(write_json(data)).name == "llm_contract"


def test_capability_both_required_and_recommended(write_json) -> None:
    data = load_json(CONTRACT)
    data["llm_contract"]["recommended_capabilities"].append("supports_refusal")
    with pytest.raises(ContractError, match="both required and recommended") as exc:
        load_contract(write_json(data))
    assert exc.value.pointer == "/llm_contract/recommended_capabilities/3"


def test_duplicate_floor_ids(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(POLICY.read_text("utf-8") + "  - id: output.refusal\n    stage: post\n"
                    "    action: void\n", encoding="utf-8")
    with pytest.raises(ContractError, match=r"duplicate floor id 'output\.refusal'") as exc:
        load_policy(path)
    assert exc.value.pointer == "/floors/11/id" and exc.value.line is not None


def test_alias_must_point_at_existing_family_and_preset(write_json) -> None:
    data = load_json(CATALOG)
    data["aliases"]["claude"]["family"] = "anthropc"
    data["aliases"]["sea-lion"]["deployments"]["vllm"]["preset"] = "vlm"
    with pytest.raises(ContractError) as exc:
        load_catalog(write_json(data, "catalog.json"))
    pointers = {i.pointer for i in exc.value.issues}
    assert pointers == {"/aliases/claude/family", "/aliases/sea-lion/deployments/vllm/preset"}


def test_duplicate_model_rule(write_json) -> None:
    data = load_json(CATALOG)
    rules = data["families"]["ollama"]["models"]
    rules.append(dict(rules[0]))
    with pytest.raises(ContractError, match="only the first matching rule applies"):
        load_catalog(write_json(data, "catalog.json"))


def test_every_problem_is_reported_not_just_the_first(write_json) -> None:
    data = load_json(CONTRACT)
    data["version"] = 43
    data["authority"]["verdict_issuer"] = "model"
    data["llm_contract"]["must_accept_verdicts"].append("MAYBE")
    with pytest.raises(ContractError) as exc:
        load_contract(write_json(data))
    assert {i.pointer for i in exc.value.issues} == {
        "/version", "/authority/verdict_issuer", "/llm_contract/must_accept_verdicts/6"}
    lines = [i.line for i in exc.value.issues]
    assert lines == sorted(lines)
