"""The shipped mapping loads; broken ones stop with file:line:column and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.mapping import MappingError, load_mapping
from engine.mapping.convert import Converter

FIXTURES = Path(__file__).parent / "mapping_fixtures"
SHIPPED = Path(__file__).parents[2] / "mappings" / "customers.yaml"


def issues_of(name: str) -> list[str]:
    with pytest.raises(MappingError) as caught:
        load_mapping(FIXTURES / name)
    return [str(issue) for issue in caught.value.issues]


def test_shipped_customer_mapping_is_valid() -> None:
    loaded = load_mapping(SHIPPED)
    assert loaded.mapping.sync == "customers"
    owners = {rule.owner for rule in loaded.mapping.fields.values()}
    assert {"sap", "salesforce"} <= owners, "one field owned by each side"


def test_unknown_key_points_at_its_line() -> None:
    (issue,) = issues_of("unknown_key.yaml")
    assert issue.startswith(f"{FIXTURES / 'unknown_key.yaml'}:11:5:")
    assert "unknown key 'ownr'" in issue


def test_duplicate_key_is_refused_not_silently_overwritten() -> None:
    (issue,) = issues_of("duplicate_key.yaml")
    assert ":9:3: duplicate key 'name'" in issue


def test_meaning_errors_are_all_reported_with_allowed_values(tmp_path: Path) -> None:
    issues = issues_of("bad_names.yaml")
    assert len(issues) == 1, "a format error stops before the meaning checks"
    assert "unknown transform" in issues[0] and "allowed: " in issues[0]
    fixed = tmp_path / "bad_names.yaml"
    fixed.write_text((FIXTURES / "bad_names.yaml").read_text().replace(
        ", transform: [{eval: \"__import__('os')\"}]", ""))
    with pytest.raises(MappingError) as caught:
        load_mapping(fixed)
    text = "\n".join(str(i) for i in caught.value.issues)
    assert f"{fixed}:8:58: owner 'oracle' is not a system of this sync" in text
    assert f"{fixed}:9:3: unknown customer field 'nickname'" in text
    assert "billing_address.city" in text, "the error lists what is allowed"
    assert "unknown value map 'countries'; defined: none" in text
    assert f"{fixed}:13:3: field 'phone' must be mapped on both systems" in text


def test_yaml_syntax_error_has_a_position() -> None:
    (issue,) = issues_of("syntax.yaml")
    assert "syntax.yaml:5:" in issue and "YAML syntax" in issue


def test_python_tags_cannot_reach_python() -> None:
    (issue,) = issues_of("python_tag.yaml")
    assert "python/object/apply" in issue


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
