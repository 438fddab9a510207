"""The customer: a company that buys from us, known to the ERP and the CRM alike."""

from __future__ import annotations

from pydantic import Field

from canonical.types import Address, AwareDatetime, CanonicalModel, CurrencyCode, Money


class Customer(CanonicalModel):
    """A customer account. ERP and CRM each hold part of it; the mapping says who owns what."""

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
    modified_at: AwareDatetime | None = Field(
        default=None, description="When the source system last changed this record (UTC)."
    )
