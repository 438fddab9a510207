"""The browser test is part of what CI runs: with CI=true a missing chromium fails it (the
suite cannot go green without the UI check); elsewhere it is skipped with the reason. Checked
by running pytest on that test as CI and as a developer would, with chromium pointed at a
path where there is none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

NO_CHROMIUM = "/nonexistent/chromium"


def pytest_ui_test(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(ERPSYNC_CHROMIUM=NO_CHROMIUM, **extra)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "--basetemp", str(tmp_path / "basetemp"), "tests/flows/test_ui_e2e.py"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("ci", ["true", "1"])
def test_in_ci_a_missing_chromium_fails_the_browser_test(tmp_path: Path, ci: str) -> None:
    done = pytest_ui_test(tmp_path, CI=ci)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed" in done.stdout and "skipped" not in done.stdout, done.stdout
    assert f"{NO_CHROMIUM} is missing" in done.stdout
    assert "CI must run the browser test" in done.stdout


def test_on_a_developers_machine_it_is_skipped_with_the_reason(tmp_path: Path) -> None:
    done = pytest_ui_test(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout, done.stdout
    assert "SKIPPED [1] tests/flows/test_ui_e2e.py" in done.stdout
    assert f"{NO_CHROMIUM} is missing (Debian's chromium package; .ci/run installs it)" \
        in done.stdout
