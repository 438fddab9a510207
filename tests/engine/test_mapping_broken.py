"""A folder of deliberately broken mappings, each with the exact issues it must produce
(``# expect:`` lines at its end): every error names line:column, the offending key and what
would be valid, and a broken mapping never loads."""

from __future__ import annotations

import pytest

from tests.conftest import Sandboxes
from tests.engine.mapping_support.broken import (
    BrokenMapping,
    all_broken,
    live_issues,
    loading_issues,
)
from tests.engine.mapping_support.live_schemas import mock_sap_schemas, salesforce_schemas

BROKEN = all_broken()
OFFLINE = [b for b in BROKEN if not b.live]
LIVE = [b for b in BROKEN if b.live]


def test_every_fixture_states_what_it_must_produce() -> None:
    assert len(BROKEN) >= 50
    assert [b.path.name for b in BROKEN if not b.expected] == []


@pytest.mark.parametrize("broken", OFFLINE, ids=[b.path.stem for b in OFFLINE])
def test_loading_gives_exactly_the_expected_issues(broken: BrokenMapping) -> None:
    assert loading_issues(broken.path) == broken.expected


@pytest.mark.parametrize("broken", LIVE, ids=[b.path.stem for b in LIVE])
def test_checking_against_live_schemas_gives_exactly_the_expected_issues(
        broken: BrokenMapping, sandboxes: Sandboxes) -> None:
    assert loading_issues(broken.path) == [], "loads: only the live schemas can tell"
    sources = {"sap": mock_sap_schemas(sandboxes), "salesforce": salesforce_schemas(sandboxes)}
    assert live_issues(broken.path, sources) == broken.expected


def test_issues_name_the_file_and_the_key() -> None:
    from engine.mapping import MappingError, load_mapping

    path = next(b.path for b in OFFLINE if b.path.stem == "unknown_key_in_field")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert str(caught.value) == (f"{path}:11:74: fields.phone.ownr: unknown key 'ownr'; "
                                 "allowed: sap, salesforce, oracle, owner, direction, conflicts "
                                 "(INVALID_MAPPING)")
    assert caught.value.code == "INVALID_MAPPING"
