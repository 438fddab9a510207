"""Bulk API 2.0 against the sandbox running as a real server: ingest jobs through their
states with CSV results, query jobs paged by Sforce-Locator, and simple-salesforce's bulk2
client as a third-party check of the same paths."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from sandbox.process import ChildServer
from tests.sandbox.support import Api, control, seed, wait_for_job

CUSTOMER = "ERP_Customer_Number__c"


def _job(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    response = api.call("POST", "/jobs/ingest", json={"contentType": "CSV", **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _upload(api: Api, job_id: str, text: str) -> requests.Response:
    return api.call("PUT", f"/jobs/ingest/{job_id}/batches", data=text.encode(),
                    headers={"Content-Type": "text/csv"})


def _close(api: Api, job_id: str) -> dict[str, Any]:
    response = api.call("PATCH", f"/jobs/ingest/{job_id}", json={"state": "UploadComplete"})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _results(api: Api, job_id: str, part: str) -> list[dict[str, str]]:
    response = api.call("GET", f"/jobs/ingest/{job_id}/{part}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv"
    return list(csv.DictReader(io.StringIO(response.text)))


def _run(api: Api, body: dict[str, Any], data: str) -> dict[str, Any]:
    job = _job(api, body)
    assert _upload(api, job["id"], data).status_code == 201
    _close(api, job["id"])
    return wait_for_job(api, "ingest", job["id"])


def test_insert_job_moves_through_its_states_and_reports_results(
        server: ChildServer, http: requests.Session, api: Api) -> None:
    job = _job(api, {"object": "Account", "operation": "insert"})
    assert job["id"].startswith("750") and job["state"] == "Open"
    assert (job["contentUrl"], job["lineEnding"], job["columnDelimiter"]) == (
        f"services/data/v62.0/jobs/ingest/{job['id']}/batches", "LF", "COMMA")
    data = 'Name,NumberOfEmployees,ERP_Customer_Number__c\nAcme,10,0001000001\n' \
           '"Comma, Inc",x,0001000002\n,5,0001000003\n"Quote ""Q""",7,0001000004\n'
    assert _upload(api, job["id"], data).status_code == 201
    again = _upload(api, job["id"], data)
    assert again.status_code == 400 and "multiple contents" in again.json()[0]["message"]
    control(server, http, "POST", "bulk", {"paused": True})
    assert _close(api, job["id"])["state"] == "UploadComplete"
    assert api.call("GET", f"/jobs/ingest/{job['id']}").json()["state"] == "UploadComplete"
    control(server, http, "POST", "bulk", {"paused": False})
    done = wait_for_job(api, "ingest", job["id"])
    assert (done["state"], done["numberRecordsProcessed"], done["numberRecordsFailed"]) == (
        "JobComplete", 4, 2)
    ok = _results(api, job["id"], "successfulResults")
    assert [(r["sf__Created"], r["Name"]) for r in ok] == [("true", "Acme"),
                                                           ("true", 'Quote "Q"')]
    assert all(r["sf__Id"].startswith("001") for r in ok)
    failed = _results(api, job["id"], "failedResults")
    assert [r["sf__Error"].split(":")[0] for r in failed] == ["JSON_PARSER_ERROR",
                                                               "REQUIRED_FIELD_MISSING"]
    assert failed[1]["sf__Error"].endswith(":Name --")
    assert list(failed[0]) == ["sf__Id", "sf__Error", "Name", "NumberOfEmployees", CUSTOMER]
    assert _results(api, job["id"], "unprocessedrecords") == []
    assert api.query("SELECT COUNT() FROM Account")["totalSize"] == 2


def test_upsert_with_relationship_columns_update_and_delete(
        server: ChildServer, http: requests.Session, api: Api) -> None:
    alpha, beta = seed(server, http, [{"Name": "Alpha", CUSTOMER: "0001000001"},
                                      {"Name": "Beta", CUSTOMER: "0001000002"}])
    data = ("ERP_Contact_Id__c,LastName,Account.ERP_Customer_Number__c,Email\n"
            "K-1,One,0001000001,one@example.com\nK-2,Two,0001000002,\nK-3,Three,0009,\n")
    body = {"object": "Contact", "operation": "upsert", "externalIdFieldName": "ERP_Contact_Id__c"}
    first = _run(api, body, data)
    assert (first["numberRecordsProcessed"], first["numberRecordsFailed"]) == (3, 1)
    failed = _results(api, first["id"], "failedResults")
    assert failed[0]["sf__Error"].startswith("INVALID_FIELD:Foreign key external ID: 0009")
    contacts = api.query("SELECT ERP_Contact_Id__c, AccountId, Email FROM Contact "
                         "ORDER BY ERP_Contact_Id__c")["records"]
    assert [(c["AccountId"], c["Email"]) for c in contacts] == [
        (alpha, "one@example.com"), (beta, None)]
    second = _run(api, body, "ERP_Contact_Id__c,Email\nk-1,#N/A\nK-2,two@example.com\n")
    ok = _results(api, second["id"], "successfulResults")
    assert [r["sf__Created"] for r in ok] == ["false", "false"]
    emails = api.query("SELECT Email FROM Contact ORDER BY ERP_Contact_Id__c")["records"]
    assert [c["Email"] for c in emails] == [None, "two@example.com"]  # #N/A clears, '' keeps
    update = _run(api, {"object": "Contact", "operation": "update"},
                  f"Id,Title\n{ok[0]['sf__Id']},Boss\n001000000000000AAA,Nobody\n")
    assert update["numberRecordsFailed"] == 1
    ids = "Id\n" + "\n".join(r["sf__Id"] for r in ok) + "\n"
    deleted = _run(api, {"object": "Contact", "operation": "delete"}, ids)
    assert (deleted["state"], deleted["numberRecordsFailed"]) == ("JobComplete", 0)
    assert api.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_record_faults_apply_inside_bulk_jobs(server: ChildServer, http: requests.Session,
                                              api: Api) -> None:
    control(server, http, "POST", "faults", {"record_errors": {"B-2": "UNABLE_TO_LOCK_ROW"}})
    body = {"object": "Account", "operation": "upsert", "externalIdFieldName": CUSTOMER}
    rows = "".join(f"B-{n},Bulk {n}\n" for n in range(1, 451))
    done = _run(api, body, f"{CUSTOMER},Name\n{rows}")
    assert (done["numberRecordsProcessed"], done["numberRecordsFailed"]) == (450, 1)
    [failed] = _results(api, done["id"], "failedResults")
    assert failed[CUSTOMER] == "B-2" and failed["sf__Error"].startswith("UNABLE_TO_LOCK_ROW:")
    assert len(_results(api, done["id"], "successfulResults")) == 449


def test_bad_jobs_fail_or_abort_with_unprocessed_rows(server: ChildServer,
                                                      http: requests.Session, api: Api) -> None:
    unknown = _run(api, {"object": "Account", "operation": "insert"}, "Name,Nope__c\nA,1\n")
    assert unknown["state"] == "Failed"
    assert unknown["errorMessage"] == "InvalidBatch : Field name not found : Nope__c"
    assert _results(api, unknown["id"], "unprocessedrecords") == [{"Name": "A", "Nope__c": "1"}]
    crlf = _job(api, {"object": "Account", "operation": "insert", "lineEnding": "CRLF"})
    wrong_ending = _upload(api, crlf["id"], "Name\nA\n")
    assert wrong_ending.status_code == 400 and "LineEnding" in wrong_ending.json()[0]["message"]
    control(server, http, "POST", "bulk", {"paused": True})
    job = _job(api, {"object": "Account", "operation": "insert", "columnDelimiter": "SEMICOLON",
                     "lineEnding": "CRLF"})
    _upload(api, job["id"], "Name;Phone\r\nA;1\r\nB;2\r\n")
    _close(api, job["id"])
    aborted = api.call("PATCH", f"/jobs/ingest/{job['id']}", json={"state": "Aborted"})
    assert aborted.json()["state"] == "Aborted"
    control(server, http, "POST", "bulk", {"paused": False})
    rows = api.call("GET", f"/jobs/ingest/{job['id']}/unprocessedrecords").text
    assert rows == '"Name";"Phone"\r\n"A";"1"\r\n"B";"2"\r\n'
    assert api.query("SELECT COUNT() FROM Account")["totalSize"] == 0
    bad = api.call("POST", "/jobs/ingest", json={"object": "Nope", "operation": "insert"})
    assert bad.status_code == 400
    bad_key = api.call("POST", "/jobs/ingest", json={
        "object": "Account", "operation": "upsert", "externalIdFieldName": "Name"})
    assert bad_key.status_code == 400
    listing = api.call("GET", "/jobs/ingest").json()
    assert {j["id"] for j in listing["records"]} >= {job["id"], unknown["id"]}
    assert api.call("DELETE", f"/jobs/ingest/{job['id']}").status_code == 204
    assert api.call("GET", f"/jobs/ingest/{job['id']}").status_code == 404


def test_query_job_pages_by_locator(server: ChildServer, http: requests.Session,
                                    api: Api) -> None:
    [parent] = seed(server, http, [{"Name": "Parent", CUSTOMER: "P-1"}])
    seed(server, http, [{"LastName": f"Row {n:04d}", "AccountId": parent if n % 2 else None}
                        for n in range(2500)], obj="Contact")
    created = api.call("POST", "/jobs/query", json={
        "operation": "query",
        "query": "SELECT Id, LastName, Account.ERP_Customer_Number__c, CreatedDate "
                 "FROM Contact ORDER BY LastName"})
    assert created.status_code == 200 and created.json()["state"] == "UploadComplete"
    done = wait_for_job(api, "query", created.json()["id"])
    assert (done["state"], done["numberRecordsProcessed"]) == ("JobComplete", 2500)
    pages, locator = [], ""
    while True:
        params = {"maxRecords": 1000, **({"locator": locator} if locator else {})}
        page = api.call("GET", f"/jobs/query/{done['id']}/results", params=params)
        assert page.status_code == 200
        rows = list(csv.DictReader(io.StringIO(page.text)))
        assert int(page.headers["Sforce-NumberOfRecords"]) == len(rows)
        pages.append(rows)
        locator = page.headers["Sforce-Locator"]
        if locator == "null":
            break
    assert [len(p) for p in pages] == [1000, 1000, 500]
    first, second = pages[0][0], pages[0][1]
    assert list(first) == ["Id", "LastName", "Account.ERP_Customer_Number__c", "CreatedDate"]
    assert (first["LastName"], first["Account.ERP_Customer_Number__c"]) == ("Row 0000", "")
    assert second["Account.ERP_Customer_Number__c"] == "P-1"
    assert first["CreatedDate"].endswith("Z")
    count = api.call("POST", "/jobs/query", json={"operation": "query",
                                                  "query": "SELECT COUNT() FROM Contact"})
    assert count.status_code == 400
    malformed = api.call("POST", "/jobs/query", json={"operation": "query",
                                                      "query": "SELECT Nope FROM Contact"})
    assert malformed.json()[0]["errorCode"] == "INVALID_FIELD"


def test_simple_salesforce_bulk2_insert_upsert_and_query(
        server: ChildServer, http: requests.Session, sf: Salesforce, tmp_path: Path) -> None:
    sf.session = http
    records = [{"Name": f"SS {n}", CUSTOMER: f"SS-{n}"} for n in range(300)]
    [inserted] = sf.bulk2.Account.insert(records=records, wait=0.1)
    assert (inserted["numberRecordsProcessed"], inserted["numberRecordsFailed"]) == (300, 0)
    changed = [{CUSTOMER: f"SS-{n}", "Phone": str(n)} for n in range(250, 310)]
    [upserted] = sf.bulk2.Account.upsert(records=changed, external_id_field=CUSTOMER, wait=0.1)
    assert (upserted["numberRecordsProcessed"], upserted["numberRecordsFailed"]) == (60, 10)
    out = [list(csv.DictReader(io.StringIO(page)))
           for page in sf.bulk2.Account.query("SELECT Name, Phone FROM Account WHERE Phone != null",
                                              max_records=20, wait=0.1)]
    assert [len(rows) for rows in out] == [20, 20, 10]


@pytest.mark.parametrize("kind", ["ingest", "query"])
def test_unknown_jobs_are_404(api: Api, kind: str) -> None:
    assert api.call("GET", f"/jobs/{kind}/750000000000000AAA").status_code == 404
