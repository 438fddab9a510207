"""`erpsync run customers --json` as a user runs it: a separate process, a real Prefect API
(the test harness's server), the real sandboxes. The second run must write nothing, checked in
the sandboxes' request logs; the flow run's artifacts must be readable through Prefect's API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, Sandboxes

ERPSYNC = str(Path(sys.executable).parent / "erpsync")


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[str]:
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield str(PREFECT_API_URL.value())


def erpsync(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ERPSYNC, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def child_env(prefect_api: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(("ERPSYNC_", "PATH", "HOME"))}
    return {**env, "PREFECT_API_URL": prefect_api, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


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
    assert_artifacts(again["run_id"], prefect_api)


def assert_artifacts(run_id: str, prefect_api: str) -> None:
    """The counts table and the summary are stored for the flow run (they arrive async)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    deadline = time.monotonic() + 30
    found: dict[str, Any] = {}
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline and len(found) < 2:
            for artifact in client.read_artifacts(artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(any_=["customers-counts", "customers-summary"]))):
                if run_id in str(artifact.description) or run_id in str(artifact.data):
                    found[artifact.type or ""] = artifact.data
            time.sleep(0.5)
    assert "table" in found and "markdown" in found
    assert "salesforce" in str(found["table"])


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


def test_prefect_yaml_deploys_every_shipped_sync_with_known_keys() -> None:
    """`prefect deploy` ignores unknown keys silently, so we check them here."""
    config = yaml.safe_load((REPO / "prefect.yaml").read_text())
    assert set(config) <= {"name", "prefect-version", "build", "push", "pull", "deployments"}
    allowed = {"name", "description", "entrypoint", "parameters", "tags", "schedules",
               "concurrency_limit", "work_pool", "version", "enforce_parameter_schema"}
    shipped = {p.stem for p in (REPO / "mappings").glob("*.yaml")}
    deployed = set()
    for deployment in config["deployments"]:
        assert set(deployment) <= allowed, set(deployment) - allowed
        module, _, flow_name = deployment["entrypoint"].partition(":")
        assert module == "flows/sync_flow.py" and flow_name == "sync"
        assert set(deployment["parameters"]) == {"name"}
        for schedule in deployment["schedules"]:
            assert set(schedule) <= {"cron", "timezone", "active"}
        deployed.add(deployment["parameters"]["name"])
    assert deployed == shipped
