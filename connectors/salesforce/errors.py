"""Salesforce's error codes, translated into erpsync's error tree by table, never by message text.

Salesforce reports errors in three shapes, each translated here:

* a failed REST call: an HTTP status and a JSON list ``[{"errorCode", "message", "fields"}]``
  (REST API Developer Guide, "Status Codes and Error Responses",
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm);
* a failed record inside a 200 sObject Collections answer: ``{"success": false, "errors":
  [{"statusCode", "message", "fields"}]}`` (the ``StatusCode`` values of the API's core data
  types, https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm);
* a refused token request: ``{"error": "invalid_grant", "error_description": ...}`` (OAuth 2.0).

::

    SyncError
    ├── ConfigError     INVALID_SESSION_ID (after one re-authentication), INVALID_FIELD,
    │                   INVALID_TYPE, INSUFFICIENT_ACCESS, MALFORMED_QUERY, invalid_grant, ...
    ├── TransientError  UNABLE_TO_LOCK_ROW, SERVER_UNAVAILABLE, HTTP 429/500/502/503/504,
    │   │               connection errors, timeouts
    │   └── LimitExhausted  REQUEST_LIMIT_EXCEEDED (the org's daily allowance), our own
    │                       API budget: never retried, the run stops at a checkpoint
    └── RecordRejected  DUPLICATE_VALUE, REQUIRED_FIELD_MISSING, STRING_TOO_LONG,
                        FIELD_CUSTOM_VALIDATION_EXCEPTION, INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST,
                        ... and any per-record code we do not know (dead-letter, go on)

simple-salesforce raises ``SalesforceError`` subclasses that carry ``status`` and the decoded
``content``; we read those two attributes only (``translate_api_error``).

A fourth shape comes from Bulk API 2.0: the ``sf__Error`` column of a job's failed results,
``"<StatusCode>:<message>"`` ("Get Job Failed Record Results",
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_failed_results.htm);
the code before the first colon goes through the same per-record table (``translate_bulk_error``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from connectors.errors import (
    ConfigError,
    LimitExhausted,
    RecordRejected,
    SyncError,
    TransientError,
)

SYSTEM = "salesforce"

Redact = Callable[[str], str]

LIMIT_CODES: frozenset[str] = frozenset({"REQUEST_LIMIT_EXCEEDED"})
"""The org's API allowance is spent (REST API Developer Guide, "API Request Limits and
Allocations",
https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html):
the allowance is counted over a rolling 24 hours, so retrying within a run only burns time.
The same code also answers too many concurrent long-running requests; the client tells the two
apart by the ``Sforce-Limit-Info`` header (``client.SalesforceClient``), never by the message."""

TRANSIENT_CODES: frozenset[str] = frozenset(
    {
        "UNABLE_TO_LOCK_ROW",
        "SERVER_UNAVAILABLE",
        "REQUEST_RUNNING_TOO_LONG",
        "QUERY_TIMEOUT",
        "TOO_MANY_APEX_REQUESTS",
        "CONCURRENT_REQUESTS_LIMIT_EXCEEDED",
    }
)
"""The same request may succeed later: locks, throttling, an org that is briefly unavailable."""

RECORD_LOCK_CODES: frozenset[str] = frozenset({"UNABLE_TO_LOCK_ROW"})
"""Per-record codes worth re-sending just those records for, within the same write."""

CONFIG_CODES: frozenset[str] = frozenset(
    {
        "INVALID_SESSION_ID",
        "INVALID_AUTH_HEADER",
        "INVALID_FIELD",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "INVALID_TYPE",
        "INSUFFICIENT_ACCESS",
        "API_DISABLED_FOR_ORG",
        "API_CURRENTLY_DISABLED",
        "FUNCTIONALITY_NOT_ENABLED",
        "MALFORMED_QUERY",
        "INVALID_QUERY_FILTER_OPERATOR",
        "INVALID_QUERY_LOCATOR",
        "JSON_PARSER_ERROR",
        "NOT_FOUND",
        "METHOD_NOT_ALLOWED",
        "INVALID_OPERATION_WITH_EXPIRED_PASSWORD",
        "EXCEEDED_ID_LIMIT",
    }
)
"""Nothing will work until an admin fixes the mapping, permissions or credentials."""

SCHEMA_CODES: frozenset[str] = frozenset(
    {"INVALID_FIELD", "INVALID_FIELD_FOR_INSERT_UPDATE", "INVALID_TYPE"}
)
"""Whole calls refused for a field or object the describe we hold promised: the org's schema
changed since (cached describes must go)."""

RECORD_CODES: frozenset[str] = frozenset(
    {
        "DUPLICATE_VALUE",
        "DUPLICATE_EXTERNAL_ID",
        "DUPLICATES_DETECTED",
        "REQUIRED_FIELD_MISSING",
        "STRING_TOO_LONG",
        "NUMBER_OUTSIDE_VALID_RANGE",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "FIELD_FILTER_VALIDATION_EXCEPTION",
        "FIELD_INTEGRITY_EXCEPTION",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "INVALID_EMAIL_ADDRESS",
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        "INVALID_CROSS_REFERENCE_KEY",
        "INVALID_ID_FIELD",
        "MALFORMED_ID",
        "ENTITY_IS_DELETED",
        "ENTITY_IS_LOCKED",
        "INSUFFICIENT_ACCESS_OR_READONLY",
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
        "MISSING_EXTERNAL_ID",
    }
)
"""This record cannot be written as it is; the others can."""

TRANSIENT_STATUSES: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})

RECORD_LEVEL: dict[str, type[SyncError]] = {"INVALID_FIELD": RecordRejected}
"""Codes that mean something else for one record of a batch than for a whole call. A call
refused with ``INVALID_FIELD`` names a field that does not exist (configuration); one record
failing with it while the others of the call pass is a parent reference by External ID that
matched no parent ("Foreign key external ID: ... not found"): that record's data."""


def classify_record_code(code: str) -> type[SyncError]:
    """The branch of one failed record's code; unknown codes dead-letter the record (the dead
    letter keeps the code, so that the table can learn it)."""
    return RECORD_LEVEL.get(code) or classify_code(code) or RecordRejected


def _no_redaction(text: str) -> str:
    return text


def classify_code(code: str, status: int | None = None) -> type[SyncError] | None:
    """The branch of the tree a Salesforce code belongs to; ``None`` when the table is silent."""
    if code in LIMIT_CODES:
        return LimitExhausted
    if code in TRANSIENT_CODES:
        return TransientError
    if code in CONFIG_CODES:
        return ConfigError
    if code in RECORD_CODES:
        return RecordRejected
    if status is not None and status in TRANSIENT_STATUSES:
        return TransientError
    return None


def make_error(
    cls: type[SyncError],
    message: str,
    code: str,
    retry_after: float | None = None,
    resume_at: datetime | None = None,
) -> SyncError:
    if cls is LimitExhausted:
        return LimitExhausted(message, code=code, system=SYSTEM, resume_at=resume_at)
    if cls is TransientError:
        return TransientError(message, code=code, system=SYSTEM, retry_after=retry_after)
    return cls(message, code=code, system=SYSTEM)


def first_error(content: Any, code_key: str = "errorCode") -> tuple[str, str]:
    """``(code, message)`` of the first entry of a Salesforce error list, or of a bare object."""
    entry: Any = content[0] if isinstance(content, list) and content else content
    if isinstance(entry, Mapping):
        code = entry.get(code_key) or entry.get("statusCode") or entry.get("errorCode") or ""
        return str(code), str(entry.get("message", ""))
    return "", ""


def translate_api_error(
    status: int,
    content: Any,
    *,
    context: str,
    redact: Redact = _no_redaction,
    retry_after: float | None = None,
    resume_at: datetime | None = None,
) -> SyncError:
    """A failed REST call (``status`` >= 300, decoded JSON ``content``) as one of our errors.
    ``resume_at`` goes on a ``LimitExhausted``: when the caller expects calls to pass again."""
    code, message = first_error(content)
    cls = classify_code(code, status) or _class_for_status(status)
    detail = redact(message) if message else f"HTTP {status}"
    return make_error(
        cls, f"{context}: {detail}", code or f"HTTP_{status}", retry_after, resume_at
    )


def _class_for_status(status: int) -> type[SyncError]:
    if status in TRANSIENT_STATUSES:
        return TransientError
    if status == 300:
        return RecordRejected  # an external ID matched several records
    return ConfigError  # 400/401/403/404/405/...: our request or our rights are wrong


def translate_record_errors(
    errors: Any, *, context: str, redact: Redact = _no_redaction
) -> SyncError:
    """The ``errors`` of one failed record in an sObject Collections answer.

    A code we do not know is a ``RecordRejected``: dead-lettering one record is the safe default,
    and the dead letter keeps the code so that the table can learn it.
    """
    code, message = first_error(errors, code_key="statusCode")
    cls = classify_record_code(code)
    fields = _fields_of(errors)
    where = f" [{', '.join(fields)}]" if fields else ""
    return make_error(cls, f"{context}{where}: {redact(message)}", code or "UNKNOWN")


_BULK_ERROR = re.compile(r"([A-Z][A-Z0-9_]*):(.*)", re.DOTALL)


def translate_bulk_error(
    sf_error: str, *, context: str, redact: Redact = _no_redaction
) -> SyncError:
    """The ``sf__Error`` cell of a Bulk API 2.0 failed row: ``"STRING_TOO_LONG:Name: data
    value too large ..."``. Its leading status code is a structured field, not prose; a cell
    without one is a ``RecordRejected`` with code ``UNKNOWN``, like an unknown code."""
    match = _BULK_ERROR.match(sf_error.strip())
    code, message = (match.group(1), match.group(2).strip()) if match else ("", sf_error)
    cls = classify_record_code(code)
    return make_error(cls, f"{context}: {redact(message)}", code or "UNKNOWN")


def _fields_of(errors: Any) -> list[str]:
    entry: Any = errors[0] if isinstance(errors, list) and errors else {}
    fields = entry.get("fields") if isinstance(entry, Mapping) else None
    return [str(f) for f in fields] if isinstance(fields, list) else []


def translate_token_error(
    status: int, content: Any, *, grant: str, token_url: str, redact: Redact
) -> SyncError:
    """A refused OAuth token request. Names the grant and URL, never a credential.

    Every 4xx refusal (``invalid_grant``, ``invalid_client_id``, ``unsupported_grant_type``,
    ``inactive_user``, ...) means wrong credentials, app or grant: a ``ConfigError``.
    """
    error = str(content.get("error", "")) if isinstance(content, Mapping) else ""
    described = str(content.get("error_description", "")) if isinstance(content, Mapping) else ""
    if status in TRANSIENT_STATUSES:
        return make_error(
            TransientError, f"token endpoint {token_url} answered HTTP {status}", f"HTTP_{status}"
        )
    reason = f"{error}: {redact(described)}" if described else (error or f"HTTP {status}")
    message = (
        f"Salesforce refused the {grant!r} grant at {token_url} ({reason}); check the "
        f"ERPSYNC_SALESFORCE_* credentials and the connected app"
    )
    return make_error(ConfigError, message, error or f"HTTP_{status}")


NOT_SENT_CODES: frozenset[str] = frozenset({"CONNECTION", "CONNECT_TIMEOUT"})
"""Transport failures before the request reached the server: safe to send again, whatever
the request was."""

MAYBE_PROCESSED_CODES: frozenset[str] = frozenset({"CONNECTION_DROPPED", "TIMEOUT"})
"""Transport failures after the request was sent: the server may have acted on it. Sending
again is safe only for idempotent requests (an upsert by External ID, an update by Id, a read),
never for a create, which would make a second record."""


def is_worth_retrying(exc: BaseException) -> bool:
    """Retry inside this call: transient, and not a limit that only hours will lift."""
    return isinstance(exc, TransientError) and not isinstance(exc, LimitExhausted)


def is_worth_retrying_once_sent(exc: BaseException) -> bool:
    """Retry a request that is not idempotent: only when it certainly did not take effect (the
    connection was never made, or the server answered with an error)."""
    return is_worth_retrying(exc) and getattr(exc, "code", "") not in MAYBE_PROCESSED_CODES


def translate_transport_error(
    exc: requests.RequestException, *, context: str, redact: Redact = _no_redaction
) -> SyncError:
    """No HTTP answer at all. TLS failures are configuration (wrong CA bundle or URL) and are
    never retried; the others are transient, split by whether the request may have reached
    the server (``MAYBE_PROCESSED_CODES``) or certainly did not (``NOT_SENT_CODES``)."""
    detail = redact(str(exc))
    if isinstance(exc, requests.exceptions.SSLError):
        return make_error(ConfigError, f"{context}: TLS verification failed: {detail}", "TLS")
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return make_error(TransientError, f"{context}: no connection: {detail}", "CONNECT_TIMEOUT")
    if isinstance(exc, requests.Timeout):
        return make_error(TransientError, f"{context}: timed out: {detail}", "TIMEOUT")
    if _never_connected(exc):
        return make_error(TransientError, f"{context}: no connection: {detail}", "CONNECTION")
    return make_error(
        TransientError, f"{context}: connection dropped: {detail}", "CONNECTION_DROPPED"
    )


def _never_connected(exc: requests.RequestException) -> bool:
    """A refused or unresolvable connection: urllib3 wraps it as a ``NewConnectionError``
    somewhere in the exception's arguments; a reset or a closed connection is not one."""
    pending: list[object] = [exc]
    seen: set[int] = set()
    while pending:
        item = pending.pop()
        if id(item) in seen or not isinstance(item, BaseException):
            continue
        seen.add(id(item))
        if isinstance(item, NewConnectionError):
            return True
        pending.extend((*item.args, getattr(item, "reason", None)))
    return False
