"""Every shipped mapping, checked against SAP's REAL ``$metadata`` (not mock-sap's): each SAP
field it names - key, filters, create defaults, mapped fields - and what the connector adds
to ``$select``/``$filter`` itself (the change stamp real S/4HANA uses for that entity, the
reference it looks creates up by) must exist in the real model.

A mapping whose SAP service has no real EDMX in ``shared/fixtures`` is skipped with the
reason. Fields mock-sap serves that real S/4 lacks are listed below; the test fails on any
other gap, and also when a listed gap disappears (then the list must shrink).
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


def test_the_mappings_folder_is_not_empty() -> None:
    assert MAPPINGS, f"no mappings found in {REPO / 'mappings'}"


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
    connector = SapODataConnector(SapSettings(
        base_url="https://s4.example", services={obj: service},
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
