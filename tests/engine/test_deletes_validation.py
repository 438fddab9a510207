"""``deletes: propagate`` is refused before anything runs where a system could not carry it
out: at load time for what the mapping alone shows (tests/engine/mapping_broken/propagate_*),
when a run starts for what the system's own schema says (here: real S/4's ``$metadata``,
where business partners are ``sap:deletable="false"``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.mapping import MappingError, load_mapping
from engine.mapping.schema_check import check_against_schemas
from tests.conftest import REPO
from tests.engine.mapping_support.live_schemas import real_edmx_schemas


def propagating_customers(tmp_path: Path) -> Path:
    text = (REPO / "mappings" / "customers.yaml").read_text(encoding="utf-8")
    assert "deletes: deactivate" in text
    path = tmp_path / "customers.yaml"
    path.write_text(text.replace("deletes: deactivate", "deletes: propagate"), encoding="utf-8")
    return path


def test_propagating_into_real_s4_business_partners_is_refused_at_the_deletes_line(
        tmp_path: Path) -> None:
    path = propagating_customers(tmp_path)
    loaded = load_mapping(path)  # nothing in the file alone says SAP cannot delete them
    line = 1 + path.read_text(encoding="utf-8").splitlines().index("deletes: propagate")
    schema = real_edmx_schemas()("A_BusinessPartner")
    assert schema is not None

    with pytest.raises(MappingError) as caught:
        check_against_schemas(loaded, {"sap": schema})

    # (The other issues are the known mock-sap differences, test_mapping_shipped.py.)
    assert [f"{i.line}:{i.column}: {i.message}" for i in caught.value.issues
            if i.message.startswith("deletes")] == [
        f"{line}:1: deletes: propagate would delete in sap, but sap A_BusinessPartner cannot "
        "be deleted there; allowed here: deactivate, ignore"]
    assert str(path) in str(caught.value.issues[0])


def test_only_systems_the_sync_writes_into_receive_deletes() -> None:
    inventory = load_mapping(REPO / "mappings" / "inventory.yaml").mapping
    assert inventory.deletes == "propagate"
    assert inventory.receives_deletes("salesforce") is True
    assert inventory.receives_deletes("sap") is False, "stock is never deleted from the CRM"
    customers = load_mapping(REPO / "mappings" / "customers.yaml").mapping
    assert not customers.receives_deletes("sap") and not customers.receives_deletes(
        "salesforce"), "deactivate: nothing is deleted anywhere"
