"""prefect.yaml: the strict check (which `prefect deploy` does not do), a deployment for every
shipped sync, and `prefect deploy --all` accepting the file against a real Prefect server."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.deployments import (
    ConcurrencySpec,
    DeploymentsError,
    DeploymentSpec,
    PrefectYaml,
    ScheduleSpec,
    WorkPoolSpec,
    load_deployments,
)
from tests.conftest import REPO
from tests.flows.conftest import child_env, erpsync

SHIPPED = REPO / "prefect.yaml"
PREFECT = str(Path(sys.executable).parent / "prefect")


def test_the_shipped_file_passes_the_strict_check() -> None:
    checked = load_deployments(SHIPPED)
    for deployment in checked:
        spec = deployment.spec
        assert spec.work_pool is not None and spec.work_pool.name == "erpsync"
        assert isinstance(spec.concurrency_limit, ConcurrencySpec)
        assert spec.concurrency_limit.limit == 1
        assert {"erpsync", spec.parameters["name"]} <= set(spec.tags)
        assert deployment.schedules, f"{spec.name} has no schedule"
        assert all(s.schedule.timezone for s in deployment.schedules), "time zones are explicit"


def test_every_mapping_has_a_deployment_and_every_deployment_a_mapping() -> None:
    """A new mappings/<sync>.yaml without a deployment (or the reverse) fails here."""
    shipped = {path.stem for path in (REPO / "mappings").glob("*.yaml")}
    deployed = {d.spec.parameters["name"] for d in load_deployments(SHIPPED)}
    assert shipped - deployed == set(), "mappings without a deployment in prefect.yaml"
    assert deployed - shipped == set(), "deployments of syncs that have no mapping"
    incremental = {d.spec.parameters["name"] for d in load_deployments(SHIPPED)
                   if d.spec.parameters.get("mode", "incremental") == "incremental"}
    assert incremental == shipped, "every sync has a scheduled incremental deployment"


def test_the_keys_allowed_are_keys_prefect_understands() -> None:
    """Strict must not mean different: every key we accept is one `prefect deploy` reads."""
    from prefect.cli.deploy import _models as prefect_models

    pairs = [(PrefectYaml, prefect_models.PrefectYamlModel),
             (DeploymentSpec, prefect_models.DeploymentConfig),
             (ScheduleSpec, prefect_models.RawScheduleConfig),
             (ConcurrencySpec, prefect_models.ConcurrencyLimitSpec),
             (WorkPoolSpec, prefect_models.WorkPoolConfig)]
    for ours, theirs in pairs:
        keys = {f.alias or name for name, f in ours.model_fields.items()} - {"definitions"}
        known = {f.alias or name for name, f in theirs.model_fields.items()}
        assert keys <= known, f"{ours.__name__}: {keys - known} unknown to Prefect"


def _broken(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


CASES: list[tuple[str, str, str, str]] = [
    # (what, replace this, with this, expected message); the error is on the line of `with`
    ("top-level key", "deployments:", "deploymentz: []\ndeployments:",
     "unknown key 'deploymentz'"),
    ("deployment key", "    schedules:\n", "    schedulez:\n", "unknown key 'schedulez'"),
    ("schedule key", '      - cron: "5 * * * *"', '      - crn: "5 * * * *"',
     "unknown key 'crn'"),
    ("concurrency key", "    collision_strategy: CANCEL_NEW",
     "    strategy: CANCEL_NEW", "unknown key 'strategy'"),
    ("bad cron", '"5 * * * *"', '"61 * * * *"', "Invalid cron string"),
    ("bad time zone", "        timezone: UTC", "        timezone: Mars/Olympus_Mons",
     "Invalid timezone"),
    ("bad entrypoint", "    entrypoint: flows/sync_flow.py:sync",
     "    entrypoint: flows/sync_flow.py:snyc", "cannot be imported"),
    ("unknown parameter", "{name: customers, mode: incremental}",
     "{nmae: customers, mode: incremental}", "unknown ['nmae'], missing ['name']"),
    ("bad mode", "{name: customers, mode: incremental}",
     "{name: customers, mode: hourly}", "Input should be 'incremental', 'full' or"),
    ("missing name", "{name: customers, mode: incremental}", "{mode: incremental}",
     "unknown [], missing ['name']"),
    ("duplicate deployment", "  - name: customers-reconcile", "  - name: customers",
     "deployment name 'customers' is used twice"),
]


@pytest.mark.parametrize(("what", "old", "new", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_broken_file_is_refused_at_the_line_with_the_mistake(
        what: str, old: str, new: str, message: str, *, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # entrypoints are relative to the project directory
    text = _broken(SHIPPED.read_text(), old, new)
    path = tmp_path / "prefect.yaml"
    path.write_text(text)
    with pytest.raises(DeploymentsError) as raised:
        load_deployments(path)
    issues = [i for i in raised.value.issues if message in i.message]
    assert issues, [str(i) for i in raised.value.issues]
    mistake = new.splitlines()[0].strip()
    lines = [n for n, line in enumerate(text.splitlines(), 1) if mistake in line]
    assert issues[0].line in lines, (str(issues[0]), lines)


def test_deployments_check_prints_file_line_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "prefect.yaml"
    path.write_text(_broken(SHIPPED.read_text(), "    schedules:\n", "    schedulez:\n"))
    result = erpsync("deployments", "check", "--file", str(path), env=child_env(""))
    assert result.returncode == 1
    assert f"{path}:" in result.stderr and "unknown key 'schedulez'" in result.stderr
    ok = erpsync("deployments", "check", env=child_env(""))
    assert ok.returncode == 0, ok.stderr
    assert "ok customers:" in ok.stdout


@pytest.mark.prefect
def test_prefect_deploy_all_registers_every_deployment_as_written(prefect_api: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_work_pool(WorkPoolCreate(name="erpsync", type="process"))
    env = child_env(prefect_api, ERPSYNC_PROJECT_DIR=str(REPO))
    result = subprocess.run([PREFECT, "--no-prompt", "deploy", "--all"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr

    config = yaml.safe_load(SHIPPED.read_text())
    with get_client(sync_client=True) as client:
        for written in config["deployments"]:
            deployed = client.read_deployment_by_name(f"sync/{written['name']}")
            _assert_deployed_as_written(deployed, written)


def _assert_deployed_as_written(deployed: Any, written: dict[str, Any]) -> None:
    assert deployed.parameters == written["parameters"]
    assert set(deployed.tags) == set(written["tags"])
    assert deployed.work_pool_name == written["work_pool"]["name"]
    assert deployed.entrypoint == written["entrypoint"]
    schedules = {(s.schedule.cron, s.schedule.timezone, s.active) for s in deployed.schedules}
    assert schedules == {(s["cron"], s["timezone"], s.get("active", True))
                         for s in written["schedules"]}
    limit = written["concurrency_limit"]
    assert deployed.global_concurrency_limit.limit == limit["limit"]
    assert deployed.concurrency_options.collision_strategy == limit["collision_strategy"]
    assert deployed.pull_steps[0]["prefect.deployments.steps.set_working_directory"][
        "directory"] == str(REPO), "the project directory comes from ERPSYNC_PROJECT_DIR"
