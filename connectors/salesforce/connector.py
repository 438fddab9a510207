"""``SalesforceConnector``: the ``connectors.base.Connector`` contract over the REST API.

Change capture reads through **queryAll** so that soft-deleted rows (``IsDeleted = true``, still
in the recycle bin) come too (REST API Developer Guide, "QueryAll",
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-queryall.html)::

    SELECT Id, SystemModstamp, IsDeleted, <fields> FROM <obj>
    WHERE SystemModstamp >= <cursor - lookback> ORDER BY SystemModstamp, Id

The cursor is read inclusively and moved back by ``lookback_seconds``: a record's
SystemModstamp is set when its transaction starts, so a slow transaction can make a smaller stamp
visible after a faster one was read. A row that comes twice within one read (the same Id at the
same SystemModstamp, e.g. repeated across a page boundary) is yielded once: the rows arrive in
``(SystemModstamp, Id)`` order, so only the Ids of the current instant are remembered
(``records.once_per_instant``). A record changed again while the read pages on may come back
later with its newer stamp: that is a newer version, not a repeat. Across reads the engine's
content hashes drop the overlap. The recycle bin forgets deletes after 15 days;
``deletes_complete_since`` tells the engine when a cursor is older than what the org still
keeps, so that it reconciles full key sets instead (``deletes``).

What a run costs besides its data calls: a login and the describes of the mapped objects,
once per process for the same org and user (``org_cache``: a run that follows another in the
same process makes neither); the preflight of ``check`` (one ``GET /sobjects``, every run);
and no getDeleted call while the cursor is well inside the recycle-bin window
(``delete_window_check``).

Writes go through sObject Collections, or Bulk API 2.0 above ``bulk_threshold`` records
(``writes``). Fields named ``<Relationship>.<Field>`` are parent references by External ID, on
reads and writes alike (``references``). Fields named ``<ChildRelationship>/<Field>``
(``OrderItems/Quantity``) ask for a document's lines: read with one child query per chunk of
parents (``lines``), written after their parents (``line_writes``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta

from connectors.base import (
    CallCounter,
    Cursor,
    ObjectSchema,
    SourceRecord,
    TargetRecord,
    WriteResult,
)
from connectors.errors import ConfigError, TransientError
from connectors.salesforce.children import split_line_fields
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.deletes import deletes_visible_since
from connectors.salesforce.deletes_write import delete_records
from connectors.salesforce.errors import MAYBE_PROCESSED_CODES, NOT_SENT_CODES, SYSTEM
from connectors.salesforce.line_writes import LineWriter
from connectors.salesforce.lines import LineReader, line_reads
from connectors.salesforce.records import once_per_instant, source_record
from connectors.salesforce.schema import SYSTEM_FIELDS, object_schema
from connectors.salesforce.settings import SalesforceSettings
from connectors.salesforce.soql import SoqlQuery, chunk_values, valid_name


class SalesforceConnector:
    """Reads and writes one Salesforce org. Not thread-safe: one per worker."""

    system = "salesforce"

    def __init__(self, settings: SalesforceSettings, counter: CallCounter | None = None) -> None:
        self.settings = settings
        self.counter = counter if counter is not None else CallCounter()
        self.lookback = timedelta(seconds=settings.lookback_seconds)
        self._client = SalesforceClient(settings, self.counter)
        self._schemas: dict[str, ObjectSchema] = {}

    def __repr__(self) -> str:
        settings = self.settings
        return f"SalesforceConnector(login_url={settings.login_url!r}, auth={settings.auth!r})"

    @property
    def api_usage(self) -> tuple[int, int] | None:
        """``(used, limit)`` of the org's daily API requests, from the last Sforce-Limit-Info."""
        return self._client.api_usage

    def check(self) -> None:
        """List the org's objects (``GET /sobjects``, the Describe Global resource: cheap, and
        refused without the "API Enabled" permission) with the session this process holds
        for the same org and credentials, else with a fresh token (an expired session is
        renewed once); ``ConfigError`` with the reason if that fails."""
        try:
            self._client.rest("GET", "sobjects", "preflight (describe global)")
        except TransientError as exc:
            if exc.code not in NOT_SENT_CODES | MAYBE_PROCESSED_CODES:
                raise
            raise ConfigError(
                f"cannot reach Salesforce: {exc.message}",  # names the address that failed
                code="UNREACHABLE",
                system=SYSTEM,
            ) from None

    def describe(self, obj: str) -> ObjectSchema:
        """Fields of ``obj`` from sObject Describe, cached for the connector's life and shared
        with the process's other connectors of this org for ``describe_cache_seconds``."""
        if obj not in self._schemas:
            name = valid_name(obj, "object")
            org = self._client.org
            answer = org.describe(name, self.settings.describe_cache_seconds)
            fresh = answer is None
            if fresh:
                answer = self._client.rest(
                    "GET", "/".join(("sobjects", name, "describe")), f"describe {obj}"
                )
            self._schemas[obj] = object_schema(obj, answer, self.describe)
            if fresh:  # only an answer that made a schema is shared
                org.keep_describe(name, answer)
        return self._schemas[obj]

    def read_changes(
        self, obj: str, since: Cursor | None, fields: Sequence[str]
    ) -> Iterator[SourceRecord]:
        """``_changes`` of ``obj``, each with the lines ``fields`` ask for (``lines``)."""
        own, lines = split_line_fields(fields)
        reads = line_reads(obj, self.describe(obj), lines)
        return self._lines().attach(reads, self._changes(obj, since, own))

    def read_by(
        self, obj: str, field_name: str, values: Sequence[str], fields: Sequence[str]
    ) -> Iterator[SourceRecord]:
        """``_read_by`` of ``obj``, each with the lines ``fields`` ask for (``lines``)."""
        own, lines = split_line_fields(fields)
        reads = line_reads(obj, self.describe(obj), lines)
        return self._lines().attach(reads, self._read_by(obj, field_name, values, own))

    def _lines(self) -> LineReader:
        return LineReader(self._client, self.settings.read_by_chunk_size, self._query)

    def _changes(
        self, obj: str, since: Cursor | None, fields: Sequence[str]
    ) -> Iterator[SourceRecord]:
        """Rows of ``obj`` at or after ``since`` in ``(SystemModstamp, Id)`` order (keyset:
        a cursor with a key skips the rows before it at the same stamp), deletes included,
        one page at a time. The lookback is the caller's to apply, once per run
        (``self.lookback``): applied here it would re-read the window on every page."""
        query = self._query(obj, fields).order_by("SystemModstamp", "Id")
        selected = query.fields
        if since is not None and since.key:
            query = query.at_or_after("SystemModstamp", "Id", since.modified_at, since.key)
        elif since is not None:
            query = query.where("SystemModstamp", ">=", since.modified_at)
        pages = self._client.query_pages(
            query.build(), include_deleted=True, context=f"queryAll {obj}"
        )
        rows = (source_record(obj, row, selected) for page in pages for row in page)
        yield from once_per_instant(rows)

    def _read_by(
        self, obj: str, field_name: str, values: Sequence[str], fields: Sequence[str]
    ) -> Iterator[SourceRecord]:
        """Live rows of ``obj`` whose ``field_name`` is in ``values``: ``IN (...)`` queries of at
        most ``read_by_chunk_size`` values each, so that the query URL stays short. The
        ``field_name`` column is always selected, so callers can match rows to values."""
        query = self._query(obj, [field_name, *fields])
        distinct = list(dict.fromkeys(values))
        for chunk in chunk_values(distinct, self.settings.read_by_chunk_size):
            soql = query.where_in(field_name, chunk).build()
            for page in self._client.query_pages(
                soql, include_deleted=False, context=f"query {obj}"
            ):
                for row in page:
                    yield source_record(obj, row, query.fields)

    def write_batch(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        """Write ``records`` with sObject Collections or Bulk API 2.0 (``writes``), their
        lines after them (``line_writes``)."""
        if not records:
            return []
        return LineWriter(self._client, self.settings, self.describe).write(obj, records)

    def delete_batch(self, obj: str, keys: Sequence[str],
                     etags: Mapping[str, str] | None = None) -> list[WriteResult]:
        """Delete records by Id with sObject Collections (``deletes_write``); ``etags`` unused."""
        return delete_records(self._client, self.settings, valid_name(obj, "object"), keys)

    def deletes_complete_since(self, obj: str, since: datetime) -> bool:
        """False when the org may have forgotten deletes of ``obj`` since ``since`` (older
        than its 15-day window, or purged): the engine must reconcile key sets instead."""
        return deletes_visible_since(self._client, valid_name(obj, "object"), since,
                                     self.settings.delete_window_check)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SalesforceConnector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _query(self, obj: str, fields: Sequence[str]) -> SoqlQuery:
        """A query on ``obj`` selecting the system fields and ``fields``, which must all be
        known to its describe (parent paths included: looking them up resolves them)."""
        schema = self.describe(obj)
        paths = [name for name in fields if name not in SYSTEM_FIELDS and name in schema.fields]
        allowed = {*schema.fields, *SYSTEM_FIELDS, *paths}
        return SoqlQuery.on(obj, allowed).select(*SYSTEM_FIELDS, *fields)
