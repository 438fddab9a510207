"""The shipped customer mapping loads and converts records both ways (broken mappings:
test_mapping_broken.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.mapping import load_mapping
from engine.mapping.convert import Converter

SHIPPED = Path(__file__).parents[2] / "mappings" / "customers.yaml"


def test_shipped_customer_mapping_is_valid() -> None:
    loaded = load_mapping(SHIPPED)
    assert loaded.mapping.sync == "customers"
    owners = {rule.owner for rule in loaded.mapping.fields.values()}
    assert {"sap", "salesforce"} <= owners, "one field owned by each side"


def test_converter_round_trip_and_value_map_rejection() -> None:
    converter = Converter(load_mapping(SHIPPED).mapping)
    values = converter.to_canonical("sap", {
        "BusinessPartner": "0001000026", "BusinessPartnerFullName": " Acme ",
        "BusinessPartnerIsBlocked": False, "to_BusinessPartnerAddress/Country": "DE",
        "to_BusinessPartnerAddress/CityName": ""})
    assert values["account_number"] == "1000026"
    assert values["name"] == "Acme"
    assert values["billing_address.city"] is None
    back = converter.to_system("sap", values)
    assert back["BusinessPartner"] == "0001000026"
    assert converter.to_system("salesforce", values)["ERP_Customer_Number__c"] == "1000026"
    from connectors.errors import RecordRejected

    with pytest.raises(RecordRejected, match="not in value map"):
        converter.to_canonical("sap", {"BusinessPartnerFullName": "X",
                                       "to_BusinessPartnerAddress/Country": "ZZ"})


def test_yaml_merge_keys_and_anchors_load_as_safe_load_reads_them(tmp_path: Path) -> None:
    import yaml

    text = SHIPPED.read_text(encoding="utf-8").replace(
        "  name:\n    sap: {field: BusinessPartnerFullName, transform: [trim]}\n"
        "    salesforce: {field: Name, transform: [trim]}\n    owner: sap\n",
        "  name: &sap_owned_trimmed\n    sap: {field: BusinessPartnerFullName, transform: [trim]}\n"
        "    salesforce: {field: Name, transform: [trim]}\n    owner: sap\n"
        "  tax_number:\n    <<: *sap_owned_trimmed\n    sap: SearchTerm1\n"
        "    salesforce: ERP_Tax_Number__c\n")
    path = tmp_path / "customers.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_mapping(path)
    assert loaded.source.data == yaml.safe_load(text)
    rule = loaded.mapping.fields["tax_number"]
    assert rule.owner == "sap" and rule.sap is not None and rule.sap.field == "SearchTerm1"
    # the anchored mapping's own `owner:` line, three lines below its anchor
    owner_line = text.splitlines().index("  name: &sap_owned_trimmed") + 1 + 3
    assert loaded.source.where(("fields", "tax_number", "owner")) == (owner_line, 5), \
        "a merged key points at where it is written"
