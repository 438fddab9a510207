"""The SAP S/4HANA connector: OData V2 services behind the ``Connector`` protocol.

One object per system, made of parts with one job each:

- ``odata.ODataClient``: HTTP - ``sap-client``, CSRF tokens with the session's cookies,
  ``$batch``, ``__next`` links, retries (``retry.py``) and error translation (``errors.py``);
- ``services.ServiceDirectory``: which service serves an entity set, its ``$metadata``, and
  the per-entity settings checked against it;
- ``reader.Reader``: change capture and lookups (keyset pages, ``$top``/``$skip`` where
  configured), records flattened by ``reading.py``;
- ``writer.Writer``: ``$batch`` writes, one changeset per record (``writing.py``,
  ``lines.py``, ``payloads.py``), guarded against blind overwrites (``guard.py``), creates
  made exactly once by reference (``creates.py``);
- ``delta.DeltaRead``: delta-token reads, where a service tracks changes.

Services covered by the defaults (``settings.DEFAULT_SERVICES``): business partners with
addresses, products with descriptions and plant data, sales orders with items and pricing
elements (create with deep insert, change, read status), billing documents and outbound
deliveries (read), material stock (read; a stand-in in ``sandbox/sap_stock``, since mock-sap
lacks that service).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta

import requests

from connectors.base import (
    CallCounter,
    Cursor,
    ObjectSchema,
    SourceRecord,
    TargetRecord,
    WriteResult,
)
from connectors.errors import ConfigError, TransientError
from connectors.sap.deletes import delete_records
from connectors.sap.delta import DeltaRead
from connectors.sap.odata import ODataClient
from connectors.sap.reader import Reader
from connectors.sap.retry import RetryPolicy
from connectors.sap.services import ServiceDirectory
from connectors.sap.settings import DEFAULT_SERVICES, SapSettings
from connectors.sap.writer import Writer

_UNREACHABLE = {"CONNECT_FAILED", "TIMEOUT", "CONNECTION_LOST"}


class SapODataConnector:
    """Reads and writes SAP entity sets (``A_BusinessPartner``, ...) through OData V2."""

    system = "sap"

    def __init__(
        self,
        settings: SapSettings,
        counter: CallCounter | None = None,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.counter = counter or CallCounter()
        self.lookback = timedelta(seconds=settings.lookback_seconds)
        self._client = ODataClient(settings, self.counter, session=session, retry=retry)
        self._directory = ServiceDirectory(settings, self._client)
        self._reader = Reader(self._directory)
        self._writer = Writer(self._directory, self._reader)

    def close(self) -> None:
        """Close the HTTP session (and forget the CSRF tokens bound to it)."""
        self._client.close()

    # -- schema ---------------------------------------------------------------------------

    def check(self) -> None:
        """Reach and log in to every configured SAP address once, without retrying a host
        that does not answer: the ``$metadata`` of the first configured service on each
        address, where the entity sets an admin routed to it are checked too. The defaults
        (``DEFAULT_SERVICES``) are a catalogue, not a promise: a system may lack some of them
        (mock-sap has no ``A_BusinessPartnerContact``). Each object a sync uses is checked in
        full by ``describe``, which the engine calls at start-up."""
        for service in self._first_service_per_address():
            try:
                model = self._directory.model(service, retry=False)
            except TransientError as exc:
                if exc.code not in _UNREACHABLE:
                    raise
                raise ConfigError(
                    f"cannot reach SAP at {self.settings.base_url_of(service)} "
                    f"({exc.message}); check ERPSYNC_SAP_BASE_URL "
                    f"(ERPSYNC_SAP_SERVICE_BASE_URLS) and the network",
                    code="UNREACHABLE", system="sap",
                ) from exc
            for obj, its_service in self.settings.services.items():
                if its_service == service and DEFAULT_SERVICES.get(obj) != its_service:
                    model.entity(obj)

    def _first_service_per_address(self) -> list[str]:
        first: dict[str, str] = {}
        for service in self.settings.services.values():
            first.setdefault(self.settings.base_url_of(service), service)
        return list(first.values())

    def describe(self, obj: str) -> ObjectSchema:
        """Fields of ``obj`` from ``$metadata`` (cached per service), nested as paths, after
        checking the settings that name its fields (change stamp, reference field)."""
        entity = self._directory.entity(obj)
        self._directory.stamp(entity)
        self._directory.reference_field(entity)
        return self._directory.schema(obj)

    # -- reading --------------------------------------------------------------------------

    def read_changes(
        self, obj: str, since: Cursor | None, fields: Sequence[str]
    ) -> Iterator[SourceRecord]:
        """Records at or after ``since`` in ``(stamp, key)`` order, one page in memory at a
        time (see ``reader.py``). The lookback (``self.lookback``) is the caller's to apply
        once per run; applied here it would re-read the window on every page."""
        return self._reader.read_changes(obj, since, fields)

    def read_by(
        self, obj: str, field_name: str, values: Sequence[str], fields: Sequence[str]
    ) -> Iterator[SourceRecord]:
        """Records whose ``field_name`` is one of ``values``, in batched OR-filters."""
        return self._reader.read_by(obj, field_name, values, fields)

    def tracks_changes(self, obj: str) -> bool:
        """Whether a sync reads ``obj`` through delta links (``delta_entity_sets``); the
        engine then calls ``read_delta`` with the link it kept instead of ``read_changes``."""
        return obj in self.settings.delta_entity_sets

    def read_delta(self, obj: str, link: str | None, fields: Sequence[str]) -> DeltaRead:
        """Changes since ``link`` (everything when ``None``), deletions included; the
        returned read's ``link`` is the next one once it has been iterated (``delta.py``)."""
        return DeltaRead(self._reader, obj, link, fields)

    # -- writing --------------------------------------------------------------------------

    def write_batch(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        """One result per record, in order (see ``writer.py``)."""
        return self._writer.write_batch(obj, records)

    def delete_batch(self, obj: str, keys: Sequence[str],
                     etags: Mapping[str, str] | None = None) -> list[WriteResult]:
        """Delete by key in ``$batch``es, If-Match with ``etags`` (see ``deletes.py``)."""
        return delete_records(self._directory, obj, keys, etags)
