"""sObject Collections: create, update, upsert and delete up to 200 records per call.

Request-level problems (unreadable body, unknown field, wrong value type, more than 200
records: ``EXCEEDED_ID_LIMIT``) fail the whole call with 400 before anything is written.
Otherwise the answer is 200 with one result per record, in order. Each record runs in its own
savepoint; with ``allOrNone`` the whole call runs in one more, rolled back if any record
failed, and the records that had succeeded report ``ALL_OR_NONE_OPERATION_ROLLED_BACK``.
Failed results carry no ``id``, as in Salesforce's examples; upsert results always carry
``created``.
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_delete.htm
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from sandbox.salesforce import records
from sandbox.salesforce.catalog import find_object, object_by_prefix
from sandbox.salesforce.errors import ApiError, RecordError, message
from sandbox.salesforce.records import WriteContext
from sandbox.salesforce.routing import Reply, Request
from sandbox.salesforce.schema import FieldSpec, Json, ObjectSpec
from sandbox.salesforce.state import Sandbox
from sandbox.salesforce.validation import parse_fields

MAX_RECORDS = 200
Write = Callable[[], tuple[str, bool]]  # performs one write, returns (id, created)


def create_records(app: Sandbox, req: Request) -> Reply:
    all_or_none, items = _parse_records(req, None)
    ctx = _context(app, req)
    writes = [_bind(records.create, ctx, obj, values) for obj, values in items]
    return Reply(200, _run(app, writes, all_or_none, upsert=False))


def update_records(app: Sandbox, req: Request) -> Reply:
    all_or_none, items = _parse_records(req, None)
    ctx = _context(app, req)
    writes = [_update_write(ctx, obj, values) for obj, values in items]
    return Reply(200, _run(app, writes, all_or_none, upsert=False))


def upsert_records(app: Sandbox, req: Request) -> Reply:
    obj = find_object(req.args["sobject"])
    if obj is None:
        raise ApiError(404, "NOT_FOUND")
    key = upsert_key(obj, req.args["field"])
    all_or_none, items = _parse_records(req, obj)
    ctx = _context(app, req)
    repeated = _repeated_keys(key, [values for _, values in items])
    writes = [_upsert_write(ctx, obj, key, values, repeated) for _, values in items]
    return Reply(200, _run(app, writes, all_or_none, upsert=True))


def delete_records(app: Sandbox, req: Request) -> Reply:
    raw_ids = [i for i in req.params.get("ids", "").split(",") if i.strip()]
    if not raw_ids:
        raise ApiError(400, "MISSING_ARGUMENT", "ids not specified")
    if len(raw_ids) > MAX_RECORDS:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", message("EXCEEDED_ID_LIMIT", value=MAX_RECORDS))
    all_or_none = req.params.get("allOrNone", "false").lower() == "true"
    ctx = _context(app, req)
    writes = [_delete_write(ctx, raw_id.strip()) for raw_id in raw_ids]
    return Reply(200, _run(app, writes, all_or_none, upsert=False))


def upsert_key(obj: ObjectSpec, name: str) -> FieldSpec:
    """The field named in the URL: an External ID, ``Id``, or another idLookup field of a
    standard object (Contact/Email in a recorded exchange); 400 otherwise."""
    spec = obj.upsert_key(name)
    if spec is None:
        raise ApiError(400, "INVALID_FIELD",
                       f"Provided external ID field does not exist or is not accessible: {name}")
    return spec


def _context(app: Sandbox, req: Request) -> WriteContext:
    assert req.session is not None  # the server authenticates data calls first
    return app.writer(req.session.user.id)


def _parse_records(req: Request,
                   only: ObjectSpec | None) -> tuple[bool, list[tuple[ObjectSpec, dict[str, Any]]]]:
    """``allOrNone`` and each record's object and parsed values; request-level errors raise."""
    body = req.json()
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(400, "JSON_PARSER_ERROR",
                       'Expected {"allOrNone": ..., "records": [...]}')
    rows: list[Json] = body["records"]
    if len(rows) > MAX_RECORDS:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", message("EXCEEDED_ID_LIMIT", value=MAX_RECORDS))
    items = [(_record_object(row, only), row) for row in rows]
    return bool(body.get("allOrNone", False)), [(o, parse_fields(o, r)) for o, r in items]


def _record_object(row: Json, only: ObjectSpec | None) -> ObjectSpec:
    attributes = row.get("attributes") if isinstance(row, dict) else None
    type_name = attributes.get("type") if isinstance(attributes, dict) else None
    if not isinstance(type_name, str):
        raise ApiError(400, "INVALID_TYPE", "Each record needs attributes.type")
    obj = find_object(type_name)
    if obj is None or (only is not None and obj is not only):
        raise ApiError(400, "INVALID_TYPE", message("INVALID_TYPE", value=type_name))
    return obj


def _bind(write: Callable[[WriteContext, ObjectSpec, dict[str, Any]], str], ctx: WriteContext,
          obj: ObjectSpec, values: dict[str, Any]) -> Write:
    return lambda: (write(ctx, obj, values), True)


def _update_write(ctx: WriteContext, obj: ObjectSpec, values: dict[str, Any]) -> Write:
    def write() -> tuple[str, bool]:
        record_id = values.get("Id")
        if record_id is None:
            raise RecordError.of("MISSING_ARGUMENT", ["Id"], value="Id")
        rest = {k: v for k, v in values.items() if k != "Id"}
        return records.update(ctx, obj, str(record_id), rest), False

    return write


def _upsert_write(ctx: WriteContext, obj: ObjectSpec, key: FieldSpec, values: dict[str, Any],
                  repeated: set[str]) -> Write:
    def write() -> tuple[str, bool]:
        value = values.get(key.name)
        if value is not None and str(value).casefold() in repeated:
            raise RecordError(
                "DUPLICATE_EXTERNAL_ID", f"Duplicate external id specified: {value}", [key.name]
            )
        return records.upsert(ctx, obj, key, values)

    return write


def _repeated_keys(key: FieldSpec, rows: list[dict[str, Any]]) -> set[str]:
    """Key values that occur more than once in one upsert call: all of them fail."""
    counts = Counter(str(v.get(key.name)).casefold() for v in rows if v.get(key.name) is not None)
    return {value for value, count in counts.items() if count > 1}


def _delete_write(ctx: WriteContext, raw_id: str) -> Write:
    def write() -> tuple[str, bool]:
        obj = object_by_prefix(raw_id)
        if obj is None:
            raise RecordError.of("MALFORMED_ID", [], value=raw_id)
        return records.delete(ctx, obj, raw_id), False

    return write


def _run(app: Sandbox, writes: list[Write], all_or_none: bool, *, upsert: bool) -> list[Json]:
    results: list[dict[str, Json]] = []
    with app.store.savepoint() as batch:
        for write in writes:
            results.append(_attempt(app, write, upsert))
        failed = any(not r["success"] for r in results)
        if all_or_none and failed:
            batch.rollback()
            rolled = RecordError.of("ALL_OR_NONE_OPERATION_ROLLED_BACK").entry()
            results = [r if not r["success"] else _failure(rolled, upsert) for r in results]
    return list(results)


def _attempt(app: Sandbox, write: Write, upsert: bool) -> dict[str, Json]:
    try:
        with app.store.savepoint():
            record_id, created = write()
    except RecordError as exc:
        return _failure(exc.entry(), upsert)
    result: dict[str, Json] = {"id": record_id, "success": True, "errors": []}
    if upsert:
        result["created"] = created
    return result


def _failure(error: dict[str, Json], upsert: bool) -> dict[str, Json]:
    result: dict[str, Json] = {"success": False, "errors": [error]}
    if upsert:
        result["created"] = False
    return result
