"""Values the server computes: auto numbers, full names, stage-driven flags, values copied
from a parent (a line's product and list price), simple products (Quantity x UnitPrice),
compound addresses, photo URLs and an opportunity's expected revenue and fiscal period.

Each derived field names its rule in its spec (``derived="parent:PricebookEntryId.UnitPrice"``):
a closed set of named rules with literal arguments, so objects stay data. A read-only field
is recomputed on every write; a writable one ("defaulted on create") is filled only when
the client left it empty, or, for stage defaults, when the stage changed without it.
Opportunity stages and their defaults follow a new org's sales process:
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunity.htm
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sandbox.salesforce.catalog import find_object
from sandbox.salesforce.schema import FieldSpec, Json, ObjectSpec
from sandbox.salesforce.store import Store

# stage -> (probability, forecast category name, forecast category, closed, won)
STAGE_DEFAULTS: dict[str, tuple[int, str, str, bool, bool]] = {
    "Prospecting": (10, "Pipeline", "Pipeline", False, False),
    "Qualification": (10, "Pipeline", "Pipeline", False, False),
    "Needs Analysis": (20, "Pipeline", "Pipeline", False, False),
    "Value Proposition": (50, "Pipeline", "Pipeline", False, False),
    "Id. Decision Makers": (60, "Pipeline", "Pipeline", False, False),
    "Perception Analysis": (70, "Pipeline", "Pipeline", False, False),
    "Proposal/Price Quote": (75, "Pipeline", "Pipeline", False, False),
    "Negotiation/Review": (90, "Pipeline", "Pipeline", False, False),
    "Closed Won": (100, "Closed", "Closed", True, True),
    "Closed Lost": (0, "Omitted", "Omitted", True, False),
}
_STAGE_PART = {"probability": 0, "forecast_name": 1, "forecast": 2, "closed": 3, "won": 4}


@dataclass(frozen=True)
class Derivation:
    """What a rule sees: the record as it will be stored and what this write changed."""

    store: Store
    obj: ObjectSpec
    data: dict[str, Json]
    given: frozenset[str]
    creating: bool
    previous: dict[str, Json]  # the record before this write (empty on create)


def apply_derived(store: Store, obj: ObjectSpec, data: dict[str, Json], given: set[str], *,
                  creating: bool, previous: dict[str, Json] | None = None) -> None:
    """Fill every derived field of ``data`` in field order (dependencies come first)."""
    context = Derivation(store, obj, data, frozenset(given), creating, previous or {})
    for spec in obj.derived_fields:
        rule, _, argument = str(spec.derived).partition(":")
        writable = spec.createable or spec.updateable
        if writable and spec.name in given:
            continue
        if writable and data.get(spec.name) is not None and not _stage_changed(rule, context):
            continue
        if rule == "auto_number" and not creating:
            continue
        data[spec.name] = RULES[rule](context, spec, argument)


def _stage_changed(rule: str, context: Derivation) -> bool:
    return rule == "stage" and "StageName" in context.given


def _auto_number(context: Derivation, spec: FieldSpec, pattern: str) -> Json:
    number = context.store.next_number(f"{context.obj.key_prefix}:{spec.name}")
    return (pattern or "{:08d}").format(number)


def _full_name(context: Derivation, spec: FieldSpec, _: str) -> Json:
    parts = (context.data.get("FirstName"), context.data.get("LastName"))
    return " ".join(str(p) for p in parts if p) or None


def _stage(context: Derivation, spec: FieldSpec, part: str) -> Json:
    defaults = STAGE_DEFAULTS.get(str(context.data.get("StageName")))
    if defaults is None:  # a stage added by an admin: an open pipeline stage
        defaults = (0, "Pipeline", "Pipeline", False, False)
    return defaults[_STAGE_PART[part]]


def _copy(context: Derivation, spec: FieldSpec, source: str) -> Json:
    return context.data.get(source)


def _parent(context: Derivation, spec: FieldSpec, path: str) -> Json:
    """``parent:RefField.Field``: the field of the record the reference points to."""
    ref_name, _, field_name = path.partition(".")
    ref = context.obj.field(ref_name)
    parent_id = context.data.get(ref_name)
    target = find_object(ref.reference_to[0]) if ref and ref.reference_to else None
    if target is None or not parent_id:
        return None
    parent = context.store.get(target.name, str(parent_id))
    return parent.data.get(field_name) if parent else None


def _multiply(context: Derivation, spec: FieldSpec, names: str) -> Json:
    left, right = (context.data.get(n) for n in names.split(","))
    if left is None or right is None:
        return None
    return round(float(left) * float(right), spec.scale)


_ADDRESS_KEYS = (("city", "City"), ("country", "Country"), ("countryCode", "CountryCode"),
                 ("geocodeAccuracy", "GeocodeAccuracy"), ("latitude", "Latitude"),
                 ("longitude", "Longitude"), ("postalCode", "PostalCode"), ("state", "State"),
                 ("street", "Street"))


def _address(context: Derivation, spec: FieldSpec, prefix: str) -> Json:
    """``BillingAddress``: its parts under the API's keys, or null while all are empty."""
    parts = {key: context.data.get(prefix + suffix) for key, suffix in _ADDRESS_KEYS
             if context.obj.field(prefix + suffix) is not None}
    return parts if any(value is not None for value in parts.values()) else None


def _photo_url(context: Derivation, spec: FieldSpec, _: str) -> Json:
    return f"/services/images/photo/{context.data['Id']}"


def _expected_revenue(context: Derivation, spec: FieldSpec, _: str) -> Json:
    amount, probability = context.data.get("Amount"), context.data.get("Probability")
    if amount is None or probability is None:
        return None
    return round(float(amount) * float(probability) / 100, spec.scale)


def _fiscal(context: Derivation, spec: FieldSpec, part: str) -> Json:
    """The fiscal period of CloseDate in a standard fiscal year (January to December)."""
    close = context.data.get("CloseDate")
    if not isinstance(close, str):
        return None
    year, quarter = int(close[:4]), (int(close[5:7]) - 1) // 3 + 1
    return {"FiscalYear": year, "FiscalQuarter": quarter}.get(part, f"{year} {quarter}")


def _stage_change(context: Derivation, spec: FieldSpec, _: str) -> Json:
    """When an update last changed StageName (empty until one does)."""
    before = context.previous.get("StageName")
    if context.creating or before == context.data.get("StageName"):
        return context.data.get(spec.name)
    return context.data.get("SystemModstamp")


RULES: dict[str, Callable[[Derivation, FieldSpec, str], Json]] = {
    "auto_number": _auto_number,
    "full_name": _full_name,
    "stage": _stage,
    "copy": _copy,
    "parent": _parent,
    "multiply": _multiply,
    "address": _address,
    "photo_url": _photo_url,
    "expected_revenue": _expected_revenue,
    "fiscal": _fiscal,
    "stage_change": _stage_change,
}
