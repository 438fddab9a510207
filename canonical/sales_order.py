"""A sales order with its lines, and how far its delivery and billing have got."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from canonical.status import OrderStatus, PaymentStatus, ProgressStatus
from canonical.types import CanonicalModel, CurrencyCode, Money, Quantity, Record


class SalesOrderLine(CanonicalModel):
    """One line of a sales order: a product, a quantity and its price."""

    line_number: str | None = Field(default=None, min_length=1, max_length=6,
                             description="Item number within the order, without leading "
                             "zeros (10, 20, ...).")
    line_key: str | None = Field(default=None, max_length=40,
                                 description="Shared line key: order number and line number, "
                                 "e.g. 4712-10.")
    product_number: str = Field(min_length=1, max_length=40,
                                description="Product ordered (the ERP's product number).")
    price_key: str | None = Field(default=None, max_length=80,
                                  description="Price list entry the line is priced from "
                                  "(see PriceListEntry.price_key); the CRM needs it.")
    description: str | None = Field(default=None, max_length=255, description="Line text.")
    quantity: Quantity = Field(description="Quantity ordered, with its unit.")
    unit_price: Money | None = Field(default=None, description="Net price per unit.")
    net_amount: Money | None = Field(default=None, description="Net value of the line.")
    plant: str | None = Field(default=None, max_length=4,
                              description="Plant (warehouse) that delivers the line.")
    requested_delivery_date: date | None = Field(default=None,
                                                 description="Delivery date asked for.")
    delivery_status: ProgressStatus | None = Field(
        default=None, description="How far the line is delivered.")


class SalesOrder(Record):
    """A customer's order: taken in the CRM or the ERP, fulfilled and billed by the ERP."""

    deactivation: ClassVar[tuple[str, bool] | None] = None

    order_number: str | None = Field(default=None, max_length=20,
                                     description="The ERP's sales order number, without "
                                     "leading zeros; assigned by the ERP on create.")
    customer_number: str = Field(min_length=1, max_length=20,
                                 description="Customer number of the sold-to party.")
    customer_reference: str | None = Field(
        default=None, max_length=35,
        description="The customer's purchase order number, or the CRM order's id that makes "
        "creating the order in the ERP safe to repeat.")
    order_date: date | None = Field(default=None, description="Date of the order.")
    requested_delivery_date: date | None = Field(default=None,
                                                 description="Delivery date asked for.")
    currency: CurrencyCode | None = Field(default=None, description="Document currency.")
    net_amount: Money | None = Field(default=None, description="Net value of all lines.")
    payment_terms: str | None = Field(default=None, max_length=4,
                                      description="Payment terms key.")
    status: OrderStatus | None = Field(default=None, description="Where the order is in "
                                       "its lifecycle.")
    delivery_status: ProgressStatus | None = Field(
        default=None, description="How far the order is delivered (all lines together).")
    billing_status: ProgressStatus | None = Field(
        default=None, description="How far the order is invoiced.")
    payment_status: PaymentStatus | None = Field(
        default=None, description="Payment of the order's invoices taken together.")
    lines: tuple[SalesOrderLine, ...] = Field(default=(), description="The order's lines.")
