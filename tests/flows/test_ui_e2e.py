"""The demo as a person sees it in the Prefect UI: `erpsync ui` starts `prefect server start`
on a free loopback port, `erpsync demo` runs against it (found through the address file, as
after `make ui`), and headless Chromium opens the flow-run page the demo printed. The test
reads the rendered page — the run, its task runs, logs and artifacts, the summary's text — and
saves screenshots next to the test's temporary files.

CI runs this test (.ci/run installs chromium and sets CI=true): there a missing chromium fails
it, so the suite cannot go green without the browser check. On a developer's machine without
chromium it is skipped, with the reason."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sandbox.process import free_port
from tests.conftest import REPO
from tests.flows.browser import CHROMIUM, Browser
from tests.flows.conftest import erpsync


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require_chromium() -> None:
    """Chromium is there, or the test fails in CI and is skipped elsewhere. Called first in
    the test's body (not in a fixture, where pytest would call it an error, not a failure),
    before any server starts."""
    if Path(CHROMIUM).exists():
        return
    missing = f"{CHROMIUM} is missing (Debian's chromium package; .ci/run installs it)"
    if in_ci():
        pytest.fail(f"{missing}: CI must run the browser test, so CI fails without it",
                    pytrace=False)
    pytest.skip(missing)


@contextmanager
def local_ui(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    """A Prefect server of its own (own PREFECT_HOME) and an erpsync home for the demo."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(ERPSYNC_HOME=str(tmp_path / "home"), PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false")
    started = erpsync("ui", "--port", str(free_port()), env=env)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        url = re.search(r"http://127\.0\.0\.1:\d+", started.stdout)
        assert url, started.stdout
        yield env, url.group(0)
    finally:
        erpsync("sandbox", "down", env=env)
        erpsync("ui", "--stop", env=env)


@pytest.mark.prefect
def test_the_demo_run_and_its_artifacts_show_in_the_prefect_ui(tmp_path: Path) -> None:
    require_chromium()
    with local_ui(tmp_path) as (env, ui_url):
        shots = _demo_in_the_browser(env, ui_url, tmp_path)
    _keep(shots)


def _demo_in_the_browser(env: dict[str, str], ui_url: str, tmp_path: Path) -> list[Path]:
    demo = erpsync("demo", env=env)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    page = re.search(re.escape(ui_url) + r"/runs/flow-run/[0-9a-f-]{36}", demo.stdout)
    assert page, f"the demo says where to see the run:\n{demo.stdout}"

    browser = Browser()
    try:
        browser.open(page.group(0))
        browser.wait_for_text("sync customers (incremental)", "Completed",
                              "check systems and mapping", "sync sap page 1 to salesforce",
                              "sync salesforce page 1 to sap",
                              "16 records from sap: 16 created")
        shots = [browser.screenshot(tmp_path / "1-flow-run.png")]
        browser.click_text("Artifacts")
        browser.wait_for_text("customers-counts", "customers-summary",
                              "customers-failed-records", "customers-open-conflicts",
                              "customers-progress", "Run completed")
        shots.append(browser.screenshot(tmp_path / "2-artifacts.png", height=1300))
        browser.click_text("customers-summary")
        browser.wait_for_text("What changed", "16 created", "What needs attention")
        shots.append(browser.screenshot(tmp_path / "3-summary.png"))
    finally:
        browser.close()
    return shots


def _keep(shots: list[Path]) -> None:
    """Copy the screenshots where a person (or CI's artifacts) can find them."""
    target = os.environ.get("ERPSYNC_SCREENSHOTS") or str(REPO / ".erpsync" / "screenshots")
    Path(target).mkdir(parents=True, exist_ok=True)
    for shot in shots:
        assert shot.stat().st_size > 10_000, f"{shot} looks empty"
        shutil.copy(shot, Path(target) / shot.name)
