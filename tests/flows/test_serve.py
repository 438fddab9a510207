"""`erpsync serve`: every deployment of prefect.yaml served from one process, no work pool.

The test serves a copy of the shipped file with every schedule switched off (so no scheduled
run can start in the middle of the test), asks the server for a run of the customers
deployment, and waits for the serving process to pick it up and finish it."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, Sandboxes
from tests.flows.conftest import ERPSYNC, child_env, poll, wait_for_artifacts


def _unscheduled_copy(tmp_path: Path) -> Path:
    config = yaml.safe_load((REPO / "prefect.yaml").read_text())
    config.pop("definitions", None)  # anchors are resolved by the YAML load above
    for deployment in config["deployments"]:
        for schedule in deployment.get("schedules", []):
            schedule["active"] = False
    path = tmp_path / "prefect.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _deployment(name: str) -> Any:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            return client.read_deployment_by_name(f"sync/{name}")
        except ObjectNotFound:
            return None


def _forget_deployments() -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for deployment in client.read_deployments():
            client.delete_deployment(deployment.id)


@pytest.mark.prefect
def test_serve_runs_every_deployment_from_one_process(erpsync_env: Sandboxes, prefect_api: str,
                                                      tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    _forget_deployments()  # others' (prefect deploy's) must not answer for ours
    env = child_env(prefect_api, PREFECT_RUNNER_POLL_FREQUENCY="1")
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([ERPSYNC, "serve", "--file", str(_unscheduled_copy(tmp_path))],
                              cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deployment = poll(lambda: _deployment("invoice_payments"), lambda d: d is not None,
                          timeout=240)
        assert deployment is not None, (tmp_path / "serve.log").read_text()[-3000:]
        customers = _deployment("customers")
        assert customers.work_pool_name is None, "served: no work pool"
        assert customers.parameters == {"name": "customers", "mode": "incremental"}
        assert customers.global_concurrency_limit.limit == 1

        flow_run = run_deployment("sync/customers", timeout=0)
        with get_client(sync_client=True) as client:
            done = poll(lambda: client.read_flow_run(flow_run.id),
                        lambda run: run.state is not None and run.state.is_final(),
                        timeout=300)
        assert done.state is not None and done.state.is_completed(), \
            (done.state, (tmp_path / "serve.log").read_text()[-3000:])
        assert len(erpsync_env.sf_writes()) > 0, "the served run wrote to Salesforce"
        wait_for_artifacts(str(flow_run.id), {"customers-counts", "customers-summary"})
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
        log.close()
