"""The small interface every system sits behind, and the records that cross it.

A connector speaks one vendor API and nothing else: it reads changes as ``SourceRecord``s,
writes ``TargetRecord``s in batches and answers per record with a ``WriteResult``. Field names
inside records are the system's own (``BusinessPartnerFullName``, ``BillingCity``); turning them
into canonical fields is the mapping's job, not the connector's.

Nested data (an SAP business partner's address) is flattened by the connector into path keys
``"<navigation>/<field>"`` (``"to_BusinessPartnerAddress/CityName"``), so the engine only ever
sees flat dictionaries.

The lines of a document (order items, invoice lines) are the one exception, a to-many
*collection* under one key:

- **reading**: a requested field ``"<collection>/<line field>"`` (SAP ``"to_Item/Material"``,
  Salesforce ``"OrderItems/Quantity"``, where ``<collection>`` is a to-many navigation or a
  child relationship) asks for the lines. Every record then carries
  ``fields["<collection>"]``: a list of flat dictionaries in the child's own field names, one
  per line, each with the line's own key (``SalesOrderItem``, ``Id``) besides the requested
  fields; an empty list for a document without lines. The connector reads them with the
  page of documents, never with a call per document (SAP ``$expand``; Salesforce one child
  query per page of parents);
- **writing**: a ``TargetRecord`` whose ``fields`` hold ``"<collection>"`` says what the
  document's lines must be, all of them: a line whose own key (or External ID) matches a
  line of ``current`` is changed where it differs, any other is added, and a line of
  ``current`` that the list no longer holds is removed, with the document's own write (SAP:
  in its ``$batch`` changeset; Salesforce: right after the parents, in batches). Without
  ``current`` lines nothing is removed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol, runtime_checkable

from connectors.errors import SyncError

FieldValue = Any
Outcome = Literal["created", "updated", "unchanged", "failed"]


class Cursor(NamedTuple):
    """Where change capture resumes: the last ``(modified_at, key)`` seen, read inclusively."""

    modified_at: datetime
    key: str


@dataclass(frozen=True)
class FieldSchema:
    """What a system says about one field (Salesforce describe, SAP ``$metadata``)."""

    name: str
    type: str
    length: int | None = None
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    external_id: bool = False
    picklist_values: tuple[str, ...] = ()
    restricted_picklist: bool = False
    defaulted_on_create: bool = False
    """The system fills the field in when a create leaves it out (Salesforce
    ``defaultedOnCreate``: OwnerId, a checkbox): not nillable yet not required on create."""

    @property
    def required_on_create(self) -> bool:
        """A create must carry it: createable, not nillable, and not filled in by the system."""
        return self.createable and not self.nillable and not self.defaulted_on_create


@dataclass(frozen=True)
class ObjectSchema:
    """The fields of one object, keyed by the system's field name (nested ones as paths)."""

    name: str
    fields: Mapping[str, FieldSchema]
    deletable: bool = True
    """The system lets this client delete records of the object (SAP: the entity set is not
    ``sap:deletable="false"``; Salesforce: describe's ``deletable``)."""

    def has(self, field_name: str) -> bool:
        return field_name in self.fields


@dataclass(frozen=True)
class SourceRecord:
    """One record as read from a system, with its change stamp (aware UTC)."""

    system: str
    object: str
    key: str
    fields: Mapping[str, FieldValue]
    modified_at: datetime
    deleted: bool = False
    etag: str | None = None


@dataclass(frozen=True)
class TargetRecord:
    """One record to write.

    ``key`` is the system's own id when the record exists there (an update), ``None`` to create
    it. ``upsert_field`` names an External ID field to upsert on instead (Salesforce), whose
    value must be in ``fields``. ``ref`` is the caller's correlation id; results carry it back.
    ``etag`` guards an update against a concurrent change (SAP ``If-Match``). ``current`` is
    the record as last read from this system, for connectors that need ids of nested rows to
    update them (an SAP address's ``AddressID``). ``reference_field`` names the field of
    ``fields`` holding the caller's own id of a record to create, by which a connector whose
    system assigns keys finds a create it carried out already (its answer lost) instead of
    making it twice. ``may_exist`` False tells the connector that no earlier attempt of this
    create was ever sent (the engine keeps a journal of them), so it need not look it up
    before sending; a lost answer is looked up all the same.
    """

    ref: str
    fields: Mapping[str, FieldValue]
    key: str | None = None
    upsert_field: str | None = None
    etag: str | None = None
    current: Mapping[str, FieldValue] | None = None
    reference_field: str | None = None
    may_exist: bool = True


@dataclass(frozen=True)
class WriteResult:
    """What the target system answered for one ``TargetRecord``."""

    ref: str
    outcome: Outcome
    key: str | None = None
    error: SyncError | None = None


@dataclass
class CallCounter:
    """Counts the API calls a connector made, so runs can report them."""

    calls: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.calls += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


@runtime_checkable
class Connector(Protocol):
    """The contract every system implements. See ``tests/contract/`` for the shared suite."""

    system: str
    counter: CallCounter

    def check(self) -> None:
        """Authenticate and reach the API; raise ``ConfigError`` with a clear reason if not."""

    def describe(self, obj: str) -> ObjectSchema:
        """Fields, types and constraints of ``obj``."""

    def read_changes(
        self, obj: str, since: Cursor | None, fields: Sequence[str]
    ) -> Iterator[SourceRecord]:
        """Records of ``obj`` changed at or after ``since`` (all when ``None``), deletes
        included, ordered by ``(modified_at, key)``, streamed page by page. ``fields`` may
        ask for lines as ``<collection>/<line field>`` (see the module docstring)."""

    def read_by(
        self, obj: str, field_name: str, values: Sequence[str], fields: Sequence[str]
    ) -> Iterator[SourceRecord]:
        """Records of ``obj`` whose ``field_name`` is one of ``values``: one batch lookup, never
        one call per value. ``fields`` may ask for lines, as for ``read_changes``."""

    def write_batch(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        """Write ``records`` with the system's batch API; one result per record, in order.
        A record's lines are written with it (see the module docstring); a line the system
        refuses fails its document's result."""

    def close(self) -> None:
        """Release sessions and connections."""


@runtime_checkable
class ReportsDeleteWindow(Protocol):
    """Optional: a connector whose system forgets deletes after a while (Salesforce empties
    its recycle bin after 15 days) says whether change capture since ``since`` would still see
    every delete. When it would not, the engine must reconcile full key sets instead."""

    def deletes_complete_since(self, obj: str, since: datetime) -> bool:
        """False when deletes before ``since`` may no longer be visible."""
