"""Sales orders over BAPIs: create exactly once, change, read status.

Each order is its own unit of work: ``BAPI_SALESORDER_CREATEFROMDAT2`` (or ``_CHANGE``), then
on the same connection ``BAPI_TRANSACTION_COMMIT`` with WAIT, or ``BAPI_TRANSACTION_ROLLBACK``
when RETURN holds an E or A row. One commit for several orders would be one call fewer per
order, but the rollback that one refused order needs would discard the others' work too.
There is no batch BAPI for creating sales orders.

Exactly once: the caller's order id (the Salesforce order id) travels in the customer's PO
number ``PURCH_NO_C``. Before creating, the orders of the batch's sold-to parties are listed
once (``BAPI_SALESORDER_GETLIST``, one call per sold-to party) and a PO number already there
is answered with that order (``unchanged``), so a batch repeated after a crash creates
nothing twice. When a create or its commit fails in transit, SAP may or may not have saved
the order, so before the next attempt the connector reads back by PO number and creates
again only if the order is not there. GETLIST needs the sold-to party and sales organization
and can narrow by PO number (as its sibling BAPI_SALESORDER_GETLISTBOS documents,
https://www.stechno.net/referentiel/fonctions-sap.html?id=BAPI_SALESORDER_GETLISTBOS); the PO
number is compared here too, in case a system ignores that parameter.

Record shape (the BAPI's own names): header fields ``DOC_TYPE``, ``SALES_ORG``,
``DISTR_CHAN``, ``DIVISION``, ``PURCH_NO_C``, ``CURRENCY``, ``SOLD_TO``, and ``ITEMS``, a list
of lines ``{"ITM_NUMBER", "MATERIAL", "REQ_QTY" (Decimal), "SALES_UNIT", "PLANT",
"SHORT_TEXT"}``. The quantity goes to the item's ``TARGET_QTY`` and to a schedule line's
``REQ_QTY``, where SAP keeps the requested quantity of a standard order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.base import CallCounter, SourceRecord, TargetRecord, WriteResult
from connectors.errors import RecordRejected, SyncError
from connectors.sap.keys import alpha_in
from connectors.sap.retry import RetryPolicy
from connectors.sap.rfc import calls, errors
from connectors.sap.rfc.objects import ITEMS, SALES_ORDER
from connectors.sap.rfc.pool import ConnectionPool
from connectors.sap.values import EPOCH

log = logging.getLogger(__name__)

CREATE = "BAPI_SALESORDER_CREATEFROMDAT2"
CHANGE = "BAPI_SALESORDER_CHANGE"
STATUS = "BAPI_SALESORDER_GETSTATUS"
LIST = "BAPI_SALESORDER_GETLIST"
HEADER = ("DOC_TYPE", "SALES_ORG", "DISTR_CHAN", "DIVISION", "PURCH_NO_C", "CURRENCY")
LINE = ("ITM_NUMBER", "MATERIAL", "REQ_QTY", "SALES_UNIT", "PLANT", "SHORT_TEXT")
SOLD_TO_ROLE = "AG"


def invalid(message: str) -> RecordRejected:
    return RecordRejected(message, code="INVALID_RECORD", system="sap")


def validate(record: TargetRecord) -> None:
    """Refuse a record SAP could not take, before anything is sent."""
    known = {f.name for f in SALES_ORDER.fields}
    if unknown := sorted(set(record.fields) - known):
        raise invalid(f"SalesOrder has no field(s) {unknown}; it has: {sorted(known)}")
    creating = record.key is None
    if creating and not all(record.fields.get(n) for n in ("SOLD_TO", "PURCH_NO_C")):
        raise invalid("a new sales order needs SOLD_TO and PURCH_NO_C (the caller's order "
                      "id, which makes the create happen once)")
    if creating and not record.fields.get(ITEMS):
        raise invalid("a new sales order needs at least one line in ITEMS")
    if not creating and "SOLD_TO" in record.fields:
        raise invalid("the sold-to party of an existing order cannot be changed here")
    for line in _lines(record.fields):
        if unknown := sorted(set(line) - set(LINE)):
            raise invalid(f"a sales order line has no field(s) {unknown}; it has: {LINE}")
        _quantity(line)


def _lines(fields: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    lines = fields.get(ITEMS) or []
    if not isinstance(lines, list) or not all(isinstance(x, Mapping) for x in lines):
        raise invalid("ITEMS must be a list of lines (dictionaries)")
    return lines


def _quantity(line: Mapping[str, Any]) -> Decimal | None:
    value = line.get("REQ_QTY")
    if value is None:
        return None
    try:
        quantity = Decimal(str(value))
    except InvalidOperation:
        raise invalid(f"REQ_QTY {value!r} is not a number") from None
    if not quantity.is_finite() or quantity <= 0:
        raise invalid(f"REQ_QTY {value!r} must be a positive number")
    return quantity


def item_number(line: Mapping[str, Any], position: int) -> str:
    """``ITM_NUMBER`` as SAP keeps it (NUMC 6); lines without one are numbered 10, 20, ..."""
    given = str(line.get("ITM_NUMBER") or "").strip()
    return given.zfill(6) if given else str(position * 10).zfill(6)


def create_params(fields: Mapping[str, Any]) -> dict[str, Any]:
    header = {name: fields[name] for name in HEADER if fields.get(name) is not None}
    items, schedules = [], []
    for position, line in enumerate(_lines(fields), start=1):
        number = item_number(line, position)
        item = {name: line[name] for name in ("MATERIAL", "SALES_UNIT", "PLANT", "SHORT_TEXT")
                if line.get(name) is not None}
        quantity = _quantity(line)
        if quantity is not None:
            item["TARGET_QTY"] = quantity
            schedules.append({"ITM_NUMBER": number, "SCHED_LINE": "0001", "REQ_QTY": quantity})
        items.append({"ITM_NUMBER": number, **item})
    partners = [{"PARTN_ROLE": SOLD_TO_ROLE, "PARTN_NUMB": alpha_in(str(fields["SOLD_TO"]))}]
    return {"ORDER_HEADER_IN": header, "ORDER_PARTNERS": partners, "ORDER_ITEMS_IN": items,
            "ORDER_SCHEDULES_IN": schedules}


def change_params(record: TargetRecord) -> tuple[dict[str, Any], bool]:
    """CHANGE's parameters (only flagged fields change) and whether repeating them is
    harmless (no line is inserted or deleted)."""
    assert record.key is not None
    header = {n: record.fields[n] for n in HEADER if n in record.fields}
    params: dict[str, Any] = {"SALESDOCUMENT": alpha_in(record.key)}
    if header:
        params["ORDER_HEADER_IN"] = header
        params["ORDER_HEADER_INX"] = {"UPDATEFLAG": "U", **dict.fromkeys(header, "X")}
    if ITEMS not in record.fields:
        return params, True
    items, flags, schedules, schedule_flags = _line_changes(record)
    params.update(ORDER_ITEM_IN=items, ORDER_ITEM_INX=flags, SCHEDULE_LINES=schedules,
                  SCHEDULE_LINESX=schedule_flags)
    return params, all(flag["UPDATEFLAG"] == "U" for flag in flags)


def _line_changes(record: TargetRecord) -> tuple[list[dict[str, Any]], ...]:
    """Lines of ``fields`` that exist in ``current`` are updated (U), the others inserted
    (I); lines of ``current`` missing from ``fields`` are deleted (D). Without ``current``
    every line is taken for an update."""
    wanted = _lines(record.fields)
    current = _lines(record.current or {}) if record.current else []
    existing = {item_number(line, i) for i, line in enumerate(current, start=1)}
    items: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    schedules: list[dict[str, Any]] = []
    schedule_flags: list[dict[str, Any]] = []
    seen = set()
    for position, line in enumerate(wanted, start=1):
        number = item_number(line, position)
        seen.add(number)
        action = "U" if number in existing or not record.current else "I"
        item = {n: line[n] for n in ("MATERIAL", "SALES_UNIT", "PLANT", "SHORT_TEXT")
                if n in line}
        quantity = _quantity(line)
        if quantity is not None:
            item["TARGET_QTY"] = quantity
            schedules.append({"ITM_NUMBER": number, "SCHED_LINE": "0001", "REQ_QTY": quantity})
            schedule_flags.append({"ITM_NUMBER": number, "SCHED_LINE": "0001",
                                   "UPDATEFLAG": action, "REQ_QTY": "X"})
        items.append({"ITM_NUMBER": number, **item})
        flags.append({"ITM_NUMBER": number, "UPDATEFLAG": action, **dict.fromkeys(item, "X")})
    for number in sorted(existing - seen):
        items.append({"ITM_NUMBER": number})
        flags.append({"ITM_NUMBER": number, "UPDATEFLAG": "D"})
    return items, flags, schedules, schedule_flags


class OrderWriter:
    """Writes sales orders; one result per record, in order."""

    def __init__(self, pool: ConnectionPool, counter: CallCounter, retry: RetryPolicy) -> None:
        self.pool = pool
        self.counter = counter
        self.retry = retry

    def write(self, records: Sequence[TargetRecord]) -> list[WriteResult]:
        local: dict[int, WriteResult] = {}
        for index, record in enumerate(records):
            try:
                validate(record)
            except RecordRejected as exc:
                local[index] = WriteResult(record.ref, "failed", record.key, exc)
        creates = [r for i, r in enumerate(records) if r.key is None and i not in local]
        existing: dict[tuple[str, str], str] = {}
        try:
            existing = self._existing(creates)
        except SyncError as exc:
            log.error("listing existing sales orders failed; no order was created: %s", exc)
            for index, record in enumerate(records):
                if record.key is None:
                    local.setdefault(index, WriteResult(record.ref, "failed", None, exc))
        results = []
        for index, record in enumerate(records):
            if index in local:
                results.append(local[index])
            elif record.key is None:
                results.append(self._create(record, existing))
            else:
                results.append(self._change(record))
        return results

    # -- create ---------------------------------------------------------------------------

    def _existing(self, creates: Sequence[TargetRecord]) -> dict[tuple[str, str], str]:
        """Orders already in SAP for the PO numbers of ``creates``: one list per sold-to."""
        wanted: dict[tuple[str, str], set[str]] = {}
        for record in creates:
            party = (alpha_in(str(record.fields["SOLD_TO"])),
                     str(record.fields.get("SALES_ORG") or ""))
            wanted.setdefault(party, set()).add(str(record.fields["PURCH_NO_C"]))
        found: dict[tuple[str, str], str] = {}
        for (sold_to, sales_org), numbers in wanted.items():
            for po, doc in self._orders_of(sold_to, sales_org).items():
                if po in numbers:
                    found[(sold_to, po)] = doc
        return found

    def _orders_of(self, sold_to: str, sales_org: str, po: str = "") -> dict[str, str]:
        """PO number -> order number of the sold-to party's orders (retried: a read)."""
        params = {"CUSTOMER_NUMBER": sold_to, "SALES_ORGANIZATION": sales_org,
                  "PURCHASE_ORDER_NUMBER": po}
        for attempt in self.retry.retrying(idempotent=True, what=f"{LIST} {sold_to}"):
            with attempt, self.pool.session() as connection:
                result = calls.call(connection, self.counter, LIST,
                                    **{k: v for k, v in params.items() if v})
        rows = result.get("SALES_ORDERS") or []
        return {str(r.get("PURCH_NO_C") or "").strip(): str(r.get("SD_DOC") or "").strip()
                for r in rows if str(r.get("PURCH_NO_C") or "").strip() and r.get("SD_DOC")}

    def _create(self, record: TargetRecord,
                existing: dict[tuple[str, str], str]) -> WriteResult:
        sold_to = alpha_in(str(record.fields["SOLD_TO"]))
        po = str(record.fields["PURCH_NO_C"])
        if (sold_to, po) in existing:
            log.info("sales order with PO number %s is already in SAP as %s; not created "
                     "again", po, existing[(sold_to, po)])
            return WriteResult(record.ref, "unchanged", existing[(sold_to, po)])
        try:
            doc = self._create_once(record, sold_to, po)
        except SyncError as exc:
            return WriteResult(record.ref, "failed", None, exc)
        existing[(sold_to, po)] = doc
        return WriteResult(record.ref, "created", doc)

    def _create_once(self, record: TargetRecord, sold_to: str, po: str) -> str:
        """Create and commit; after a failure in transit, read back before trying again."""
        sales_org = str(record.fields.get("SALES_ORG") or "")
        for attempt in self.retry.retrying(idempotent=True, what=f"{CREATE} {po}"):
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    found = self._orders_of(sold_to, sales_org, po).get(po)
                    if found:
                        log.warning("sales order %s (PO %s) was saved by an attempt whose "
                                    "answer was lost; not created again", found, po)
                        return found
                return self._create_and_commit(record)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _create_and_commit(self, record: TargetRecord) -> str:
        with self.pool.session() as connection:
            result, messages = calls.bapi(connection, self.counter, CREATE,
                                          **create_params(record.fields))
            doc = str(result.get("SALESDOCUMENT") or "").strip()
            if errors.failures(messages) or not doc:
                calls.rollback(connection, self.counter)
                if not errors.failures(messages):
                    raise invalid(f"{CREATE} returned no document number and no error")
                raise errors.rejection(CREATE, messages)
            calls.commit(connection, self.counter)
        return doc

    # -- change ---------------------------------------------------------------------------

    def _change(self, record: TargetRecord) -> WriteResult:
        params, repeatable = change_params(record)
        try:
            for attempt in self.retry.retrying(idempotent=repeatable,
                                               what=f"{CHANGE} {record.key}"):
                with attempt, self.pool.session() as connection:
                    _, messages = calls.bapi(connection, self.counter, CHANGE, **params)
                    if errors.failures(messages):
                        calls.rollback(connection, self.counter)
                        raise errors.rejection(CHANGE, messages)
                    calls.commit(connection, self.counter)
        except SyncError as exc:
            return WriteResult(record.ref, "failed", record.key, exc)
        return WriteResult(record.ref, "updated", record.key)


def read_status(pool: ConnectionPool, counter: CallCounter, retry: RetryPolicy,
                documents: Sequence[str]) -> Iterator[SourceRecord]:
    """Status of each order, one ``BAPI_SALESORDER_GETSTATUS`` per order (it takes one
    document; the stand-in offers no list variant). A missing order is left out. Status
    carries no change stamp: ``modified_at`` is 1970-01-01."""
    for document in dict.fromkeys(documents):
        for attempt in retry.retrying(idempotent=True, what=f"{STATUS} {document}"):
            with attempt, pool.session() as connection:
                result = calls.call(connection, counter, STATUS,
                                    SALESDOCUMENT=alpha_in(document))
        if errors.failures(errors.return_messages(result)):
            continue
        yield _status_record(document, result.get("STATUSINFO") or [])


def _status_record(document: str, info: list[Mapping[str, Any]]) -> SourceRecord:
    head = info[0] if info else {}
    lines = [{"ITM_NUMBER": str(row.get("ITM_NUMBER", "")), "MATERIAL": row.get("MATERIAL"),
              "SHORT_TEXT": row.get("SHORT_TEXT"), "REQ_QTY": _decimal(row.get("REQ_QTY")),
              "SALES_UNIT": row.get("SALES_UNIT")} for row in info]
    fields = {"SD_DOC": document, "PROCESS_STAT": head.get("PROCESS_STAT"),
              "DLV_STAT": head.get("DLV_STAT"), ITEMS: lines}
    return SourceRecord(system="sap", object=SALES_ORDER.name, key=document, fields=fields,
                        modified_at=EPOCH)


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip()) if value not in (None, "") else None
    except InvalidOperation:
        return None

