"""Every transform of the closed set, both ways, and the errors a wrong argument gives."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.mapping.transforms import ALLOWED, build

# spec, system value, canonical value (read: system → canonical; write: canonical → system)
ROUND_TRIPS: list[tuple[Any, Any, Any]] = [
    ({"pad_leading_zeros": 10}, "0001000026", "1000026"),
    ({"split": ";"}, "Hardware;Software", ["Hardware", "Software"]),
    ({"join": "-"}, ["4712", "10"], "4712-10"),
    ("negate", True, False),
    ({"date": "%d.%m.%Y"}, "01.10.2026", "2026-10-01"),
    ({"datetime": {"zone": "Europe/Berlin", "format": "%Y%m%d%H%M%S"}},
     "20261001100000", "2026-10-01T08:00:00+00:00"),
    ({"datetime": {"zone": "America/New_York"}}, "2026-01-15T09:30:00",
     "2026-01-15T14:30:00+00:00"),
    ({"date_from_datetime": "Europe/Berlin"}, datetime(2026, 9, 30, 22, 0, tzinfo=UTC),
     "2026-10-01"),
    ({"scale": "0.01"}, Decimal("123456"), Decimal("1234.56")),
    ({"round": 2}, Decimal("1.24"), Decimal("1.24")),
]


@pytest.mark.parametrize(("spec", "system", "canonical"), ROUND_TRIPS,
                         ids=[str(s) for s, _, _ in ROUND_TRIPS])
def test_transform_reads_and_writes_back(spec: Any, system: Any, canonical: Any) -> None:
    transform = build(spec)
    assert transform.to_canonical(system) == canonical
    assert transform.to_system(canonical) == system


@pytest.mark.parametrize(("spec", "raw", "normal"), [
    ("trim", "  Acme ", "Acme"),
    ("upper", "de", "DE"),
    ("lower", "ACME", "acme"),
    ({"case": "title"}, "jane DOE", "Jane Doe"),
])
def test_normalising_transforms_apply_both_ways(spec: Any, raw: str, normal: str) -> None:
    transform = build(spec)
    assert transform.to_canonical(raw) == normal
    assert transform.to_system(raw) == normal


def test_one_way_transforms() -> None:
    assert build("strip_leading_zeros").to_canonical("000010") == "10"
    assert build("strip_leading_zeros").to_system("10") == "10"
    assert build({"truncate": 3}).to_system("Walldorf") == "Wal"
    assert build({"round": 0}).to_canonical("2.5") == Decimal("2"), "half-even"
    assert build("date_from_datetime").to_system("2026-10-01") == datetime(2026, 10, 1,
                                                                           tzinfo=UTC)
    assert build({"date": "%Y%m%d"}).to_canonical(date(2026, 10, 1)) == "2026-10-01"


def test_a_list_of_fields_is_transformed_part_by_part_then_joined() -> None:
    strip, join = build("strip_leading_zeros"), build({"join": "-"})
    assert join.to_canonical(strip.to_canonical(["0000004712", "000010"])) == "4712-10"
    assert join.to_canonical([None, ""]) is None, "no parts, no key"


def test_currency_and_unit_conversion_through_tables() -> None:
    to_eur = build({"convert_currency": {"to": "EUR", "rates": {"USD": "0.92", "GBP": "1.17"}}})
    assert to_eur.to_canonical([Decimal("100"), "USD"]) == Decimal("92.00")
    assert to_eur.to_canonical(["50", "EUR"]) == Decimal("50"), "the target converts as 1"
    assert to_eur.to_system("92.5") == [Decimal("92.5"), "EUR"]
    with pytest.raises(ValueError, match="no rates entry for 'JPY'; known: USD, GBP, EUR"):
        to_eur.to_canonical(["100", "JPY"])
    to_kg = build({"convert_unit": {"to": "KGM", "factors": {"GRM": "0.001", "TNE": 1000}}})
    assert to_kg.to_canonical(["2500", "GRM"]) == Decimal("2.500")
    assert to_kg.to_canonical([Decimal("2"), "TNE"]) == Decimal("2000")


@pytest.mark.parametrize(("spec", "message"), [
    ({"eval": "__import__('os')"}, "unknown transform"),
    ("pad_leading_zeros", "needs an argument: {pad_leading_zeros: <width>}"),
    ({"pad_leading_zeros": "10"}, "takes a positive whole number"),
    ({"pad_leading_zeros": True}, "takes a positive whole number"),
    ({"case": "shout"}, "takes one of upper, lower, title; got 'shout'"),
    ({"scale": 0.1}, "must be an exact number written as text"),
    ({"scale": "0"}, "finite number other than 0"),
    ({"datetime": {"zone": "Mars/Olympus"}}, "unknown time zone 'Mars/Olympus'"),
    ({"datetime": {"format": "%H"}}, "missing zone"),
    ({"datetime": {"zone": "UTC", "fmt": "%H"}}, "unknown fmt"),
    ({"convert_currency": {"to": "EUR", "rates": {"USD": "x"}}}, "'x' is not a number"),
    ({"round": -1}, "number of decimal places"),
])
def test_wrong_arguments_say_what_is_expected(spec: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")
                       .replace("(", r"\(").replace(")", r"\)")):
        build(spec)


def test_the_allowed_list_names_every_transform() -> None:
    text = ", ".join(ALLOWED)
    for name in ("trim", "negate", "{pad_leading_zeros: <width>}", "{convert_currency:",
                 "{datetime: {zone: <IANA zone>"):
        assert name in text


@given(st.from_regex(r"[0-9]{1,10}", fullmatch=True))
def test_alpha_conversion_round_trips_any_number(number: str) -> None:
    pad = build({"pad_leading_zeros": 10})
    canonical = pad.to_canonical(number)
    assert pad.to_canonical(pad.to_system(canonical)) == canonical
    assert len(pad.to_system(canonical)) == 10


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2,
                   min_value=Decimal("-1e9"), max_value=Decimal("1e9")))
def test_scaling_is_exact(amount: Decimal) -> None:
    cents = build({"scale": "0.01"})
    assert cents.to_canonical(cents.to_system(amount)) == amount


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.just(UTC)))
def test_zoned_timestamps_round_trip_outside_dst_folds(moment: datetime) -> None:
    local = build({"datetime": {"zone": "Asia/Tokyo"}})  # no daylight saving since 1951
    canonical = moment.replace(microsecond=0).isoformat()
    assert local.to_canonical(local.to_system(canonical)) == canonical
