"""The README's first steps as a new user types them, each a separate `erpsync` process in a
home of its own: `sandbox up` starts the stand-ins, `demo` syncs customers both ways and prints
the counts, `run customers --json` right after writes nothing, `sandbox down` stops them all.

The browser test (test_ui_e2e.py) runs the demo too, but only where Chromium is installed;
this one runs everywhere. Flow runs go to the session's Prefect test server."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.flows.conftest import child_env, erpsync


@pytest.fixture
def user_env(tmp_path: Path, prefect_api: str) -> dict[str, str]:
    """A user's environment: only a home of their own and the Prefect server; no ERPSYNC_*
    settings, so erpsync.toml's defaults point the product at the sandbox it started."""
    env = {k: v for k, v in child_env(prefect_api).items() if not k.startswith("ERPSYNC_")}
    env["ERPSYNC_HOME"] = str(tmp_path / "home")
    env["COLUMNS"] = "80"  # a plain terminal; the counts table must fit it
    return env


def test_sandbox_up_demo_run_and_down(user_env: dict[str, str]) -> None:
    home = Path(user_env["ERPSYNC_HOME"])
    try:
        up = erpsync("sandbox", "up", env=user_env)
        assert up.returncode == 0, up.stderr
        addresses = json.loads(up.stdout)
        assert set(addresses["pids"]) == {"sap", "salesforce", "sap_stock"}
        assert (home / "sandbox.json").exists()

        demo = erpsync("demo", env=user_env)
        assert demo.returncode == 0, demo.stderr
        rows = table_rows(demo.stdout)
        assert rows["salesforce"]["created"] == 16, demo.stdout  # the SAP customers
        assert rows["sap"]["created"] == 5, demo.stdout  # the CRM-only accounts
        assert rows["salesforce"]["updated"] == 5, demo.stdout  # their SAP numbers, written back
        assert "…" not in demo.stdout, "nothing in the output is cut at 80 columns"
        assert "Prefect UI" in demo.stdout

        again = erpsync("run", "customers", "--json", env=user_env)
        assert again.returncode == 0, again.stderr
        report = json.loads(again.stdout)
        for system in ("sap", "salesforce"):
            assert {report[system][k] for k in ("created", "updated", "deleted", "failed")} == {0}
    finally:
        down = erpsync("sandbox", "down", env=user_env)
    assert down.returncode == 0, down.stderr
    assert not (home / "sandbox.json").exists()
    for url in (addresses["sap_base_url"], addresses["sap_stock_base_url"]):
        assert not answers(url), f"{url} still answers after sandbox down"
    for pid in addresses["pids"].values():
        assert not alive(int(pid)), f"process {pid} still runs after sandbox down"


def table_rows(output: str) -> dict[str, dict[str, int]]:
    """The counts table as printed: the header line names the columns, one line per system."""
    lines = output.splitlines()
    header = next(line.split() for line in lines if line.split()[:2] == ["system", "read"])
    rows = {}
    for line in lines:
        cells = line.split()
        if cells and cells[0] in ("sap", "salesforce") and len(cells) == len(header):
            rows[cells[0]] = dict(zip(header[1:], map(int, cells[1:]), strict=True))
    return rows


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a loopback test server
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting for its parent to read its status."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())
