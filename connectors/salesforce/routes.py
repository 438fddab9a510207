"""Which write resource a ``TargetRecord`` goes to, shared by sObject Collections and Bulk API.

======================================  ==============================  ===============  =========
record                                  sObject Collections             Bulk API 2.0     outcome
======================================  ==============================  ===============  =========
``key`` set                             ``PATCH /composite/sobjects``   ``update``       updated
                                        (update by ``Id``)              (``Id`` column)
no ``key``, ``upsert_field`` set        ``PATCH /composite/sobjects/``  ``upsert`` on    created /
                                        ``{obj}/{field}``               that field       updated
neither                                 ``POST /composite/sobjects``    (never: results  created
                                                                        cannot be
                                                                        matched back)
======================================  ==============================  ===============  =========

(REST API Developer Guide, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/:
"Update Records Using sObject Collections", resources_composite_sobjects_collections_update.htm;
"Upsert Records Using sObject Collections", resources_composite_sobjects_collections_upsert.htm;
"Create Records Using sObject Collections", resources_composite_sobjects_collections_create.htm.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from connectors.base import TargetRecord

RouteKind = Literal["update", "upsert", "create"]


@dataclass(frozen=True)
class Route:
    """Which resource a record goes to, and what identifies it in a Bulk job's results."""

    kind: RouteKind
    upsert_field: str | None = None

    @classmethod
    def of(cls, record: TargetRecord) -> Route:
        if record.key:
            return cls("update")
        if record.upsert_field:
            return cls("upsert", record.upsert_field)
        return cls("create")

    @property
    def method(self) -> str:
        return "POST" if self.kind == "create" else "PATCH"

    @property
    def idempotent(self) -> bool:
        """Sending it twice does no harm: true of updates and upserts, not of creates."""
        return self.kind != "create"

    @property
    def bulk_capable(self) -> bool:
        """A Bulk job's results name each row by this route's key column; creates have none."""
        return self.kind != "create"

    @property
    def key_column(self) -> str:
        """The column a Bulk job's result rows are matched back to records by."""
        return str(self.upsert_field) if self.kind == "upsert" else "Id"

    def path(self, obj: str) -> str:
        if self.kind == "upsert":
            return "/".join(("composite/sobjects", obj, str(self.upsert_field)))
        return "composite/sobjects"

    def outcome(self, answer: Mapping[str, Any]) -> Literal["created", "updated"]:
        if self.kind == "create":
            return "created"
        if self.kind == "upsert" and answer.get("created"):
            return "created"
        return "updated"
