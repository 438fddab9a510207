"""What can be known about deleting records without asking the system (``deletes:
propagate``), so that ``erpsync mappings validate`` refuses a mapping that could never run.

Everything else is the live schema's to say (``ObjectSchema.deletable``: Salesforce describe
``deletable``, SAP ``sap:deletable`` on the entity set), checked when a run starts. That part
differs between installations and releases: S/4HANA's ``API_BUSINESS_PARTNER`` marks its
business partners, customers and suppliers ``sap:deletable="false"`` (they are blocked and
archived, never deleted), which the mock-sap stand-in does not.
"""

from __future__ import annotations

from connectors.sap.settings import DEFAULT_SERVICES

# Services that only report what other transactions post: no release writes through them.
# "Material Stock - Read" (API_MATERIAL_STOCK_SRV): stock comes from goods movements.
SAP_READ_ONLY_SERVICES: dict[str, str] = {
    "API_MATERIAL_STOCK_SRV": "reports stock posted by goods movements and is read-only",
}


def static_delete_refusal(system: str, obj: str, key: str) -> str | None:
    """Why records of ``obj`` (keyed by ``key``) can never be deleted in ``system`` by
    erpsync, whatever the installation; ``None`` when only the live schema can tell."""
    if system == "salesforce" and key != "Id":
        # sObject Collections delete by record Id only ("Delete Records Using sObject
        # Collections": ids=<recordId>,...).
        return (f"{obj} is keyed by {key!r} and Salesforce deletes records by Id only: "
                "set key: Id (and upsert_field to the external ID)")
    service = DEFAULT_SERVICES.get(obj, "") if system == "sap" else ""
    if service in SAP_READ_ONLY_SERVICES:
        return f"sap {obj} cannot be deleted: {service} {SAP_READ_ONLY_SERVICES[service]}"
    return None
