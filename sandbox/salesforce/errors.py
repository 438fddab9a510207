"""The two kinds of failure the REST API reports, and the table of their messages.

* ``ApiError``: the request as a whole fails with an HTTP status and a body
  ``[{"message": ..., "errorCode": ...}]`` (plus ``"fields"`` for record-level codes raised by
  single-record resources).
* ``RecordError``: one record of a batch fails; it appears inside an HTTP 200 as
  ``{"statusCode": ..., "message": ..., "fields": [...]}`` in that record's ``errors`` list.

Codes are Salesforce's; messages are written here, close to the real ones in spirit (clients
must key on codes, never on message text).
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, str] = {
    "INVALID_SESSION_ID": "Session expired or invalid",
    "NOT_FOUND": "The requested resource does not exist",
    "ENTITY_IS_DELETED": "entity is deleted",
    "INVALID_CROSS_REFERENCE_KEY": "invalid cross reference id",
    "MALFORMED_ID": "malformed id {value}",
    "MISSING_ARGUMENT": "{value} not specified",
    "REQUIRED_FIELD_MISSING": "Required fields are missing: [{field}]",
    "STRING_TOO_LONG": "{label}: data value too large: {value} (max length={length})",
    "NUMBER_OUTSIDE_VALID_RANGE": "{label}: value outside of valid range on numeric field: "
    "{value}",
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": "{label}: bad value for restricted picklist "
    "field: {value}",
    "INVALID_FIELD_FOR_INSERT_UPDATE": "Unable to create/update fields: {field}. Please check "
    "the security settings of this field and verify that it is read/write for your profile "
    "or permission set.",
    "INVALID_FIELD": "No such column '{field}' on sobject of type {object}",
    "DUPLICATE_VALUE": "duplicate value found: {field} duplicates value on record with id: "
    "{value}",
    "DUPLICATE_EXTERNAL_ID": "{field}: more than one record found for external id field: "
    "{value}",
    "FIELD_INTEGRITY_EXCEPTION": "{label}: this value doesn't match a country/territory in "
    "the list of valid countries: {value}",
    "UNABLE_TO_LOCK_ROW": "unable to obtain exclusive access to this record or 1 records: "
    "{value}",
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": "The record failed a validation rule (sandbox fault)",
    "ALL_OR_NONE_OPERATION_ROLLED_BACK": "Record rolled back because not all records were "
    "valid and the request was using AllOrNone header",
    "EXCEEDED_ID_LIMIT": "record limit reached: a single call accepts at most {value} records",
    "JSON_PARSER_ERROR": "{value}",
    "MALFORMED_QUERY": "{value}",
    "INVALID_TYPE": "sObject type '{value}' is not supported.",
    "INVALID_QUERY_LOCATOR": "invalid query locator",
    "SERVER_UNAVAILABLE": "The server is temporarily unable to service the request (sandbox "
    "fault)",
    "METHOD_NOT_ALLOWED": "HTTP Method '{value}' not allowed here",
}


def message(code: str, **values: Any) -> str:
    """The message for ``code`` with its placeholders filled; unknown codes get a generic one."""
    template = MESSAGES.get(code, "{code} (sandbox fault)")
    try:
        return template.format(code=code, **values)
    except KeyError:
        return template


class ApiError(Exception):
    """The whole request fails with ``status``."""

    def __init__(
        self, status: int, code: str, text: str | None = None, fields: list[str] | None = None
    ) -> None:
        super().__init__(text or message(code))
        self.status = status
        self.code = code
        self.text = text or message(code)
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        entry: dict[str, Any] = {"message": self.text, "errorCode": self.code}
        if self.fields is not None:
            entry["fields"] = self.fields
        return [entry]


class RecordError(Exception):
    """One record fails; the others in its batch may still succeed."""

    def __init__(self, code: str, text: str, fields: list[str] | None = None) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.fields = fields or []

    @classmethod
    def of(cls, code: str, fields: list[str] | None = None, **values: Any) -> RecordError:
        return cls(code, message(code, **values), fields)

    def entry(self) -> dict[str, Any]:
        """The per-record error object of sObject Collections results."""
        return {"statusCode": self.code, "message": self.text, "fields": self.fields}

    def as_api_error(self, status: int = 400) -> ApiError:
        """How single-record resources report the same failure."""
        return ApiError(status, self.code, self.text, self.fields)
