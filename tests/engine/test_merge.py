"""Field-level merge rules: owners win, one-sided changes flow, conflicts follow the policy.
Hypothesis checks the property that matters: an owned field never takes the non-owner's value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from engine.mapping import load_mapping
from engine.merge import Side
from engine.merge import merge as merge_with
from engine.policy import field_policies

MAPPING = load_mapping(Path(__file__).parents[2] / "mappings" / "customers.yaml").mapping
POLICIES = field_policies(MAPPING)


def merge(_mapping: object, a: Side, b: Side, base: dict[str, object] | None):  # type: ignore[no-untyped-def]
    return merge_with(POLICIES, a, b, base)
T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
BASE = {"name": "Acme", "phone": "+49 1", "billing_address.city": "Berlin", "blocked": False}


def sides(sap: dict[str, object], sf: dict[str, object], sf_later: int = 0) -> tuple[Side, Side]:
    return (Side("sap", {**BASE, **sap}, T0),
            Side("salesforce", {**BASE, **sf}, T0 + timedelta(seconds=sf_later)))


def test_owned_field_edited_by_non_owner_is_restored() -> None:
    sap, sf = sides({}, {"name": "Acme Renamed"})
    result = merge(MAPPING, sf, sap, BASE)
    assert result.values["name"] == "Acme"
    (decision,) = result.decisions
    assert decision.kind == "owner_restored" and decision.winner == "sap"


def test_one_sided_change_flows() -> None:
    sap, sf = sides({"billing_address.city": "Munich"}, {})
    assert merge(MAPPING, sap, sf, BASE).values["billing_address.city"] == "Munich"
    assert merge(MAPPING, sf, sap, BASE).values["billing_address.city"] == "Munich"


def test_conflict_newest_wins_beyond_clock_skew() -> None:
    sap, sf = sides({"billing_address.city": "Munich"}, {"billing_address.city": "Hamburg"},
                    sf_later=600)
    result = merge(MAPPING, sap, sf, BASE)
    assert result.values["billing_address.city"] == "Hamburg"
    assert [d.kind for d in result.decisions] == ["conflict"]


def test_conflict_within_clock_skew_goes_to_tie_breaker() -> None:
    sap, sf = sides({"billing_address.city": "Munich"}, {"billing_address.city": "Hamburg"},
                    sf_later=60)
    result = merge(MAPPING, sf, sap, BASE)
    assert result.values["billing_address.city"] == "Munich"
    assert "clock-skew" in result.decisions[0].reason


values = st.one_of(st.none(), st.text(max_size=5))


@given(base=values, sap_value=values, sf_value=values, later=st.integers(-1000, 1000))
def test_owned_field_never_flows_from_non_owner(base: str | None, sap_value: str | None,
                                                sf_value: str | None, later: int) -> None:
    start = {"name": base, "phone": base}
    sap = Side("sap", {"name": sap_value, "phone": sap_value}, T0)
    sf = Side("salesforce", {"name": sf_value, "phone": sf_value}, T0 + timedelta(seconds=later))
    for a, b in ((sap, sf), (sf, sap)):
        result = merge(MAPPING, a, b, start)
        assert result.values["name"] == sap_value  # owner: sap
        assert result.values["phone"] == sf_value  # owner: salesforce
