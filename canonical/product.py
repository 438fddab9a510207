"""A product (material) we sell, and its prices."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from canonical.types import Money, Quantity, Record, UnitCode


class Product(Record):
    """A product as sales sees it: number, name, unit and grouping. The ERP owns it."""

    name_fields: ClassVar[frozenset[str]] = frozenset({"name", "description"})
    deactivation: ClassVar[tuple[str, bool] | None] = ("active", False)

    product_number: str = Field(min_length=1, max_length=40,
                                description="The ERP's product (material) number.")
    name: str = Field(min_length=1, max_length=255, description="Product name.")
    description: str | None = Field(default=None, max_length=4000,
                                    description="Longer sales description.")
    product_group: str | None = Field(default=None, max_length=40,
                                      description="Product group or family.")
    product_type: str | None = Field(default=None, max_length=4,
                                     description="ERP product type, e.g. FERT, HAWA.")
    base_unit: UnitCode | None = Field(default=None,
                                       description="Unit the product is counted in.")
    gross_weight: Quantity | None = Field(default=None, description="Gross weight per base "
                                                                    "unit, with its unit.")
    active: bool = Field(default=True, description="False when marked for deletion or "
                                                   "deleted on the other side.")


class PriceListEntry(Record):
    """One product's price in one price list and currency, valid for a period."""

    deactivation: ClassVar[tuple[str, bool] | None] = ("active", False)

    price_key: str = Field(min_length=1, max_length=80,
                           description="Shared key: product number, price list and currency, "
                           "e.g. TG11-STANDARD-EUR.")
    product_number: str = Field(min_length=1, max_length=40,
                                description="The product the price is for.")
    price_list: str = Field(default="STANDARD", max_length=40,
                            description="Price list (condition table or price book) name.")
    unit_price: Money = Field(description="Price per `per_quantity`, with its currency.")
    per_quantity: Quantity | None = Field(default=None,
                                          description="Quantity the price is for (1 PCE).")
    valid_from: date | None = Field(default=None, description="First day the price applies.")
    valid_to: date | None = Field(default=None, description="Last day the price applies.")
    active: bool = Field(default=True, description="False when the price no longer applies.")
