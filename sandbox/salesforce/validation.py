"""Turning a JSON body into field values, in the two stages Salesforce reports separately.

1. ``parse_fields`` (whole request): unknown field names (``INVALID_FIELD``) and values of the
   wrong JSON shape (``JSON_PARSER_ERROR``) fail the request before any record is written.
   Like Salesforce's JSON reader it accepts numbers and booleans sent as strings (a recorded
   update sends ``"NumberOfEmployees": "10000"`` and succeeds).
2. ``check_values`` (per record): writability, required fields, lengths, restricted picklists,
   numeric ranges and IDs; failures become that record's ``errors`` entry.

Empty strings are stored as null, as Salesforce does for text fields.
https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sandbox.salesforce import ids
from sandbox.salesforce.catalog import target_of
from sandbox.salesforce.clock import format_datetime, parse_date, parse_datetime
from sandbox.salesforce.countries import CODE_BY_FOLDED, NAME_BY_CODE
from sandbox.salesforce.errors import ApiError, RecordError, message
from sandbox.salesforce.org import USERS
from sandbox.salesforce.references import both_given, parse_reference
from sandbox.salesforce.schema import FieldSpec, Json, ObjectSpec

AUDIT_FIELDS = frozenset({"CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById"})
_PICKLIST_MAX = 255


def parse_fields(obj: ObjectSpec, payload: Json) -> dict[str, Any]:
    """Field values by canonical name, each coerced to its type's Python form; a relationship
    reference by External ID becomes a ``ForeignKey`` under its reference field's name."""
    if not isinstance(payload, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Expected a JSON object for the record")
    values: dict[str, Any] = {}
    for name, raw in payload.items():
        if name == "attributes":
            continue
        spec = obj.field(name)
        reference = parse_reference(obj, name, raw) if spec is None else None
        if spec is None and reference is None:
            raise ApiError(400, "INVALID_FIELD", message("INVALID_FIELD", field=name,
                                                          object=obj.name))
        target = reference.field if reference else spec
        assert target is not None
        if target.name in values:
            raise both_given(target)
        values[target.name] = reference or _COERCERS.get(target.type, _text)(target, raw)
    return values


def _parse_error(spec: FieldSpec, raw: object) -> ApiError:
    text = f"Cannot deserialize value {json_repr(raw)} for field {spec.name} of type {spec.type}"
    return ApiError(400, "JSON_PARSER_ERROR", text)


def json_repr(raw: object) -> str:
    return "null" if raw is None else str(raw)


def _text(spec: FieldSpec, raw: object) -> str | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, dict | list):
        raise _parse_error(spec, raw)
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _boolean(spec: FieldSpec, raw: object) -> bool:
    if raw is None:
        return False  # checkboxes are never null; null clears them
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise _parse_error(spec, raw)


def _number(spec: FieldSpec, raw: object) -> Decimal | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise _parse_error(spec, raw)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise _parse_error(spec, raw) from None
    if not value.is_finite() or (spec.type == "int" and value != value.to_integral_value()):
        raise _parse_error(spec, raw)
    return value


def _date(spec: FieldSpec, raw: object) -> str | None:
    if raw is None:
        return None
    parsed = parse_date(raw) if isinstance(raw, str) else None
    if parsed is None:
        raise _parse_error(spec, raw)
    return parsed.isoformat()


def _datetime(spec: FieldSpec, raw: object) -> str | None:
    if raw is None:
        return None
    parsed = parse_datetime(raw) if isinstance(raw, str) else None
    if parsed is None:
        raise _parse_error(spec, raw)
    return format_datetime(parsed)


def _identifier(spec: FieldSpec, raw: object) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise _parse_error(spec, raw)
    return raw


_COERCERS: dict[str, Callable[[FieldSpec, object], Any]] = {
    "boolean": _boolean,
    "int": _number,
    "double": _number,
    "currency": _number,
    "percent": _number,
    "date": _date,
    "datetime": _datetime,
    "id": _identifier,
    "reference": _identifier,
}


def check_values(
    obj: ObjectSpec, values: dict[str, Any], *, creating: bool, audit: bool = False
) -> dict[str, Json]:
    """Record-level checks; returns the values as stored (JSON-ready, normalised)."""
    _check_writable(obj, values, creating=creating, audit=audit)
    if creating:
        missing = [f.name for f in obj.required_on_create if values.get(f.name) is None]
        if missing:
            raise RecordError.of("REQUIRED_FIELD_MISSING", missing, field=", ".join(missing))
    stored = {name: _check_value(_spec(obj, name), value) for name, value in values.items()}
    for spec in obj.fields:
        if spec.name.endswith("CountryCode"):
            _sync_country(obj, spec.name.removesuffix("CountryCode"), stored)
    return stored


def _spec(obj: ObjectSpec, name: str) -> FieldSpec:
    spec = obj.field(name)
    if spec is None:  # parse_fields already refused unknown names
        raise KeyError(name)
    return spec


def _check_writable(obj: ObjectSpec, values: dict[str, Any], *, creating: bool,
                    audit: bool) -> None:
    refused = []
    for name in values:
        spec = _spec(obj, name)
        allowed = spec.createable if creating else spec.updateable
        if not allowed and not (creating and audit and name in AUDIT_FIELDS):
            refused.append(name)
    if refused:
        raise RecordError.of("INVALID_FIELD_FOR_INSERT_UPDATE", refused, field=", ".join(refused))


def _check_value(spec: FieldSpec, value: Any) -> Json:
    if value is None:
        if not spec.nillable:
            raise RecordError.of("REQUIRED_FIELD_MISSING", [spec.name], field=spec.name)
        return None
    if spec.is_text:
        return _check_text(spec, value)
    if spec.is_number:
        return _check_number(spec, value)
    if spec.is_id:
        return _check_reference(spec, value)
    return value  # boolean, date and datetime were fully checked while parsing


def _check_text(spec: FieldSpec, value: str) -> str:
    if spec.type == "picklist" and spec.restricted:
        if spec.picklist_label(value) is None:
            raise RecordError.of("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", [spec.name],
                                 label=spec.label, value=value)
        return value
    limit = _PICKLIST_MAX if spec.type == "picklist" else spec.length
    if len(value) > limit:
        raise RecordError.of("STRING_TOO_LONG", [spec.name], label=spec.label, value=value,
                             length=limit)
    return value


def _check_number(spec: FieldSpec, value: Decimal) -> int | float:
    """Round to the field's scale, then refuse values with too many integer digits."""
    integer_digits = spec.digits if spec.type == "int" else spec.precision - spec.scale
    limit = Decimal(10) ** integer_digits
    rounded = value
    if abs(value) < limit:  # quantize would overflow the decimal context on huge values
        rounded = value.quantize(Decimal(1).scaleb(-spec.scale), rounding=ROUND_HALF_UP)
    if abs(rounded) >= limit:
        raise RecordError.of("NUMBER_OUTSIDE_VALID_RANGE", [spec.name], label=spec.label,
                             value=value)
    return int(rounded) if spec.type == "int" else float(rounded)


def _check_reference(spec: FieldSpec, value: str) -> str:
    normalized = ids.normalize(value)
    if normalized is None:
        raise RecordError.of("MALFORMED_ID", [spec.name], value=value)
    if "User" in spec.reference_to and normalized not in USERS:
        raise RecordError.of("INVALID_CROSS_REFERENCE_KEY", [spec.name])
    target = target_of(spec)
    if target is None and "User" not in spec.reference_to:
        # RecordType, Campaign, Individual ...: the org holds no such records
        raise RecordError("INVALID_CROSS_REFERENCE_KEY", f"{spec.label}: id value of incorrect "
                          f"type or record does not exist: {value}", [spec.name])
    if target is not None and not normalized.startswith(target.key_prefix):
        raise RecordError("FIELD_INTEGRITY_EXCEPTION",
                          f"{spec.label}: id value of incorrect type: {value}", [spec.name])
    return normalized


def _sync_country(obj: ObjectSpec, prefix: str, stored: dict[str, Json]) -> None:
    """Keep ``<prefix>Country`` and ``<prefix>CountryCode`` in step, as picklist orgs do.

    A country name (or code) written to the text field must match a known country; the code
    then follows it, and the text field always ends up holding the country's label.
    """
    code_field, name_field = f"{prefix}CountryCode", f"{prefix}Country"
    if obj.field(code_field) is None:
        return
    name = stored.get(name_field)
    if name is not None:
        mapped = CODE_BY_FOLDED.get(str(name).casefold())
        given = stored.get(code_field)
        if mapped is None or (given is not None and given != mapped):
            raise RecordError.of("FIELD_INTEGRITY_EXCEPTION", [name_field],
                                 label=_spec(obj, name_field).label, value=name)
        stored[code_field] = mapped
    if code_field in stored:
        code = stored[code_field]
        stored[name_field] = NAME_BY_CODE.get(str(code)) if code else None
    elif name_field in stored:
        stored[code_field] = None
