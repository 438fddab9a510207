"""Schemas the shipped mappings are checked against: the live Salesforce sandbox's describes,
mock-sap's live ``$metadata``, and SAP's real ``$metadata`` files in ``../shared/fixtures``.

Parsed with the same functions the connectors use (``object_schema`` of a describe,
``parse_edmx``), fetched over HTTP from the stand-ins running as real servers.
"""

from __future__ import annotations

import json
import ssl
import urllib.parse
import urllib.request
from collections.abc import Callable
from functools import cache
from pathlib import Path

from connectors.base import ObjectSchema
from connectors.errors import ConfigError
from connectors.salesforce.schema import object_schema
from connectors.sap.metadata import ServiceModel, parse_edmx
from tests.conftest import SHARED_FIXTURES, Sandboxes

SAP_SERVICES = {
    "A_BusinessPartner": "API_BUSINESS_PARTNER_SRV",
    "A_BusinessPartnerContact": "API_BUSINESS_PARTNER_SRV",
    "A_Product": "API_PRODUCT_SRV",
    "A_SalesOrder": "API_SALES_ORDER_SRV",
    "A_SalesOrderItem": "API_SALES_ORDER_SRV",
    "A_BillingDocument": "API_BILLING_DOCUMENT_SRV",
    "A_BillingDocumentItem": "API_BILLING_DOCUMENT_SRV",
    "A_OperationalAcctgDocItemCube": "API_OPLACCTGDOCITEMCUBE_SRV",
    "A_MatlStkInAcctMod": "API_MATERIAL_STOCK_SRV",
    "A_SlsPrcgCndnRecdValidity": "API_SLSPRICINGCONDITIONRECORD_SRV",
}
"""Entity set → the S/4HANA OData service that serves it."""

REAL_EDMX = {
    "API_BUSINESS_PARTNER_SRV": "API_BUSINESS_PARTNER.edmx",
    "API_PRODUCT_SRV": "API_PRODUCT_SRV.edmx",
    "API_SALES_ORDER_SRV": "API_SALES_ORDER_SRV.edmx",
}
"""Services whose real ``$metadata`` is recorded in ``../shared/fixtures/sap/edmx``."""

SchemaSource = Callable[[str], ObjectSchema | None]


def _entity_schema(model: ServiceModel | None, entity_set: str) -> ObjectSchema | None:
    if model is None:
        return None
    try:
        return model.object_schema(entity_set)
    except ConfigError:
        return None  # the service exists but does not serve this entity set


def mock_sap_schemas(sandboxes: Sandboxes) -> SchemaSource:
    @cache
    def service(name: str) -> ServiceModel | None:
        url = f"{sandboxes.sap.url}/sap/opu/odata/sap/{name}/$metadata"
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - loopback
                return parse_edmx(answer.read(), name)
        except urllib.error.HTTPError:
            return None  # mock-sap does not serve this service

    return lambda entity_set: _entity_schema(
        service(SAP_SERVICES[entity_set]) if entity_set in SAP_SERVICES else None, entity_set)


def real_edmx_schemas(folder: Path = SHARED_FIXTURES / "sap" / "edmx") -> SchemaSource:
    @cache
    def service(name: str) -> ServiceModel | None:
        file = REAL_EDMX.get(name)
        return parse_edmx((folder / file).read_bytes(), name) if file else None

    return lambda entity_set: _entity_schema(
        service(SAP_SERVICES[entity_set]) if entity_set in SAP_SERVICES else None, entity_set)


def salesforce_schemas(sandboxes: Sandboxes) -> SchemaSource:
    server = sandboxes.salesforce
    context = ssl.create_default_context(cafile=server.ca_bundle)
    token = _salesforce_token(server.url, context)

    @cache
    def describe(obj: str) -> ObjectSchema | None:
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{server.url}/services/data/v62.0/sobjects/{obj}/describe",
            headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=30, context=context) as answer:  # noqa: S310
                return object_schema(obj, json.loads(answer.read()))
        except urllib.error.HTTPError:
            return None

    return describe


def _salesforce_token(url: str, context: ssl.SSLContext) -> str:
    body = urllib.parse.urlencode({
        "grant_type": "password", "client_id": "erpsync-sandbox",
        "username": "integration@sandbox.local", "password": "sandbox"}).encode()
    request = urllib.request.Request(f"{url}/services/oauth2/token", data=body)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30, context=context) as answer:  # noqa: S310
        return str(json.loads(answer.read())["access_token"])
