"""The SAP connector over RFC/BAPI, for ECC and for what S/4HANA's OData APIs do not cover.

What RFC offers here, object by object (``objects.py``):

- ``Customer``: change capture and batch lookups. Records are ``BAPI_CUSTOMER_GETLIST`` rows
  (``ADDRESSDATA``), fetched a page of keys at a time through ``IDRANGE``, plus
  ``BAPI_CUSTOMER_GETDETAIL2`` per record only when a detail field (creation date, company
  code data) is asked for. The BAPIs return no
  change stamp, so ``modified_at`` comes from a change table (``changes.py``); with a
  date-only column it is the start of the change day in the system's time zone. No deletes:
  ``ADDRESSDATA`` carries no deletion flag. No writes: the stand-in offers no customer
  create/change BAPI, and on S/4HANA customers are business partners (write them over
  OData); ``write_batch`` refuses before any call.
- ``Material``: the same through ``BAPI_MATERIAL_GETLIST`` (and ``BAPI_MATERIAL_GET_DETAIL``
  for weights); ``DEL_FLAG = 'X'`` is a delete.
- ``SalesOrder``: create, change (``orders.py``, exactly once by PO number) and status by
  order number (``read_by(..., "SD_DOC", ...)``); no change capture.

Every call runs on the calling thread's own connection (``pool.py``) and transient failures
are retried here, in one layer, with the OData transport's ``RetryPolicy`` (tenacity): reads
always, writes as ``orders.py`` decides.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from connectors.base import (
    CallCounter,
    Cursor,
    ObjectSchema,
    SourceRecord,
    TargetRecord,
    WriteResult,
)
from connectors.errors import ConfigError, TransientError
from connectors.sap.keys import alpha_in
from connectors.sap.retry import RetryPolicy
from connectors.sap.rfc import calls, errors, orders, table_query
from connectors.sap.rfc.changes import ChangeLog, Stamp
from connectors.sap.rfc.objects import OBJECTS, SALES_ORDER, Detail, RfcObject
from connectors.sap.rfc.pool import ConnectionPool
from connectors.sap.rfc.protocol import ConnectionFactory
from connectors.sap.rfc.settings import SapRfcSettings
from connectors.sap.rfc.table_query import TableQuery
from connectors.sap.values import EPOCH

log = logging.getLogger(__name__)

SYSTEM = "sap"


def default_factory(settings: SapRfcSettings) -> ConnectionFactory:
    """Connections of the configured library; pyrfc is imported only when used."""
    if settings.rfc_library == "json-http":
        from connectors.sap.rfc.json_http import JsonHttpConnection

        return lambda: JsonHttpConnection(settings)
    from connectors.sap.rfc.pyrfc_backend import open_connection

    return lambda: open_connection(settings)


class SapRfcConnector:
    """Reads and writes SAP objects through function modules (see the module docstring)."""

    system = SYSTEM

    def __init__(self, settings: SapRfcSettings, counter: CallCounter | None = None, *,
                 connect: ConnectionFactory | None = None,
                 retry: RetryPolicy | None = None) -> None:
        """``connect`` opens one connection (tests wrap the stand-in's in a strict one)."""
        self.settings = settings
        self.counter = counter or CallCounter()
        self.retry = retry or RetryPolicy(settings.max_retries, settings.retry_base_wait,
                                          settings.retry_max_wait)
        self.pool = ConnectionPool(connect or default_factory(settings))
        self._orders = orders.OrderWriter(self.pool, self.counter, self.retry)
        self._change_logs: dict[str, ChangeLog] = {}

    def __repr__(self) -> str:
        return f"SapRfcConnector(library={self.settings.rfc_library!r}, " \
               f"client={self.settings.client!r}, user={self.settings.user!r})"

    def close(self) -> None:
        """Close every thread's connection; harmless twice."""
        self.pool.close()

    # -- schema ---------------------------------------------------------------------------

    def check(self) -> None:
        """Log on and ping once (no retries: an unreachable host is a configuration
        problem), then check every configured change table's columns."""
        try:
            with self.pool.session() as connection:
                calls.call(connection, self.counter, "RFC_PING")
        except TransientError as exc:
            raise ConfigError(f"cannot reach SAP over RFC ({exc.message}); check the "
                              f"connection settings and the network", code="UNREACHABLE",
                              system=SYSTEM) from exc
        for obj in sorted(self.settings.change_tables):
            self._change_log(obj)

    def describe(self, obj: str) -> ObjectSchema:
        return self._object(obj).schema()

    def _object(self, obj: str) -> RfcObject:
        found = OBJECTS.get(obj)
        if found is None:
            raise ConfigError(f"the RFC transport serves no object {obj!r}; it serves: "
                              f"{', '.join(sorted(OBJECTS))}", code="UNKNOWN_OBJECT",
                              system=SYSTEM)
        return found

    def _fields(self, spec: RfcObject, fields: Sequence[str]) -> list[str]:
        schema = spec.schema()
        if unknown := [name for name in fields if not schema.has(name)]:
            raise ConfigError(f"{spec.name} has no field(s) {unknown}; it has: "
                              f"{', '.join(sorted(schema.fields))}", code="UNKNOWN_FIELD",
                              system=SYSTEM)
        return list(dict.fromkeys([spec.key, *fields]))

    def _change_log(self, obj: str) -> ChangeLog:
        if obj not in self._change_logs:
            spec = self.settings.change_table(obj)
            if spec is None:
                raise ConfigError(f"no change table configured for {obj} "
                                  f"(ERPSYNC_SAP_CHANGE_TABLES): RFC cannot tell what changed",
                                  code="NO_CHANGE_TABLE", system=SYSTEM)
            described = self._read_call(table_query.FUNCTION, QUERY_TABLE=spec.table,
                                        NO_DATA="X")
            query = TableQuery(spec.table, table_query.column_names(described))
            self._change_logs[obj] = ChangeLog(spec, query, self.settings.zone,
                                               lambda params: self._read_call(
                                                   table_query.FUNCTION, **params))
        return self._change_logs[obj]

    def _read_call(self, function: str, **params: Any) -> dict[str, Any]:
        """A call that reads only, so repeating it is always safe."""
        for attempt in self.retry.retrying(idempotent=True, what=function):
            with attempt, self.pool.session() as connection:
                return calls.call(connection, self.counter, function, **params)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    # -- reading --------------------------------------------------------------------------

    def read_changes(self, obj: str, since: Cursor | None,
                     fields: Sequence[str]) -> Iterator[SourceRecord]:
        """Records changed at or after ``since`` in ``(modified_at, key)`` order, one page of
        keys at a time; fields and the change table are checked now."""
        spec = self._object(obj)
        wanted = self._fields(spec, fields)
        if spec.list_function is None:
            raise ConfigError(f"{obj} has no change capture over RFC", code="UNSUPPORTED",
                              system=SYSTEM)
        change_log = self._change_log(obj)
        return self._changed(spec, change_log, since, wanted)

    def _changed(self, spec: RfcObject, change_log: ChangeLog, since: Cursor | None,
                 wanted: list[str]) -> Iterator[SourceRecord]:
        size = self.settings.page_size
        for run in change_log.changed(since, size):
            for start in range(0, len(run), size):
                page = run[start : start + size]
                rows = self._list(spec, [stamp.key for stamp in page], wanted)
                for stamp in page:
                    row = rows.get(alpha_in(stamp.key))
                    if row is not None:
                        yield self._record(spec, row, wanted, stamp)

    def read_by(self, obj: str, field_name: str, values: Sequence[str],
                fields: Sequence[str]) -> Iterator[SourceRecord]:
        """Records whose ``field_name`` is one of ``values``: the key through the GETLIST
        selection, other fields through the change table's columns, order numbers through
        the status BAPI."""
        spec = self._object(obj)
        wanted = self._fields(spec, [*fields, field_name])
        values = list(dict.fromkeys(v for v in values if v))
        if spec is SALES_ORDER:
            if field_name != SALES_ORDER.key:
                raise ConfigError(f"SalesOrder can be read by {SALES_ORDER.key} only",
                                  code="UNSUPPORTED_FIELD", system=SYSTEM)
            return orders.read_status(self.pool, self.counter, self.retry, values)
        change_log = self._change_log(obj) if self.settings.change_table(obj) else None
        if change_log is None and field_name != spec.key:
            raise ConfigError(f"{obj} can be read by {spec.key} only without a change table",
                              code="UNSUPPORTED_FIELD", system=SYSTEM)
        return self._read_by(spec, change_log, field_name, values, wanted)

    def _read_by(self, spec: RfcObject, change_log: ChangeLog | None, field_name: str,
                 values: list[str], wanted: list[str]) -> Iterator[SourceRecord]:
        """Per chunk: the keys (from the change table unless the key was given), their
        stamps, then one GETLIST. Without a change table a record is stamped 1970-01-01."""
        chunk = self.settings.read_by_chunk
        for start in range(0, len(values), chunk):
            part = values[start : start + chunk]
            keys = part
            if change_log is not None and field_name != spec.key:
                keys = change_log.keys_where(field_name, part)
            if not keys:
                continue
            stamps = change_log.stamps_of(keys) if change_log is not None else {}
            for normal, row in self._list(spec, keys, wanted).items():
                yield self._record(spec, row, wanted, stamps.get(normal))

    def _list(self, spec: RfcObject, keys: list[str],
              wanted: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        """One GETLIST call for ``keys``; rows by ALPHA-normalised key. Detail fields among
        ``wanted`` add one GETDETAIL call per row (no list BAPI returns them)."""
        assert spec.list_function is not None and spec.selection is not None
        selection = spec.selection.rows([alpha_in(key) for key in keys])
        result = self._read_call(spec.list_function, **spec.extra_params,
                                 **{spec.selection.parameter: selection})
        rows = {alpha_in(str(row.get(spec.key, ""))): dict(row)
                for row in result.get(spec.result_table) or []}
        detail = spec.detail
        if detail is not None and set(wanted) & set(detail.fields):
            for row in rows.values():
                row.update(self._detail(detail, str(row.get(spec.key, ""))))
        return rows

    def _detail(self, detail: Detail, key: str) -> dict[str, Any]:
        result = self._read_call(detail.function, **{detail.key_parameter: key})
        if errors.failures(errors.return_messages(result)):
            log.warning("SAP %s found no %s; its detail fields stay empty", detail.function, key)
            return {}
        found: dict[str, Any] = {}
        for structure, names in detail.structures.items():
            values = result.get(structure) or {}
            found.update({name: values.get(name) for name in names})
        return found

    def _record(self, spec: RfcObject, row: dict[str, Any], wanted: list[str],
                stamp: Stamp | None) -> SourceRecord:
        fields = {name: _clean(row.get(name)) for name in wanted}
        flag = spec.deleted_field
        deleted = flag is not None and _clean(row.get(flag)) == spec.deleted_value
        key = stamp.key if stamp is not None else str(fields[spec.key])
        return SourceRecord(system=SYSTEM, object=spec.name, key=key, fields=fields,
                            modified_at=stamp.at if stamp is not None else EPOCH,
                            deleted=deleted)

    # -- writing --------------------------------------------------------------------------

    def write_batch(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        """One result per record, in order; objects RFC cannot write are refused whole,
        before any call."""
        spec = self._object(obj)
        if not records:
            return []
        if not spec.writable:
            raise ConfigError(f"{obj} cannot be written over RFC here (no create/change BAPI "
                              f"for it); write it through the OData transport",
                              code="WRITE_UNSUPPORTED", system=SYSTEM)
        if any(record.upsert_field for record in records):
            raise ConfigError("RFC has no upsert by external ID; sales orders are created "
                              "once by their PO number instead", code="UPSERT_UNSUPPORTED",
                              system=SYSTEM)
        return self._orders.write(records)


def _clean(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value

