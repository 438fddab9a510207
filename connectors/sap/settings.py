"""How to reach one SAP S/4HANA system over OData V2, and how to read and write it.

Load with ``connectors.settings.load_settings("sap", SapSettings)``: every field can come from
``erpsync.toml`` (table ``[sap]``) or from the environment as ``ERPSYNC_SAP_<FIELD>``
(``ERPSYNC_SAP_BASE_URL``, ``ERPSYNC_SAP_PASSWORD``, ...). ``password`` is a secret and is only
accepted from the environment or a secret resolver. Mapping-valued fields (``services``,
``nav_create_defaults``) take JSON when they come from the environment.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

DEFAULT_SERVICES: dict[str, str] = {
    "A_BusinessPartner": "API_BUSINESS_PARTNER_SRV",
    "A_BusinessPartnerAddress": "API_BUSINESS_PARTNER_SRV",
    "A_BusinessPartnerContact": "API_BUSINESS_PARTNER_SRV",
    "A_BPContactToFuncAndDept": "API_BUSINESS_PARTNER_SRV",
    "A_Product": "API_PRODUCT_SRV",
    "A_ProductDescription": "API_PRODUCT_SRV",
    "A_ProductPlant": "API_PRODUCT_SRV",
    "A_SalesOrder": "API_SALES_ORDER_SRV",
    "A_SalesOrderItem": "API_SALES_ORDER_SRV",
    "A_SalesOrderHeaderPrElement": "API_SALES_ORDER_SRV",
    "A_SalesOrderItemPrElement": "API_SALES_ORDER_SRV",
    "A_BillingDocument": "API_BILLING_DOCUMENT_SRV",
    "A_BillingDocumentItem": "API_BILLING_DOCUMENT_SRV",
    "A_OutbDeliveryHeader": "API_OUTBOUND_DELIVERY_SRV",
    "A_OutbDeliveryItem": "API_OUTBOUND_DELIVERY_SRV",
    "A_MaterialStock": "API_MATERIAL_STOCK_SRV",
    "A_MatlStkInAcctMod": "API_MATERIAL_STOCK_SRV",
}

# Entity sets without a change stamp ("" below): read whole, as a snapshot, on every run.
DEFAULT_CHANGE_FIELDS: dict[str, str] = {"A_MaterialStock": "", "A_MatlStkInAcctMod": ""}

# The Salesforce order id travels in the customer's purchase order number, so a create
# whose answer was lost can be found again instead of being sent twice.
DEFAULT_REFERENCE_FIELDS: dict[str, str] = {"A_SalesOrder": "PurchaseOrderByCustomer"}

# To-many navigations that a sync treats as one entry (a partner's standard address, its
# standard phone number): read as the first entry, flattened into "<nav>/<field>" keys.
# Every other to-many navigation (order items, pricing elements) is a list of lines.
DEFAULT_SINGLE_ENTRY_NAVIGATIONS: tuple[str, ...] = (
    "to_BusinessPartnerAddress", "to_PhoneNumber", "to_EmailAddress",
)

# Read with $top/$skip instead of keyset pages: a stock snapshot has no change stamp and an
# eleven-field key, whose keyset condition would make every page's $filter very long.
DEFAULT_SKIP_PAGING: tuple[str, ...] = ("A_MatlStkInAcctMod",)

# mock-sap refuses a new address without its key; real S/4 assigns AddressID itself, so a
# production configuration sets this to {} (see the connector's module docstring).
DEFAULT_NAV_CREATE_DEFAULTS: dict[str, dict[str, str]] = {
    "to_BusinessPartnerAddress": {"AddressID": "1"},
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SapSettings(BaseModel):
    """Connection and behaviour settings of the SAP OData connector."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    transport: Literal["odata"] = Field(
        "odata", description="Which SAP transport; rfc selects connectors.sap.rfc instead")
    base_url: str = Field(description="Scheme, host and port of the Gateway, e.g. https://s4:443")
    client: str = Field("100", description="SAP client, sent as the sap-client parameter")
    service_root: str = Field("/sap/opu/odata/sap", description="Path under which services live")
    user: str | None = Field(None, description="User for HTTP basic authentication")
    password: SecretStr | None = Field(None, description="Password of `user` (environment only)")
    page_size: int = Field(500, ge=1, le=5000, description="Rows per read request ($top)")
    batch_size: int = Field(100, ge=1, le=1000, description="Records per $batch request")
    read_by_chunk: int = Field(40, ge=1, le=200, description="Values per read_by request")
    timeout: float = Field(60.0, gt=0, description="Seconds to wait for one HTTP response")
    verify: bool | str = Field(True, description="Verify TLS: true/false or a CA bundle path")
    max_retries: int = Field(4, ge=0, le=20, description="Retries of a transient failure")
    retry_base_wait: float = Field(0.5, ge=0, description="First backoff wait in seconds")
    retry_max_wait: float = Field(30.0, ge=0, description="Cap on any wait, Retry-After too")
    outcome_wait: float = Field(
        60.0, ge=0, description="Seconds to wait before looking for a create whose answer was "
        "lost (SAP may still be carrying it out)",
    )
    change_field: str = Field(
        "LastChangeDate",
        description="Property stamped on every change, for entity sets not in change_fields "
        "(an entity set without it is read whole, as a snapshot)",
    )
    change_fields: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_CHANGE_FIELDS),
        description="Entity set -> its change stamp: one property (LastChangeDateTime), a "
        "date and a time property joined by '+' (LastChangeDate+LastChangeTime), or '' for "
        "none (read whole every time)",
    )
    reference_fields: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_REFERENCE_FIELDS),
        description="Entity set -> property holding the caller's own id of a record; before "
        "creating, and after a create whose answer was lost, the record is looked up by it",
    )
    single_entry_navigations: tuple[str, ...] = Field(
        DEFAULT_SINGLE_ENTRY_NAVIGATIONS,
        description="To-many navigations read and written as their first entry, flattened",
    )
    skip_paging: tuple[str, ...] = Field(
        DEFAULT_SKIP_PAGING, description="Entity sets paged with $top/$skip instead of keyset",
    )
    delta_entity_sets: tuple[str, ...] = Field(
        (),
        description="Entity sets a sync reads through delta links instead of by change stamp: "
        "their service must track changes (SAP's delta query; mock-sap does for every entity "
        "with a change stamp). Deletes in SAP then reach the sync",
    )
    service_base_urls: dict[str, str] = Field(
        default_factory=dict,
        description="OData service -> scheme, host and port that serve it, when not base_url",
    )
    lookback_seconds: float = Field(0.0, ge=0, description="Read this much before the cursor")
    deleted_field: str | None = Field(
        None, description="Boolean property that marks a record deleted (none by default)"
    )
    services: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_SERVICES),
        description="Entity set -> OData service that serves it",
    )
    nav_create_defaults: dict[str, dict[str, str]] = Field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_NAV_CREATE_DEFAULTS.items()},
        description="Navigation -> key values sent when creating a child the record has none for",
    )
    guard_nav_updates: bool = Field(
        True,
        description="Send an empty PATCH with If-Match on the parent when only child entities "
        "change, so the parent's ETag still guards the change",
    )

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("service_base_urls")
    @classmethod
    def _service_base_urls(cls, value: dict[str, str]) -> dict[str, str]:
        return {service: _http_url(url) for service, url in value.items()}

    @field_validator("service_root")
    @classmethod
    def _service_root(cls, value: str) -> str:
        return "/" + value.strip("/")

    @field_validator("verify", mode="before")
    @classmethod
    def _verify(cls, value: Any) -> Any:
        """Environment values are strings; only a path is meant to stay one."""
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
        return value

    @field_validator("services", "nav_create_defaults", "change_fields", "reference_fields",
                     "service_base_urls", "single_entry_navigations", "skip_paging",
                     "delta_entity_sets", mode="before")
    @classmethod
    def _json_mapping(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not valid JSON: {exc.msg}") from None
        return value

    def service_for(self, obj: str) -> str | None:
        """The OData service that serves entity set ``obj``, if one is configured."""
        return self.services.get(obj)

    def base_url_of(self, service: str) -> str:
        """Where ``service`` is served: its own address if configured, else ``base_url``."""
        return self.service_base_urls.get(service, self.base_url)


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value.rstrip("/")
