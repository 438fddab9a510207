"""Every shipped mapping, checked against SAP's REAL ``$metadata`` (not mock-sap's): each SAP
field it names - key, filters, create defaults, mapped fields - and what the connector adds
to ``$select``/``$filter`` itself (the change stamp real S/4HANA uses for that entity, the
reference it looks creates up by) must exist in the real model.

A mapping whose SAP service has no real EDMX in ``shared/fixtures`` is skipped with the
reason. Fields mock-sap serves that real S/4 lacks are listed below; the test fails on any
other gap, and also when a listed gap disappears (then the list must shrink). A lookup to
another SAP entity (a contact's person, for its name) is checked in that entity's real model.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sap_support import EDMX, REPO, S4ReplaySession

from connectors.sap import SapODataConnector, SapSettings
from connectors.sap.settings import DEFAULT_SERVICES
from engine.mapping.errors import MappingError
from engine.mapping.loader import LoadedMapping, load_mapping
from engine.mapping.schema_check import check_against_schemas

MAPPINGS = sorted((REPO / "mappings").glob("*.yaml"))

# What real S/4HANA stamps changes with (mock-sap: LastChangeDate everywhere); see
# connectors/sap/changes.py and the real EDMX files.
REAL_CHANGE_FIELDS = {
    "A_SalesOrder": "LastChangeDateTime", "A_Product": "LastChangeDateTime",
    "A_BusinessPartner": "LastChangeDate+LastChangeTime",
}

# mock-sap keeps phone and e-mail on the address; real S/4 behind their own navigations
# (to_BusinessPartnerAddress/to_PhoneNumber/PhoneNumber). Known and reported; see README.
KNOWN_MOCK_ONLY: dict[str, set[str]] = {
    "customers.yaml": {"to_BusinessPartnerAddress/PhoneNumber"},
    # mock-sap's OverallDeliveryStatus is real S/4's OverallTotalDeliveryStatus
    "order_status.yaml": {"OverallDeliveryStatus"},
}
# Fields real S/4 has but will not let the sync write (besides the missing ones above):
# BusinessPartnerFullName is derived from the name parts there.
KNOWN_NOT_WRITABLE: dict[str, int] = {"customers.yaml": 1}


def real_edmx(service: str) -> Path | None:
    for name in (f"{service}.edmx", f"{service.removesuffix('_SRV')}.edmx"):
        if (EDMX / name).exists():
            return EDMX / name
    return None


def sap_fields(loaded: LoadedMapping) -> list[str]:
    """Every SAP field the mapping names, in the order the engine checks them."""
    mapping = loaded.mapping
    side = mapping.systems["sap"]
    names = [side.key, *(c.field for c in side.filter), *side.create_defaults]
    names += [s.field for s in mapping.mapped_fields("sap").values()]
    return list(dict.fromkeys(names))


def sap_lookups(loaded: LoadedMapping) -> dict[str, set[str]]:
    """Related SAP entity set → the fields the mapping's lookups name on it."""
    found: dict[str, set[str]] = {}
    for side in loaded.mapping.mapped_fields("sap").values():
        lookup = getattr(side, "lookup", None)
        if lookup is not None:
            found.setdefault(lookup.object, set()).update(
                name for name in (lookup.key, lookup.by) if name)
    return found


def test_the_mappings_folder_is_not_empty() -> None:
    assert MAPPINGS, f"no mappings found in {REPO / 'mappings'}"


def test_every_service_with_a_real_edmx_has_its_entity_sets_routed() -> None:
    """A mapping on an entity set the connector does not route to its service is skipped
    above as if SAP had no metadata for it: contacts once were (A_BusinessPartnerContact)."""
    if not EDMX.exists():
        pytest.skip(f"real EDMX fixtures not present at {EDMX}")
    unrouted = []
    for path in MAPPINGS:
        systems = load_mapping(path).mapping.systems
        if "sap" in systems and systems["sap"].object not in DEFAULT_SERVICES:
            unrouted.append((path.name, systems["sap"].object))
    assert unrouted == [
        ("invoice_payments.yaml", "A_OperationalAcctgDocItemCube"),
        ("prices.yaml", "A_SlsPrcgCndnRecdValidity"),
    ], "only mappings on services without a real EDMX here may stay unrouted"


@pytest.mark.parametrize("path", MAPPINGS, ids=[p.name for p in MAPPINGS])
def test_a_shipped_mapping_fits_real_s4(path: Path) -> None:
    loaded = load_mapping(path)
    if "sap" not in loaded.mapping.systems:
        pytest.skip(f"{path.name} does not sync SAP")
    obj = loaded.mapping.systems["sap"].object
    service = DEFAULT_SERVICES.get(obj, "")
    edmx = real_edmx(service)
    if not EDMX.exists():
        pytest.skip(f"real EDMX fixtures not present at {EDMX} (shared/ is not on this machine)")
    if edmx is None:
        pytest.skip(f"no real $metadata of {service or obj} in {EDMX}: not checked")
    session = S4ReplaySession(edmx, [])
    related = sap_lookups(loaded)
    assert all(DEFAULT_SERVICES.get(r) == service for r in related), "lookups in one service"
    connector = SapODataConnector(SapSettings(
        base_url="https://s4.example", services=dict.fromkeys([obj, *related], service),
        change_fields={k: v for k, v in REAL_CHANGE_FIELDS.items() if k == obj}),
        session=session)
    schema = connector.describe(obj)  # also checks the change stamp and reference field
    missing = {name for name in sap_fields(loaded) if not schema.has(name)}
    assert missing == KNOWN_MOCK_ONLY.get(path.name, set())
    if missing:
        with pytest.raises(MappingError) as caught:
            check_against_schemas(loaded, {"sap": schema})
        assert len(caught.value.issues) == len(missing) + KNOWN_NOT_WRITABLE.get(path.name, 0)
    else:
        check_against_schemas(loaded, {"sap": schema})
    for other, names in related.items():
        other_schema = connector.describe(other)
        assert {n for n in names if not other_schema.has(n)} == set(), other


def test_contacts_are_checked_against_real_s4() -> None:
    """contacts.yaml's entity set is in the real API_BUSINESS_PARTNER (mock-sap lacks it), so
    it must be checked above, not skipped; its person lookup reads names SAP really has."""
    loaded = load_mapping(REPO / "mappings" / "contacts.yaml")
    obj = loaded.mapping.systems["sap"].object
    assert (obj, DEFAULT_SERVICES.get(obj)) == ("A_BusinessPartnerContact",
                                                "API_BUSINESS_PARTNER_SRV")
    if not EDMX.exists():
        pytest.skip(f"real EDMX fixtures not present at {EDMX}")
    assert real_edmx(DEFAULT_SERVICES[obj]) is not None
    assert sap_lookups(loaded) == {"A_BusinessPartner": {"BusinessPartner", "FirstName",
                                                         "LastName"}}
