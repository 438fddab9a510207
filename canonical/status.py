"""Document statuses both sides understand; each system's codes map onto these values."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

ProgressStatus = Annotated[
    Literal["not_started", "partially", "complete"],
    Field(description="How far a follow-on step (delivery, billing) has got: not_started, "
          "partially or complete."),
]
PaymentStatus = Annotated[
    Literal["open", "partially_paid", "paid", "overdue"],
    Field(description="Payment of an invoice: open, partially_paid, paid, or overdue (open "
          "past its due date)."),
]
OrderStatus = Annotated[
    Literal["draft", "open", "in_process", "completed", "cancelled"],
    Field(description="Lifecycle of a sales order: draft (CRM only), open, in_process, "
          "completed or cancelled."),
]
