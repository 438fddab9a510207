"""The scripts users write today without this product, run against the same stand-ins.

Both read every customer partner from SAP (OData, ``$top``/``$skip`` pages of 5000, address
expanded, suppliers filtered out as the ``customers`` mapping does) into one list, map the
same fields the mapping maps, and upsert by the External ID ``ERP_Customer_Number__c``:

* ``per_record``: ``sf.Account.upsert("ERP_Customer_Number__c/<number>", fields)``, one call
  per record: the script in most tutorials;
* ``collections``: sObject Collections upsert, 200 records per call
  (``sf.restful("composite/sobjects/Account/ERP_Customer_Number__c", method="PATCH")``).

Neither keeps state, so every run sends every record again: a re-run or an incremental run
costs what the first load cost. ``upsert_limit`` caps how many records are upserted (the
read is always complete); the caller extrapolates and says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import requests
from simple_salesforce.api import Salesforce, SFType

from bench.systems import BP_SERVICE, Systems
from sandbox import salesforce as sf_sandbox

SAP_PAGE = 5000
COLLECTION = 200
EXTERNAL_ID = "ERP_Customer_Number__c"
Upload = Callable[[Salesforce, list[dict[str, Any]]], int]


def read_all_partners(http: requests.Session, base_url: str) -> list[dict[str, Any]]:
    """Every customer partner with its address, one page after another, into one list."""
    rows: list[dict[str, Any]] = []
    skip = 0
    while True:
        params: dict[str, str | int] = {
            "$filter": "Supplier eq ''", "$expand": "to_BusinessPartnerAddress",
            "$orderby": "BusinessPartner", "$top": SAP_PAGE, "$skip": skip, "$format": "json"}
        response = http.get(base_url + BP_SERVICE + "/A_BusinessPartner", params=params,
                            timeout=600)
        response.raise_for_status()
        page = response.json()["d"]["results"]
        rows.extend(page)
        skip += len(page)
        if len(page) < SAP_PAGE:
            return rows


def account_fields(partner: dict[str, Any]) -> dict[str, Any]:
    """The fields the ``customers`` mapping sends, mapped the obvious way."""
    addresses = partner.get("to_BusinessPartnerAddress", {}).get("results") or [{}]
    address = addresses[0]
    return {
        EXTERNAL_ID: partner["BusinessPartner"].lstrip("0"),  # as the mapping stores it
        "Name": partner["BusinessPartnerFullName"].strip(),
        "ERP_Blocked__c": bool(partner.get("BusinessPartnerIsBlocked")),
        "Phone": address.get("PhoneNumber") or None,
        "BillingStreet": address.get("StreetName") or None,
        "BillingCity": address.get("CityName") or None,
        "BillingPostalCode": address.get("PostalCode") or None,
        "BillingState": address.get("Region") or None,
        "BillingCountryCode": address.get("Country") or None,
    }


def upsert_per_record(sf: Salesforce, accounts: list[dict[str, Any]]) -> int:
    account_type = sobject(sf, "Account")
    for account in accounts:
        fields = dict(account)
        number = fields.pop(EXTERNAL_ID)
        account_type.upsert(f"{EXTERNAL_ID}/{number}", fields)
    return len(accounts)


def upsert_collections(sf: Salesforce, accounts: list[dict[str, Any]]) -> int:
    for chunk in _chunks(accounts, COLLECTION):
        records = [{"attributes": {"type": "Account"}, **account} for account in chunk]
        results = sf.restful(f"composite/sobjects/Account/{EXTERNAL_ID}", method="PATCH",
                             json={"allOrNone": False, "records": records})
        failed = [r for r in results or [] if not r.get("success")]
        if failed:
            raise RuntimeError(f"collections upsert failed: {failed[:2]}")
    return len(accounts)


UPLOADS: dict[str, Upload] = {"per_record": upsert_per_record,
                              "collections": upsert_collections}


def run_baseline(systems: Systems, kind: str, upsert_limit: int | None = None
                 ) -> dict[str, Any]:
    """Read everything from SAP, upsert (at most ``upsert_limit`` of) it to Salesforce; the
    counts and the seconds the read took (to extrapolate a capped upsert)."""
    with requests.Session() as sap_http, requests.Session() as sf_http:
        sf_http.verify = systems.salesforce.ca_bundle or True
        sf_http.trust_env = False
        started = time.perf_counter()
        sf = connect(sf_http, systems.salesforce.url)
        accounts = [account_fields(p) for p in read_all_partners(sap_http, systems.sap.url)]
        read_seconds = time.perf_counter() - started
        chosen = accounts if upsert_limit is None else accounts[:upsert_limit]
        sent = UPLOADS[kind](sf, chosen)
    return {"read": len(accounts), "upserted": sent, "read_seconds": read_seconds}


def connect(http: requests.Session, login_url: str) -> Salesforce:
    """A simple-salesforce client on an OAuth password-grant token (the sandbox's user)."""
    token = http.post(login_url + "/services/oauth2/token", timeout=60, data={
        "grant_type": "password", "client_id": sf_sandbox.CLIENT_ID,
        "client_secret": sf_sandbox.CLIENT_SECRET,
        "username": sf_sandbox.USERNAME, "password": sf_sandbox.PASSWORD})
    token.raise_for_status()
    body = token.json()
    return Salesforce(instance_url=body["instance_url"], session_id=body["access_token"],
                      session=http, version="62.0")


def sobject(sf: Salesforce, name: str) -> SFType:
    """``sf.<name>``, typed: simple-salesforce's attribute access may also mean a Bulk API."""
    return cast(SFType, getattr(sf, name))


def _chunks(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
