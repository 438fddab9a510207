"""The objects the RFC transport serves, as data: which BAPI lists them, by which selection
table, and the fields its result rows carry.

Master data (customers, materials) is read with the ``*_GETLIST`` BAPIs, which take many keys
at once in a selection (range) table - one call per page of keys, never one per record.
``BAPI_CUSTOMER_GETLIST`` selects by ``IDRANGE`` (SIGN, OPTION, LOW, HIGH) and answers
``ADDRESSDATA``; its RETURN is a BAPIRETURN1 structure
(https://www.stechno.net/repository/sap-functions.html?id=BAPI_CUSTOMER_GETLIST).
``BAPI_MATERIAL_GETLIST`` selects by ``MATNRSELECTION`` (SIGN, OPTION, MATNR_LOW, MATNR_HIGH)
and answers ``MATNRLIST``. The field lists are those the SAP stand-in returns; a real system
returns more, which are not described and not passed on. Fields only a GETDETAIL BAPI
returns (``BAPI_CUSTOMER_GETDETAIL2``: creation date and user, company code data;
``BAPI_MATERIAL_GET_DETAIL``: weights) cost one call per record and are fetched only when a
mapping asks for them.

Neither BAPI returns a change stamp: the customer's general data carries only its creation
date (``CREAT_DATE``, "Record Created On",
https://consolut.com/saphelp-en?article=U-BAPICUSGEN), and ``BAPI_CUSTOMER_GETDETAIL2`` the
same. Change stamps therefore come from a table (``changes.py``). Sales orders are written,
not listed: see ``orders.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.base import FieldSchema, ObjectSchema


@dataclass(frozen=True)
class Selection:
    """How a GETLIST BAPI is asked for a set of keys: a range table of ``I EQ <key>`` rows."""

    parameter: str
    low: str

    def rows(self, keys: list[str]) -> list[dict[str, str]]:
        return [{"SIGN": "I", "OPTION": "EQ", self.low: key} for key in keys]


@dataclass(frozen=True)
class Detail:
    """A GETDETAIL BAPI for the fields no list BAPI returns: one call per record, so it is
    called only when such a field is asked for. ``structures`` maps each export structure to
    the fields taken from it."""

    function: str
    key_parameter: str
    structures: Mapping[str, tuple[str, ...]]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for names in self.structures.values() for name in names)


@dataclass(frozen=True)
class RfcObject:
    """One object of the RFC transport."""

    name: str
    key: str
    fields: tuple[FieldSchema, ...]
    list_function: str | None = None
    selection: Selection | None = None
    result_table: str = ""
    extra_params: Mapping[str, Any] = field(default_factory=dict)
    deleted_field: str | None = None
    deleted_value: str = "X"
    detail: Detail | None = None
    writable: bool = False

    def schema(self) -> ObjectSchema:
        fields = {f.name: f for f in self.fields}
        for name in self.detail.fields if self.detail else ():
            fields[name] = FieldSchema(name=name, type="CHAR", createable=False,
                                       updateable=False)
        return ObjectSchema(self.name, fields)


def _text(name: str, length: int, **kwargs: Any) -> FieldSchema:
    return FieldSchema(name=name, type="CHAR", length=length, **kwargs)


def _read_only(*fields: tuple[str, int]) -> tuple[FieldSchema, ...]:
    """Fields a list BAPI returns and no BAPI here writes; the first is the key."""
    return tuple(_text(name, length, nillable=index > 0, createable=False, updateable=False)
                 for index, (name, length) in enumerate(fields))


CUSTOMER = RfcObject(
    name="Customer",
    key="CUSTOMER",
    fields=_read_only(("CUSTOMER", 10), ("NAME", 35), ("SEARCHTERM", 20), ("STREET", 35),
                      ("HOUSE_NO", 10), ("CITY", 35), ("POSTL_COD1", 10), ("COUNTRY", 3),
                      ("REGION", 3), ("TELEPHONE", 30), ("E_MAIL", 241), ("LANGU", 2)),
    list_function="BAPI_CUSTOMER_GETLIST",
    selection=Selection("IDRANGE", "LOW"),
    result_table="ADDRESSDATA",
    extra_params={"MAXROWS": 0},
    detail=Detail("BAPI_CUSTOMER_GETDETAIL2", "CUSTOMERNO", {
        "CUSTOMERGENERALDETAIL": ("CREAT_DATE", "CREATED_BY"),
        "CUSTOMERCOMPANYDETAIL": ("COMP_CODE", "REC_ACCOUNT")}),
)

MATERIAL = RfcObject(
    name="Material",
    key="MATERIAL",
    fields=_read_only(("MATERIAL", 40), ("MATL_DESC", 40), ("MATL_TYPE", 4),
                      ("MATL_GROUP", 9), ("BASE_UOM", 3), ("DEL_FLAG", 1)),
    list_function="BAPI_MATERIAL_GETLIST",
    selection=Selection("MATNRSELECTION", "MATNR_LOW"),
    result_table="MATNRLIST",
    deleted_field="DEL_FLAG",
    detail=Detail("BAPI_MATERIAL_GET_DETAIL", "MATERIAL", {
        "MATERIAL_GENERAL_DATA": ("NET_WEIGHT", "GROSS_WT", "UNIT_OF_WT", "CREATED_ON")}),
)

ITEMS = "ITEMS"
"""The key of a sales order's lines: a list of flat dictionaries (shared record convention)."""

SALES_ORDER = RfcObject(
    name="SalesOrder",
    key="SD_DOC",
    fields=(
        _text("SD_DOC", 10, nillable=False, createable=False, updateable=False),
        _text("DOC_TYPE", 4),
        _text("SALES_ORG", 4),
        _text("DISTR_CHAN", 2),
        _text("DIVISION", 2),
        _text("SOLD_TO", 10, updateable=False),
        _text("PURCH_NO_C", 35, nillable=False),
        _text("CURRENCY", 5),
        FieldSchema(name=ITEMS, type="TABLE"),
        _text("PROCESS_STAT", 1, createable=False, updateable=False),
        _text("DLV_STAT", 1, createable=False, updateable=False),
    ),
    writable=True,
)

OBJECTS: Mapping[str, RfcObject] = {o.name: o for o in (CUSTOMER, MATERIAL, SALES_ORDER)}
