"""Whatever a spec file contains, the loaders either return a typed object or raise
ContractError: never another exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from conftest import CATALOG, CONTRACT, load_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arifos_core.contracts import ContractError, load_catalog, load_contract, load_policy

LOADERS = [load_contract, load_policy, load_catalog]
SUFFIXES = [".json", ".yaml", ".yml"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=30,
)

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _load_all(path: Path) -> None:
    for loader in LOADERS:
        try:
            loader(path)
        except ContractError as exc:
            assert exc.issues and all(i.file == str(path) for i in exc.issues)
            assert str(exc)


def _write(data: bytes, suffix: str) -> Path:
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as handle:
        handle.write(data)
    return Path(handle.name)


@FUZZ
@given(value=json_values, suffix=st.sampled_from(SUFFIXES))
def test_arbitrary_json_values(value: object, suffix: str) -> None:
    path = _write(json.dumps(value).encode(), suffix)
    try:
        _load_all(path)
    finally:
        path.unlink()


@FUZZ
@given(text=st.text(max_size=300), suffix=st.sampled_from(SUFFIXES))
def test_arbitrary_text(text: str, suffix: str) -> None:
    path = _write(text.encode("utf-8", "surrogatepass"), suffix)
    try:
        _load_all(path)
    finally:
        path.unlink()


@FUZZ
@given(data=st.binary(max_size=200), suffix=st.sampled_from(SUFFIXES))
def test_arbitrary_bytes(data: bytes, suffix: str) -> None:
    path = _write(data, suffix)
    try:
        _load_all(path)
    finally:
        path.unlink()


def _mutations(base: object) -> st.SearchStrategy[object]:
    """The shipped file with one value somewhere replaced by an arbitrary JSON value."""

    def paths(node: object, prefix: tuple = ()) -> list[tuple]:
        found = [prefix]
        if isinstance(node, dict):
            for key, item in node.items():
                found += paths(item, (*prefix, key))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                found += paths(item, (*prefix, index))
        return found

    def mutate(path: tuple, value: object) -> object:
        data = json.loads(json.dumps(base))
        if not path:
            return value
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        return data

    return st.builds(mutate, st.sampled_from(paths(base)), json_values)


@pytest.mark.parametrize("source,loader", [(CONTRACT, load_contract), (CATALOG, load_catalog)])
def test_mutated_shipped_files(source: Path, loader) -> None:
    @FUZZ
    @given(data=_mutations(load_json(source)))
    def run(data: object) -> None:
        path = _write(json.dumps(data, indent=1).encode(), ".json")
        try:
            loader(path)
        except ContractError as exc:
            for issue in exc.issues:
                assert issue.line is not None, issue  # every schema issue is located
        finally:
            path.unlink()

    run()
