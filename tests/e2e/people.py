"""What people do in the two systems between syncs: edit, create and delete records through
the systems' own APIs, as a user's UI would (not through our connectors)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import requests

from tests.conftest import Sandboxes

API = "/services/data/v62.0"


class SalesforceUser:
    """A user of the Salesforce stand-in, logged in with the documented sandbox user."""

    def __init__(self, sandboxes: Sandboxes) -> None:
        self.base = sandboxes.salesforce.url
        self.http = requests.Session()
        self.http.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise override verify
        self.http.verify = sandboxes.salesforce.ca_bundle or True
        token = self.http.post(f"{self.base}/services/oauth2/token", data={
            "grant_type": "password", "username": "integration@sandbox.local",
            "password": "sandbox", "client_id": "erpsync-sandbox"}, timeout=30)
        token.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def query(self, soql: str) -> list[dict[str, Any]]:
        response = self.http.get(f"{self.base}{API}/query", params={"q": soql}, timeout=30)
        response.raise_for_status()
        return list(response.json()["records"])

    def accounts(self) -> list[dict[str, Any]]:
        return self.query("SELECT Id, Name, ERP_Customer_Number__c, Phone, BillingStreet, "
                          "BillingCity, BillingPostalCode, BillingState, BillingCountryCode, "
                          "ERP_Blocked__c FROM Account ORDER BY Name")

    def account_by_number(self, number: str) -> dict[str, Any]:
        (found,) = [a for a in self.accounts() if a["ERP_Customer_Number__c"] == number]
        return found

    def update(self, account_id: str, **fields: Any) -> None:
        response = self.http.patch(f"{self.base}{API}/sobjects/Account/{account_id}",
                                   json=fields, timeout=30)
        assert response.status_code == 204, response.text

    def create(self, **fields: Any) -> str:
        response = self.http.post(f"{self.base}{API}/sobjects/Account", json=fields, timeout=30)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def delete(self, account_id: str) -> None:
        response = self.http.delete(f"{self.base}{API}/sobjects/Account/{account_id}", timeout=30)
        assert response.status_code == 204, response.text


class SapServiceUser:
    """A user of one of mock-sap's OData services, with the CSRF token SAP wants for edits."""

    SERVICE = ""

    def __init__(self, sandboxes: Sandboxes) -> None:
        self.base = sandboxes.sap.url + self.SERVICE
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.headers["Accept"] = "application/json"
        fetched = self.http.get(self.base + "/", headers={"X-CSRF-Token": "Fetch"}, timeout=30)
        self.http.headers["X-CSRF-Token"] = fetched.headers["x-csrf-token"]


class SapUser(SapServiceUser):
    """A user of mock-sap, editing business partners through its OData service."""

    SERVICE = "/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV"

    def partner(self, key: str) -> dict[str, Any]:
        response = self.http.get(f"{self.base}/A_BusinessPartner('{quote(key)}')",
                                 params={"$expand": "to_BusinessPartnerAddress"}, timeout=30)
        response.raise_for_status()
        return dict(response.json()["d"])

    def partners(self) -> list[dict[str, Any]]:
        response = self.http.get(f"{self.base}/A_BusinessPartner",
                                 params={"$expand": "to_BusinessPartnerAddress"}, timeout=30)
        response.raise_for_status()
        return list(response.json()["d"]["results"])


    def create_many(self, partners: list[dict[str, Any]]) -> None:
        """Many partners in one ``$batch`` of top-level creates (a data migration, not the
        sync's path: fast setup for volume tests)."""
        boundary = "batch_people"
        parts = [f"--{boundary}\r\nContent-Type: application/http\r\n"
                 f"Content-Transfer-Encoding: binary\r\n\r\nPOST A_BusinessPartner HTTP/1.1\r\n"
                 f"Content-Type: application/json\r\nAccept: application/json\r\n\r\n"
                 f"{json.dumps(body)}\r\n" for body in partners]
        response = self.http.post(
            f"{self.base}/$batch", data=("".join(parts) + f"--{boundary}--\r\n").encode(),
            headers={"Content-Type": f"multipart/mixed; boundary={boundary}"}, timeout=120)
        response.raise_for_status()
        assert response.content.count(b"HTTP/1.1 201") == len(partners), response.text[:500]

    def update(self, key: str, **fields: Any) -> None:
        response = self.http.patch(f"{self.base}/A_BusinessPartner('{quote(key)}')",
                                   json=fields, headers={"If-Match": "*"}, timeout=30)
        assert response.status_code == 204, response.text

    def update_address(self, key: str, **fields: Any) -> None:
        address = self.partner(key)["to_BusinessPartnerAddress"]["results"][0]
        url = (f"{self.base}/A_BusinessPartnerAddress(BusinessPartner='{quote(key)}',"
               f"AddressID='{address['AddressID']}')")
        response = self.http.patch(url, json=fields, timeout=30)
        assert response.status_code == 204, response.text

    def delete(self, key: str) -> None:
        """Delete the partner outright (no deletion flag: the change feed cannot see it)."""
        response = self.http.delete(f"{self.base}/A_BusinessPartner('{quote(key)}')",
                                    headers={"If-Match": "*"}, timeout=30)
        assert response.status_code == 204, response.text
