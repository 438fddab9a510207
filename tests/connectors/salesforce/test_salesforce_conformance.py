"""The sandbox against exchanges recorded from real orgs, step by step, key by key.

Each recorded sequence is replayed once against a freshly reset sandbox (``conformance.Replay``);
each step is then its own test, so that a report names exactly the request where the stand-in
departs from Salesforce. Skipped when ``../shared/fixtures`` is absent (a user's machine).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from conformance import Exchange, Replay, differences, load_exchanges
from salesforce_support import CLIENT_ID, PASSWORD, USERNAME, SandboxControl

from sandbox.process import ChildServer
from tests.conftest import SHARED_FIXTURES

RECORDED = SHARED_FIXTURES / "salesforce" / "recorded"
FILES = sorted(RECORDED.glob("*.json")) if RECORDED.is_dir() else []
STEPS = [(path, n) for path in FILES for n in range(len(load_exchanges(path)))]

Outcome = tuple[Exchange, int, Any, list[str]]

KNOWN_GAPS: dict[tuple[str, int], str] = {}
"""Where the sandbox departs from the recorded org, step by step (none today); each entry
marks its step xfail(strict), so that a fix in the sandbox turns the step into a failure
until its entry is removed here."""


def _marks(path: Path, step: int) -> list[pytest.MarkDecorator]:
    gap = KNOWN_GAPS.get((path.stem, step))
    return [pytest.mark.xfail(strict=True, reason=f"sandbox gap: {gap}")] if gap else []


def _login(control: SandboxControl) -> tuple[str, str]:
    answer = control.http.post(control.url + "/services/oauth2/token", data={
        "grant_type": "password", "client_id": CLIENT_ID, "username": USERNAME,
        "password": PASSWORD}, timeout=30)
    answer.raise_for_status()
    return answer.json()["instance_url"], answer.json()["access_token"]


def replay(control: SandboxControl, path: Path) -> list[Outcome]:
    control.reset()
    http = requests.Session()
    http.verify = control.ca_bundle or True
    http.trust_env = False
    instance_url, token = _login(control)
    run = Replay(control, http, instance_url, token)
    outcomes: list[Outcome] = []
    try:
        for exchange in load_exchanges(path):
            status, served = run.send(exchange)
            outcomes.append((exchange, status, served,
                             differences(exchange, status, served, run.ids)))
    finally:
        http.close()
    return outcomes


@pytest.fixture(scope="module")
def replays(sf_server: ChildServer) -> Iterator[dict[Path, list[Outcome]]]:
    control = SandboxControl(sf_server)
    try:
        yield {path: replay(control, path) for path in FILES}
    finally:
        control.reset()
        control.http.close()


@pytest.mark.skipif(not FILES, reason=f"no recorded Salesforce exchanges in {RECORDED}")
@pytest.mark.parametrize(("path", "step"), [
    pytest.param(path, n, id=f"{path.stem}-{n}", marks=_marks(path, n)) for path, n in STEPS])
def test_the_sandbox_answers_like_the_recorded_org(
    replays: dict[Path, list[Outcome]], path: Path, step: int
) -> None:
    exchange, status, served, found = replays[path][step]
    assert not found, (f"{exchange.label}: the sandbox answered {status} {served!r}; "
                       f"differences from the recording: {found}")

