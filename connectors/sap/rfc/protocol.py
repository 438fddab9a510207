"""The one shape every RFC backend has: pyrfc's ``Connection`` call surface, and its exceptions.

``RfcConnection`` is what the connector needs of a connection and nothing more: ``call(function,
**params) -> dict`` and ``close()``, exactly as SAP's PyRFC ``Connection`` offers them
(https://github.com/SAP/PyRFC, ``src/pyrfc/pyrfc.pyi``). Production connections are pyrfc's own
(see ``pyrfc_backend.py``, the only module that imports it); the sandbox's and the tests' are
``json_http.JsonHttpConnection`` over mock-sap's JSON RFC endpoint.

A backend that is not pyrfc raises the exception classes below, which carry pyrfc's class names
and attributes (``code``, ``key``, ``message``, see pyrfc's ``_exception.py``), so that one
table in ``errors.py``, keyed on the class name, translates both. A pyrfc connection is not
thread-safe (it wraps one NW RFC SDK handle), hence ``pool.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class RfcConnection(Protocol):
    """One open RFC connection: one user session, one logical unit of work at a time."""

    def call(self, function: str, **params: Any) -> dict[str, Any]:
        """Run ``function`` with its import, changing and table parameters; its export
        parameters and tables come back by name."""

    def close(self) -> None:
        """End the session; SAP rolls back a unit of work that was not committed."""


ConnectionFactory = Callable[[], RfcConnection]
"""Opens a new connection (logs on). Called once per worker thread, and again after a
communication error broke the previous connection."""


class RFCError(Exception):
    """Base of the classes below, as in pyrfc."""


class RFCLibError(RFCError):
    """An error reported by the RFC layer, with pyrfc's attributes: ``code`` is the RFC_RC
    number, ``key`` its name or the ABAP exception's, ``message`` the text."""

    def __init__(self, message: str, code: int = 0, key: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.key = key


class CommunicationError(RFCLibError):
    """The connection could not be made or broke during the call (RFC_COMMUNICATION_FAILURE).
    When it broke during a call, the call may or may not have run."""


class LogonError(RFCLibError):
    """SAP refused the logon (RFC_LOGON_FAILURE): user, password or client are wrong."""


class ABAPApplicationError(RFCLibError):
    """The function raised one of its classic ABAP exceptions (RFC_ABAP_EXCEPTION), or does
    not exist (key ``FU_NOT_FOUND``)."""


class ABAPRuntimeError(RFCLibError):
    """The function dumped in SAP (RFC_ABAP_RUNTIME_FAILURE, SYSTEM_FAILURE)."""


class ExternalAuthorizationError(RFCLibError):
    """The user lacks authorization for the function (RFC_AUTHORIZATION_FAILURE)."""


class ExternalRuntimeError(RFCLibError):
    """The client side failed: bad parameter names or values (RFC_INVALID_PARAMETER, ...)."""
