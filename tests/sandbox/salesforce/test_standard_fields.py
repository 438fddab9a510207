"""Standard fields beyond the ones the sync writes: the values the server derives (compound
addresses, PhotoUrl, an opportunity's expected revenue and fiscal period), the writes it
refuses, and upserts on idLookup fields that are not External IDs (Contact.Email)."""

from __future__ import annotations

import csv
import io

import requests

from sandbox.process import ChildServer
from tests.sandbox.salesforce.support import Api, control, seed, wait_for_job

NO_ADDRESS = None


def test_compound_addresses_follow_their_parts(api: Api) -> None:
    created = api.call("POST", "/sobjects/Account", json={"Name": "Geo"}).json()["id"]
    record = api.call("GET", f"/sobjects/Account/{created}").json()
    assert (record["BillingAddress"], record["ShippingAddress"]) == (NO_ADDRESS, NO_ADDRESS)
    assert record["PhotoUrl"] == f"/services/images/photo/{created}"
    assert (record["IsPartner"], record["MasterRecordId"], record["CleanStatus"]) == (
        False, None, None)
    changed = api.call("PATCH", f"/sobjects/Account/{created}", json={
        "BillingStreet": "Speicherstadtweg 14", "BillingCity": "Hamburg",
        "BillingCountry": "Germany", "BillingLatitude": 53.5432, "BillingGeocodeAccuracy": "Zip"})
    assert changed.status_code == 204, changed.text
    soql = f"SELECT BillingAddress FROM Account WHERE Id = '{created}'"  # noqa: S608 - SOQL
    row = api.query(soql)["records"][0]
    assert row["BillingAddress"] == {
        "city": "Hamburg", "country": "Germany", "countryCode": "DE", "geocodeAccuracy": "Zip",
        "latitude": 53.5432, "longitude": None, "postalCode": None, "state": None,
        "street": "Speicherstadtweg 14"}
    refused = api.call("PATCH", f"/sobjects/Account/{created}",
                       json={"BillingAddress": "Bremen"})
    assert refused.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    bad_accuracy = api.call("PATCH", f"/sobjects/Account/{created}",
                            json={"ShippingGeocodeAccuracy": "Nearby"})
    assert bad_accuracy.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    unfiltered = api.call("GET", "/query/", params={
        "q": "SELECT Id FROM Account WHERE BillingAddress = null"})
    assert (unfiltered.status_code, unfiltered.json()[0]["errorCode"]) == (400, "INVALID_FIELD")


def test_contact_other_address_keeps_its_country_code_in_step(api: Api) -> None:
    created = api.call("POST", "/sobjects/Contact", json={
        "LastName": "Bluth", "OtherCountryCode": "US", "Birthdate": "1970-05-04"})
    assert created.status_code == 201, created.text
    record = api.call("GET", f"/sobjects/Contact/{created.json()['id']}").json()
    assert (record["OtherCountry"], record["OtherAddress"]["countryCode"]) == (
        "United States", "US")
    assert (record["MailingAddress"], record["Birthdate"]) == (NO_ADDRESS, "1970-05-04")


def test_opportunity_expected_revenue_fiscal_period_and_stage_change(
        server: ChildServer, http: requests.Session, api: Api) -> None:
    created = api.call("POST", "/sobjects/Opportunity", json={
        "Name": "Deal", "StageName": "Value Proposition", "CloseDate": "2026-11-15",
        "Amount": 1000}).json()["id"]
    record = api.call("GET", f"/sobjects/Opportunity/{created}").json()
    assert (record["Probability"], record["ExpectedRevenue"]) == (50, 500.0)
    assert (record["FiscalYear"], record["FiscalQuarter"], record["Fiscal"]) == (2026, 4,
                                                                                "2026 4")
    assert record["LastStageChangeDate"] is None
    control(server, http, "POST", "clock", {"advance_seconds": 3600})
    api.call("PATCH", f"/sobjects/Opportunity/{created}", json={"CloseDate": "2027-02-01"})
    same_stage = api.call("GET", f"/sobjects/Opportunity/{created}").json()
    assert (same_stage["Fiscal"], same_stage["LastStageChangeDate"]) == ("2027 1", None)
    api.call("PATCH", f"/sobjects/Opportunity/{created}", json={"StageName": "Closed Won"})
    won = api.call("GET", f"/sobjects/Opportunity/{created}").json()
    assert (won["ExpectedRevenue"], won["LastStageChangeDate"]) == (1000.0,
                                                                    won["SystemModstamp"])


def test_read_only_and_unserved_references_are_refused(server: ChildServer,
                                                       http: requests.Session,
                                                       api: Api) -> None:
    [contact] = seed(server, http, [{"LastName": "Bluth"}], obj="Contact")
    deal = {"Name": "Deal", "StageName": "In Progress", "CloseDate": "2026-11-15"}
    created = api.call("POST", "/sobjects/Opportunity", json={**deal, "ContactId": contact})
    assert created.status_code == 201, created.text  # StageName is not a restricted picklist
    frozen = api.call("PATCH", f"/sobjects/Opportunity/{created.json()['id']}",
                      json={"ContactId": contact})
    assert frozen.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    no_relationship = api.call("GET", "/query/", params={
        "q": "SELECT Contact.Name FROM Opportunity"})
    assert no_relationship.json()[0]["errorCode"] == "INVALID_FIELD"
    # the org has no campaigns and no record types (not even the master one is assignable)
    for obj, body in (("Opportunity", {**deal, "CampaignId": "701000000000001AAA"}),
                      ("Account", {"Name": "A", "RecordTypeId": "012000000000000AAA"})):
        refused = api.call("POST", f"/sobjects/{obj}", json=body)
        assert (refused.status_code, refused.json()[0]["errorCode"]) == (
            400, "INVALID_CROSS_REFERENCE_KEY")
        assert refused.json()[0]["fields"] == [next(k for k in body if k.endswith("Id"))]


def test_deleting_a_parent_account_clears_its_children_s_parent(
        server: ChildServer, http: requests.Session, api: Api) -> None:
    [parent] = seed(server, http, [{"Name": "Holding"}])
    [child] = seed(server, http, [{"Name": "Subsidiary", "ParentId": parent}])
    soql = f"SELECT Parent.Name FROM Account WHERE Id = '{child}'"  # noqa: S608 - SOQL
    assert api.query(soql)["records"][0]["Parent"]["Name"] == "Holding"
    assert api.call("DELETE", f"/sobjects/Account/{parent}").status_code == 204
    assert api.call("GET", f"/sobjects/Account/{child}").json()["ParentId"] is None


def test_contacts_upsert_by_email_an_id_lookup_field(server: ChildServer,
                                                     http: requests.Session, api: Api) -> None:
    rows = [{"LastName": "Sitwell", "Email": "lindsay.bluth@example.com"},
            {"LastName": "Bluth", "Email": "GOB.Bluth@example.com"}]
    first = api.collection("PATCH", rows, "/Contact/Email", obj="Contact").json()
    assert [(r["success"], r["created"]) for r in first] == [(True, True), (True, True)]
    again = api.collection("PATCH", [{"LastName": "Bluth", "Email": "lindsay.bluth@example.com"},
                                     {"LastName": "Bluth", "Email": "gob.bluth@example.com"}],
                           "/Contact/Email", obj="Contact").json()
    assert [(r["id"], r["created"]) for r in again] == [(first[0]["id"], False),
                                                        (first[1]["id"], False)]
    single = api.call("PATCH", "/sobjects/Contact/Email/buster@example.com",
                      json={"LastName": "Bluth"})
    assert (single.status_code, single.json()["created"]) == (201, True)
    found = api.call("GET", "/sobjects/Contact/Email/BUSTER@example.com")
    assert found.json()["Id"] == single.json()["id"]
    seed(server, http, [{"LastName": "Twin", "Email": "twin@example.com"}] * 2, obj="Contact")
    several = api.call("PATCH", "/sobjects/Contact/Email/twin@example.com",
                       json={"LastName": "One"})
    assert several.status_code == 300 and len(several.json()) == 2
    in_batch = api.collection("PATCH", [{"LastName": "One", "Email": "twin@example.com"}],
                              "/Contact/Email", obj="Contact").json()
    assert in_batch[0]["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"


def test_id_lookup_upserts_are_for_standard_objects_only(api: Api) -> None:
    by_name = api.collection("PATCH", [{"Name": "Deal", "StageName": "Prospecting",
                                        "CloseDate": "2026-12-01"}],
                             "/Opportunity/Name", obj="Opportunity").json()
    assert (by_name[0]["success"], by_name[0]["created"]) == (True, True)
    # Invoice__c.Name is an idLookup Auto Number, but custom objects upsert by External IDs
    custom = api.collection("PATCH", [{"Name": "x"}], "/Invoice__c/Name", obj="Invoice__c")
    assert (custom.status_code, custom.json()[0]["errorCode"]) == (400, "INVALID_FIELD")
    single = api.call("PATCH", "/sobjects/Invoice__c/Name/INV-1", json={})
    assert (single.status_code, single.json()[0]["errorCode"]) == (404, "NOT_FOUND")


def test_bulk_upsert_by_email(server: ChildServer, http: requests.Session, api: Api) -> None:
    [known] = seed(server, http, [{"LastName": "Bluth", "Email": "annyong@example.com"}],
                   obj="Contact")
    created = api.call("POST", "/jobs/ingest", json={
        "object": "Contact", "operation": "upsert", "externalIdFieldName": "email",
        "contentType": "CSV"})
    assert created.status_code == 200, created.text
    job = created.json()
    assert job["externalIdFieldName"] == "Email"
    data = "LastName,Email\nAnnyong,ANNYONG@example.com\nBluth,buster@example.com\n"
    api.call("PUT", f"/jobs/ingest/{job['id']}/batches", data=data.encode(),
             headers={"Content-Type": "text/csv"})
    api.call("PATCH", f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    done = wait_for_job(api, "ingest", job["id"])
    assert done["numberRecordsProcessed"] == 2
    results = api.call("GET", f"/jobs/ingest/{job['id']}/successfulResults").text
    rows = [(r["sf__Id"], r["sf__Created"]) for r in csv.DictReader(io.StringIO(results))]
    assert rows[0] == (known, "false") and rows[1][1] == "true"
