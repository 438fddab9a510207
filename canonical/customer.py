"""The customer: a company that buys from us, known to the ERP and the CRM alike."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from canonical.types import Address, CanonicalModel, CurrencyCode, Money, Record


class SalesArea(CanonicalModel):
    """The terms under which one sales organisation sells to the customer through one
    distribution channel and division (the ERP's customer sales-area data)."""

    sales_organization: str = Field(max_length=4, description="Selling organisation code.")
    distribution_channel: str = Field(max_length=2, description="Channel code, e.g. 10.")
    division: str = Field(max_length=2, description="Product division code, e.g. 00.")
    currency: CurrencyCode | None = Field(default=None, description="Order currency here.")
    payment_terms: str | None = Field(default=None, max_length=4,
                                      description="Payment terms key, e.g. 0001.")
    incoterms: str | None = Field(default=None, max_length=3,
                                  description="Incoterms classification, e.g. FOB.")
    shipping_condition: str | None = Field(default=None, max_length=2,
                                           description="Shipping condition code.")
    price_group: str | None = Field(default=None, max_length=2,
                                    description="Customer price group for pricing.")
    order_blocked: bool = Field(default=False,
                                description="Orders are blocked in this sales area.")


class Customer(Record):
    """A customer account. ERP and CRM each hold part of it; the mapping says who owns what."""

    name_fields: ClassVar[frozenset[str]] = frozenset({"name"})
    deactivation: ClassVar[tuple[str, bool] | None] = ("blocked", True)

    name: str = Field(min_length=1, max_length=255, description="Legal or trading name.")
    account_number: str | None = Field(
        default=None,
        max_length=20,
        description="The ERP's customer number, without leading zeros; the key both sides share.",
    )
    billing_address: Address | None = Field(default=None, description="Invoice address.")
    shipping_address: Address | None = Field(default=None, description="Delivery address.")
    phone: str | None = Field(default=None, max_length=40, description="Main phone number.")
    email: str | None = Field(default=None, max_length=241, description="Main e-mail address.")
    tax_number: str | None = Field(
        default=None, max_length=20, description="VAT or tax registration number."
    )
    credit_limit: Money | None = Field(
        default=None, description="Credit the ERP grants this customer."
    )
    currency: CurrencyCode | None = Field(
        default=None, description="Currency the customer is invoiced in."
    )
    blocked: bool = Field(
        default=False,
        description="True when the customer is blocked for new business (SAP central block) "
        "or was deactivated because it was deleted on the other side.",
    )
    sales_areas: tuple[SalesArea, ...] = Field(
        default=(), description="Sales-area data: terms per sales organisation, channel and "
        "division.")
