"""The converter's rules, one at a time: unknown values by policy, defaults, constants,
several fields joined and split, one line picked from a navigation, transform failures
rejecting only their record, and the record filter's operators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors.errors import RecordRejected
from engine.mapping import load_mapping
from engine.mapping.convert import Converter
from engine.mapping.model import Condition

BASE = """\
version: 1
sync: customers
entity: customer
systems:
  sap: {object: A_BusinessPartner, key: BusinessPartner}
  salesforce: {object: Account, key: Id}
match: [account_number]
fields:
  account_number: {sap: BusinessPartner, salesforce: ERP_Customer_Number__c}
  name:
    sap: {fields: [OrganizationBPName1, OrganizationBPName2], transform: [trim, {join: " "}]}
    salesforce: Name
  billing_address.country:
    sap: {field: to_BusinessPartnerAddress/Country, value_map: countries}
    salesforce: {field: BillingCountryCode, default: DE}
  currency: {sap: {constant: EUR}, salesforce: ERP_Currency__c}
  email:
    sap: {field: to_EmailAddress/EmailAddress, pick: {IsDefaultEmailAddress: true}}
    salesforce: Website
deletes: ignore
value_maps:
  countries: {values: {DE: DE, AT: AT}, POLICY}
"""


def converter(tmp_path: Path, policy: str = "unknown: reject", base: str = BASE) -> Converter:
    path = tmp_path / "customers.yaml"
    path.write_text(base.replace("POLICY", policy), encoding="utf-8")
    return Converter(load_mapping(path).mapping)


def sap_record(**changes: Any) -> dict[str, Any]:
    return {"BusinessPartner": "1", "OrganizationBPName1": " Acme ",
            "OrganizationBPName2": "GmbH", "to_BusinessPartnerAddress/Country": "DE",
            "to_EmailAddress": [{"IsDefaultEmailAddress": False, "EmailAddress": "old@x.de"},
                                {"IsDefaultEmailAddress": True, "EmailAddress": "a@x.de"}],
            **changes}


def test_several_fields_join_one_line_is_picked_and_a_constant_reads(tmp_path: Path) -> None:
    convert = converter(tmp_path)
    values = convert.to_canonical("sap", sap_record())
    assert values["name"] == "Acme GmbH"
    assert values["email"] == "a@x.de", "the default address, not the first"
    assert values["currency"] == "EUR"
    written = convert.to_system("sap", values)
    assert written["OrganizationBPName1"] == "Acme" and written["OrganizationBPName2"] == "GmbH"
    assert "EUR" not in written.values(), "a constant side is never written"
    assert "to_EmailAddress/IsDefaultEmailAddress" in convert.fields_of("sap")


def test_a_default_fills_an_empty_value_both_ways(tmp_path: Path) -> None:
    convert = converter(tmp_path)
    values = convert.to_canonical("salesforce", {"ERP_Customer_Number__c": "1", "Name": "A",
                                                 "BillingCountryCode": None})
    assert values["billing_address.country"] == "DE"
    assert convert.to_system("salesforce", {"billing_address.country": None},
                             only=["billing_address.country"]) == {"BillingCountryCode": "DE"}


@pytest.mark.parametrize(("policy", "read", "written"), [
    ("unknown: pass", "CH", "CH"),
    ("unknown: default, default: AT", "AT", "AT"),
])
def test_unknown_values_pass_or_default(tmp_path: Path, policy: str, read: str,
                                        written: str) -> None:
    convert = converter(tmp_path, policy)
    values = convert.to_canonical("sap", sap_record(**{"to_BusinessPartnerAddress/Country": "CH"}))
    assert values["billing_address.country"] == read
    back = convert.to_system("sap", {"billing_address.country": "CH"},
                             only=["billing_address.country"])
    assert back == {"to_BusinessPartnerAddress/Country": written}


def test_an_unknown_value_rejects_the_record_naming_map_and_value(tmp_path: Path) -> None:
    convert = converter(tmp_path)
    with pytest.raises(RecordRejected) as caught:
        convert.to_canonical("sap", sap_record(**{"to_BusinessPartnerAddress/Country": "CH"}))
    assert caught.value.code == "UNMAPPED_VALUE"
    assert str(caught.value) == ("[sap] to_BusinessPartnerAddress/Country: value 'CH' is not "
                                 "in value map 'countries' (canonical values: AT, DE) "
                                 "(UNMAPPED_VALUE)")


def test_a_transform_failure_rejects_only_that_record(tmp_path: Path) -> None:
    base = BASE.replace("  currency: {sap: {constant: EUR}, salesforce: ERP_Currency__c}\n",
                        "  modified_at:\n    sap: {field: LastChangeDate, transform: "
                        "[{datetime: {zone: Europe/Berlin, format: \"%Y%m%d\"}}]}\n"
                        "    salesforce: LastModifiedDate\n")
    convert = converter(tmp_path, base=base)
    good = convert.to_canonical("sap", sap_record(LastChangeDate="20261001"))
    assert good["modified_at"] == "2026-09-30T22:00:00Z"
    with pytest.raises(RecordRejected) as caught:
        convert.to_canonical("sap", sap_record(LastChangeDate="1.10.2026"))
    assert caught.value.code == "TRANSFORM_FAILED"
    assert "LastChangeDate: transform datetime(Europe/Berlin) cannot take '1.10.2026'" in str(
        caught.value)


@pytest.mark.parametrize(("condition", "value", "holds"), [
    ({"op": "eq", "value": "X"}, "X", True),
    ({"op": "ne", "value": "X"}, "X", False),
    ({"op": "in", "value": ["A", "B"]}, "B", True),
    ({"op": "not_in", "value": ["A", "B"]}, "B", False),
    ({"op": "empty"}, "", True),
    ({"op": "not_empty"}, None, False),
    ({"op": "gt", "value": 100}, 150, True),
    ({"op": "ge", "value": 100}, "100", True),
    ({"op": "lt", "value": "2026-01-01"}, "2025-12-31", True),
    ({"op": "le", "value": 5}, None, False),
    ({"op": "gt", "value": 5}, "abc", False),
])
def test_filter_operators(condition: dict[str, Any], value: Any, holds: bool) -> None:
    assert Condition.model_validate({"field": "F", **condition}).holds(value) is holds
