"""People at work in both stand-ins, for the end-to-end tests: `sap` edits mock-sap's business
partners, `sf` the Salesforce sandbox's accounts, each through the system's own API."""

from __future__ import annotations

import pytest

from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser


@pytest.fixture
def sap(erpsync_env: Sandboxes) -> SapUser:
    return SapUser(erpsync_env)


@pytest.fixture
def sf(erpsync_env: Sandboxes) -> SalesforceUser:
    return SalesforceUser(erpsync_env)
