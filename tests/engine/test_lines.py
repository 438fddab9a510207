"""Lines of a document merged across systems: paired by the match fields, never by position;
added, changed, removed (by the collection's delete policy) and held line by line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.lines import merge_lines
from engine.merge import Side
from engine.policy import CollectionPolicy, FieldPolicy

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def field(**kw: object) -> FieldPolicy:
    values: dict[str, object] = {"owner": None, "source": None, "conflict": "newest_wins",
                                 "skew_seconds": 120, "tie_breaker": "sap", **kw}
    return FieldPolicy(**values)  # type: ignore[arg-type]


def policy(deletes: str = "propagate", quantity: FieldPolicy | None = None) -> CollectionPolicy:
    return CollectionPolicy(("item",), deletes, {"item": field(), "material": field(owner="sap"),
                                                 "quantity": quantity or field()})


def line(item: str, quantity: str, material: str = "TG11") -> dict[str, str]:
    return {"item": item, "material": material, "quantity": quantity}


def sides(sap: list[dict[str, str]], sf: list[dict[str, str]],
          sf_later: int = 0) -> tuple[Side, Side]:
    return (Side("sap", {"lines": sap}, T0),
            Side("salesforce", {"lines": sf}, T0 + timedelta(seconds=sf_later)))


BASE = {"lines": [line("10", "1"), line("20", "2")]}


def test_lines_pair_by_match_fields_not_position() -> None:
    sap, sf = sides([line("20", "2"), line("10", "5")], [line("10", "1"), line("20", "2")])
    result = merge_lines("lines", policy(), sap, sf, base=BASE)
    assert result.lines == [line("10", "5"), line("20", "2")] and result.decisions == []


def test_a_new_line_on_either_side_is_added() -> None:
    sap, sf = sides([*BASE["lines"], line("30", "3")], [*BASE["lines"], line("40", "4")])
    result = merge_lines("lines", policy(), sap, sf, base=BASE)
    assert [ln["item"] for ln in result.lines] == ["10", "20", "30", "40"]


def test_a_removed_line_goes_with_propagate_and_stays_with_ignore() -> None:
    sap, sf = sides([line("10", "1")], BASE["lines"])
    propagated = merge_lines("lines", policy(), sap, sf, base=BASE)
    assert propagated.lines == [line("10", "1")]
    assert [d.kind for d in propagated.decisions] == ["line_removed"]
    assert propagated.decisions[0].winner == "sap"
    ignored = merge_lines("lines", policy("ignore"), sap, sf, base=BASE)
    assert ignored.lines == BASE["lines"]


def test_ignore_keeps_a_removed_line_out_of_writes_to_the_side_that_removed_it() -> None:
    sap, sf = sides([line("10", "1")], BASE["lines"])
    ignored = merge_lines("lines", policy("ignore"), sap, sf, base=BASE)
    assert ignored.withheld == {"sap": [line("20", "2")]}


def test_lines_not_numbered_yet_take_the_numbers_the_other_side_gave_them() -> None:
    """A CRM order's lines, numbered by the ERP's deep insert: paired in order with the lines
    the snapshot did not know, never doubled; a line still unnumbered beyond them stays
    apart and is new."""
    crm = [line("", "3", "TG11"), line("", "4", "TG12"), line("", "7", "TG13")]
    sap, sf = sides([line("10", "3", "TG11"), line("20", "4", "TG12")], crm)
    result = merge_lines("lines", policy(), sap, sf, base=None)
    assert result.lines == [line("", "7", "TG13"),  # unnumbered first, as the converter sorts
                            line("10", "3", "TG11"), line("20", "4", "TG12")]
    two_new = merge_lines("lines", policy(), *sides([], [line("", "1"), line("", "2")]),
                          base=None)
    assert len(two_new.lines) == 2, "two unnumbered lines never merge into one"


def test_a_line_changed_on_one_side_and_removed_on_the_other_is_kept() -> None:
    sap, sf = sides([line("10", "1")], [line("10", "1"), line("20", "9")])
    result = merge_lines("lines", policy(), sap, sf, base=BASE)
    assert result.lines == [line("10", "1"), line("20", "9")]
    assert [d.kind for d in result.decisions] == ["line_kept"]


def test_line_fields_follow_their_own_policies() -> None:
    sap, sf = sides([line("10", "3")], [line("10", "4", material="OTHER")], sf_later=600)
    result = merge_lines("lines", policy(), sap, sf, base={"lines": [line("10", "1")]})
    assert result.lines == [line("10", "4", material="TG11")]  # owner sap; newest quantity
    assert sorted(d.field for d in result.decisions) == ["lines[10].material",
                                                         "lines[10].quantity"]


def test_a_manual_line_field_holds_and_a_decision_resolves_it() -> None:
    manual = policy(quantity=field(conflict="manual"))
    sap, sf = sides([line("10", "3")], [line("10", "4")])
    base = {"lines": [line("10", "1")]}
    held = merge_lines("lines", manual, sap, sf, base=base)
    assert [h.field for h in held.held] == ["lines[10].quantity"]
    decided = merge_lines("lines", manual, sap, sf, base=base,
                          decided={"lines[10].quantity": "salesforce"})
    assert decided.held == [] and decided.lines == [line("10", "4")]


def test_first_contact_without_a_snapshot_keeps_lines_of_both() -> None:
    sap, sf = sides([line("10", "1")], [line("20", "2")])
    result = merge_lines("lines", policy(), sap, sf, base=None)
    assert result.lines == [line("10", "1"), line("20", "2")]
