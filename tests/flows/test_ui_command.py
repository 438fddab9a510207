"""`make ui` / `erpsync ui` without a browser: the command starts `prefect server start` and
prints its address, a second call finds it running instead of starting another, `--stop`
stops it. And the hint the demo ends with: where to see the run — `make ui` when no server
is running, the run's own page on the server when one is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.ui_server import is_up
from sandbox.process import free_port
from tests.conftest import REPO
from tests.flows.conftest import erpsync, poll

FLOW_RUN = "0b7c2a51-4d7e-4c39-9a5e-3f1f0d6f2f11"


def ui_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A user's environment: an erpsync home and a Prefect home of this test's own, no
    Prefect API configured."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return {**env, "ERPSYNC_HOME": str(tmp_path / "home"),
            "PREFECT_HOME": str(tmp_path / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra}


def hint(env: dict[str, str]) -> str:
    """What the demo prints last about the UI, for a run with id FLOW_RUN (the function the
    demo calls, in a process of its own: Prefect reads its settings once per process)."""
    done = subprocess.run(
        [sys.executable, "-c", f"from flows.cli import ui_hint; print(ui_hint({FLOW_RUN!r}))"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.prefect
def test_ui_starts_the_server_finds_it_running_and_stops_it(tmp_path: Path) -> None:
    env = ui_env(tmp_path)
    address_file = tmp_path / "home" / "prefect-server.json"
    assert "`make ui` starts the Prefect server" in hint(env), "no server yet"
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    started = erpsync("ui", "--port", str(port), env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"Prefect UI: {url}/runs" in started.stdout
        assert "erpsync ui --stop" in started.stdout
        assert is_up(url), "it answers when the command returns"
        recorded = json.loads(address_file.read_text(encoding="utf-8"))
        assert recorded["url"] == url

        again = erpsync("ui", env=env)

        assert again.returncode == 0, again.stdout + again.stderr
        assert f"Prefect UI: {url}/runs" in again.stdout, "the running server, not a new one"
        assert json.loads(address_file.read_text(encoding="utf-8")) == recorded
        assert hint(env) == f"See this run in the Prefect UI: {url}/runs/flow-run/{FLOW_RUN}"
    finally:
        stopped = erpsync("ui", "--stop", env=env)

    assert stopped.returncode == 0 and "stopped" in stopped.stdout, stopped.stdout
    assert not poll(lambda: is_up(url), lambda up: not up, timeout=60), "the server is gone"
    assert not address_file.exists()
    assert "`make ui` starts the Prefect server" in hint(env)
    none = erpsync("ui", "--stop", env=env)
    assert none.returncode == 0 and "no local Prefect server was recorded" in none.stdout


def test_without_a_server_the_hint_says_make_ui_and_where_to_look(tmp_path: Path) -> None:
    said = hint(ui_env(tmp_path))
    assert said.startswith("See this run in the Prefect UI: `make ui` starts the Prefect server")
    assert said.endswith(f"then open <address>/runs/flow-run/{FLOW_RUN}")


def test_with_a_configured_prefect_api_the_hint_points_at_its_ui(tmp_path: Path) -> None:
    """The run was recorded where PREFECT_API_URL points (an own server, Prefect Cloud):
    `make ui` would start another server, which never saw it."""
    said = hint(ui_env(tmp_path, PREFECT_API_URL="http://prefect.example.internal:4200/api"))
    assert said == ("See this run in the Prefect UI: "
                    f"http://prefect.example.internal:4200/runs/flow-run/{FLOW_RUN}")


def test_make_ui_and_ui_down_run_the_command() -> None:
    dry = subprocess.run(["make", "-n", "ui", "ui-down"], cwd=REPO, capture_output=True,
                         text=True, timeout=60, check=False)
    assert dry.returncode == 0, dry.stderr
    assert ".venv/bin/erpsync ui\n" in dry.stdout and ".venv/bin/erpsync ui --stop" in dry.stdout
