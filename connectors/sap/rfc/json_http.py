"""An ``RfcConnection`` over the SAP stand-in's JSON RFC endpoint (sandbox and tests only).

mock-sap, the third-party SAP stand-in this project tests against, serves function modules as
``POST /sap/bc/rfc/<FUNCTION>`` with the import parameters as a JSON object, answering the
export parameters and tables as JSON (see its index page ``/`` and ``/_mock/services``). Like
every modifying request to it, the POST needs an ``X-CSRF-Token`` fetched with a GET that
sends ``X-CSRF-Token: Fetch``. Real SAP systems have no such endpoint: production uses pyrfc.

Failures are raised as the pyrfc-named classes of ``protocol.py``, chosen by table from the
HTTP status and the error envelope's code, so that ``errors.py`` translates them exactly as it
translates pyrfc's. A request that got no answer (timeout, dropped connection) is a
``CommunicationError``, as when an RFC connection breaks during a call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import requests

from connectors.sap.rfc.protocol import (
    ABAPApplicationError,
    ABAPRuntimeError,
    CommunicationError,
    ExternalAuthorizationError,
    ExternalRuntimeError,
    LogonError,
    RFCLibError,
)
from connectors.sap.rfc.settings import SapRfcSettings

STATUS_TABLE: Mapping[int, type[RFCLibError]] = {
    400: ExternalRuntimeError, 401: LogonError, 403: ExternalAuthorizationError,
    404: ABAPApplicationError, 423: CommunicationError, 429: CommunicationError,
    500: ABAPRuntimeError, 502: CommunicationError, 503: CommunicationError,
    504: CommunicationError,
}
# Error codes the stand-in uses for a function's own ABAP exceptions (RFC_READ_TABLE's).
CODE_TABLE: Mapping[str, type[RFCLibError]] = {
    "RFC_ERROR_FUNCTION_NOT_FOUND": ABAPApplicationError,
    "TABLE_NOT_AVAILABLE": ABAPApplicationError,
    "FIELD_NOT_VALID": ABAPApplicationError,
    "OPTION_NOT_VALID": ABAPApplicationError,
}
# pyrfc's key for a function that does not exist.
KEYS: Mapping[str, str] = {"RFC_ERROR_FUNCTION_NOT_FOUND": "FU_NOT_FOUND"}
# The RFC_RC number pyrfc puts into ``code`` for each class (pyrfc's ``_exception.py``).
RC_CODES: Mapping[type[RFCLibError], int] = {
    CommunicationError: 1, LogonError: 2, ABAPRuntimeError: 3, ABAPApplicationError: 5,
    ExternalRuntimeError: 20, ExternalAuthorizationError: 29,
}
RC_COMMUNICATION_FAILURE = 1


class JsonHttpConnection:
    """One "session" with the stand-in: an HTTP session with its CSRF token and cookies."""

    def __init__(self, settings: SapRfcSettings, session: requests.Session | None = None) -> None:
        """Logs on at once, as pyrfc's ``Connection`` does: a refused user fails here."""
        if not settings.base_url:
            raise ExternalRuntimeError("json-http needs base_url", key="RFC_INVALID_PARAMETER")
        self._base = settings.base_url.rstrip("/")
        self._client = settings.client
        self._timeout = settings.timeout
        self._http = session or requests.Session()
        if settings.user and session is None:
            secret = settings.password.get_secret_value() if settings.password else ""
            self._http.auth = (settings.user, secret)
        self._token = ""
        self._closed = False
        self._fetch_token()

    def __repr__(self) -> str:
        return f"JsonHttpConnection({self._base!r}, client={self._client!r})"

    def call(self, function: str, **params: Any) -> dict[str, Any]:
        if self._closed:
            raise RFCLibError("the connection is closed", code=13, key="RFC_INVALID_HANDLE")
        answer = self._post(function, params)
        if answer.status_code == 403 and answer.headers.get("x-csrf-token") == "Required":
            self._fetch_token()
            answer = self._post(function, params)
        if answer.status_code >= 400:
            raise _fault(answer)
        result: dict[str, Any] = answer.json()
        return result

    def close(self) -> None:
        self._closed = True
        self._http.close()

    def _post(self, function: str, params: Mapping[str, Any]) -> requests.Response:
        url = f"{self._base}/sap/bc/rfc/{quote(function)}"
        body = json.dumps(params, default=_json_value).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRF-Token": self._token}
        return self._send("POST", url, data=body, headers=headers)

    def _fetch_token(self) -> None:
        answer = self._send("GET", f"{self._base}/sap/", headers={"X-CSRF-Token": "Fetch"})
        if answer.status_code >= 400:
            raise _fault(answer)
        self._token = answer.headers.get("x-csrf-token", "")

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            return self._http.request(method, url, params={"sap-client": self._client},
                                      timeout=self._timeout, **kwargs)
        except requests.RequestException as exc:
            raise CommunicationError(f"{type(exc).__name__}: no answer from {self._base}",
                                     code=RC_COMMUNICATION_FAILURE,
                                     key="RFC_COMMUNICATION_FAILURE") from None


def _json_value(value: Any) -> Any:
    """Values pyrfc accepts that JSON has no type for: BCD as text, DATS as YYYYMMDD, TIMS as
    HHMMSS."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    if isinstance(value, time):
        return value.strftime("%H%M%S")
    raise TypeError(f"cannot send {type(value).__name__} over RFC")


def _fault(answer: requests.Response) -> RFCLibError:
    code, message = _envelope(answer)
    cls = CODE_TABLE.get(code) or STATUS_TABLE.get(answer.status_code)
    if cls is None:
        cls = ABAPRuntimeError if answer.status_code >= 500 else ExternalRuntimeError
    text = f"{message} (HTTP {answer.status_code})" if message else f"HTTP {answer.status_code}"
    return cls(text, code=RC_CODES.get(cls, 0), key=KEYS.get(code, code))


def _envelope(answer: requests.Response) -> tuple[str, str]:
    """SAP's error envelope ``{"error": {"code", "message": {"value"}}}``, if there is one."""
    try:
        error = answer.json()["error"]
        message = error.get("message", "")
        text = message.get("value", "") if isinstance(message, Mapping) else str(message)
        return str(error.get("code", "")), str(text)
    except (ValueError, KeyError, TypeError, AttributeError):
        return "", answer.text[:200]
