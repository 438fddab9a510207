"""Every policy by change combination of the field merge, as a table, plus the declarations of
a mapping file read into policies (direction, per-field conflicts, the sync's default)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.mapping import load_mapping
from engine.merge import Side, merge
from engine.policy import FieldPolicy, field_policies

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
BASE = "base"
CHANGES = {  # change → (sap's value, salesforce's value)
    "none": (BASE, BASE),
    "sap only": ("sap-new", BASE),
    "salesforce only": (BASE, "sf-new"),
    "both alike": ("same", "same"),
    "both differ": ("sap-new", "sf-new"),
}


def policy(*, owner: str | None = None, source: str | None = None, conflict: str = "newest_wins",
           tie: str = "sap") -> FieldPolicy:
    return FieldPolicy(owner=owner, source=source, conflict=conflict,  # type: ignore[arg-type]
                       skew_seconds=120, tie_breaker=tie)


POLICIES = {
    "owner sap": policy(owner="sap"),
    "owner salesforce": policy(owner="salesforce"),
    "to_crm (from sap)": policy(source="sap"),
    "to_erp (from salesforce)": policy(source="salesforce"),
    "newest wins, salesforce 10 min later": policy(),
    "newest wins, sap 10 min later": policy(),
    "newest wins within skew, tie sap": policy(tie="sap"),
    "newest wins within skew, tie salesforce": policy(tie="salesforce"),
    "prefer sap": policy(conflict="prefer", tie="sap"),
    "prefer salesforce": policy(conflict="prefer", tie="salesforce"),
    "manual": policy(conflict="manual"),
}
SF_LATER = {"newest wins, salesforce 10 min later": 600, "newest wins, sap 10 min later": -600,
            "newest wins within skew, tie sap": 60,
            "newest wins within skew, tie salesforce": 60}

# policy → change → (value both sides get, held, fields kept out of writes, decision kinds)
K = frozenset[str]
EXPECTED: dict[str, dict[str, tuple[Any, bool, K, tuple[str, ...]]]] = {
    "owner sap": {
        "none": (BASE, False, K(), ()), "sap only": ("sap-new", False, K(), ()),
        "salesforce only": (BASE, False, K(), ("owner_restored",)),
        "both alike": ("same", False, K(), ()),
        "both differ": ("sap-new", False, K(), ("owner_restored",))},
    "owner salesforce": {
        "none": (BASE, False, K(), ()), "sap only": (BASE, False, K(), ("owner_restored",)),
        "salesforce only": ("sf-new", False, K(), ()),
        "both alike": ("same", False, K(), ()),
        "both differ": ("sf-new", False, K(), ("owner_restored",))},
    "to_crm (from sap)": {
        "none": (BASE, False, K(), ()), "sap only": ("sap-new", False, K(), ()),
        "salesforce only": (BASE, False, K({"x"}), ("one_way",)),
        "both alike": ("same", False, K(), ()), "both differ": ("sap-new", False, K(), ())},
    "to_erp (from salesforce)": {
        "none": (BASE, False, K(), ()), "sap only": (BASE, False, K({"x"}), ("one_way",)),
        "salesforce only": ("sf-new", False, K(), ()),
        "both alike": ("same", False, K(), ()), "both differ": ("sf-new", False, K(), ())},
}
for name, winner in (("newest wins, salesforce 10 min later", "sf-new"),
                     ("newest wins, sap 10 min later", "sap-new"),
                     ("newest wins within skew, tie sap", "sap-new"),
                     ("newest wins within skew, tie salesforce", "sf-new"),
                     ("prefer sap", "sap-new"), ("prefer salesforce", "sf-new"),
                     ("manual", BASE)):
    EXPECTED[name] = {
        "none": (BASE, False, K(), ()), "sap only": ("sap-new", False, K(), ()),
        "salesforce only": ("sf-new", False, K(), ()), "both alike": ("same", False, K(), ()),
        "both differ": (winner, name == "manual", K(),
                        ("manual",) if name == "manual" else ("conflict",))}

CASES = [(p, c) for p in POLICIES for c in CHANGES]


@pytest.mark.parametrize(("policy_name", "change"), CASES, ids=[f"{p} / {c}" for p, c in CASES])
def test_policy_by_change(policy_name: str, change: str) -> None:
    sap_value, sf_value = CHANGES[change]
    later = timedelta(seconds=SF_LATER.get(policy_name, 0))
    sap = Side("sap", {"x": sap_value}, T0)
    sf = Side("salesforce", {"x": sf_value}, T0 + later)
    value, held, kept, kinds = EXPECTED[policy_name][change]
    for a, b in ((sap, sf), (sf, sap)):  # whichever side the page came from
        result = merge({"x": POLICIES[policy_name]}, a, b, {"x": BASE})
        assert bool(result.held) == held
        assert [d.kind for d in result.decisions] == list(kinds)
        assert result.keep == {"sap": set(kept), "salesforce": set(kept)}
        if not held:
            assert result.values["x"] == value


def test_a_held_field_carries_both_values_and_the_base() -> None:
    result = merge({"x": policy(conflict="manual")}, Side("sap", {"x": "a"}, T0),
                   Side("salesforce", {"x": "b"}, T0), {"x": "base"})
    (held,) = result.held
    assert held.values == {"sap": "a", "salesforce": "b"} and held.base == "base"


def test_a_reviewers_decision_takes_that_systems_current_value() -> None:
    sap, sf = Side("sap", {"x": "a", "y": "s"}, T0), Side("salesforce", {"x": "b", "y": "s"}, T0)
    policies = {"x": policy(conflict="manual"), "y": policy(conflict="manual")}
    result = merge(policies, sap, sf, {"x": "base", "y": "s"}, decided={"x": "salesforce"})
    assert result.values == {"x": "b", "y": "s"} and not result.held
    assert [d.kind for d in result.decisions] == ["resolved"]


def test_first_contact_without_a_snapshot_treats_differences_as_conflicts() -> None:
    result = merge({"x": policy()}, Side("sap", {"x": "a"}, T0),
                   Side("salesforce", {"x": "b"}, T0 + timedelta(seconds=600)), None)
    assert result.values["x"] == "b" and result.decisions[0].kind == "conflict"


values = st.one_of(st.none(), st.text(max_size=4))


@given(base=values, sap_value=values, sf_value=values, later=st.integers(-1000, 1000),
       conflict=st.sampled_from(["newest_wins", "prefer", "manual"]))
def test_an_owned_or_one_way_field_never_takes_the_other_sides_change(
        base: str | None, sap_value: str | None, sf_value: str | None, later: int,
        conflict: str) -> None:
    sap = Side("sap", {"o": sap_value, "w": sap_value}, T0)
    sf = Side("salesforce", {"o": sf_value, "w": sf_value}, T0 + timedelta(seconds=later))
    policies = {"o": policy(owner="sap", conflict=conflict),
                "w": policy(source="sap", conflict=conflict)}
    for a, b in ((sap, sf), (sf, sap)):
        result = merge(policies, a, b, {"o": base, "w": base})
        # sap's delta is computed against sap's value: equal means nothing flows into sap
        assert result.values["o"] == sap_value
        assert result.values["w"] == sap_value


MAPPING = """\
version: 1
sync: customers
entity: customer
systems:
  sap: {object: A_BusinessPartner, key: BusinessPartner}
  salesforce: {object: Account, key: Id}
fields:
  name: {sap: BusinessPartnerFullName, salesforce: Name, owner: sap}
  phone: {sap: PhoneNumber, salesforce: Phone, direction: to_erp}
  email: {sap: EmailAddress, salesforce: Email, direction: to_crm,
          conflicts: {policy: prefer, tie_breaker: salesforce}}
  tax_number: {sap: TaxNumber, salesforce: Tax__c, conflicts: {policy: manual}}
conflicts: {policy: newest_wins, clock_skew_seconds: 30, tie_breaker: salesforce}
deletes: ignore
"""


def test_mapping_declarations_become_field_policies(tmp_path: Path) -> None:
    path = tmp_path / "customers.yaml"
    path.write_text(MAPPING)
    policies = field_policies(load_mapping(path).mapping)
    assert policies["name"] == FieldPolicy("sap", None, "newest_wins", 30, "salesforce")
    assert policies["phone"].source == "salesforce"
    assert policies["email"] == FieldPolicy(None, "sap", "prefer", 120, "salesforce")
    assert policies["tax_number"].conflict == "manual"
