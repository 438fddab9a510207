"""Delta tokens: what changed since the last read, deletions included, where SAP tracks it.

An OData V2 service that tracks changes answers a read sent with
``Prefer: odata.track-changes`` with a ``__delta`` link in the payload; a ``GET`` of that
link later returns the entries changed since it was issued and, for entries deleted since,
stubs whose ``__metadata`` says ``"deleted": true`` (SAP Gateway's delta query protocol, used
by CDS views with change data capture; mock-sap implements it for every entity with a change
stamp). Deletes are the reason to use it: a change-stamp filter cannot see a row that is
gone. The link is opaque and kept exactly as SAP wrote it (it carries the token; we never
parse it).

``read_delta(obj, None, fields)`` is the first read: the whole entity set, page by page in
keyset order, with the link taken from the FIRST page, so changes made while later pages are
read come again next time (at least once, never lost). ``read_delta(obj, link, fields)``
follows a link (and ``__next`` links after it) and yields records in SAP's order. Deleted
entries carry only their key; their ``modified_at`` is the ``Date`` of SAP's answer (the
entry has no stamp left; the answer is an upper bound for the deletion). A service that does
not track changes answers the first read without a link: ``link`` stays ``None``. A link SAP
refuses (its token expired, or the system was restored) is logged and replaced: the whole set
is read again, which hands out a new one.

A sync uses it for the entity sets named in ``delta_entity_sets`` (the connector's
``tracks_changes``): the engine then reads them through ``read_delta`` from the link it kept
in the state store for (sync, system, object) and keeps the new link once every page of the
read is checkpointed (``engine/delta_pages.py``), so SAP deletes reach the sync as deleted
records.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from connectors.base import SourceRecord
from connectors.errors import ConfigError, RecordRejected
from connectors.sap.odata import Page
from connectors.sap.payloads import parse_key
from connectors.sap.reader import Reader
from connectors.sap.reading import SYSTEM, ReadPlan, key_from_uri, to_record
from connectors.sap.values import EPOCH

log = logging.getLogger(__name__)

TRACK_CHANGES = {"Prefer": "odata.track-changes"}


class DeltaRead:
    """The records of one delta read; ``link`` is the next delta link once all are read."""

    def __init__(self, reader: Reader, obj: str, link: str | None,
                 fields: Sequence[str]) -> None:
        entity = reader.directory.entity(obj)
        self._reader = reader
        self._plan = reader.plan(entity, fields, reader.directory.stamp(entity))
        self._start = link
        self.link: str | None = None
        self.headers: Mapping[str, str] = TRACK_CHANGES

    def __iter__(self) -> Iterator[SourceRecord]:
        if self._start is None:
            return self._reader.keyset_from(self._plan, None, watch=self)
        return self._follow(self._start)

    def seen(self, page: Page) -> None:
        """Keep the first link SAP hands out (the earliest point in time)."""
        if self.link is None and page.delta_link:
            self.link = page.delta_link

    def _follow(self, link: str) -> Iterator[SourceRecord]:
        client = self._reader.client
        service = self._reader.directory.service_of(self._plan.entity.set_name)
        last: str | None = None
        pages = client.follow(service, client.absolute(service, link), TRACK_CHANGES)
        try:
            first = next(pages)
        except StopIteration:
            return
        except (ConfigError, RecordRejected) as exc:
            # An expired token (or one of a system restored since) is refused, never
            # transiently: a full read hands out a new link and loses nothing.
            log.warning("SAP refused the delta link of %s (%s); reading all of it again for "
                        "a new link", self._plan.entity.set_name, exc.message)
            yield from self._reader.keyset_from(self._plan, None, watch=self)
            return
        for page in itertools.chain([first], pages):
            last = page.delta_link or last
            for row in page.rows:
                yield _deleted(self._plan, row, page.served_at) if _is_deleted(row) \
                    else to_record(self._plan, row)
        self.link = last


def _is_deleted(row: Mapping[str, Any]) -> bool:
    metadata = row.get("__metadata")
    return isinstance(metadata, Mapping) and metadata.get("deleted") is True


def _deleted(plan: ReadPlan, row: Mapping[str, Any], served_at: str | None) -> SourceRecord:
    metadata = row["__metadata"]
    uri = str(metadata.get("uri") or metadata.get("id") or "")
    key = key_from_uri(plan.entity.type, uri) or ""
    return SourceRecord(system=SYSTEM, object=plan.entity.set_name, key=key,
                        fields=parse_key(plan.entity.type, key) if key else {},
                        modified_at=_served(served_at), deleted=True)


def _served(value: str | None) -> datetime:
    if not value:
        return EPOCH
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return EPOCH
