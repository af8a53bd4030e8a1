"""Shared fixtures. Network access beyond loopback is blocked in every test."""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec"
CANON = ROOT / "canon"
CONTRACT = SPEC / "v43" / "interface_and_authority.json"
POLICY = SPEC / "v43" / "governance_policy.yaml"
CATALOG = SPEC / "backends" / "catalog.json"


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise ConnectionRefusedError(f"tests may not reach {address!r}: loopback only")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _arifos_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own ARIFOS_HOME (default ledger location) and no ledger key."""
    home = tmp_path_factory.mktemp("arifos-home")
    monkeypatch.setenv("ARIFOS_HOME", str(home))
    monkeypatch.delenv("ARIFOS_LEDGER_KEY", raising=False)
    return home


@pytest.fixture()
def spec_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped spec/ and canon/ under tmp_path."""
    shutil.copytree(SPEC, tmp_path / "spec")
    shutil.copytree(CANON, tmp_path / "canon")
    return tmp_path


@pytest.fixture()
def write_json(tmp_path: Path) -> Callable[[Any, str], Path]:
    """Write data as pretty JSON to tmp_path/name and return the path."""

    def write(data: Any, name: str = "spec.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        return path

    return write


def load_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))
