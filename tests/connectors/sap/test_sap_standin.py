"""The SAP stand-in the tests run against is the one the project pins, as published: the
version from ``pyproject.toml``, started as a subprocess with its clock pinned, and reset to
the same seed data before every test."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import requests
from sap_support import REPO

from sandbox.process import ChildServer
from sandbox.sap import DEFAULT_CLOCK


def pinned_version() -> str:
    """The one mock-sap version pyproject's dev extra pins (``mock-sap==X.Y.Z``)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    spec = next(d for d in project["project"]["optional-dependencies"]["dev"]
                if d.startswith("mock-sap"))
    pinned = re.fullmatch(r"mock-sap==(\d+\.\d+\.\d+)", spec)
    assert pinned is not None, f"mock-sap is pinned exactly (==X.Y.Z), not {spec!r}"
    return pinned.group(1)


def test_the_installed_mock_sap_is_the_pinned_one() -> None:
    answer = subprocess.run([sys.executable, "-m", "mocksap", "--version"], check=True,
                            capture_output=True, text=True)
    assert answer.stdout.split()[-1] == pinned_version(), answer.stdout


def test_the_clock_is_pinned_and_a_reset_restores_the_seed(sap: ChildServer) -> None:
    state = requests.get(f"{sap.url}/_mock/state", timeout=10).json()
    assert state["clock"]["pinned"] == DEFAULT_CLOCK
    assert (state["A_BusinessPartner"], state["A_SalesOrder"]) == (24, 25)
    requests.post(f"{sap.url}/_mock/advance", json={"days": 3}, timeout=10).raise_for_status()
    requests.post(f"{sap.url}/_mock/reset", timeout=30).raise_for_status()
    again = requests.get(f"{sap.url}/_mock/state", timeout=10).json()
    assert again["clock"]["now"].startswith(DEFAULT_CLOCK[:10])
    assert again["request_log"] == 0
