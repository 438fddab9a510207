"""One RFC connection per worker thread, opened when first needed and closed on every path.

A pyrfc ``Connection`` wraps one NW RFC SDK handle, which must not be used by two threads at
once, and it is also one SAP user session: a unit of work (a BAPI's changes waiting for
``BAPI_TRANSACTION_COMMIT``) belongs to the connection it ran on. So each thread gets its own
connection, and ``session()`` hands it out for one unit of work. When a communication error
breaks the connection, ``session()`` closes it, so the next unit of work logs on afresh
instead of using a dead handle - and SAP discards whatever the broken session had not
committed. ``close()`` closes every thread's connection (the connector's ``close``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from connectors.errors import SyncError
from connectors.sap.rfc import errors
from connectors.sap.rfc.protocol import ConnectionFactory, RfcConnection

log = logging.getLogger(__name__)

# Errors after which the connection cannot be trusted for another call.
_BROKEN = ("CommunicationError", "RFCLibError", "ABAPRuntimeError")


class ConnectionPool:
    """Per-thread connections from ``factory``; thread-safe."""

    def __init__(self, factory: ConnectionFactory) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._by_thread: dict[int, RfcConnection] = {}
        self.opened = 0

    def _current(self) -> RfcConnection:
        ident = threading.get_ident()
        with self._lock:
            found = self._by_thread.get(ident)
        if found is not None:
            return found
        try:
            made = self._factory()
        except Exception as exc:
            if errors.is_rfc_error(exc):
                raise errors.translate(exc, "logon", phase="logon") from None
            raise
        with self._lock:
            self._by_thread[ident] = made
            self.opened += 1
        return made

    @contextlib.contextmanager
    def session(self) -> Iterator[RfcConnection]:
        """This thread's connection for one unit of work. An RFC failure that leaves the
        connection unusable closes it before the error goes on."""
        connection = self._current()
        try:
            yield connection
        except SyncError as exc:
            if isinstance(exc.__cause__, Exception) and _breaks(exc.__cause__):
                self.drop()
            raise
        except Exception as exc:
            if _breaks(exc):
                self.drop()
            raise

    def drop(self) -> None:
        """Close and forget this thread's connection (it is broken, or the thread ends)."""
        with self._lock:
            connection = self._by_thread.pop(threading.get_ident(), None)
        if connection is not None:
            _close_quietly(connection)

    def close(self) -> None:
        """Close every thread's connection; harmless when called twice."""
        with self._lock:
            connections = list(self._by_thread.values())
            self._by_thread.clear()
        for connection in connections:
            _close_quietly(connection)

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_thread)


def _breaks(exc: BaseException) -> bool:
    return any(cls.__name__ in _BROKEN for cls in type(exc).__mro__)


def _close_quietly(connection: RfcConnection) -> None:
    """Closing a broken connection may fail too; the handle is gone either way."""
    try:
        connection.close()
    except Exception as exc:  # nothing left to do with a connection that will not close
        log.debug("closing an RFC connection failed: %s", type(exc).__name__)
