"""``$metadata`` parsing, on mock-sap's document and on SAP's real EDMX files."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from sap_support import ADDRESS, BP, CITY, EDMX

from connectors.errors import ConfigError
from connectors.sap import SapODataConnector
from connectors.sap.changes import ChangeStamp
from connectors.sap.metadata import ServiceModel, parse_edmx
from connectors.sap.reading import plan_read
from sandbox.process import ChildServer

MOCK_BP_FIELDS = {
    "BusinessPartner", "Customer", "Supplier", "BusinessPartnerCategory",
    "BusinessPartnerFullName", "BusinessPartnerName", "BusinessPartnerGrouping",
    "OrganizationBPName1", "FirstName", "LastName", "SearchTerm1", "Industry", "CreatedByUser",
    "CreationDate", "LastChangedByUser", "LastChangeDate", "BusinessPartnerIsBlocked",
}
# mock-sap puts these on the address; real S/4 has them behind to_PhoneNumber/to_EmailAddress.
MOCK_ONLY_ADDRESS_FIELDS = {"PhoneNumber", "EmailAddress"}


def real(name: str) -> ServiceModel:
    path = EDMX / name
    if not path.exists():
        pytest.skip(f"real EDMX fixtures not present at {EDMX} (shared/ is not on this machine)")
    return parse_edmx(path.read_bytes(), Path(name).stem)


def test_mock_metadata_describes_business_partner(connector: SapODataConnector) -> None:
    schema = connector.describe(BP)
    assert set(schema.fields) >= MOCK_BP_FIELDS
    name = schema.fields["OrganizationBPName1"]
    assert (name.type, name.length, name.updateable) == ("Edm.String", 40, True)
    key = schema.fields["BusinessPartner"]
    assert not key.updateable and not key.nillable
    changed = schema.fields["LastChangeDate"]
    assert changed.type == "Edm.DateTime" and not changed.createable
    assert schema.fields[CITY].length == 40
    assert f"{ADDRESS}/AddressID" in schema.fields
    assert connector.counter.by_kind == {"metadata": 1}
    connector.describe("A_BusinessPartnerAddress")
    assert connector.counter.by_kind == {"metadata": 1}  # one document per service, cached


def test_mock_metadata_models_keys_navigations_and_etag(sap: ChildServer) -> None:
    document = requests.get(f"{sap.url}/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV/$metadata",
                            timeout=10)
    entity = parse_edmx(document.content, "API_BUSINESS_PARTNER_SRV").entity(BP)
    assert entity.type.keys == ("BusinessPartner",)
    assert entity.type.etag_properties == ("LastChangeDate",)
    nav = entity.type.navigations[ADDRESS]
    assert nav.many and nav.target_set == "A_BusinessPartnerAddress"
    assert nav.joins == (("BusinessPartner", "BusinessPartner"),)
    assert entity.target(nav).keys == ("BusinessPartner", "AddressID")


def test_unknown_object_is_a_config_error(connector: SapODataConnector) -> None:
    with pytest.raises(ConfigError, match="no OData service configured for 'KNA1'"):
        connector.describe("KNA1")


def test_real_business_partner_edmx() -> None:
    model = real("API_BUSINESS_PARTNER.edmx")
    entity = model.entity(BP)
    props = entity.type.properties
    assert entity.type.keys == ("BusinessPartner",)
    assert set(props) >= MOCK_BP_FIELDS, "every field mock-sap serves exists in real S/4"
    assert props["LastChangeDate"].type == "Edm.DateTime"
    assert props["LastChangeTime"].type == "Edm.Time"
    assert not props["LastChangeDate"].updateable
    nav = entity.type.navigations[ADDRESS]
    assert nav.many and nav.target_set == "A_BusinessPartnerAddress"
    address = entity.target(nav)
    assert address.keys == ("BusinessPartner", "AddressID")
    schema = model.object_schema(BP)
    assert CITY in schema.fields
    plan = plan_read(entity, ["OrganizationBPName1", CITY],
                     stamp=ChangeStamp(("LastChangeDate",)),
                     single_entry={ADDRESS})
    assert plan.select == ("BusinessPartner,LastChangeDate,OrganizationBPName1,"
                           f"{ADDRESS}/AddressID,{CITY}")


def test_mock_address_fields_that_real_s4_lacks() -> None:
    """A mapping written against mock-sap must not use these paths against real S/4."""
    address = real("API_BUSINESS_PARTNER.edmx").entity("A_BusinessPartnerAddress").type
    mock_fields = {"BusinessPartner", "AddressID", "CityName", "PostalCode", "StreetName",
                   "HouseNumber", "Country", "Region", "Language", *MOCK_ONLY_ADDRESS_FIELDS}
    assert mock_fields - set(address.properties) == MOCK_ONLY_ADDRESS_FIELDS


@pytest.mark.parametrize(
    ("file", "entity_set", "change_field"),
    [("API_SALES_ORDER_SRV.edmx", "A_SalesOrder", "LastChangeDateTime"),
     ("API_PRODUCT_SRV.edmx", "A_Product", "LastChangeDateTime")],
)
def test_real_change_tracking_fields(file: str, entity_set: str, change_field: str) -> None:
    entity = real(file).entity(entity_set)
    assert entity.type.properties[change_field].type == "Edm.DateTimeOffset"
    plan = plan_read(entity, [], stamp=ChangeStamp((change_field,)))
    assert plan.own == (*entity.type.keys, change_field)


def test_sales_order_change_stamp_is_its_etag() -> None:
    entity = real("API_SALES_ORDER_SRV.edmx").entity("A_SalesOrder")
    assert entity.type.etag_properties == ("LastChangeDateTime",)


def test_unknown_field_names_the_allowed_ones() -> None:
    entity = real("API_BUSINESS_PARTNER.edmx").entity(BP)
    with pytest.raises(ConfigError, match=r"no field 'Name1'.*OrganizationBPName1"):
        plan_read(entity, ["Name1"])
    with pytest.raises(ConfigError, match="no navigation 'to_Address'"):
        plan_read(entity, ["to_Address/CityName"])


def test_not_xml_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not XML"):
        parse_edmx(b"<html", "X")
