"""The stock the stand-in holds: rows of ``A_MatlStkInAcctMod``, kept in memory.

Seed data: one unrestricted-use row (stock type ``01``) per material and plant for the
materials mock-sap's product master seeds (so the demo's products have stock), in the
plant's main storage location, plus quality-inspection stock (``02``) for a few. Every
identifier that does not apply is the ABAP initial value ``""``, as SAP sends it. Tests and
the demo change stock through the control plane (``/_stock/levels``), because the service
itself is read-only - in SAP stock moves by goods movements, not by this API.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sandbox.sap_stock.model import STOCK_IN_ACCOUNT_MODEL

Row = dict[str, Any]

# material, base unit, plants (as mock-sap's product master seeds them)
SEED_MATERIALS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("MZ-FG-C100", "M", ("1010", "1710")),
    ("MZ-RM-S200", "KG", ("1010", "1710", "2010")),
    ("TG11", "PC", ("1710",)),
    ("TG12", "PC", ("1710",)),
    ("TG13", "PC", ("1010", "1710")),
    ("TG14", "PC", ("1010", "1710", "2010")),
    ("TG21", "PC", ("1710",)),
    ("TG22", "PC", ("1010", "1710", "2010")),
    ("TG31", "PC", ("1010", "1710", "2010")),
)
KEYS = STOCK_IN_ACCOUNT_MODEL.keys
QUANTITY = "MatlWrhsStkQtyInMatlBaseUnit"


def storage_location(plant: str) -> str:
    """The plant's main storage location in the seed (``1710`` -> ``171A``)."""
    return plant[:3] + "A"


def stock_row(material: str, plant: str, unit: str, quantity: Decimal,
              stock_type: str = "01", **identifiers: str) -> Row:
    row: Row = dict.fromkeys(KEYS, "")
    row.update(Material=material, Plant=plant, StorageLocation=storage_location(plant),
               InventoryStockType=stock_type, **identifiers)
    row.update(WBSElementExternalID="", MaterialBaseUnit=unit, **{QUANTITY: quantity})
    return row


def seed_rows() -> list[Row]:
    rows = []
    for index, (material, unit, plants) in enumerate(SEED_MATERIALS):
        for number, plant in enumerate(plants):
            on_hand = Decimal((index * 37 + number * 11) % 400 + 20)
            rows.append(stock_row(material, plant, unit, on_hand))
            if (index + number) % 4 == 0:
                rows.append(stock_row(material, plant, unit, Decimal(index + 3), "02"))
    return rows


def key_of(row: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(row.get(name, "")) for name in KEYS)


class StockStore:
    """Stock rows by their eleven-part key; every method takes the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[tuple[str, ...], Row] = {}
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._rows = {key_of(row): row for row in seed_rows()}

    def rows(self) -> list[Row]:
        with self._lock:
            return [dict(row) for row in self._rows.values()]

    def set_level(self, values: Mapping[str, Any]) -> Row:
        """Create or change one row; a quantity of ``None`` removes it."""
        material, plant = str(values.get("Material") or ""), str(values.get("Plant") or "")
        if not material or not plant:
            raise ValueError("Material and Plant are required")
        extra = {k: str(values[k]) for k in KEYS if k in values and k not in
                 {"Material", "Plant", "InventoryStockType"}}
        quantity = values.get(QUANTITY)
        row = stock_row(material, plant, str(values.get("MaterialBaseUnit") or "PC"),
                        Decimal(str(quantity or 0)), str(values.get("InventoryStockType") or "01"),
                        **extra)
        with self._lock:
            if quantity is None:
                self._rows.pop(key_of(row), None)
            else:
                self._rows[key_of(row)] = row
        return row
