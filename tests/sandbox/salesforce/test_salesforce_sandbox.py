"""The Salesforce sandbox, exercised over HTTPS as a real client would.

One server subprocess per module (``sandbox.salesforce.start``); every test starts from an
empty org with the clock at 2026-10-01T08:00Z. Clients trust the sandbox through its CA
bundle. NB: ``requests`` lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override ``Session.verify``,
so sessions here set ``trust_env = False``.

Conformance checks against real recorded payloads read ``<repo>/../shared/fixtures`` and are
skipped when that folder is absent (as on a user's machine).
"""

from __future__ import annotations

import base64
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceMalformedRequest

from sandbox.process import ChildServer
from sandbox.salesforce import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, ids, start
from tests.sandbox.salesforce.support import (
    DATA,
    SF_FIXTURES,
    Api,
    control,
    get_token,
    load_fixture,
    needs_fixtures,
    new_session,
    seed,
    unsigned_jwt,
    wait_for_job,
)

ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"
_session = new_session


# --------------------------------------------------------------------------------- TLS, health


def test_health_over_tls_with_ca_bundle_for_ip_and_localhost(server: ChildServer) -> None:
    session = _session(server.ca_bundle)
    assert session.get(server.url + "/_sandbox/health").json()["status"] == "ok"
    port = server.url.rsplit(":", 1)[1]
    assert session.get(f"https://localhost:{port}/_sandbox/health").status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        _session(None).get(server.url + "/_sandbox/health")


# ---------------------------------------------------------------------------------------- auth


def test_password_grant_response_is_shaped_like_salesforce(server: ChildServer,
                                                           http: requests.Session) -> None:
    form = {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": "anything",
            "username": USERNAME, "password": PASSWORD}
    body = http.post(server.url + "/services/oauth2/token", data=form).json()
    assert set(body) == {"access_token", "instance_url", "id", "token_type", "issued_at",
                         "signature"}
    assert body["instance_url"] == server.url
    assert body["token_type"] == "Bearer"
    assert body["id"].startswith(server.url + "/id/00D")
    assert body["issued_at"].isdigit()
    assert base64.b64decode(body["signature"])


def test_client_credentials_grant(server: ChildServer, http: requests.Session) -> None:
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET}
    response = http.post(server.url + "/services/oauth2/token", data=form)
    assert response.status_code == 200
    api = Api(server, http, response.json()["access_token"])
    assert api.query("SELECT COUNT() FROM Account")["totalSize"] == 0
    form["client_secret"] = "wrong"
    bad = http.post(server.url + "/services/oauth2/token", data=form)
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_client")


def test_jwt_bearer_grant_checks_issuer_and_subject(server: ChildServer,
                                                     http: requests.Session) -> None:
    url = server.url + "/services/oauth2/token"
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = {"iss": CLIENT_ID, "sub": USERNAME, "aud": "https://login.salesforce.com",
              "exp": int(time.time()) + 180}
    body = http.post(url, data={"grant_type": grant, "assertion": unsigned_jwt(claims)}).json()
    assert {"access_token", "instance_url", "id", "token_type", "scope"} <= set(body)
    assert Api(server, http, body["access_token"]).call("GET", "/sobjects").status_code == 200
    wrong_sub = unsigned_jwt({**claims, "sub": "someone@else"})
    response = http.post(url, data={"grant_type": grant, "assertion": wrong_sub})
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    garbage = http.post(url, data={"grant_type": grant, "assertion": "not-a-jwt"})
    assert garbage.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"password": "wrong"}, "invalid_grant"),
        ({"username": "nobody@sandbox.local"}, "invalid_grant"),
        ({"client_id": "someone-else"}, "invalid_client_id"),
        ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
    ],
)
def test_bad_credentials_are_refused(server: ChildServer, http: requests.Session,
                                     form: dict[str, str], error: str) -> None:
    base = {"grant_type": "password", "client_id": CLIENT_ID, "username": USERNAME,
            "password": PASSWORD}
    response = http.post(server.url + "/services/oauth2/token", data={**base, **form})
    assert response.status_code == 400
    assert response.json()["error"] == error
    if error == "invalid_grant":
        assert response.json() == {"error": "invalid_grant",
                                   "error_description": "authentication failure"}


INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_missing_expired_and_revoked_tokens_get_401(server: ChildServer, http: requests.Session,
                                                    api: Api) -> None:
    assert api.call("GET", "/sobjects").status_code == 200
    anonymous = http.get(server.url + DATA + "/sobjects")
    assert (anonymous.status_code, anonymous.json()) == (401, INVALID_SESSION)
    control(server, http, "POST", "clock", {"advance_seconds": 7201})
    expired = api.call("GET", "/sobjects")
    assert (expired.status_code, expired.json()) == (401, INVALID_SESSION)
    fresh = Api(server, http, get_token(server, http))
    assert fresh.call("GET", "/sobjects").status_code == 200
    assert control(server, http, "POST", "expire-sessions")["expired"] >= 1
    assert fresh.call("GET", "/sobjects").status_code == 401


# ------------------------------------------------------------------------------- single records


def test_record_lifecycle_with_server_maintained_fields(server: ChildServer,
                                                        http: requests.Session, api: Api) -> None:
    created = api.call("POST", "/sobjects/Account/", json={"Name": "Acme", "Phone": "+49 1"})
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "success", "errors"} and body["success"] and body["errors"] == []
    record_id = body["id"]
    assert re.fullmatch(r"001[0-9A-Za-z]{15}", record_id)
    assert ids.case_safe_suffix(record_id[:15]) == record_id[15:]
    record = api.call("GET", f"/sobjects/Account/{record_id}").json()
    assert record["attributes"] == {"type": "Account",
                                    "url": f"{DATA}/sobjects/Account/{record_id}"}
    assert re.fullmatch(r"2026-10-01T08:00:\d\d\.\d{3}\+0000", record["CreatedDate"])
    assert record["CreatedDate"] == record["LastModifiedDate"] == record["SystemModstamp"]
    assert record["CreatedById"] == record["LastModifiedById"] == record["OwnerId"]
    assert record["IsDeleted"] is False and record["ERP_Blocked__c"] is False
    assert api.call("GET", f"/sobjects/Account/{record_id[:15]}").json()["Id"] == record_id

    control(server, http, "POST", "clock", {"advance_seconds": 3600})
    assert api.call("PATCH", f"/sobjects/Account/{record_id}",
                    json={"Phone": "+49 2"}).status_code == 204
    updated = api.call("GET", f"/sobjects/Account/{record_id}", params={"fields": "Phone,"
                                                                        "LastModifiedDate"})
    assert set(updated.json()) == {"attributes", "Phone", "LastModifiedDate"}
    assert updated.json()["LastModifiedDate"].startswith("2026-10-01T09:00:")

    assert api.call("DELETE", f"/sobjects/Account/{record_id}").status_code == 204
    gone = api.call("GET", f"/sobjects/Account/{record_id}")
    assert gone.status_code == 404 and gone.json()[0]["errorCode"] == "ENTITY_IS_DELETED"
    assert api.call("DELETE", f"/sobjects/Account/{record_id}").status_code == 404
    missing = api.call("GET", "/sobjects/Account/001000000000000AAA")
    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "REQUIRED_FIELD_MISSING"),
        ({"Name": None}, "REQUIRED_FIELD_MISSING"),
        ({"Name": "x" * 256}, "STRING_TOO_LONG"),
        ({"Name": "x", "ERP_Customer_Number__c": "1" * 21}, "STRING_TOO_LONG"),
        ({"Name": "x", "BillingCountryCode": "XX"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ({"Name": "x", "Bogus__c": 1}, "INVALID_FIELD"),
        ({"Name": "x", "CreatedDate": "2026-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"Name": "x", "Id": "001000000000000AAA"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
        ({"Name": "x", "NumberOfEmployees": "many"}, "JSON_PARSER_ERROR"),
        ({"Name": "x", "ERP_Blocked__c": "maybe"}, "JSON_PARSER_ERROR"),
        ({"Name": "x", "Credit_Limit__c": {"amount": 1}}, "JSON_PARSER_ERROR"),
        ({"Name": "x", "Credit_Limit__c": 1e17}, "NUMBER_OUTSIDE_VALID_RANGE"),
        ({"Name": "x", "OwnerId": "garbage"}, "MALFORMED_ID"),
        ({"Name": "x", "BillingCountry": "Atlantis"}, "FIELD_INTEGRITY_EXCEPTION"),
    ],
)
def test_create_validation_errors(api: Api, body: dict[str, Any], code: str) -> None:
    response = api.call("POST", "/sobjects/Account", json=body)
    assert response.status_code == 400, response.text
    error = response.json()[0]
    assert error["errorCode"] == code and error["message"]
    assert api.query("SELECT COUNT() FROM Account")["totalSize"] == 0


def test_values_are_normalised_like_salesforce(api: Api) -> None:
    body = {"Name": "Norm", "NumberOfEmployees": "10000", "Credit_Limit__c": "1234.565",
            "BillingCountry": "germany", "ShippingCountryCode": "CH", "Phone": ""}
    record_id = api.call("POST", "/sobjects/Account", json=body).json()["id"]
    record = api.call("GET", f"/sobjects/Account/{record_id}").json()
    assert record["NumberOfEmployees"] == 10000
    assert record["Credit_Limit__c"] == 1234.57
    assert (record["BillingCountry"], record["BillingCountryCode"]) == ("Germany", "DE")
    assert (record["ShippingCountry"], record["ShippingCountryCode"]) == ("Switzerland", "CH")
    assert record["Phone"] is None


def test_update_refuses_read_only_fields_and_duplicates(api: Api) -> None:
    first = api.call("POST", "/sobjects/Account",
                     json={"Name": "A", "ERP_Customer_Number__c": "C-9"}).json()["id"]
    duplicate = api.call("POST", "/sobjects/Account",
                         json={"Name": "B", "ERP_Customer_Number__c": "c-9"})
    assert duplicate.status_code == 400
    assert duplicate.json()[0]["errorCode"] == "DUPLICATE_VALUE"
    assert first in duplicate.json()[0]["message"]
    refused = api.call("PATCH", f"/sobjects/Account/{first}", json={"SystemModstamp": None})
    assert refused.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert refused.json()[0]["fields"] == ["SystemModstamp"]
    cleared = api.call("PATCH", f"/sobjects/Account/{first}", json={"Name": ""})
    assert cleared.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_single_upsert_and_lookup_by_external_id(api: Api) -> None:
    path = "/sobjects/Account/ERP_Customer_Number__c/C-77"
    created = api.call("PATCH", path, json={"Name": "Upserted"})
    assert created.status_code == 201 and created.json()["created"] is True
    again = api.call("PATCH", path, json={"Name": "Upserted again"})
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == created.json()["id"]
    found = api.call("GET", "/sobjects/Account/ERP_Customer_Number__c/c-77").json()
    assert found["Name"] == "Upserted again"
    # Account.Name is neither an External ID nor an idLookup field
    not_external = api.call("PATCH", "/sobjects/Account/Name/x", json={})
    assert (not_external.status_code, not_external.json()) == (404, [{
        "errorCode": "NOT_FOUND",
        "message": "Provided external ID field does not exist or is not accessible: Name"}])


def test_upsert_by_a_non_unique_external_id_answers_300(server: ChildServer,
                                                        http: requests.Session,
                                                        api: Api) -> None:
    first, second = seed(server, http, [{"Name": "A", "Tax_Number__c": "DE-1"},
                                        {"Name": "B", "Tax_Number__c": "de-1"}])
    several = api.call("PATCH", "/sobjects/Account/Tax_Number__c/DE-1", json={"Phone": "1"})
    assert several.status_code == 300
    assert several.json() == [f"{DATA}/sobjects/Account/{first}",
                              f"{DATA}/sobjects/Account/{second}"]
    unknown_field = api.call("PATCH", "/sobjects/Account/ERP_Customer_Number__c/X-1",
                             json={"Nope__c": 1})
    assert (unknown_field.status_code, unknown_field.json()[0]["errorCode"]) == (
        400, "INVALID_FIELD")


# ------------------------------------------------------------------------------------------ SOQL


SOQL_ROWS: list[dict[str, Any]] = [
    {"Name": "Alpha GmbH", "BillingCountryCode": "DE", "NumberOfEmployees": 10,
     "Credit_Limit__c": 500.5, "ERP_Customer_Number__c": "C-001", "Type": "Prospect",
     "ERP_Blocked__c": True},
    {"Name": "beta corp", "BillingCountryCode": "US", "NumberOfEmployees": 200,
     "ERP_Customer_Number__c": "C-002"},
    {"Name": "Gamma_Ltd", "BillingCountryCode": "GB", "Tax_Number__c": "GB123"},
    {"Name": "Delta 100% Bio", "BillingCountryCode": "FR", "NumberOfEmployees": 50,
     "Type": "Other"},
    {"Name": "O'Brien & Sons", "BillingCountryCode": "IE", "NumberOfEmployees": 5},
]
ALL = {row["Name"] for row in SOQL_ROWS}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("WHERE Name = 'ALPHA GMBH'", {"Alpha GmbH"}),
        ("where name != 'beta corp'", ALL - {"beta corp"}),
        ("WHERE NumberOfEmployees > 10", {"beta corp", "Delta 100% Bio"}),
        ("WHERE NumberOfEmployees <= 10", {"Alpha GmbH", "O'Brien & Sons"}),
        ("WHERE NumberOfEmployees = null", {"Gamma_Ltd"}),
        ("WHERE NumberOfEmployees != NULL", ALL - {"Gamma_Ltd"}),
        ("WHERE Type != 'Prospect'", ALL - {"Alpha GmbH"}),
        ("WHERE Type <> 'Prospect'", ALL - {"Alpha GmbH"}),
        ("WHERE BillingCountryCode IN ('DE', 'fr')", {"Alpha GmbH", "Delta 100% Bio"}),
        ("WHERE BillingCountryCode NOT IN ('DE','FR','US')", {"Gamma_Ltd", "O'Brien & Sons"}),
        ("WHERE Name LIKE 'a%'", {"Alpha GmbH"}),
        ("WHERE Name LIKE '%100\\%%'", {"Delta 100% Bio"}),
        ("WHERE Name LIKE 'Gamma\\_%'", {"Gamma_Ltd"}),
        ("WHERE Name LIKE 'gamma_ltd'", {"Gamma_Ltd"}),
        ("WHERE Name = 'O\\'Brien & Sons'", {"O'Brien & Sons"}),
        ("WHERE (NumberOfEmployees > 100 OR Type = 'Prospect') AND BillingCountryCode != 'US'",
         {"Alpha GmbH"}),
        ("WHERE NOT (BillingCountryCode = 'DE' OR BillingCountryCode = 'US')",
         {"Gamma_Ltd", "Delta 100% Bio", "O'Brien & Sons"}),
        ("WHERE NOT Name LIKE 'a%'", ALL - {"Alpha GmbH"}),
        ("WHERE ERP_Blocked__c = true", {"Alpha GmbH"}),
        ("WHERE ERP_Blocked__c = FALSE", ALL - {"Alpha GmbH"}),
        ("WHERE Credit_Limit__c >= 500.5", {"Alpha GmbH"}),
        ("WHERE ERP_Customer_Number__c IN ('c-001', null)", ALL - {"beta corp"}),
        ("WHERE CreatedDate >= 2026-10-01T08:00:00Z", ALL),
        ("WHERE CreatedDate > 2026-10-01T09:59:59.999+02:00", ALL),
        ("WHERE CreatedDate < 2026-10-01T10:00:00+02:00", set()),
        ("WHERE SystemModstamp < 2026-09-30T00:00:00.000Z AND Name != null", set()),
        ("WHERE CreatedDate = TODAY", ALL),
        ("WHERE CreatedDate = yesterday OR CreatedDate > TODAY", set()),
        ("WHERE CreatedDate = LAST_N_DAYS:3 AND CreatedDate < TOMORROW", ALL),
        ("WHERE CreatedDate = N_DAYS_AGO:1 OR CreatedDate = NEXT_N_DAYS:2", set()),
        ("WHERE CreatedDate >= TODAY AND CreatedDate <= TODAY AND CreatedDate != YESTERDAY",
         ALL),
    ],
)
def test_soql_where(server: ChildServer, http: requests.Session, api: Api, where: str,
                    expected: set[str]) -> None:
    seed(server, http, SOQL_ROWS)
    assert set(api.names(where)) == expected


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ("ORDER BY NumberOfEmployees, Name",
         ["Gamma_Ltd", "O'Brien & Sons", "Alpha GmbH", "Delta 100% Bio", "beta corp"]),
        ("ORDER BY NumberOfEmployees DESC",
         ["beta corp", "Delta 100% Bio", "Alpha GmbH", "O'Brien & Sons", "Gamma_Ltd"]),
        ("ORDER BY NumberOfEmployees DESC NULLS FIRST LIMIT 2", ["Gamma_Ltd", "beta corp"]),
        ("ORDER BY Name", ["Alpha GmbH", "beta corp", "Delta 100% Bio", "Gamma_Ltd",
                           "O'Brien & Sons"]),
        ("ORDER BY Name ASC LIMIT 2 OFFSET 1", ["beta corp", "Delta 100% Bio"]),
        ("ORDER BY Type NULLS LAST, Name DESC",
         ["Delta 100% Bio", "Alpha GmbH", "O'Brien & Sons", "Gamma_Ltd", "beta corp"]),
        ("WHERE BillingCountryCode != 'XX' ORDER BY Name DESC LIMIT 1", ["O'Brien & Sons"]),
    ],
)
def test_soql_order_limit_offset(server: ChildServer, http: requests.Session, api: Api,
                                 tail: str, expected: list[str]) -> None:
    seed(server, http, SOQL_ROWS)
    assert api.names(tail) == expected


def test_soql_count_ids_and_canonical_names(server: ChildServer, http: requests.Session,
                                            api: Api) -> None:
    record_ids = seed(server, http, SOQL_ROWS)
    counted = api.query("SELECT COUNT() FROM Account WHERE NumberOfEmployees > 10")
    assert counted == {"totalSize": 2, "done": True, "records": []}
    short_id = record_ids[1][:15]
    body = api.query(f"select id, name from ACCOUNT where Id = '{short_id}'")  # noqa: S608
    assert body["records"] == [{
        "attributes": {"type": "Account", "url": f"{DATA}/sobjects/Account/{record_ids[1]}"},
        "Id": record_ids[1], "Name": "beta corp"}]
    assert api.names(f"WHERE Id IN ('{record_ids[0]}', '{record_ids[2].lower()}')") == [
        "Alpha GmbH", "Gamma_Ltd"]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM Account WHERE Bogus__c = 'x'", "INVALID_FIELD"),
        ("SELECT Bogus FROM Account", "INVALID_FIELD"),
        ("SELECT Owner.Name FROM Account", "INVALID_FIELD"),  # User is not served
        ("SELECT Nope.Name FROM Account", "INVALID_FIELD"),
        ("SELECT Account.Nope FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE Description = 'x'", "INVALID_FIELD"),
        ("SELECT Id FROM Account ORDER BY Description", "INVALID_FIELD"),
        ("SELECT Id FROM Nope", "INVALID_TYPE"),
        ("SELECT Id Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name = 'x' AND Phone = 'y' OR Fax = 'z'",
         "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name = 'unterminated", "MALFORMED_QUERY"),
        ('SELECT Id FROM Account WHERE Name = "x"', "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name = 'a\\qb'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name IN ()", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account LIMIT x", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE CreatedDate > 2026-10-01T08:00:00", "MALFORMED_QUERY"),
        ("SELECT COUNT(Id) FROM Account", "MALFORMED_QUERY"),
        ("SELECT Name, name FROM Account", "MALFORMED_QUERY"),
        ("SELECT FROM Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE CreatedDate > 2026-10-01", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Id FROM Account WHERE CreatedDate > '2026-10-01T00:00:00Z'",
         "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Id FROM Account WHERE NumberOfEmployees = '5'", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Id FROM Account WHERE Name = 5", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Id FROM Account WHERE Id = 'nonsense'", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Id FROM Account WHERE NumberOfEmployees LIKE '5%'",
         "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Id FROM Account OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"),
        ("SELECT Id FROM Account WHERE Name = TODAY", "INVALID_QUERY_FILTER_OPERATOR"),
    ],
)
def test_soql_errors(api: Api, soql: str, code: str) -> None:
    response = api.call("GET", "/query", params={"q": soql})
    assert response.status_code == 400, response.text
    [error] = response.json()
    assert set(error) == {"message", "errorCode"}
    assert error["errorCode"] == code
    if code in ("INVALID_FIELD", "MALFORMED_QUERY", "INVALID_TYPE"):
        assert "ERROR at Row:1:Column:" in error["message"]


def test_query_all_includes_deleted_rows(server: ChildServer, http: requests.Session,
                                         api: Api) -> None:
    keep, drop = seed(server, http, [{"Name": "Keep"}, {"Name": "Drop"}])
    assert api.call("DELETE", f"/sobjects/Account/{drop}").status_code == 204
    live = api.query("SELECT Id FROM Account")
    assert [r["Id"] for r in live["records"]] == [keep]
    everything = api.query("SELECT Id, IsDeleted FROM Account", endpoint="queryAll")
    assert {r["Id"]: r["IsDeleted"] for r in everything["records"]} == {keep: False, drop: True}
    deleted_only = api.query("SELECT Id FROM Account WHERE IsDeleted = true", endpoint="queryAll")
    assert [r["Id"] for r in deleted_only["records"]] == [drop]


def test_paging_is_2000_rows_with_a_stable_server_side_cursor(
        server: ChildServer, http: requests.Session, api: Api) -> None:
    seed(server, http, [{"Name": f"Bulk {i:04d}"} for i in range(2500)])
    first = api.query("SELECT Id, Name FROM Account")
    assert (first["totalSize"], first["done"], len(first["records"])) == (2500, False, 2000)
    assert re.fullmatch(rf"{DATA}/query/01g[0-9A-Za-z]{{15}}-2000", first["nextRecordsUrl"])
    assert first["records"][0]["Name"] == "Bulk 0000"
    seed(server, http, [{"Name": "Created between pages"}])
    second = api.call("GET", first["nextRecordsUrl"]).json()
    assert (second["totalSize"], second["done"], len(second["records"])) == (2500, True, 500)
    assert "nextRecordsUrl" not in second
    assert second["records"][-1]["Name"] == "Bulk 2499"

    options = {"Sforce-Query-Options": "batchSize=500"}
    pages = [api.query("SELECT Id FROM Account", headers=options)]
    while not pages[-1]["done"]:
        pages.append(api.call("GET", pages[-1]["nextRecordsUrl"]).json())
    assert [len(p["records"]) for p in pages] == [500, 500, 500, 500, 500, 1]
    tiny = api.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=5"})
    assert len(tiny["records"]) == 200
    bad = api.call("GET", "/query/01g000000000000AAA-2000")
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


# ------------------------------------------------------------------------------- simple-salesforce


def test_simple_salesforce_crud_query_and_query_all(server: ChildServer, http: requests.Session,
                                                    sf: Salesforce) -> None:
    seed(server, http, [{"Name": f"Row {i:04d}"} for i in range(2100)])
    created = sf.Account.create({"Name": "Via simple-salesforce", "BillingCountryCode": "AT"})
    assert created["success"] is True
    assert sf.Account.update(created["id"], {"Phone": "+43 1 234"}) == 204
    assert sf.Account.get(created["id"])["BillingCountry"] == "Austria"
    result = sf.query_all("SELECT Id, Name FROM Account")
    assert result["totalSize"] == 2101 and len(result["records"]) == 2101
    assert sf.Account.delete(created["id"]) == 204
    with_deleted = sf.query_all("SELECT Id FROM Account WHERE IsDeleted = true",
                                include_deleted=True)
    assert [r["Id"] for r in with_deleted["records"]] == [created["id"]]
    window = sf.Account.deleted(datetime(2026, 10, 1, tzinfo=UTC),
                                datetime(2026, 10, 2, tzinfo=UTC))
    assert [d["id"] for d in window["deletedRecords"]] == [created["id"]]
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 2100
    with pytest.raises(SalesforceMalformedRequest):
        sf.query("SELECT Nope FROM Account")


def test_simple_salesforce_restful_upsert_and_expiry(server: ChildServer, http: requests.Session,
                                                     sf: Salesforce) -> None:
    records = [{"attributes": {"type": "Account"}, "ERP_Customer_Number__c": f"K-{i}",
                "Name": f"Kunde {i}"} for i in range(3)]
    path = "composite/sobjects/Account/ERP_Customer_Number__c"
    first = sf.restful(path, method="PATCH", json={"allOrNone": True, "records": records})
    assert [r["created"] for r in first] == [True, True, True]
    second = sf.restful(path, method="PATCH", json={"allOrNone": True, "records": records})
    assert [r["created"] for r in second] == [False, False, False]
    assert [r["id"] for r in second] == [r["id"] for r in first]
    assert sf.Account.get_by_custom_id("ERP_Customer_Number__c", "K-1")["Name"] == "Kunde 1"
    assert sf.api_usage["api-usage"].total == 15000
    control(server, http, "POST", "expire-sessions")
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Account")


# ---------------------------------------------------------------------------- sObject Collections


def test_collections_create_update_delete(api: Api) -> None:
    created = api.collection("POST", [{"Name": "One"}, {"Name": "Two"}, {"Phone": "no name"}])
    assert created.status_code == 200
    ok1, ok2, failed = created.json()
    assert set(ok1) == {"id", "success", "errors"} and ok1["success"] and ok1["errors"] == []
    assert failed == {"success": False, "errors": [{
        "statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [Name]",
        "fields": ["Name"]}]}
    updated = api.collection("PATCH", [{"Id": ok1["id"], "Description": "first"},
                                       {"id": ok2["id"], "NumberOfEmployees": "7"},
                                       {"Description": "no id"},
                                       {"Id": "001000000000000AAA", "Name": "ghost"}])
    results = updated.json()
    assert [r["success"] for r in results] == [True, True, False, False]
    assert [r["id"] for r in results[:2]] == [ok1["id"], ok2["id"]]
    assert results[2]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert results[3]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"
    assert api.names("WHERE NumberOfEmployees = 7") == ["Two"]
    deleted = api.call("DELETE", "/composite/sobjects",
                       params={"ids": f"{ok1['id']},bogus", "allOrNone": "false"}).json()
    assert deleted[0] == {"id": ok1["id"], "success": True, "errors": []}
    assert deleted[1]["errors"][0]["statusCode"] == "MALFORMED_ID"
    assert api.names("") == ["Two"]


def test_collections_upsert_created_flags_and_errors(server: ChildServer, http: requests.Session,
                                                     api: Api) -> None:
    seed(server, http, [{"Name": "Tax A", "Tax_Number__c": "DE1"},
                        {"Name": "Tax B", "Tax_Number__c": "de1"}])
    path = "/ERP_Customer_Number__c"
    first = api.collection("PATCH", [{"ERP_Customer_Number__c": "E-1", "Name": "E one"},
                                     {"ERP_Customer_Number__c": "E-2", "Name": "E two"}],
                           "/Account" + path).json()
    assert [(r["success"], r["created"]) for r in first] == [(True, True), (True, True)]
    assert all(set(r) == {"id", "success", "errors", "created"} for r in first)
    second = api.collection("PATCH", [{"ERP_Customer_Number__c": "e-1", "Name": "E one!"},
                                      {"ERP_Customer_Number__c": "E-3", "Name": "E three"},
                                      {"Name": "no key"},
                                      {"ERP_Customer_Number__c": "E-4", "Name": "twice"},
                                      {"ERP_Customer_Number__c": "e-4", "Name": "twice"}],
                            "/Account" + path).json()
    assert [(r["success"], r["created"]) for r in second] == [
        (True, False), (True, True), (False, False), (False, False), (False, False)]
    assert second[0]["id"] == first[0]["id"]
    assert second[2]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert {second[3]["errors"][0]["statusCode"], second[4]["errors"][0]["statusCode"]} == {
        "DUPLICATE_EXTERNAL_ID"}
    several = api.collection("PATCH", [{"Tax_Number__c": "DE1", "Name": "?"}],
                             "/Account/Tax_Number__c").json()
    assert several[0]["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"
    assert several[0]["errors"][0]["fields"] == ["Tax_Number__c"]
    not_external = api.collection("PATCH", [{"Name": "x"}], "/Account/Name")
    assert (not_external.status_code, not_external.json()) == (400, [{
        "errorCode": "INVALID_FIELD",
        "message": "Provided external ID field does not exist or is not accessible: Name"}])
    unknown = api.collection("PATCH", [{"ERP_Customer_Number__c": "E-9", "Nope__c": 1}],
                             "/Account" + path)
    assert unknown.status_code == 400 and unknown.json()[0]["errorCode"] == "INVALID_FIELD"


def test_all_or_none_rolls_back_everything(server: ChildServer, http: requests.Session,
                                           api: Api) -> None:
    atomic = api.collection("POST", [{"Name": "Good"}, {"Name": "x" * 300}],
                            all_or_none=True).json()
    assert atomic[0] == {"success": False, "errors": [{
        "statusCode": ROLLED_BACK, "message": atomic[0]["errors"][0]["message"], "fields": []}]}
    assert atomic[1]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert api.query("SELECT COUNT() FROM Account")["totalSize"] == 0
    partial = api.collection("POST", [{"Name": "Good"}, {"Name": "x" * 300}]).json()
    assert [r["success"] for r in partial] == [True, False]
    upserts = api.collection("PATCH", [{"ERP_Customer_Number__c": "R-1", "Name": "New"},
                                       {"ERP_Customer_Number__c": "R-2"}],
                             "/Account/ERP_Customer_Number__c", all_or_none=True).json()
    assert upserts[0]["errors"][0]["statusCode"] == ROLLED_BACK
    assert upserts[0]["created"] is False
    keep = partial[0]["id"]
    deletes = api.call("DELETE", "/composite/sobjects",
                       params={"ids": f"{keep},001000000000000AAA", "allOrNone": "true"}).json()
    assert deletes[0]["errors"][0]["statusCode"] == ROLLED_BACK
    assert api.names("") == ["Good"]


def test_more_than_200_records_are_refused(api: Api) -> None:
    too_many = [{"Name": f"N{i}"} for i in range(201)]
    for method, path in (("POST", ""), ("PATCH", "/Account/ERP_Customer_Number__c")):
        response = api.collection(method, too_many, path)
        assert response.status_code == 400
        assert response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    ids_param = ",".join(["001000000000000AAA"] * 201)
    response = api.call("DELETE", "/composite/sobjects", params={"ids": ids_param})
    assert response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert [r["success"] for r in api.collection("POST", too_many[:200]).json()] == [True] * 200


# --------------------------------------------------------------------- recorded real payloads


@needs_fixtures
def test_results_have_the_shape_of_recorded_real_responses(api: Api) -> None:
    recorded = load_fixture("recorded", "TestUpsert.test_upsert__rest.json")
    real_create = next(x for x in recorded if x["method"] == "POST")["response_body"][0]
    real_upsert = next(x for x in recorded if x["method"] == "PATCH")["response_body"][0]
    real_query = next(x for x in recorded if x["method"] == "GET")["response_body"]
    ours_create = api.collection("POST", [{"Name": "Sitwell-Bluth"}]).json()[0]
    assert set(ours_create) == set(real_create)
    ours_upsert = api.collection("PATCH", [{"ERP_Customer_Number__c": "X", "Name": "X"}],
                                 "/Account/ERP_Customer_Number__c").json()[0]
    assert set(ours_upsert) == set(real_upsert)
    ours_query = api.query("select Name from Account")
    assert set(ours_query) == set(real_query)
    assert set(ours_query["records"][0]) == set(real_query["records"][0])
    assert set(ours_query["records"][0]["attributes"]) == {"type", "url"}


@needs_fixtures
def test_recorded_requests_replay_successfully(server: ChildServer, http: requests.Session,
                                               api: Api) -> None:
    """Real request bodies (string numbers, upsert by Id with Id null) work here as they did."""
    by_id = next(x for x in load_fixture(
        "recorded", "TestUpsert.test_upsert_complex_external_id_field_rest__duplicate_error.json")
        if x["uri"].endswith("/composite/sobjects/Account/Id"))
    response = api.call("PATCH", "/composite/sobjects/Account/Id", json=by_id["request_body"])
    assert [(r["success"], r["created"]) for r in response.json()] == [
        (r["success"], r["created"]) for r in by_id["response_body"]]
    update = next(x for x in load_fixture("recorded",
                                          "TestUpdatesIntegrationTests.test_updates_task.json")
                  if x["method"] == "PATCH")
    our_ids = seed(server, http, [{"Name": f"Account {i}"} for i in range(6)])
    body = update["request_body"]
    for record, our_id in zip(body["records"], our_ids, strict=True):
        record["Id"] = our_id
    results = api.call("PATCH", "/composite/sobjects", json=body).json()
    assert [r["success"] for r in results] == [r["success"] for r in update["response_body"]]
    assert api.names("WHERE NumberOfEmployees = 10000 AND BillingStreet LIKE '% Street'") != []


@needs_fixtures
def test_case_safe_suffix_matches_real_ids() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in (SF_FIXTURES / "recorded").glob("*.json"))
    real_ids = set(re.findall(r'"id": "([0-9A-Za-z]{18})"', text))
    assert len(real_ids) > 10
    for real in real_ids:
        assert ids.case_safe_suffix(real[:15]) == real[15:]
        assert ids.normalize(real.lower()) == real
        assert ids.normalize(real[:15]) == real


# --------------------------------------------------------------------------------- control plane


def test_request_log(server: ChildServer, http: requests.Session, api: Api) -> None:
    api.query("SELECT Id FROM Account WHERE Name = 'x'")
    api.call("GET", "/query", params={"q": "SELECT Nope FROM Account"})
    log = control(server, http, "GET", "requests")
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/services/oauth2/token", 200),
        ("GET", f"{DATA}/query/", 200),
        ("GET", f"{DATA}/query", 400),
    ]
    assert log[1]["query"] == {"q": "SELECT Id FROM Account WHERE Name = 'x'"}
    assert log[1]["at"].startswith("2026-10-01T08:0")
    assert all(set(e) == {"method", "path", "query", "status", "at"} for e in log)
    assert control(server, http, "DELETE", "requests") == {"cleared": 3}
    assert control(server, http, "GET", "requests") == []


def test_record_faults_fire_once(server: ChildServer, http: requests.Session, api: Api) -> None:
    _, validated = seed(server, http, [{"Name": "Locked", "ERP_Customer_Number__c": "F-1"},
                                       {"Name": "Validated", "ERP_Customer_Number__c": "F-4"}])
    faults = {"record_errors": {"F-1": "UNABLE_TO_LOCK_ROW", "F-2": "DUPLICATE_VALUE",
                                validated: "FIELD_CUSTOM_VALIDATION_EXCEPTION"}}
    armed = control(server, http, "POST", "faults", faults)
    assert armed["record_errors"]["F-1"] == "UNABLE_TO_LOCK_ROW"
    batch = [{"ERP_Customer_Number__c": "F-1", "Name": "Locked"},
             {"ERP_Customer_Number__c": "F-2", "Name": "New"},
             {"ERP_Customer_Number__c": "F-3", "Name": "Fine"},
             {"ERP_Customer_Number__c": "F-4", "Name": "Validated"}]
    path = "/Account/ERP_Customer_Number__c"
    first = api.collection("PATCH", batch, path).json()
    assert [r["errors"][0]["statusCode"] if r["errors"] else None for r in first] == [
        "UNABLE_TO_LOCK_ROW", "DUPLICATE_VALUE", None, "FIELD_CUSTOM_VALIDATION_EXCEPTION"]
    assert all(set(e) == {"statusCode", "message", "fields"} for r in first for e in r["errors"])
    assert control(server, http, "GET", "faults") == {"record_errors": {}, "http_503_next": 0,
                                                      "bursts": []}
    second = api.collection("PATCH", batch, path).json()
    assert [r["success"] for r in second] == [True, True, True, True]
    single = api.call("PATCH", f"/sobjects/Account/{validated}", json={"Phone": "1"})
    assert single.status_code == 204
    control(server, http, "POST", "faults", {"record_errors": {validated: "UNABLE_TO_LOCK_ROW"}})
    locked = api.call("PATCH", f"/sobjects/Account/{validated}", json={"Phone": "2"})
    assert locked.status_code == 400 and locked.json()[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"


def test_http_503_fault_and_limit_header(server: ChildServer, http: requests.Session,
                                         api: Api) -> None:
    before = api.call("GET", "/sobjects").headers["Sforce-Limit-Info"]
    used = int(re.fullmatch(r"api-usage=(\d+)/15000", before).group(1))  # type: ignore[union-attr]
    control(server, http, "POST", "faults", {"http_503_next": 2})
    assert [api.call("GET", "/sobjects").status_code for _ in range(3)] == [503, 503, 200]
    after = api.call("GET", "/sobjects").headers["Sforce-Limit-Info"]
    assert after == f"api-usage={used + 2}/15000"
    assert "Sforce-Limit-Info" in http.get(server.url + "/_sandbox/health").headers


def test_clock_is_pinned_ticks_and_moves(server: ChildServer, http: requests.Session,
                                         api: Api) -> None:
    first = control(server, http, "GET", "clock")["now"]
    assert first.startswith("2026-10-01T08:00:0")
    time.sleep(0.05)
    assert control(server, http, "GET", "clock")["now"] > first
    moved = control(server, http, "POST", "clock", {"to": "2026-10-01T08:30:00Z"})["now"]
    assert moved.startswith("2026-10-01T08:30:00")
    record_id = api.call("POST", "/sobjects/Account", json={"Name": "Timed"}).json()["id"]
    control(server, http, "POST", "clock", {"advance_seconds": 3600})  # within the token TTL
    api.call("PATCH", f"/sobjects/Account/{record_id}", json={"Name": "Timed 2"})
    answer = api.call("GET", f"/sobjects/Account/{record_id}")
    assert answer.headers["Date"].startswith("Thu, 01 Oct 2026 09:30:0"), \
        "HTTP Date is the server's own clock, which clients read the org's time from"
    record = answer.json()
    assert record["CreatedDate"].startswith("2026-10-01T08:30:0")
    assert record["LastModifiedDate"].startswith("2026-10-01T09:30:0")
    assert record["SystemModstamp"] == record["LastModifiedDate"]
    assert api.names("WHERE LastModifiedDate > 2026-10-01T09:00:00Z") == ["Timed 2"]
    bad = http.post(server.url + "/_sandbox/clock", json={"to": "tomorrow"})
    assert bad.status_code == 400 and "error" in bad.json()


def test_seed_and_demo_data(server: ChildServer, http: requests.Session, api: Api) -> None:
    [old] = seed(server, http, [{"Name": "History", "CreatedDate": "2020-01-01T00:00:00Z",
                                 "LastModifiedDate": "2021-01-01T00:00:00Z"}])
    record = api.call("GET", f"/sobjects/Account/{old}").json()
    assert record["CreatedDate"] == "2020-01-01T00:00:00.000+0000"
    assert record["LastModifiedDate"] == "2021-01-01T00:00:00.000+0000"
    assert record["CreatedById"] != record["OwnerId"] or record["OwnerId"].startswith("005")
    rejected = http.post(server.url + "/_sandbox/seed",
                         json={"Account": [{"Name": "ok"}, {"BillingCountryCode": "ZZ"}]})
    assert rejected.status_code == 400 and rejected.json()["index"] == 1
    assert api.query("SELECT COUNT() FROM Account")["totalSize"] == 1

    reset = control(server, http, "POST", "reset", {"demo_data": True})
    assert len(reset["demo_ids"]) == 5
    demo = api.query("SELECT Name, BillingCountryCode, BillingCountry, Phone, "
                     "ERP_Customer_Number__c, LastModifiedById FROM Account")["records"]
    assert len(demo) == 5
    assert all(r["ERP_Customer_Number__c"] is None and r["Phone"] for r in demo)
    assert len({r["BillingCountryCode"] for r in demo}) == 5
    token_user = api.call("GET", "/sobjects/Account/describe")  # the API user differs from admin
    assert token_user.status_code == 200


def test_restart_with_file_database_keeps_records(workdir: Path, http: requests.Session) -> None:
    db = workdir / "org.sqlite"
    log = workdir / "restart.log"
    child = start(db=db, cert_dir=workdir / "certs", log_file=log, clock="2027-01-01T00:00")
    try:
        session = _session(child.ca_bundle)
        assert control(child, session, "GET", "health")["now"].startswith("2027-01-01T00:00")
        [first] = seed(child, session, [{"Name": "Persistent", "ERP_Customer_Number__c": "P-1"}])
        api = Api(child, session, get_token(child, session))
        job = api.call("POST", "/jobs/query", json={"operation": "query",
                                                    "query": "SELECT Name FROM Account"})
        job_id = wait_for_job(api, "query", job.json()["id"])["id"]
    finally:
        child.stop()
    child = start(db=db, cert_dir=workdir / "certs", log_file=log, demo_data=True)
    try:
        session = _session(child.ca_bundle)
        api = Api(child, session, get_token(child, session))
        assert api.names("WHERE ERP_Customer_Number__c = 'P-1'") == ["Persistent"]
        assert api.query("SELECT COUNT() FROM Account")["totalSize"] == 1  # not empty: no demo
        [second] = seed(child, session, [{"Name": "After restart"}])
        assert second != first and second > first
        results = api.call("GET", f"/jobs/query/{job_id}/results")
        assert results.text == '"Name"\n"Persistent"\n'  # Bulk jobs survive a restart too
        books = api.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")
        assert books["totalSize"] == 1
    finally:
        child.stop()
