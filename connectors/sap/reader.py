"""Reading entity sets: change capture from a cursor, and lookups by value.

Pages by *keyset*, not by ``$skip``: each page asks for ``$top`` rows ordered by
``(change stamp, key)`` that sort after the last row of the previous page. With ``$skip``, a
record changed while we page moves to the end, every later row shifts one place up, and the
row that slides across the page boundary is never read - silently, and the advanced cursor
makes the loss permanent. Keyset pages cannot skip a row; a changed row is at worst read
twice, which the engine's content hashes absorb. Server-driven paging (``__next``, which
S/4HANA Cloud enforces when it caps a page) is followed inside each page; a page that brings
fewer rows in all than its ``$top`` asked for ends the read. An expanded line collection
the server cut is read to its end before its entry is flattened (``expanded.py``).

Client paging with ``$top``/``$skip`` is used only for the entity sets in ``skip_paging``:
snapshots without a change stamp whose long composite key would make every keyset
``$filter`` unwieldy (stock in the account model has eleven key fields). There each read is
bounded on the first key field only and the few rows before the cursor are dropped here; a
row deleted mid-read can let one row slide past a page boundary, which the next snapshot
(every run reads the whole set again) repairs.

Change capture reads ``stamp >= cursor`` inclusively, and from the cursor's key within the
cursor's instant; the engine de-duplicates. A cursor that names a record (the engine's next
page resumes at the last record of the one before) brings that record back first, so the
first request of such a read asks for ``page_size + 1`` rows: the engine skips the one it has
and still fills a page of ``page_size`` from one request (without it, a second request of
``page_size`` rows was sent to use one row: two SAP calls per engine page). Only ``$top``
changes - the filter is the same, so every guarantee above holds as before: a record changed
meanwhile moves to the end and is read again, records sharing the cursor's stamp are read
from the cursor's key on, ``__next`` is followed inside the request, and a request answered
with fewer rows than it asked for ends the read. Chosen over keeping one read open across the
engine's pages: the engine starts each page's read afresh from the last record of the page
before (``SyncRun.pages``), for every connector, Salesforce's included; changing that is an
engine change, where one more row here changes no filter and no other module.

On S/4HANA ``A_BusinessPartner`` stamps a change with a date and a time
(``LastChangeDate+LastChangeTime``, see ``changes.py``); mock-sap with a date only, so there
every run re-reads the cursor's whole day. mock-sap does not move the partner's change date
when only its address changes, so address-only edits made in SAP are missed by this filter
(our own such edits do move it: see ``guard_nav_updates``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from connectors.base import Cursor, SourceRecord
from connectors.errors import ConfigError
from connectors.sap.changes import ChangeStamp, Position, key_position
from connectors.sap.expanded import complete_lines
from connectors.sap.filters import Filter, FilterBuilder
from connectors.sap.keys import key_forms
from connectors.sap.metadata import EntityModel
from connectors.sap.odata import Page
from connectors.sap.reading import ReadPlan, plan_read, to_record
from connectors.sap.services import ServiceDirectory


class Reader:
    """Streams records page by page; only one page is ever held in memory."""

    def __init__(self, directory: ServiceDirectory) -> None:
        self.directory = directory
        self.settings = directory.settings
        self.client = directory.client

    def plan(self, entity: EntityModel, fields: Sequence[str], stamp: ChangeStamp) -> ReadPlan:
        return plan_read(entity, fields, stamp=stamp,
                         deleted_field=self.directory.deleted_field(entity),
                         single_entry=self.settings.single_entry_navigations)

    def read_changes(
        self, obj: str, since: Cursor | None, fields: Sequence[str]
    ) -> Iterator[SourceRecord]:
        """Records at or after ``since`` in ``(stamp, key)`` order. Fields and settings are
        checked now, before the first request; the pages come as the caller iterates."""
        entity = self.directory.entity(obj)
        plan = self.plan(entity, fields, self.directory.stamp(entity))
        order = (*plan.stamp.fields, *entity.type.keys)
        start = _start(plan, since)
        if obj in self.settings.skip_paging:
            return self._skip_pages(plan, order, start)
        # The record the cursor names comes back first and is skipped by the engine: one row
        # more in the first request keeps a full page of new ones to a single request.
        named = since is not None and key_position(entity.type, since.key) is not None
        return self.keyset_from(plan, start, overlap=1 if named else 0)

    def keyset_from(self, plan: ReadPlan, start: Position | None,
                    watch: PageWatch | None = None, overlap: int = 0) -> Iterator[SourceRecord]:
        """A keyset read of ``plan`` in ``(stamp, key)`` order from ``start`` on; the first
        request asks for ``overlap`` rows more than a page (rows the caller already has)."""
        builder = builder_for(plan.entity)
        base = builder.not_before(start) if start else None
        order = (*plan.stamp.fields, *plan.entity.type.keys)
        return self._keyset(plan, builder, base, order, watch=watch, overlap=overlap)

    def read_by(
        self, obj: str, field_name: str, values: Sequence[str], fields: Sequence[str]
    ) -> Iterator[SourceRecord]:
        """Records whose ``field_name`` is one of ``values``: one OR-filter per
        ``read_by_chunk`` values; a key value also matches its other ALPHA spelling."""
        entity = self.directory.entity(obj)
        plan = self.plan(entity, fields, self.directory.stamp(entity))
        builder = builder_for(entity)
        if builder.type_of(field_name) != "Edm.String":
            raise ConfigError(f"read_by on {obj}.{field_name} needs a string property",
                              code="UNSUPPORTED_FIELD", system="sap")
        wanted = list(dict.fromkeys(v for v in values if v))
        return self._read_by(plan, builder, field_name, wanted)

    def _read_by(
        self, plan: ReadPlan, builder: FilterBuilder, field_name: str, wanted: list[str]
    ) -> Iterator[SourceRecord]:
        entity_type = plan.entity.type
        is_key = entity_type.keys == (field_name,)
        length = entity_type.properties[field_name].length or 10
        chunk = self.settings.read_by_chunk
        for start in range(0, len(wanted), chunk):
            terms: list[str] = []
            for value in wanted[start : start + chunk]:
                terms += key_forms(value, length) if is_key else [value]
            base = builder.one_of(field_name, dict.fromkeys(terms))
            yield from self._keyset(plan, builder, base, entity_type.keys)

    def _keyset(
        self, plan: ReadPlan, builder: FilterBuilder, base: Filter | None,
        order: tuple[str, ...], *, watch: PageWatch | None = None, overlap: int = 0,
    ) -> Iterator[SourceRecord]:
        """Pages of ``page_size`` rows (the first ``overlap`` more), each after the last row
        of the one before; one answered with fewer rows than asked for is the last.
        ``watch`` sees every answered page and may add request headers."""
        service = self.directory.service_of(plan.entity.set_name)
        condition = base
        top = self.settings.page_size + overlap
        while True:
            query = plan.query(condition.text if condition else None, order, top)
            count, last = 0, None
            headers = watch.headers if watch else None
            for page in self.client.pages(service, plan.entity.set_name, query, headers):
                if watch:
                    watch.seen(page)
                for row in page.rows:
                    whole = complete_lines(self.client, service, plan, row)
                    count, last = count + 1, to_record(plan, whole)
                    yield last
            if last is None or count < top:
                return
            top = self.settings.page_size
            after = builder.after([(name, last.fields[name]) for name in order])
            condition = after if base is None else base & after

    def _skip_pages(
        self, plan: ReadPlan, order: tuple[str, ...], start: Position | None
    ) -> Iterator[SourceRecord]:
        """``$top``/``$skip`` pages from the first order field of ``start`` on; rows that
        still sort before ``start`` are dropped here."""
        service = self.directory.service_of(plan.entity.set_name)
        coarse = builder_for(plan.entity).not_before(start[:1]) if start else None
        size, skip = self.settings.page_size, 0
        while True:
            query = plan.query(coarse.text if coarse else None, order, size, skip)
            count = 0
            for page in self.client.pages(service, plan.entity.set_name, query):
                count += len(page.rows)
                for row in page.rows:
                    record = to_record(plan, complete_lines(self.client, service, plan, row))
                    if start is None or not _sorts_before(record, start):
                        yield record
            if count < size:
                return
            skip += count


class PageWatch(Protocol):
    """Looks at the pages of a keyset read as they arrive (a delta read takes its link)."""

    headers: Mapping[str, str]

    def seen(self, page: Page) -> None: ...


def builder_for(entity: EntityModel) -> FilterBuilder:
    types = {name: schema.type for name, schema in entity.type.properties.items()}
    return FilterBuilder(entity.set_name, types)


def _start(plan: ReadPlan, since: Cursor | None) -> Position | None:
    """Where a read from ``since`` begins: its stamp, then its key within that stamp."""
    if since is None:
        return None
    keys = key_position(plan.entity.type, since.key) or []
    if plan.stamp.is_snapshot:
        return keys or None
    return plan.stamp.position(since.modified_at) + keys


def _sorts_before(record: SourceRecord, start: Position) -> bool:
    """Whether ``record`` comes before ``start`` in ascending order, nulls first."""
    mine = [_sortable(record.fields.get(name)) for name, _ in start]
    theirs = [_sortable(value) for _, value in start]
    return mine < theirs


def _sortable(value: Any) -> tuple[bool, Any]:
    return (value is not None, value if value is not None else 0)
