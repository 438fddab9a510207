"""`erpsync run customers --json` as a user runs it: a separate process, a real Prefect API
(the test harness's server), the real sandboxes. The second run must write nothing, checked in
the sandboxes' request logs; the flow run's artifacts must be readable through Prefect's API."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.conftest import REPO, Sandboxes
from tests.flows.conftest import child_env, erpsync, wait_for_artifacts


def test_run_json_twice_second_writes_nothing(erpsync_env: Sandboxes, prefect_api: str) -> None:
    env = child_env(prefect_api)
    first = erpsync("run", "customers", "--json", env=env)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["salesforce"]["created"] == 16 and report["sap"]["created"] == 5
    assert set(report) >= {"sap", "salesforce", "conflicts", "dead_letters", "api_calls"}

    erpsync_env.clear_logs()
    second = erpsync("run", "customers", "--json", env=env)

    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    for system in ("sap", "salesforce"):
        assert {again[system][k] for k in ("created", "updated", "deleted", "failed")} == {0}
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
    assert_artifacts(again["flow_run_id"], again["run_id"])


def assert_artifacts(flow_run_id: str, run_id: str) -> None:
    """The counts table and the summary are stored for the flow run (they arrive async)."""
    found = wait_for_artifacts(flow_run_id, {"customers-counts", "customers-summary"})
    assert found["customers-counts"].type == "table"
    assert found["customers-summary"].type == "markdown"
    assert "salesforce" in str(found["customers-counts"].data)
    assert run_id in str(found["customers-summary"].data)


def test_broken_mapping_stops_with_file_and_line(tmp_path: Path, erpsync_env: Sandboxes) -> None:
    broken = tmp_path / "customers.yaml"
    broken.write_text((REPO / "mappings" / "customers.yaml").read_text().replace(
        "owner: salesforce", "ownr: salesforce"))
    env = {**os.environ}
    result = erpsync("mappings", "validate", str(broken), env=env)
    assert result.returncode == 1
    assert f"{broken}:" in result.stderr and "unknown key 'ownr'" in result.stderr
    env["ERPSYNC_MAPPINGS"] = str(tmp_path)
    erpsync_env.clear_logs()
    run = erpsync("run", "customers", env=env)
    assert run.returncode == 2 and "unknown key 'ownr'" in run.stderr, run.stderr
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == [], \
        "a bad mapping stops before any write"
