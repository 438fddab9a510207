"""SAP Gateway answers translated into erpsync's error tree, by tables, never by message text.

::

    SyncError
    ├── ConfigError        401, 403, 405, 501, service not found, TLS failures
    │   └── CsrfRequired   403 "x-csrf-token: Required" (refetched once before it escapes)
    ├── TransientError     423, 429, 500, 502, 503, 504, timeouts, refused connections
    │   └── OutcomeUnknown the request left but no answer came: repeat only if idempotent
    ├── RecordRejected
    │   └── SapRejected    400, 404 and 409 on a record, with SAP's message and errordetails
    └── ConflictError
        └── SapConflict    the record changed in SAP since it was read; nothing was written:
            │              the engine re-reads it and merges again, never overwrites blindly
            ├── PreconditionFailed    412: the ETag we sent is stale
            ├── PreconditionRequired  428, or an update we could not guard with an ETag
            └── ChangedMeanwhile      no ETag in this service: the values we last read
                                      differ from SAP's now (see ``guard.py``)

The status decides first where it is unambiguous (a 412 is a stale ETag whatever code comes
with it, a 423 a lock); otherwise SAP's error code (``/IWBEP/CX_MGW_TECH_EXCEPTION`` is a
backend failure, not a bad record), and last the status family. The error envelope is
``{"error": {"code", "message": {"lang", "value"}, "innererror": {"errordetails": [...]}}}``
(JSON) or the same in XML; see SAP's ODataError schema as published with the S/4HANA APIs.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any, Literal

import requests
import urllib3.exceptions

from connectors.errors import (
    ConfigError,
    ConflictError,
    RecordRejected,
    SyncError,
    TransientError,
)

SYSTEM = "sap"
Where = Literal["service", "record"]


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of SAP's ``innererror.errordetails``."""

    code: str
    message: str
    target: str = ""
    severity: str = ""


class _SapAnswer(SyncError):
    """An error SAP answered for one record: its HTTP status and per-field messages."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        system: str = SYSTEM,
        status: int = 0,
        details: tuple[ErrorDetail, ...] = (),
    ) -> None:
        super().__init__(message, code=code, system=system)
        self.status = status
        self.details = details


class SapRejected(_SapAnswer, RecordRejected):
    """SAP refused one record; ``details`` carries its per-field messages."""


class SapConflict(_SapAnswer, ConflictError):
    """The record changed in SAP after we read it and nothing was written: re-read, merge
    again, then write with the new ETag. Never a reason to dead-letter the record."""


class PreconditionFailed(SapConflict):
    """HTTP 412: the ETag sent in ``If-Match`` is no longer the record's."""


class PreconditionRequired(SapConflict):
    """HTTP 428 (the service insists on ``If-Match``), or an update we had no ETag for and
    no earlier values to compare with: sending it unguarded could overwrite blindly."""


class ChangedMeanwhile(SapConflict):
    """The service has no ETag for this entity, and a fresh read shows values that differ
    from those the write was based on (``TargetRecord.current``)."""


class OutcomeUnknown(TransientError):
    """The request was sent but no answer arrived: SAP may or may not have done it."""


class CsrfRequired(ConfigError):
    """403 with ``x-csrf-token: Required``: the token expired or was never valid. The client
    fetches a new one and repeats once; only a second refusal escapes as a ``ConfigError``."""


@dataclass(frozen=True)
class SapFault:
    """What one error response said, before translation."""

    status: int
    code: str
    message: str
    details: tuple[ErrorDetail, ...] = ()


# Statuses that mean the same thing whatever SAP code accompanies them.
STATUS_FIRST: Mapping[int, type[SyncError]] = {
    401: ConfigError, 403: ConfigError, 405: ConfigError, 412: PreconditionFailed,
    423: TransientError, 428: PreconditionRequired, 429: TransientError, 501: ConfigError,
    502: TransientError, 503: TransientError, 504: TransientError,
}
# SAP Gateway error codes (the ``error.code`` of the envelope), by meaning.
CODE_CLASSES: Mapping[str, type[SyncError]] = {
    "/IWBEP/CX_MGW_TECH_EXCEPTION": TransientError,  # backend dump or technical failure
    "/IWFND/CM_MGW_RT": TransientError,  # Gateway runtime: no work process, RFC failure
    "/IWFND/CM_CSRF": ConfigError,  # only reaches here if a fresh token was refused too
    "/IWFND/CM_BEC": ConfigError,  # backend connection / system alias misconfigured
    "/IWBEP/CX_MGW_BUSI_EXCEPTION": SapRejected,  # business validation of the record
}
# What the status family means when nothing above decided.
STATUS_DEFAULTS: Mapping[int, type[SyncError]] = {
    400: SapRejected, 404: SapRejected, 409: SapRejected, 500: TransientError,
}
# Codes we give to our own translations (SAP's code is kept where SAP sent one).
OUR_CODES: Mapping[int, str] = {
    412: "PRECONDITION_FAILED", 428: "PRECONDITION_REQUIRED", 404: "NOT_FOUND",
    401: "AUTH_FAILED", 403: "FORBIDDEN",
}


def error_class(status: int, code: str, where: Where) -> type[SyncError]:
    """The class a fault translates to (see the module docstring for the order)."""
    if status in STATUS_FIRST:
        return STATUS_FIRST[status]
    if status in {400, 404} and where == "service":
        # not about one record: an unknown service or entity set, or a query the service
        # refuses (an option it does not support, a field it cannot filter on)
        return ConfigError
    if code in CODE_CLASSES:
        return CODE_CLASSES[code]
    if status in STATUS_DEFAULTS:
        return STATUS_DEFAULTS[status]
    return TransientError if status >= 500 else SapRejected


def translate(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    where: Where,
    operation: str,
    user: str | None = None,
) -> SyncError:
    """One error response as an exception from the tree; ``operation`` names what we asked."""
    fault = parse_fault(status, body)
    cls = error_class(status, fault.code, where)
    code = OUR_CODES.get(status) or fault.code or f"HTTP_{status}"
    message = _message(fault, operation, user, bearer_error(headers))
    if issubclass(cls, _SapAnswer):
        return cls(message, code=code, status=status, details=fault.details)
    if issubclass(cls, TransientError):
        wait = retry_after(headers.get("Retry-After") or headers.get("retry-after"))
        return cls(message, code=code, system=SYSTEM, retry_after=wait)
    return cls(message, code=code, system=SYSTEM)


def _message(fault: SapFault, operation: str, user: str | None, bearer: str) -> str:
    text = f"{operation} answered HTTP {fault.status}: {fault.message}"
    if fault.details:
        parts = [f"{d.target}: {d.message}" if d.target else d.message for d in fault.details
                 if d.message and d.message != fault.message]
        if parts:
            text += " [" + "; ".join(parts) + "]"
    if fault.status == 401 and bearer in BEARER_ERRORS:
        text += f" - {BEARER_ERRORS[bearer]}"
    elif fault.status == 401:
        who = f"user {user!r}" if user else "an anonymous request"
        text += (f" - SAP refused {who}; check ERPSYNC_SAP_USER and ERPSYNC_SAP_PASSWORD "
                 f"(and that the user is not locked)")
    elif fault.code == "/IWFND/CM_CSRF":
        text += " - SAP refused a freshly fetched CSRF token (check the session cookies)"
    elif fault.status == 403:
        text += " - the user lacks authorization for this service (ask for its role)"
    return text


# RFC 6750 section 3.1: the ``error`` of a ``WWW-Authenticate: Bearer`` challenge.
BEARER_ERRORS: Mapping[str, str] = {
    "invalid_token": "SAP no longer accepts the access token (it expired or was revoked); "
                     "a new token is needed, not a retry",
    "insufficient_scope": "the access token lacks the scope this service needs",
    "invalid_request": "SAP could not read the access token as sent",
}


def bearer_error(headers: Mapping[str, str]) -> str:
    """The ``error`` parameter of a Bearer challenge, or ``""``."""
    challenge = headers.get("WWW-Authenticate") or headers.get("www-authenticate") or ""
    if not challenge.lower().startswith("bearer"):
        return ""
    match = re.search(r'error="([^"]*)"', challenge)
    return match.group(1) if match else ""


def parse_fault(status: int, body: bytes) -> SapFault:
    """SAP's error envelope, JSON or XML; an empty or foreign body still yields a fault."""
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            return _json_fault(status, json.loads(text))
        except (ValueError, AttributeError, TypeError):
            pass
    if text.startswith("<"):
        fault = _xml_fault(status, text)
        if fault is not None:
            return fault
    return SapFault(status, "", text[:300] or _reason(status))


def _json_fault(status: int, payload: Any) -> SapFault:
    error = payload["error"]
    message = error.get("message", "")
    if isinstance(message, Mapping):
        message = message.get("value", "")
    inner = error.get("innererror") or {}
    details = tuple(
        ErrorDetail(
            code=str(d.get("code", "")), message=str(d.get("message", "")),
            target=str(d.get("target") or d.get("propertyref") or ""),
            severity=str(d.get("severity", "")),
        )
        for d in inner.get("errordetails") or ()
        if isinstance(d, Mapping)
    )
    return SapFault(status, str(error.get("code", "")), str(message), details)


def _xml_fault(status: int, text: str) -> SapFault | None:
    try:
        root = ET.fromstring(text)  # noqa: S314 - our SAP system's body; expat 2.4+ is hardened
    except ET.ParseError:
        return None
    found = {el.tag.rsplit("}", 1)[-1]: (el.text or "") for el in root.iter()}
    if "code" not in found and "message" not in found:
        return None
    return SapFault(status, found.get("code", "").strip(), found.get("message", "").strip())


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def transport_error(exc: requests.RequestException, operation: str) -> SyncError:
    """A failure below HTTP: nothing or no answer came back."""
    if isinstance(exc, requests.exceptions.SSLError):
        return ConfigError(f"{operation}: TLS handshake failed ({exc}); check `verify` and the "
                           f"CA bundle", code="TLS_FAILED", system=SYSTEM)
    if isinstance(exc, requests.exceptions.ConnectTimeout) or _refused(exc):
        return TransientError(f"{operation}: cannot connect ({exc})", code="CONNECT_FAILED",
                              system=SYSTEM)
    if isinstance(exc, requests.exceptions.Timeout):
        return OutcomeUnknown(f"{operation}: no answer in time ({exc})", code="TIMEOUT",
                              system=SYSTEM)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return OutcomeUnknown(f"{operation}: connection lost ({exc})", code="CONNECTION_LOST",
                              system=SYSTEM)
    return ConfigError(f"{operation}: request could not be sent ({exc})",
                       code="BAD_REQUEST", system=SYSTEM)


def _refused(exc: requests.RequestException) -> bool:
    """Whether the connection was never made (so the request certainly did not arrive)."""
    if not isinstance(exc, requests.exceptions.ConnectionError):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)
