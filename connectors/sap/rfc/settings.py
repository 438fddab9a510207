"""How to reach one SAP system (ECC or S/4HANA) over RFC, and how to read and write it there.

Chosen with ``transport = "rfc"`` (``ERPSYNC_SAP_TRANSPORT=rfc``); then
``connectors.settings.load_settings("sap", SapRfcSettings)`` reads the same ``[sap]`` table
and ``ERPSYNC_SAP_<FIELD>`` variables as the OData transport (``ERPSYNC_SAP_ASHOST``,
``ERPSYNC_SAP_SYSNR``, ``ERPSYNC_SAP_PASSWORD``, ...). ``password`` is a secret: environment or
secret resolver only. ``rfc_library`` picks the backend: ``pyrfc`` (SAP's NW RFC SDK through
the ``pyrfc`` module, installed with ``pip install 'erpsync[rfc]'``) or ``json-http``, the JSON
RFC endpoint of the mock-sap stand-in at ``base_url`` (sandbox and tests only; real SAP has no
such endpoint).

``change_tables`` says, per object, which table RFC_READ_TABLE reads change stamps from
(BAPIs return none, see ``changes.py``). The default is the SAP stand-in's; on a real system
set it, e.g. for ECC customers the change document headers
``{"Customer": {"table": "CDHDR", "key": "OBJECTID", "date": "UDATE", "time": "UTIME",
"equals": {"OBJECTCLAS": "DEBI"}}}`` or, on S/4HANA, the business partner table ``BUT000``
(``CHDAT``/``CHTIM``, keyed by partner number - check that it equals the customer number in
your system before relying on it).
"""

from __future__ import annotations

from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from connectors.sap.settings import SapSettings


class ChangeTable(BaseModel):
    """A table that stamps each record of an object with the date (and time) it changed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    table: str = Field(description="Table or view RFC_READ_TABLE reads")
    key: str = Field(description="Column holding the object's key (the customer number)")
    date: str = Field(description="Column with the change date (ABAP DATS, YYYYMMDD)")
    time: str | None = Field(None, description="Column with the change time (TIMS), if any")
    equals: dict[str, str] = Field(default_factory=dict,
                                   description="Column -> value every row must have")
    not_blank: tuple[str, ...] = Field((), description="Columns that must not be blank")
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="Record field -> column, for read_by on fields other than the key")
    date_literals: Literal["abap", "iso"] = Field(
        "abap", description="How dates are written in conditions: abap 'YYYYMMDD' (SAP), iso "
        "'YYYY-MM-DD' (the SAP stand-in, which compares its ISO date text as text)")


DEFAULT_CHANGE_TABLES: dict[str, ChangeTable] = {
    # The SAP stand-in (mock-sap) serves its business partner and product tables to
    # RFC_READ_TABLE under their OData names, with LastChangeDate as a date column that it
    # compares as ISO text (so its conditions need ISO dates; real SAP's need YYYYMMDD).
    "Customer": ChangeTable(table="A_BusinessPartner", key="Customer", date="LastChangeDate",
                            not_blank=("Customer",), date_literals="iso",
                            columns={"SEARCHTERM": "SearchTerm1",
                                     "NAME": "BusinessPartnerFullName"}),
    "Material": ChangeTable(table="A_Product", key="Product", date="LastChangeDate",
                            date_literals="iso", columns={"MATL_GROUP": "ProductGroup"}),
}


class SapRfcSettings(BaseModel):
    """Connection and behaviour settings of the SAP RFC connector."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    transport: Literal["rfc"] = Field("rfc", description="Which SAP transport: rfc here")
    rfc_library: Literal["pyrfc", "json-http"] = Field(
        "pyrfc", description="pyrfc (NW RFC SDK) or json-http (the SAP stand-in only)")
    base_url: str | None = Field(None, description="json-http: the stand-in's address")
    ashost: str | None = Field(None, description="Application server host")
    sysnr: str = Field("00", description="System number")
    mshost: str | None = Field(None, description="Message server host (load balancing)")
    sysid: str | None = Field(None, description="System ID (load balancing)")
    group: str | None = Field(None, description="Logon group (load balancing)")
    saprouter: str | None = Field(None, description="SAProuter string")
    dest: str | None = Field(None, description="A destination of sapnwrfc.ini instead")
    client: str = Field("100", description="SAP client")
    lang: str = Field("EN", description="Logon language")
    user: str | None = Field(None, description="RFC user")
    password: SecretStr | None = Field(None, description="Password of `user` (environment only)")
    timeout: float = Field(60.0, gt=0, description="Seconds to wait for one call")
    max_retries: int = Field(4, ge=0, le=20, description="Retries of a transient failure")
    retry_base_wait: float = Field(0.5, ge=0, description="First backoff wait in seconds")
    retry_max_wait: float = Field(30.0, ge=0, description="Cap on any wait")
    page_size: int = Field(500, ge=1, le=10000, description="Records per detail call")
    read_by_chunk: int = Field(100, ge=1, le=1000, description="Values per lookup call")
    system_timezone: str = Field(
        "UTC", description="Time zone of the SAP system's dates and times (sy-datum/sy-uzeit)")
    change_tables: dict[str, ChangeTable] = Field(
        default_factory=lambda: dict(DEFAULT_CHANGE_TABLES),
        description="Object -> table with its change stamps (JSON from the environment)")

    @model_validator(mode="before")
    @classmethod
    def _odata_only(cls, values: Any) -> Any:
        """The ``[sap]`` table serves both transports (the shipped one sets the OData-only
        ``service_base_urls``): a setting of the OData transport is ignored here, while an
        unknown name is still refused."""
        if not isinstance(values, dict):
            return values
        odata_only = set(SapSettings.model_fields) - set(cls.model_fields)
        return {name: value for name, value in values.items() if name not in odata_only}

    @field_validator("change_tables", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        """From the environment it is JSON text, read as the OData settings read theirs."""
        return SapSettings._json_mapping(value)

    @field_validator("system_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name, e.g. Europe/Berlin)"
                             ) from None
        return value

    @model_validator(mode="after")
    def _reachable(self) -> SapRfcSettings:
        if self.rfc_library == "json-http" and not self.base_url:
            raise ValueError("rfc_library json-http needs base_url (ERPSYNC_SAP_BASE_URL)")
        if self.rfc_library == "pyrfc" and not (self.ashost or self.mshost or self.dest):
            raise ValueError("rfc_library pyrfc needs ashost, mshost or dest "
                             "(ERPSYNC_SAP_ASHOST, ERPSYNC_SAP_MSHOST, ERPSYNC_SAP_DEST)")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.system_timezone)

    def change_table(self, obj: str) -> ChangeTable | None:
        return self.change_tables.get(obj)
