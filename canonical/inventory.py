"""How much of a product a plant or warehouse holds."""

from __future__ import annotations

from pydantic import Field

from canonical.types import ExactDecimal, Record, UnitCode


class InventoryLevel(Record):
    """Stock of one product in one plant (or warehouse): what is there and what can still be
    promised. The ERP owns it; the CRM shows it."""

    inventory_key: str = Field(min_length=1, max_length=80,
                               description="Shared key: product number and plant, e.g. "
                               "TG11-1710.")
    product_number: str = Field(min_length=1, max_length=40, description="The product.")
    plant: str = Field(min_length=1, max_length=4, description="Plant or warehouse code.")
    storage_location: str | None = Field(default=None, max_length=4,
                                         description="Storage location within the plant.")
    on_hand: ExactDecimal = Field(description="Quantity physically in stock (unrestricted).")
    available: ExactDecimal | None = Field(default=None,
                                           description="Quantity still available to promise.")
    unit: UnitCode = Field(description="Unit both quantities are counted in.")
