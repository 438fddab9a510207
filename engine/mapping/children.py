"""Child collections: the lines of a document (order items, invoice lines) in one mapping.

Record shape (shared with the connectors): a to-many collection is one key of the parent
record holding a list of flat dictionaries in the child's own field names, e.g.
``fields["to_Item"] = [{"SalesOrderItem": "10", "Material": "TG11", ...}]``; the same shape in
``TargetRecord``s creates a document with its lines (deep insert) or changes them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from engine.mapping.fields import FieldRule
from engine.mapping.systems import Strict


class ChildSide(Strict):
    """Where one system keeps the lines: the parent's key holding them, and the child object
    (for schema checks)."""

    field: str = Field(description="Key of the parent record holding the list of lines: a "
                                    "to-many navigation (SAP to_Item) or a child relationship "
                                    "(Salesforce OrderItems).")
    object: str = Field(description="The child object, e.g. A_SalesOrderItem or OrderItem.")
    key: str | None = Field(
        default=None, description="The child's own record id field, where it has one (Id).")


class ChildCollection(Strict):
    """The lines of a document, mapped field by field like the document itself.

    Converter: canonical values of the parent hold the collection under its canonical name
    as a list of flat ``{line field: value}`` dictionaries, ordered by ``match`` so that equal
    lines hash alike whichever system they came from.

    Engine: lines are paired across systems by the canonical ``match`` fields (e.g. the line
    number), never by position; a paired line is merged field by field with the rules of
    ``fields`` (owner, direction, conflicts as for any field); a line present on one side only
    is created on the other; a line gone from one side is, by ``deletes``, removed on the
    other (``propagate``) or left alone (``ignore``).
    """

    sap: ChildSide | None = Field(default=None, description="Where SAP keeps the lines.")
    salesforce: ChildSide | None = Field(default=None,
                                         description="Where Salesforce keeps the lines.")
    oracle: ChildSide | None = Field(default=None, description="Where Oracle keeps the lines.")
    match: tuple[str, ...] = Field(
        min_length=1, description="Canonical line fields that pair a line across systems.")
    fields: dict[str, FieldRule] = Field(min_length=1, description="Canonical line field → "
                                                                   "how it maps.")
    deletes: Literal["propagate", "ignore"] = Field(
        default="propagate",
        description="A line removed on one side: remove it on the other, or leave it.")

    def side(self, system: str) -> ChildSide | None:
        value: ChildSide | None = getattr(self, system, None)
        return value
