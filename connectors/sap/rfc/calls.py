"""Calling function modules: the boundary where RFC exceptions become the error tree, every
call is counted, and a unit of work is committed or rolled back.

``BAPI_TRANSACTION_COMMIT`` with ``WAIT = 'X'`` makes SAP run the update task synchronously
and report its outcome in RETURN, so "committed" means saved, and it must run on the same
connection (the same user session) as the BAPIs whose work it commits; a session that ends
without it loses that work. ``BAPI_TRANSACTION_ROLLBACK`` discards it explicitly.
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.base import CallCounter
from connectors.sap.rfc import errors
from connectors.sap.rfc.errors import BapiMessage
from connectors.sap.rfc.protocol import RfcConnection

log = logging.getLogger(__name__)

COMMIT = "BAPI_TRANSACTION_COMMIT"
ROLLBACK = "BAPI_TRANSACTION_ROLLBACK"


def call(connection: RfcConnection, counter: CallCounter, function: str,
         **params: Any) -> dict[str, Any]:
    """One function call; an RFC exception comes back translated, the original chained."""
    counter.add(function)
    try:
        return connection.call(function, **params)
    except Exception as exc:
        if not errors.is_rfc_error(exc):
            raise
        raise errors.translate(exc, function) from exc


def bapi(connection: RfcConnection, counter: CallCounter, function: str,
         **params: Any) -> tuple[dict[str, Any], list[BapiMessage]]:
    """A BAPI call and its RETURN rows; warnings are logged here, errors are the caller's."""
    result = call(connection, counter, function, **params)
    messages = errors.return_messages(result)
    errors.log_warnings(function, messages)
    return result, messages


def commit(connection: RfcConnection, counter: CallCounter) -> None:
    """Commit and wait for the update task. An E or A row means nothing was saved: the unit
    of work is rolled back, so that nothing of it rides along with the session's next
    commit, and the record is rejected with SAP's message."""
    _, messages = bapi(connection, counter, COMMIT, WAIT="X")
    if errors.failures(messages):
        rollback(connection, counter)
        raise errors.rejection(COMMIT, messages)


def rollback(connection: RfcConnection, counter: CallCounter) -> None:
    """Discard the unit of work after a refusal. A rollback that itself reports an error
    is logged, not raised: the record is already failing with the BAPI's own reason."""
    _, messages = bapi(connection, counter, ROLLBACK)
    for message in errors.failures(messages):
        log.error("SAP %s reported: %s", ROLLBACK, message)
