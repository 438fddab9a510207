"""A customer with its sales-area data (the ERP's terms per sales organisation, distribution
channel and division): the model builds and refuses it as documented, and the exported JSON
Schema (``canonical/schemas/customer.schema.json``) accepts and refuses the same data."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from canonical import Customer, SalesArea
from canonical.export import SCHEMA_DIR

DOMESTIC = {"sales_organization": "1010", "distribution_channel": "10", "division": "00",
            "currency": "EUR", "payment_terms": "0001", "incoterms": "FOB",
            "shipping_condition": "01", "price_group": "02"}
EXPORT = {"sales_organization": "1710", "distribution_channel": "20", "division": "00",
          "currency": "USD", "order_blocked": True}


def customer(*areas: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"name": "Becker Berlin", "account_number": "1000001", "currency": "EUR",
            "modified_at": "2026-10-01T08:00:00Z", "sales_areas": list(areas), **changes}


def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / "customer.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_a_customer_with_sales_areas_builds_and_round_trips() -> None:
    model = Customer.model_validate(customer(DOMESTIC, EXPORT))

    domestic, export = model.sales_areas
    assert isinstance(domestic, SalesArea)
    assert (domestic.sales_organization, domestic.distribution_channel, domestic.division) == \
        ("1010", "10", "00")
    assert domestic.order_blocked is False, "orders are not blocked unless the ERP says so"
    assert (export.currency, export.order_blocked, export.payment_terms) == ("USD", True, None)
    dumped = model.model_dump(mode="json")
    assert dumped["sales_areas"][0] == {**DOMESTIC, "order_blocked": False}
    assert Customer.model_validate_json(model.model_dump_json()) == model
    with pytest.raises(ValidationError, match="frozen"):
        domestic.currency = "CHF"  # type: ignore[misc]


def test_a_customer_without_sales_areas_has_none() -> None:
    model = Customer.model_validate(customer())
    assert model.sales_areas == ()
    assert model.model_dump(mode="json")["sales_areas"] == []


def test_the_exported_schema_accepts_what_the_model_writes() -> None:
    validator = schema_validator()
    for areas in ((), (DOMESTIC,), (DOMESTIC, EXPORT)):
        dumped = Customer.model_validate(customer(*areas)).model_dump(mode="json")
        assert list(validator.iter_errors(dumped)) == [], areas
    area = validator.schema["$defs"]["SalesArea"]
    assert set(area["required"]) == {"sales_organization", "distribution_channel", "division"}
    assert area["additionalProperties"] is False
    assert validator.schema["properties"]["sales_areas"]["items"] == {"$ref": "#/$defs/SalesArea"}


@pytest.mark.parametrize(("area", "error"), [
    ({**DOMESTIC, "sales_organization": "10100"}, "at most 4 characters"),
    ({**DOMESTIC, "distribution_channel": "100"}, "at most 2 characters"),
    ({k: v for k, v in DOMESTIC.items() if k != "division"}, "division"),
    ({**DOMESTIC, "currency": "eur"}, "pattern"),
    ({**DOMESTIC, "incoterms": "FOB2"}, "at most 3 characters"),
    ({**DOMESTIC, "sales_office": "1000"}, "Extra inputs are not permitted"),
])
def test_the_model_and_the_schema_refuse_the_same_sales_area(area: dict[str, Any],
                                                             error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        Customer.model_validate(customer(area))
    assert list(schema_validator().iter_errors(customer(area))), \
        "the schema lets through what the model refuses"
