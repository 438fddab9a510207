"""Value types shared by every canonical record: money, addresses, aware timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, ClassVar

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
    """Base of every canonical model: immutable, unknown fields refused, whitespace trimmed.

    Two class attributes tell the mapping language about an entity:
    ``name_fields`` are names people type (a match rule made only of these is refused: two
    companies may share a name), ``deactivation`` the field and value that mean "inactive"
    (what ``deletes: deactivate`` sets on the other side), or ``None`` when there is none.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name_fields: ClassVar[frozenset[str]] = frozenset()
    deactivation: ClassVar[tuple[str, bool] | None] = None


class Record(CanonicalModel):
    """A top-level business record (an entity a sync carries), stamped with its last change."""

    modified_at: AwareDatetime | None = Field(
        default=None, description="When the source system last changed this record (UTC).")


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


UnitCode = Annotated[
    str,
    Field(pattern=r"^[A-Z0-9]{1,3}$",
          description="Unit of measure, ISO code as SAP's ISO unit fields use it (e.g. PCE, "
          "KGM, EA) or the ERP's internal code (PC, KG), as the mapping's unit value map says"),
]


class Quantity(CanonicalModel):
    """A quantity with its unit; exact, so that 2.5 cartons stay 2.5 on every side."""

    value: ExactDecimal = Field(description="The quantity, exact decimal.")
    unit: UnitCode = Field(description="Unit of measure of the quantity.")
