"""A contact person at a customer."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from canonical.types import Record


class Contact(Record):
    """A person we deal with at a customer; linked to the customer by its customer number,
    which both systems know (never by an id only one of them has)."""

    name_fields: ClassVar[frozenset[str]] = frozenset({"first_name", "last_name"})
    deactivation: ClassVar[tuple[str, bool] | None] = ("active", False)

    contact_id: str | None = Field(
        default=None, max_length=20,
        description="The ERP's number of the contact person, without leading zeros.")
    account_number: str | None = Field(
        default=None, max_length=20,
        description="Customer number of the company the contact works for.")
    first_name: str | None = Field(default=None, max_length=40, description="Given name.")
    last_name: str = Field(min_length=1, max_length=80, description="Family name.")
    email: str | None = Field(default=None, max_length=241, description="E-mail address.")
    phone: str | None = Field(default=None, max_length=40, description="Work phone number.")
    mobile: str | None = Field(default=None, max_length=40, description="Mobile phone number.")
    title: str | None = Field(default=None, max_length=128,
                              description="Job title or function, e.g. Head of Purchasing.")
    department: str | None = Field(default=None, max_length=80, description="Department.")
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$",
                                 description="ISO 639-1 correspondence language, e.g. de.")
    active: bool = Field(default=True, description="False once the contact has left or was "
                                                   "deleted on the other side.")
