"""The SOQL builder: literals quoted per the SOQL reference, names only from the whitelist."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from connectors.errors import ConfigError
from connectors.salesforce.soql import SoqlQuery, chunk_values, literal, quote_string

ACCOUNT_FIELDS = {"Id", "Name", "SystemModstamp", "IsDeleted", "ERP_Customer_Number__c"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("O'Brien", r"'O\'Brien'"),
        ("back\\slash", r"'back\\slash'"),
        ("\\'", r"'\\\''"),
        ('say "hi"', r"'say \"hi\"'"),
        ("line\nbreak\ttab\r", r"'line\nbreak\ttab\r'"),
        ("plain", "'plain'"),
        ("", "''"),
        ("Zürich ✓", "'Zürich ✓'"),
    ],
)
def test_strings_are_quoted_and_escaped(value: str, expected: str) -> None:
    assert quote_string(value) == expected
    assert literal(value) == expected


def test_an_injection_attempt_stays_inside_the_literal() -> None:
    soql = (
        SoqlQuery.on("Account", ACCOUNT_FIELDS)
        .select("Id")
        .where("Name", "=", "x' OR Name != 'y")
        .build()
    )
    assert soql == r"SELECT Id FROM Account WHERE Name = 'x\' OR Name != \'y'"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (Decimal("1E+2"), "100"),
        (Decimal("12.50"), "12.50"),
        (1e-7, "0.0000001"),
        (date(2026, 10, 1), "2026-10-01"),
        (datetime(2026, 10, 1, 8, 0, tzinfo=UTC), "2026-10-01T08:00:00.000Z"),
        (
            datetime(2026, 10, 1, 10, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=2))),
            "2026-10-01T08:00:00.999Z",
        ),
    ],
)
def test_non_string_literals(value: object, expected: str) -> None:
    assert literal(value) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN"), object(), [1]])
def test_values_without_a_soql_literal_are_refused(value: object) -> None:
    with pytest.raises(TypeError):
        literal(value)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        literal(datetime(2026, 10, 1, 8, 0))


def test_full_query_shape() -> None:
    soql = (
        SoqlQuery.on("Account", ACCOUNT_FIELDS)
        .select("Id", "SystemModstamp", "IsDeleted", "Name", "Id")
        .where("SystemModstamp", ">=", datetime(2026, 10, 1, 8, 0, tzinfo=UTC))
        .order_by("SystemModstamp", "Id")
        .limit(10)
        .build()
    )
    assert soql == (
        "SELECT Id, SystemModstamp, IsDeleted, Name FROM Account "
        "WHERE SystemModstamp >= 2026-10-01T08:00:00.000Z ORDER BY SystemModstamp, Id LIMIT 10"
    )


def test_in_lists_quote_every_value() -> None:
    soql = (
        SoqlQuery.on("Account", ACCOUNT_FIELDS)
        .select("Id")
        .where_in("ERP_Customer_Number__c", ["A1", "O'B"])
        .build()
    )
    assert soql == r"SELECT Id FROM Account WHERE ERP_Customer_Number__c IN ('A1', 'O\'B')"


def test_the_builder_is_immutable() -> None:
    base = SoqlQuery.on("Account", ACCOUNT_FIELDS).select("Id")
    base.where("Name", "=", "a")
    assert base.build() == "SELECT Id FROM Account"


@pytest.mark.parametrize("name", ["Phone", "name", "Name, (SELECT Id FROM Contacts)", "Owner.Name"])
def test_fields_outside_the_whitelist_are_config_errors(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SoqlQuery.on("Account", ACCOUNT_FIELDS).select(name)
    assert caught.value.code in {"UNKNOWN_FIELD", "INVALID_NAME"}


def test_a_near_miss_suggests_the_right_case() -> None:
    with pytest.raises(ConfigError, match="did you mean 'Name'"):
        SoqlQuery.on("Account", ACCOUNT_FIELDS).where("name", "=", "x")


def test_where_and_order_by_are_whitelisted_too() -> None:
    query = SoqlQuery.on("Account", ACCOUNT_FIELDS).select("Id")
    with pytest.raises(ConfigError):
        query.where("Secret__c", "=", 1)
    with pytest.raises(ConfigError):
        query.where_in("Secret__c", ["a"])
    with pytest.raises(ConfigError):
        query.order_by("Secret__c")


def test_object_names_must_be_plain_identifiers() -> None:
    with pytest.raises(ConfigError, match="object name"):
        SoqlQuery.on("Account WHERE Id != null", ACCOUNT_FIELDS)


def test_operators_are_a_closed_set() -> None:
    with pytest.raises(ValueError, match="operator"):
        SoqlQuery.on("Account", ACCOUNT_FIELDS).where("Name", "LIKE", "%")


def test_empty_in_lists_and_empty_selects_are_refused() -> None:
    query = SoqlQuery.on("Account", ACCOUNT_FIELDS)
    with pytest.raises(ValueError):
        query.where_in("Name", [])
    with pytest.raises(ValueError):
        query.build()


def test_chunks_respect_count_and_size() -> None:
    assert list(chunk_values(range(5), 2)) == [[0, 1], [2, 3], [4]]
    long_values = ["x" * 100] * 10
    chunks = list(chunk_values(long_values, 200, max_chars=350))
    assert [len(c) for c in chunks] == [3, 3, 3, 1]
    assert list(chunk_values([], 3)) == []
