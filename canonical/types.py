"""Value types shared by every canonical record: money, addresses, aware timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer


def _aware_utc(value: datetime) -> datetime:
    """Naive datetimes are refused: a timestamp without a zone cannot be compared safely
    across systems in different time zones."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must carry a time zone (aware), e.g. 2026-10-01T08:00:00Z")
    return value.astimezone(UTC)


AwareDatetime = Annotated[datetime, AfterValidator(_aware_utc)]


def _plain_decimal(value: Decimal) -> str:
    """One spelling per number (``1500``, not ``1500.00`` or ``1.5E+3``), so that equal amounts
    read from different systems hash alike."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


ExactDecimal = Annotated[
    Decimal, PlainSerializer(_plain_decimal, return_type=str, when_used="json")
]

CurrencyCode = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 currency code, e.g. EUR"),
]
CountryCode = Annotated[
    str,
    Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code, e.g. DE"),
]


class CanonicalModel(BaseModel):
    """Base of every canonical model: immutable, unknown fields refused, whitespace trimmed."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Money(CanonicalModel):
    """An amount with its currency; never a float, so cents do not drift."""

    amount: ExactDecimal = Field(description="The amount, exact decimal.")
    currency: CurrencyCode = Field(description="ISO 4217 code of the amount's currency.")


class Address(CanonicalModel):
    """A postal address as both ERP and CRM keep it."""

    street: str | None = Field(default=None, description="Street name and house number.")
    city: str | None = Field(default=None, description="City or town.")
    postal_code: str | None = Field(default=None, description="Postal code (ZIP).")
    region: str | None = Field(default=None, description="State, province or region code.")
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2 country.")
