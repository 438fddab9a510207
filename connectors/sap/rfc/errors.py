"""RFC failures and BAPI messages translated into erpsync's error tree, by tables.

::

    SyncError
    ├── ConfigError       LogonError, ExternalAuthorizationError, ABAPApplicationError
    │                     (FU_NOT_FOUND, TABLE_NOT_AVAILABLE, FIELD_NOT_VALID...),
    │                     ExternalRuntimeError / ExternalApplicationError (bad parameters)
    ├── TransientError    ABAPRuntimeError (a dump rolls its unit of work back), a
    │   │                 CommunicationError while logging on, any other RFCLibError
    │   └── OutcomeUnknown  CommunicationError during a call: it may or may not have run
    └── RecordRejected
        └── BapiRejected  a BAPI's RETURN holds type E or A; RFCTypeError (a value SAP
                          cannot take)

Exceptions are matched by class name along their MRO, never by message text, so pyrfc's own
classes (imported only by ``pyrfc_backend.py``) and the same-named ones in ``protocol.py``
translate alike. BAPIs do not raise for business errors: they answer normally and put
BAPIRET2 rows (``TYPE``, ``ID``, ``NUMBER``, ``MESSAGE``, ...) into ``RETURN``, a structure or
a table depending on the BAPI. E (error) and A (abort) mean nothing was saved and the unit of
work must be rolled back; W (warning) means it worked and says something; S and I are
informational. Field meanings: https://help.sap.com/saphelp_nw73/helpdata/en/83/b19a3d35cf6f53e10000000a114084/content.htm;
RETURN as a structure (BAPIRETURN, BAPIRETURN1) or a table (BAPIRET2) by release, and an
empty one meaning success: https://help.sap.com/saphelp_46c/helpdata/de/a5/3ec9f74ac011d1894e0000e829fbbd/content.htm.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from connectors.errors import ConfigError, RecordRejected, SyncError, TransientError
from connectors.sap.errors import OutcomeUnknown

log = logging.getLogger(__name__)

SYSTEM = "sap"
Phase = Literal["logon", "call"]

# pyrfc exception class -> what the caller must do; the first name found along the MRO wins.
CLASS_TABLE: Mapping[str, type[SyncError]] = {
    "LogonError": ConfigError,
    "ExternalAuthorizationError": ConfigError,
    "ABAPApplicationError": ConfigError,
    "ExternalRuntimeError": ConfigError,
    "ExternalApplicationError": ConfigError,
    "RFCTypeError": RecordRejected,
    "ABAPRuntimeError": TransientError,
    "CommunicationError": OutcomeUnknown,
    "RFCLibError": TransientError,
    "RFCError": ConfigError,
}
# What a class means when the call never started (opening the connection): nothing ran.
LOGON_TABLE: Mapping[str, type[SyncError]] = {"CommunicationError": TransientError}
FAILED_TYPES = frozenset({"E", "A"})


def is_rfc_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from the RFC layer (pyrfc's or our backends' classes)."""
    return _table_name(exc) is not None


def _table_name(exc: BaseException) -> str | None:
    for cls in type(exc).__mro__:
        if cls.__name__ in CLASS_TABLE:
            return cls.__name__
    return None


def translate(exc: BaseException, function: str, phase: Phase = "call") -> SyncError:
    """An RFC exception as an error of the tree; ``function`` names what we called."""
    name = _table_name(exc)
    if name is None:
        raise TypeError(f"not an RFC error: {type(exc).__name__}") from exc
    cls = (LOGON_TABLE.get(name) if phase == "logon" else None) or CLASS_TABLE[name]
    key = str(getattr(exc, "key", "") or "") or name
    text = str(getattr(exc, "message", "") or exc) or name
    where = "logging on to SAP" if phase == "logon" else f"RFC {function}"
    message = f"{where} failed: {text}"
    if name == "LogonError":
        message += " - check ERPSYNC_SAP_USER, ERPSYNC_SAP_PASSWORD and ERPSYNC_SAP_CLIENT"
    return cls(message, code=key, system=SYSTEM)


@dataclass(frozen=True)
class BapiMessage:
    """One row of a BAPI's RETURN (BAPIRET2, or the older BAPIRETURN1 / BAPIRETURN)."""

    type: str
    id: str
    number: str
    message: str
    parameter: str = ""
    row: int = 0
    field: str = ""

    @property
    def code(self) -> str:
        """SAP's message class and number, ``V1/301``: the machine-readable identity."""
        return f"{self.id}/{self.number}" if self.id or self.number else self.type

    def __str__(self) -> str:
        where = ".".join(p for p in (self.parameter, self.field) if p)
        return f"{self.type} {self.code} {self.message}" + (f" ({where})" if where else "")


class BapiRejected(RecordRejected):
    """A BAPI refused the record; ``messages`` are its E/A rows, SAP's own words."""

    def __init__(self, message: str, *, code: str, messages: tuple[BapiMessage, ...]) -> None:
        super().__init__(message, code=code, system=SYSTEM)
        self.messages = messages


def return_messages(result: Mapping[str, Any], parameter: str = "RETURN") -> list[BapiMessage]:
    """The RETURN rows of ``result``, whether RETURN is a structure or a table; a blank
    structure (no TYPE) means no message."""
    value = result.get(parameter)
    rows = [value] if isinstance(value, Mapping) else list(value or [])
    return [_message(row) for row in rows if isinstance(row, Mapping) and _text(row, "TYPE")]


def _message(row: Mapping[str, Any]) -> BapiMessage:
    msg_id, number = _text(row, "ID"), _text(row, "NUMBER")
    if not (msg_id or number) and _text(row, "CODE"):  # BAPIRETURN: CODE = class + number
        code = _text(row, "CODE")
        msg_id, number = code[:-3], code[-3:]
    return BapiMessage(type=_text(row, "TYPE").upper(), id=msg_id, number=number,
                       message=_text(row, "MESSAGE"), parameter=_text(row, "PARAMETER"),
                       row=int(row.get("ROW") or 0), field=_text(row, "FIELD"))


def _text(row: Mapping[str, Any], name: str) -> str:
    return str(row.get(name) or "").strip()


def failures(messages: Sequence[BapiMessage]) -> list[BapiMessage]:
    return [m for m in messages if m.type in FAILED_TYPES]


def rejection(function: str, messages: Sequence[BapiMessage]) -> BapiRejected:
    """The E/A rows of ``messages`` as one rejection; its code is the first row's."""
    failed = tuple(failures(messages))
    text = "; ".join(str(m) for m in failed)
    return BapiRejected(f"{function} refused: {text}", code=failed[0].code, messages=failed)


def log_warnings(function: str, messages: Sequence[BapiMessage]) -> None:
    """W rows mean the call worked but SAP wants someone to know; they go to the run log."""
    for message in messages:
        if message.type == "W":
            log.warning("SAP %s warned: %s", function, message)
