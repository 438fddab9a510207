"""The canonical models: exact money with its currency, quantities with their unit, aware
timestamps, a description on every field, and exported schemas that match the code."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from canonical import ENTITIES, InventoryLevel, Invoice, Money, SalesOrder
from canonical.export import SCHEMA_DIR, entity_schemas, main, render


def test_committed_schemas_match_the_models() -> None:
    """`make schemas` rewrites them; this fails when someone forgot."""
    for name, schema in entity_schemas().items():
        path = SCHEMA_DIR / f"{name}.schema.json"
        assert path.exists(), f"{path} missing: run make schemas"
        assert path.read_text(encoding="utf-8") == render(schema), f"{path} is stale: run " \
                                                                   "make schemas"
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(
        f"{name}.schema.json" for name in ENTITIES)


def test_export_writes_one_file_per_entity(tmp_path: Path) -> None:
    written = main(tmp_path)
    assert {p.name for p in written} == {f"{n}.schema.json" for n in ENTITIES}
    assert json.loads((tmp_path / "sales_order.schema.json").read_text())["title"] == \
        "SalesOrder"


def _undocumented(schema: dict[str, Any]) -> list[str]:
    models = {"(root)": schema, **schema.get("$defs", {})}
    return [f"{model}.{prop}" for model, body in models.items()
            for prop, spec in body.get("properties", {}).items() if not spec.get("description")]


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_every_field_has_a_description(entity: str) -> None:
    assert _undocumented(entity_schemas()[entity]) == []


def order(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "order_number": "4712", "customer_number": "1000006", "currency": "EUR",
        "net_amount": {"amount": "24786.72", "currency": "EUR"},
        "delivery_status": "complete", "modified_at": "2026-09-01T10:00:00+02:00",
        "lines": [{"line_number": "10", "product_number": "TG31",
                   "quantity": {"value": "21.000", "unit": "PC"},
                   "net_amount": {"amount": "24786.720", "currency": "EUR"}}]}
    return {**base, **changes}


def test_a_sales_order_with_lines_normalises_to_one_spelling() -> None:
    model = SalesOrder.model_validate(order())
    dumped = model.model_dump(mode="json")
    assert dumped["lines"][0]["quantity"] == {"value": "21", "unit": "PC"}
    assert dumped["lines"][0]["net_amount"]["amount"] == "24786.72"
    assert model.modified_at == datetime.fromisoformat("2026-09-01T08:00:00+00:00")
    assert dumped["modified_at"] == "2026-09-01T08:00:00Z"


@pytest.mark.parametrize(("changes", "error"), [
    ({"modified_at": "2026-09-01T10:00:00"}, "must carry a time zone"),
    ({"net_amount": {"amount": "10"}}, "currency"),
    ({"net_amount": {"amount": "10", "currency": "euro"}}, "pattern"),
    ({"delivery_status": "shipped"}, "'not_started', 'partially' or 'complete'"),
    ({"lines": [{"line_number": "10", "product_number": "X", "quantity": {"value": "1"}}]},
     "unit"),
    ({"colour": "red"}, "Extra inputs are not permitted"),
])
def test_incomplete_or_unknown_data_is_refused(changes: dict[str, Any], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        SalesOrder.model_validate(order(**changes))


def test_money_is_exact_and_never_a_float() -> None:
    money = Money(amount=Decimal("0.1") + Decimal("0.2"), currency="EUR")
    assert money.model_dump(mode="json") == {"amount": "0.3", "currency": "EUR"}


def test_invoice_payment_status_and_inventory_per_plant() -> None:
    invoice = Invoice.model_validate({"invoice_number": "90000001", "customer_number": "1",
                                      "payment_status": "partially_paid",
                                      "paid_amount": {"amount": "10", "currency": "EUR"}})
    assert invoice.payment_status == "partially_paid"
    level = InventoryLevel.model_validate({"inventory_key": "TG11-1710", "product_number":
                                           "TG11", "plant": "1710", "on_hand": "12.500",
                                           "available": "10", "unit": "PC"})
    assert level.model_dump(mode="json")["on_hand"] == "12.5"
