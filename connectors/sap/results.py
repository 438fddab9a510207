"""What SAP answered for one record's changeset, as the record's ``WriteResult``."""

from __future__ import annotations

from connectors.base import WriteResult
from connectors.errors import SyncError
from connectors.sap.batch import Response
from connectors.sap.errors import SapRejected, translate
from connectors.sap.metadata import EntityModel
from connectors.sap.reading import key_from_uri, record_key
from connectors.sap.writing import WritePlan


def local_result(plan: WritePlan) -> WriteResult | None:
    """The result of a record that needs no request: refused here, or nothing to send."""
    if plan.error is not None:
        return WriteResult(plan.ref, "failed", plan.key, plan.error)
    if not plan.operations:
        return WriteResult(plan.ref, "unchanged", plan.key)
    return None


def failed(plan: WritePlan, error: SyncError) -> WriteResult:
    return WriteResult(plan.ref, "failed", plan.key, error)


def result_of(entity: EntityModel, plan: WritePlan, responses: list[Response]) -> WriteResult:
    """A changeset's responses as the record's result: the error that stopped it (the
    changeset was rolled back as a whole), else ``created`` with the new key or ``updated``.
    The failed operation is named when SAP answered per operation, else every one is."""
    stopped = next((r for r in responses if r.status >= 400), None)
    if stopped is not None:
        steps = plan.operations
        if len(responses) == len(steps):
            steps = (steps[responses.index(stopped)],)
        names = ", ".join(f"{op.method} {op.path}" for op in steps)
        error = translate(stopped.status, stopped.body, stopped.headers, where="record",
                          operation=f"SAP $batch changeset [{names}]")
        return failed(plan, error)
    if not plan.creates:
        return WriteResult(plan.ref, "updated", plan.key)
    key = created_key(entity, responses[0])
    if key is None:
        return failed(plan, SapRejected(
            "SAP answered the create without the new record or its Location; check SAP "
            "before writing this record again", code="CREATED_KEY_UNKNOWN"))
    return WriteResult(plan.ref, "created", key)


def created_key(entity: EntityModel, response: Response) -> str | None:
    """The new key from the 201 body, else from the ``Location`` header."""
    payload = response.json()
    body = payload.get("d") if isinstance(payload, dict) else None
    if isinstance(body, dict) and all(k in body for k in entity.type.keys):
        return record_key(entity.type, body)
    return key_from_uri(entity.type, response.headers.get("location", ""))
