"""SAP Gateway's error envelope, as the stand-in answers every refused request.

``{"error": {"code", "message": {"lang", "value"}, "innererror": {"errordetails": [...]}}}``,
the shape SAP documents for the S/4HANA A2X OData APIs (the ``error`` response of each API's
published specification, e.g. ``components/responses/error`` in the Material Stock API).
"""

from __future__ import annotations

import json
from typing import Any

# Gateway's message classes by what went wrong.
CODES = {
    400: "/IWBEP/CX_MGW_BUSI_EXCEPTION",
    401: "/IWFND/CM_CONSUMER/401",
    403: "/IWFND/CM_CSRF",
    404: "/IWFND/CM_MGW/020",
    405: "/IWBEP/CX_MGW_TECH_EXCEPTION",
    501: "/IWBEP/CX_MGW_NOT_IMPL_EXC",
}


class ODataError(Exception):
    """A refusal: HTTP status, SAP's message code and text, and extra response headers."""

    def __init__(self, status: int, message: str, *, code: str = "",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "/IWBEP/CX_MGW_TECH_EXCEPTION")
        self.headers = headers or {}

    def body(self) -> bytes:
        envelope: dict[str, Any] = {"error": {
            "code": self.code,
            "message": {"lang": "en", "value": self.message},
            "innererror": {"application": {"service_namespace": "/SAP/",
                                           "service_id": "API_MATERIAL_STOCK_SRV",
                                           "service_version": "0001"},
                           "errordetails": [{"code": self.code, "message": self.message,
                                             "propertyref": "", "severity": "error",
                                             "target": ""}]},
        }}
        return json.dumps(envelope).encode("utf-8")
