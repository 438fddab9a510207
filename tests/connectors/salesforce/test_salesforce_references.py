"""Pure parts of parent references and Bulk CSV: describe paths, JSON nesting, row flattening,
CSV cells and uploads. The real-server behaviour is in test_salesforce_lookups.py."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.base import ObjectSchema, TargetRecord
from connectors.salesforce.bulk_csv import NULL, csv_fields, csv_value, encode_jobs, result_rows
from connectors.salesforce.references import (
    Relationship,
    flatten_row,
    nest_references,
    relationships_of,
    split_path,
)
from connectors.salesforce.schema import object_schema, relationships
from tests.conftest import SHARED_FIXTURES

ACCOUNT = {
    "name": "Account",
    "fields": [
        {"name": "Id", "type": "id", "createable": False, "updateable": False},
        {"name": "Name", "type": "string", "length": 255},
        {"name": "ERP_Customer_Number__c", "type": "string", "length": 20, "externalId": True},
    ],
}
CONTACT = {
    "name": "Contact",
    "fields": [
        {"name": "Id", "type": "id", "createable": False, "updateable": False},
        {"name": "LastName", "type": "string", "length": 80},
        {"name": "AccountId", "type": "reference", "relationshipName": "Account",
         "referenceTo": ["Account"], "createable": True, "updateable": True},
        {"name": "CreatedById", "type": "reference", "relationshipName": "CreatedBy",
         "referenceTo": ["User"], "createable": False, "updateable": False},
        {"name": "WhoId", "type": "reference", "relationshipName": "Who",
         "referenceTo": ["Contact", "Lead"]},
        {"name": "ContactId", "type": "reference", "relationshipName": None,
         "referenceTo": ["Contact"]},
    ],
}
LINKS = relationships_of(CONTACT["fields"])  # type: ignore[arg-type]


class Describer:
    """Parent lookups, cached like the connector's ``describe`` and counted: a path must
    describe its parent only when asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self._cache: dict[str, ObjectSchema] = {}

    def __call__(self, obj: str) -> ObjectSchema:
        assert obj == "Account"
        if obj not in self._cache:
            self.asked.append(obj)
            self._cache[obj] = object_schema("Account", ACCOUNT, self)
        return self._cache[obj]


def test_single_target_lookups_with_a_relationship_name_are_relationships() -> None:
    assert set(LINKS) == {"Account", "CreatedBy"}
    assert LINKS["Account"] == Relationship("Account", "AccountId", "Account")
    assert not LINKS["CreatedBy"].createable


def test_paths_are_split_once() -> None:
    assert split_path("Account.ERP_Customer_Number__c") == ("Account", "ERP_Customer_Number__c")
    assert split_path("Name") is None
    assert split_path(".Name") is None
    assert split_path("Account.") is None


def test_a_parent_path_resolves_lazily_through_the_parents_describe() -> None:
    parents = Describer()
    schema = object_schema("Contact", CONTACT, parents)
    assert list(schema.fields) == [f["name"] for f in CONTACT["fields"]]
    assert parents.asked == []

    path = schema.fields["Account.ERP_Customer_Number__c"]
    assert (path.name, path.type, path.length) == ("Account.ERP_Customer_Number__c", "string", 20)
    assert path.createable and path.updateable and not path.external_id
    assert schema.has("Account.ERP_Customer_Number__c")
    # Readable but not writable: Name is not an External ID of Account.
    name = schema.fields["Account.Name"]
    assert not name.createable and not name.updateable
    assert parents.asked == ["Account"]
    assert relationships(schema)["Account"].field == "AccountId"


@pytest.mark.parametrize("name", ["Account.Nope__c", "Nope.Name", "Account.Owner.Email",
                                  "Who.Name", "Contact.Name"])
def test_unknown_polymorphic_or_deep_paths_are_not_fields(name: str) -> None:
    schema = object_schema("Contact", CONTACT, Describer())
    assert not schema.has(name)
    assert schema.fields.get(name) is None


def test_json_bodies_nest_references_and_a_none_clears_the_lookup() -> None:
    fields = {"LastName": "Bluth", "Account.ERP_Customer_Number__c": "0001000001"}
    assert nest_references(fields, LINKS) == {
        "LastName": "Bluth", "Account": {"ERP_Customer_Number__c": "0001000001"}}
    assert nest_references({"Account.ERP_Customer_Number__c": None}, LINKS) == {
        "AccountId": None}


def test_query_rows_come_flat_under_the_dotted_name() -> None:
    selected = ["Id", "Account.ERP_Customer_Number__c", "Account.Name"]
    row = {"attributes": {"type": "Contact"}, "Id": "003",
           "Account": {"attributes": {"type": "Account"}, "ERP_Customer_Number__c": "C-1",
                       "Name": "Acme"}}
    assert flatten_row(row, selected) == {
        "Id": "003", "Account.ERP_Customer_Number__c": "C-1", "Account.Name": "Acme"}
    orphan = {"attributes": {}, "Id": "004", "Account": None}
    assert flatten_row(orphan, selected) == {
        "Id": "004", "Account.ERP_Customer_Number__c": None, "Account.Name": None}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, NULL),
        ("", NULL),
        ("O'Brien, \"Jr\"", "O'Brien, \"Jr\""),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (Decimal("1E+3"), "1000"),
        (Decimal("12.50"), "12.50"),
        (0.1, "0.1"),
        (date(2026, 10, 1), "2026-10-01"),
        (datetime(2026, 10, 1, 8, 0, 0, 125000, tzinfo=UTC), "2026-10-01T08:00:00.125Z"),
    ],
)
def test_csv_cells(value: object, cell: str) -> None:
    assert csv_value(value) == cell


def test_a_value_without_a_csv_form_is_refused() -> None:
    with pytest.raises(TypeError):
        csv_value(object())


def test_csv_rows_carry_id_for_updates_and_clear_lookups_by_their_field() -> None:
    record = TargetRecord("r", {"LastName": "B", "Account.ERP_Customer_Number__c": None},
                          key="003000000000001AAA")
    assert csv_fields(record, LINKS, with_id=True) == {
        "Id": "003000000000001AAA", "LastName": "B", "AccountId": NULL}


def parse(body: bytes) -> list[dict[str, Any]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def test_uploads_share_one_header_and_leave_absent_fields_empty() -> None:
    rows = {0: {"Ext__c": "A", "Name": "a, with comma"}, 1: {"Ext__c": "B", "Phone": "1"}}
    (upload,) = encode_jobs(rows, "Ext__c", max_bytes=10_000)
    assert upload.rows == [("A", 0), ("B", 1)]
    assert upload.body.startswith(b"Ext__c,Name,Phone\n")
    assert parse(upload.body) == [{"Ext__c": "A", "Name": "a, with comma", "Phone": ""},
                                  {"Ext__c": "B", "Name": "", "Phone": "1"}]
    assert list(result_rows(upload.body.decode())) == parse(upload.body)


def test_uploads_are_cut_by_size_and_each_has_the_header() -> None:
    rows = {i: {"Ext__c": f"K{i:03d}", "Name": "x" * 50} for i in range(100)}
    uploads = list(encode_jobs(rows, "Ext__c", max_bytes=1_000))
    assert len(uploads) > 1
    assert all(len(u.body) <= 1_000 for u in uploads)
    assert [index for u in uploads for _, index in u.rows] == list(range(100))
    assert all(parse(u.body)[0].keys() == {"Ext__c", "Name"} for u in uploads)


REAL_DESCRIBES = SHARED_FIXTURES / "salesforce" / "describe"


@pytest.mark.skipif(not REAL_DESCRIBES.is_dir(), reason=f"{REAL_DESCRIBES} is absent")
def test_what_a_create_must_carry_comes_from_a_real_describe() -> None:
    contact = json.loads((REAL_DESCRIBES / "Contact.json").read_text(encoding="utf-8"))
    schema = object_schema("Contact", contact, Describer())
    required = sorted(n for n, f in schema.fields.items() if f.required_on_create)
    assert required == ["LastName"]  # OwnerId is not nillable but defaulted on create
    assert schema.fields["OwnerId"].defaulted_on_create
    assert set(relationships(schema)) >= {"Account", "ReportsTo", "Owner"}
