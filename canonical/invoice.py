"""An invoice (billing document) with its lines and how much of it is paid."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from canonical.status import PaymentStatus
from canonical.types import CanonicalModel, CurrencyCode, Money, Quantity, Record


class InvoiceLine(CanonicalModel):
    """One billed line: product, quantity, price and amount."""

    line_number: str | None = Field(default=None, min_length=1, max_length=6,
                             description="Item number within the invoice, without leading "
                             "zeros.")
    line_key: str | None = Field(default=None, max_length=40,
                                 description="Shared line key: invoice number and line number.")
    product_number: str | None = Field(default=None, max_length=40,
                                       description="Product billed.")
    description: str | None = Field(default=None, max_length=255, description="Line text.")
    quantity: Quantity | None = Field(default=None, description="Quantity billed.")
    unit_price: Money | None = Field(default=None, description="Net price per unit.")
    net_amount: Money | None = Field(default=None, description="Net amount of the line.")
    order_number: str | None = Field(default=None, max_length=20,
                                     description="Sales order the line bills.")


class Invoice(Record):
    """An invoice the ERP issued, read into the CRM so sales sees what is billed and paid."""

    invoice_number: str = Field(min_length=1, max_length=20,
                                description="The ERP's billing document number, without "
                                "leading zeros.")
    customer_number: str = Field(min_length=1, max_length=20,
                                 description="Customer number of the payer.")
    order_number: str | None = Field(default=None, max_length=20,
                                     description="Sales order billed, when there is one.")
    invoice_date: date | None = Field(default=None, description="Billing date.")
    due_date: date | None = Field(default=None, description="Date payment is due.")
    currency: CurrencyCode | None = Field(default=None, description="Document currency.")
    net_amount: Money | None = Field(default=None, description="Total before tax.")
    tax_amount: Money | None = Field(default=None, description="Total tax.")
    total_amount: Money | None = Field(default=None, description="Total including tax.")
    paid_amount: Money | None = Field(default=None, description="Amount paid so far.")
    payment_status: PaymentStatus | None = Field(
        default=None, description="How far the invoice is paid.")
    cancelled: bool = Field(default=False, description="The invoice was cancelled.")
    lines: tuple[InvoiceLine, ...] = Field(default=(), description="The invoice's lines.")
