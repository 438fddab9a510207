"""Parent-to-child subqueries: child records nested as query result objects under the child
relationship names the describes declare, with WHERE, ORDER BY and LIMIT inside."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from sandbox.process import ChildServer
from tests.sandbox.salesforce.support import Api, seed


def _error(api: Api, soql: str) -> tuple[int, str, str]:
    response = api.call("GET", "/query/", params={"q": soql})
    body = response.json()[0]
    return response.status_code, body["errorCode"], body["message"]


def _deals(server: ChildServer, http: requests.Session) -> tuple[list[str], list[str]]:
    accounts = seed(server, http, [{"Name": "Alpha"}, {"Name": "Beta"}, {"Name": "Empty"}])
    deals = seed(server, http, [
        {"Name": f"Deal {n}", "StageName": "Prospecting", "CloseDate": "2026-12-01",
         "Amount": amount, "AccountId": accounts[0] if n < 3 else accounts[1]}
        for n, amount in enumerate([300, 100, 200, 50])], obj="Opportunity")
    return accounts, deals


def test_children_nest_as_query_results_or_null(server: ChildServer, http: requests.Session,
                                                api: Api) -> None:
    (alpha, _, _), deals = _deals(server, http)
    body = api.query("SELECT Name, (SELECT Name, Amount FROM Opportunities) FROM Account "
                     "ORDER BY Name")
    assert body["totalSize"] == 3  # parents only
    first = body["records"][0]
    assert list(first) == ["attributes", "Name", "Opportunities"]
    assert first["attributes"]["url"].endswith(f"/sobjects/Account/{alpha}")
    nested = first["Opportunities"]
    assert (nested["totalSize"], nested["done"]) == (3, True)
    assert nested["records"][0] == {
        "attributes": {"type": "Opportunity",
                       "url": f"/services/data/v62.0/sobjects/Opportunity/{deals[0]}"},
        "Name": "Deal 0", "Amount": 300.0}
    assert [r["Name"] for r in nested["records"]] == ["Deal 0", "Deal 1", "Deal 2"]
    assert body["records"][1]["Opportunities"]["totalSize"] == 1
    assert body["records"][2]["Opportunities"] is None


def test_where_order_by_and_limit_apply_per_parent(server: ChildServer,
                                                   http: requests.Session, api: Api) -> None:
    _deals(server, http)
    body = api.query("SELECT Name, (SELECT Name, Account.Name FROM Opportunities "
                     "WHERE Amount >= 100 ORDER BY Amount DESC LIMIT 2) FROM Account "
                     "ORDER BY Name")
    alpha, beta, _ = (r["Opportunities"] for r in body["records"])
    assert [r["Name"] for r in alpha["records"]] == ["Deal 0", "Deal 2"]
    assert alpha["records"][0]["Account"]["Name"] == "Alpha"  # parent fields inside too
    assert beta is None  # its only deal (50) is filtered out


def test_relationship_names_come_from_the_describes(server: ChildServer,
                                                    http: requests.Session, api: Api) -> None:
    [parent] = seed(server, http, [{"Name": "Holding"}])
    [child] = seed(server, http, [{"Name": "Subsidiary", "ParentId": parent}])
    [contact] = seed(server, http, [{"LastName": "Bluth", "AccountId": parent}], obj="Contact")
    seed(server, http, [{"Name": "Via contact", "StageName": "Prospecting",
                         "CloseDate": "2026-12-01", "ContactId": contact}], obj="Opportunity")
    children = "(SELECT Name FROM ChildAccounts), (SELECT LastName FROM contacts)"
    soql = f"SELECT {children} FROM Account WHERE Id = '{parent}'"  # noqa: S608 - SOQL
    row = api.query(soql)["records"][0]
    assert [r["Name"] for r in row["ChildAccounts"]["records"]] == ["Subsidiary"]
    assert row["ChildAccounts"]["records"][0]["attributes"]["url"].endswith(child)
    assert [r["LastName"] for r in row["Contacts"]["records"]] == ["Bluth"]  # canonical case
    by_contact = api.query("SELECT (SELECT Name FROM Opportunities) FROM Contact")["records"]
    assert by_contact[0]["Opportunities"]["records"][0]["Name"] == "Via contact"


@pytest.mark.parametrize(("soql", "status", "code"), [
    ("SELECT Id, (SELECT Id FROM Deals) FROM Account", 400, "INVALID_TYPE"),
    ("SELECT Id, (SELECT Id FROM Contact) FROM Account", 400, "INVALID_TYPE"),
    # ReportsToId is listed among Contact's child relationships without a name
    ("SELECT Id, (SELECT Id FROM ReportsTo) FROM Contact", 400, "INVALID_TYPE"),
    ("SELECT Id, (SELECT Nope FROM Contacts) FROM Account", 400, "INVALID_FIELD"),
    ("SELECT Id, (SELECT Id, (SELECT Id FROM Opportunities) FROM Contacts) FROM Account", 400,
     "MALFORMED_QUERY"),
    ("SELECT Id, (SELECT Id FROM Contacts OFFSET 1) FROM Account", 400, "MALFORMED_QUERY"),
    ("SELECT Id, (SELECT Id FROM Contacts), (SELECT Id FROM Contacts) FROM Account", 400,
     "MALFORMED_QUERY"),
    ("SELECT COUNT(), (SELECT Id FROM Contacts) FROM Account", 400, "MALFORMED_QUERY"),
])
def test_bad_subqueries_are_refused(api: Api, soql: str, status: int, code: str) -> None:
    assert _error(api, soql)[:2] == (status, code)


def test_unknown_relationship_message_points_at_it(api: Api) -> None:
    _, _, message = _error(api, "SELECT Id, (SELECT Id FROM Deals) FROM Account")
    assert message.startswith("\nSELECT Id, (SELECT Id FROM Deals) FROM Account\n"
                              "                           ^\nERROR at Row:1:Column:28\n"
                              "Didn't understand relationship 'Deals' in FROM part of query")


def test_query_all_includes_deleted_children_and_later_pages_have_children(
        server: ChildServer, http: requests.Session, api: Api) -> None:
    accounts = seed(server, http, [{"Name": f"Acct {n:03d}"} for n in range(250)])
    contacts = seed(server, http, [{"LastName": f"Person {n}", "AccountId": accounts[-1]}
                                   for n in range(2)], obj="Contact")
    assert api.call("DELETE", f"/sobjects/Contact/{contacts[0]}").status_code == 204
    soql = "SELECT Name, (SELECT LastName, IsDeleted FROM Contacts) FROM Account ORDER BY Name"
    options = {"Sforce-Query-Options": "batchSize=200"}
    live = api.query(soql, headers=options)
    rest = api.call("GET", live["nextRecordsUrl"], headers=options).json()
    assert rest["records"][-1]["Contacts"]["records"] == [{
        "attributes": {"type": "Contact",
                       "url": f"/services/data/v62.0/sobjects/Contact/{contacts[1]}"},
        "LastName": "Person 1", "IsDeleted": False}]
    every = api.query(soql, endpoint="queryAll", headers=options)
    rest = api.call("GET", every["nextRecordsUrl"], headers=options).json()
    nested: dict[str, Any] = rest["records"][-1]["Contacts"]
    assert [(r["LastName"], r["IsDeleted"]) for r in nested["records"]] == [
        ("Person 0", True), ("Person 1", False)]


def test_bulk_query_jobs_refuse_subqueries_and_compound_fields(api: Api) -> None:
    for soql in ("SELECT Id, (SELECT Id FROM Contacts) FROM Account",
                 "SELECT Id, BillingAddress FROM Account"):
        refused = api.call("POST", "/jobs/query", json={"operation": "query", "query": soql})
        assert (refused.status_code, refused.json()[0]["errorCode"]) == (400, "INVALIDJOB")
