"""Test helpers for the RFC transport: the strict connection, transport faults, and mock-sap's
own OData API to look at what SAP really holds (imported by name: no package here).

mock-sap commits every function call at once; real SAP keeps a BAPI's work only after
BAPI_TRANSACTION_COMMIT on the same session and discards it on rollback or when the session
ends (or breaks) without a commit. ``StrictConnection`` wraps the real mock-sap connection and
restores that rule: it notes what each session wrote, keeps it after a commit that reached
SAP, and undoes it otherwise - a created order is deleted and a changed order put back,
through mock-sap's own OData API, so that SAP afterwards holds only committed work. Until
then other sessions do not see the work, and the session itself may not read it back (real
SAP's update task has not run yet): such a read raises ``UncommittedRead``. A connector that
forgets the commit therefore loses its orders, and the tests that look for them fail.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[4]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from connectors.sap.rfc.json_http import JsonHttpConnection  # noqa: E402
from connectors.sap.rfc.protocol import CommunicationError, RfcConnection  # noqa: E402
from connectors.sap.rfc.settings import SapRfcSettings  # noqa: E402
from sandbox.process import ChildServer  # noqa: E402

CREATE = "BAPI_SALESORDER_CREATEFROMDAT2"
CHANGE = "BAPI_SALESORDER_CHANGE"
COMMIT = "BAPI_TRANSACTION_COMMIT"
ROLLBACK = "BAPI_TRANSACTION_ROLLBACK"
ORDERS = "/sap/opu/odata/sap/API_SALES_ORDER_SRV"
HEADER_FIELDS = ("PurchaseOrderByCustomer", "SalesOrderType", "SalesOrganization",
                 "DistributionChannel", "OrganizationDivision", "TransactionCurrency")
ITEM_FIELDS = ("Material", "SalesOrderItemText", "RequestedQuantity",
               "RequestedQuantityUnit", "Plant")


def rfc_settings(server: ChildServer, **overrides: Any) -> SapRfcSettings:
    values: dict[str, Any] = {"rfc_library": "json-http", "base_url": server.url,
                              "timeout": 10.0, "retry_base_wait": 0.0, "retry_max_wait": 0.0}
    values.update(overrides)
    return SapRfcSettings(**values)


class UncommittedRead(AssertionError):
    """A session read back work it had not committed yet."""


class MockSapOData:
    """mock-sap's own OData API for sales orders (what SAP holds, not what we think)."""

    def __init__(self, server: ChildServer) -> None:
        self.url = server.url + ORDERS
        self.http = requests.Session()

    def _token(self) -> str:
        answer = self.http.get(self.url + "/", headers={"X-CSRF-Token": "Fetch"}, timeout=10)
        return answer.headers["x-csrf-token"]

    def order(self, doc: str) -> dict[str, Any] | None:
        answer = self.http.get(f"{self.url}/A_SalesOrder('{doc}')",
                               params={"$expand": "to_Item", "$format": "json"}, timeout=10)
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        return dict(answer.json()["d"])

    def orders_with_po(self, po: str) -> list[dict[str, Any]]:
        answer = self.http.get(f"{self.url}/A_SalesOrder", timeout=10, params={
            "$filter": f"PurchaseOrderByCustomer eq '{po}'", "$format": "json"})
        answer.raise_for_status()
        return list(answer.json()["d"]["results"])

    def write(self, method: str, path: str, body: Any = None) -> None:
        answer = self.http.request(method, self.url + path, json=body, timeout=10,
                                   headers={"X-CSRF-Token": self._token(),
                                            "Accept": "application/json"})
        answer.raise_for_status()

    def delete_order(self, doc: str) -> None:
        self.write("DELETE", f"/A_SalesOrder('{doc}')")

    def restore(self, before: dict[str, Any]) -> None:
        """Put an order back as ``before`` (header fields a change can touch, and lines)."""
        doc = before["SalesOrder"]
        self.write("PATCH", f"/A_SalesOrder('{doc}')", {n: before[n] for n in HEADER_FIELDS})
        now = self.order(doc) or {}
        old = {i["SalesOrderItem"]: i for i in before["to_Item"]["results"]}
        for item in now.get("to_Item", {}).get("results", []):
            if item["SalesOrderItem"] not in old:
                self.write("DELETE", f"/A_SalesOrderItem(SalesOrder='{doc}',"
                                     f"SalesOrderItem='{item['SalesOrderItem']}')")
        present = {i["SalesOrderItem"] for i in now.get("to_Item", {}).get("results", [])}
        for number, item in old.items():
            values = {n: item[n] for n in ITEM_FIELDS}
            if number in present:
                self.write("PATCH", f"/A_SalesOrderItem(SalesOrder='{doc}',"
                                    f"SalesOrderItem='{number}')", values)
            else:
                self.write("POST", f"/A_SalesOrder('{doc}')/to_Item",
                           {"SalesOrderItem": number, **values})


@dataclass
class Work:
    created: list[str] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)


class StrictLedger:
    """Uncommitted work of every strict session against one server."""

    def __init__(self, odata: MockSapOData) -> None:
        self.odata = odata
        self.lock = threading.Lock()
        self.open: dict[int, Work] = {}
        self.discarded: list[str] = []
        self.committed: list[str] = []

    def hidden_from(self, session: int) -> set[str]:
        with self.lock:
            return {doc for sid, work in self.open.items() if sid != session
                    for doc in work.created}

    def own(self, session: int) -> set[str]:
        with self.lock:
            work = self.open.get(session, Work())
            return set(work.created) | {c["SalesOrder"] for c in work.changed}

    def note(self, session: int, *, created: str = "", before: dict[str, Any] | None = None
             ) -> None:
        with self.lock:
            work = self.open.setdefault(session, Work())
            if created:
                work.created.append(created)
            if before is not None:
                work.changed.append(before)

    def commit(self, session: int) -> None:
        with self.lock:
            work = self.open.pop(session, Work())
            self.committed += work.created

    def discard(self, session: int) -> None:
        """What real SAP does to a unit of work that was not committed: it never happened."""
        with self.lock:
            work = self.open.pop(session, Work())
        for before in reversed(work.changed):
            if before["SalesOrder"] not in work.created:
                self.odata.restore(before)
        for doc in work.created:
            self.odata.delete_order(doc)
            self.discarded.append(doc)


class StrictConnection:
    """A mock-sap RFC connection with real SAP's commit rule (see the module docstring)."""

    _ids = iter(range(1, 1_000_000))

    def __init__(self, inner: RfcConnection, ledger: StrictLedger) -> None:
        self.inner = inner
        self.ledger = ledger
        self.session = next(self._ids)
        self.closed = False

    def call(self, function: str, **params: Any) -> dict[str, Any]:
        if function == ROLLBACK:
            self.ledger.discard(self.session)
            return {"RETURN": {"TYPE": "S", "ID": "00", "NUMBER": "344",
                               "MESSAGE": "Changes were rolled back"}}
        before = self._before(params) if function == CHANGE else None
        try:
            result = self.inner.call(function, **params)
        except CommunicationError:
            self.ledger.discard(self.session)  # SAP ends a broken session's unit of work
            raise
        if function == COMMIT and not _failed(result):
            self.ledger.commit(self.session)
        elif function == CREATE and result.get("SALESDOCUMENT"):
            self.ledger.note(self.session, created=str(result["SALESDOCUMENT"]))
        elif before is not None:
            self.ledger.note(self.session, before=before)
        return self._visible(function, params, result)

    def _before(self, params: dict[str, Any]) -> dict[str, Any] | None:
        doc = str(params.get("SALESDOCUMENT", "")).zfill(10)
        return self.ledger.odata.order(doc)

    def _visible(self, function: str, params: dict[str, Any],
                 result: dict[str, Any]) -> dict[str, Any]:
        """Reads see committed work only; reading one's own uncommitted work is refused."""
        own, hidden = self.ledger.own(self.session), self.ledger.hidden_from(self.session)
        if function == "BAPI_SALESORDER_GETSTATUS":
            doc = str(params.get("SALESDOCUMENT", "")).zfill(10)
            if doc in own:
                raise UncommittedRead(f"GETSTATUS of {doc} before its commit")
            if doc in hidden:
                return {"STATUSINFO": [], "RETURN": {"TYPE": "E", "ID": "V1",
                                                     "NUMBER": "555",
                                                     "MESSAGE": f"Document {doc} not found"}}
        if function == "BAPI_SALESORDER_GETLIST":
            rows = result.get("SALES_ORDERS") or []
            if touched := {r["SD_DOC"] for r in rows} & own:
                raise UncommittedRead(f"GETLIST shows uncommitted order(s) {sorted(touched)}")
            result = {**result, "SALES_ORDERS": [r for r in rows if r["SD_DOC"] not in hidden]}
        return result

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.ledger.discard(self.session)
            self.inner.close()


def _failed(result: dict[str, Any]) -> bool:
    value = result.get("RETURN")
    rows = [value] if isinstance(value, dict) else list(value or [])
    return any(str(row.get("TYPE", "")).upper() in ("E", "A") for row in rows)


class LoseAnswer:
    """A transport fault: the call reaches SAP and runs, then the connection drops before
    the answer arrives (``times`` calls of ``function``)."""

    def __init__(self, inner: RfcConnection, function: str, plan: dict[str, int]) -> None:
        self.inner = inner
        self.function = function
        self.plan = plan

    def call(self, function: str, **params: Any) -> dict[str, Any]:
        result = self.inner.call(function, **params)
        if function == self.function and self.plan.get(function, 0) > 0:
            self.plan[function] -= 1
            raise CommunicationError("connection reset by peer after sending", code=1,
                                     key="RFC_COMMUNICATION_FAILURE")
        return result

    def close(self) -> None:
        self.inner.close()


class Opened:
    """A connection factory that remembers what it opened, on which thread, and closes."""

    def __init__(self, make: Callable[[], RfcConnection]) -> None:
        self.make = make
        self.lock = threading.Lock()
        self.connections: list[tuple[int, Tracked]] = []

    def __call__(self) -> RfcConnection:
        tracked = Tracked(self.make())
        with self.lock:
            self.connections.append((threading.get_ident(), tracked))
        return tracked

    @property
    def all_closed(self) -> bool:
        return all(c.closed for _, c in self.connections)


class Tracked:
    def __init__(self, inner: RfcConnection) -> None:
        self.inner = inner
        self.closed = False
        self.threads: set[int] = set()

    def call(self, function: str, **params: Any) -> dict[str, Any]:
        self.threads.add(threading.get_ident())
        return self.inner.call(function, **params)

    def close(self) -> None:
        self.closed = True
        self.inner.close()


def strict_factory(settings: SapRfcSettings, ledger: StrictLedger
                   ) -> Callable[[], RfcConnection]:
    return lambda: StrictConnection(JsonHttpConnection(settings), ledger)


def add_fault(server: ChildServer, **rule: Any) -> None:
    """A mock-sap fault rule (``match`` is a regex on the path)."""
    requests.post(f"{server.url}/_mock/faults", json=rule, timeout=10).raise_for_status()


def add_behaviour(server: ChildServer, **rule: Any) -> None:
    """A mock-sap BAPI behaviour rule: the function answers with a RETURN row of ``type``."""
    requests.post(f"{server.url}/_mock/bapi-behaviour", json=rule,
                  timeout=10).raise_for_status()


def rfc_log(server: ChildServer) -> list[str]:
    """Function modules mock-sap ran since the last reset, oldest first."""
    answer = requests.get(f"{server.url}/_mock/rfc-log", params={"limit": 1000}, timeout=10)
    answer.raise_for_status()
    return [row["function_name"] for row in reversed(answer.json()["results"])]
