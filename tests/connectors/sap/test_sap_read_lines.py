"""A document's lines as the SAP connector reads them: ``$expand``ed with the page of
documents (never a call per document), nested lines of lines included, and an expanded
collection the server cut (``__next`` inside ``to_Item``, as a capped S/4 service answers;
mock-sap never cuts one) read to its end, so no document looks as if lines were removed."""

from __future__ import annotations

import json
from typing import Any

import requests

from sandbox.process import ChildServer
from tests.connectors.sap.sap_support import MakeConnector, native

ORDERS = "A_SalesOrder"
LINES = ["to_Item/Material", "to_Item/RequestedQuantity",
         "to_Item/to_PricingElement/ConditionType",
         "to_Item/to_PricingElement/ConditionRateValue"]


class CutLinesSession(requests.Session):
    """Plays a capped S/4 service over mock-sap's real answers: every expanded ``to_Item``
    longer than ``cap`` is cut there and the rest linked with ``__next`` (answered here from
    what mock-sap returned)."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.pending: dict[str, list[Any]] = {}
        self.links_followed = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        text = str(url)
        if "$skiptoken=line" in text:
            token = text.split("$skiptoken=", 1)[1].split("&", maxsplit=1)[0]
            self.links_followed += 1
            rows = self.pending.pop(token)
            return _answer(text, {"results": rows[: self.cap]} | self._rest(text, rows))
        response = super().request(method, url, *args, **kwargs)
        if method != "GET" or "$expand" not in text:
            return response
        body = response.json()["d"]
        for row in body["results"]:
            lines = row["to_Item"]["results"]
            row["to_Item"] = {"results": lines[: self.cap]} | self._rest(text, lines)
        return _answer(text, body)

    def _rest(self, url: str, lines: list[Any]) -> dict[str, str]:
        if len(lines) <= self.cap:
            return {}
        token = f"line{len(self.pending) + self.links_followed}"
        self.pending[token] = lines[self.cap :]
        return {"__next": url.split("?", 1)[0].rsplit("/", 1)[0]
                + f"/A_SalesOrderItem?$skiptoken={token}"}


def _answer(url: str, body: dict[str, Any]) -> requests.Response:
    answer = requests.Response()
    answer.status_code = 200
    answer.headers["Content-Type"] = "application/json"
    answer._content = json.dumps({"d": body}).encode()
    answer.url = url
    return answer


def native_lines(sap: ChildServer) -> dict[str, int]:
    orders = native(sap, "API_SALES_ORDER_SRV", ORDERS, {"$expand": "to_Item", "$top": "500"})
    return {o["SalesOrder"]: len(o["to_Item"]["results"]) for o in orders["d"]["results"]}


def test_lines_come_with_their_documents_in_one_query_per_page(
        make_connector: MakeConnector, sap: ChildServer) -> None:
    connector = make_connector()
    records = list(connector.read_changes(ORDERS, None, LINES))
    assert {r.key: len(r.fields["to_Item"]) for r in records} == native_lines(sap)
    line = records[0].fields["to_Item"][0]
    assert set(line) >= {"SalesOrderItem", "Material", "RequestedQuantity", "to_PricingElement"}
    assert line["to_PricingElement"][0]["ConditionType"] == "PPR0"
    assert connector.counter.by_kind["query"] == 1


def test_an_expanded_collection_the_server_cut_is_read_to_its_end(
        make_connector: MakeConnector, sap: ChildServer) -> None:
    session = CutLinesSession(cap=1)
    connector = make_connector(session=session)
    records = list(connector.read_changes(ORDERS, None, LINES))
    assert {r.key: len(r.fields["to_Item"]) for r in records} == native_lines(sap)
    assert session.links_followed == sum(max(n - 1, 0) for n in native_lines(sap).values())
    assert all(line["to_PricingElement"] for r in records for line in r.fields["to_Item"])
