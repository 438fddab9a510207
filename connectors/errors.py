"""The one error tree every layer raises and catches, split by what the caller must do.

::

    SyncError                      base of everything erpsync raises on purpose
    ├── ConfigError                stop the run: an admin must fix a mapping, credentials
    │                              or a schema that drifted; retrying cannot help
    ├── TransientError             retry with backoff (inside the connector, one layer only):
    │   │                          timeouts, 5xx, 429/503, UNABLE_TO_LOCK_ROW, RFC comm errors
    │   └── LimitExhausted         never retry: the system's API budget is spent; stop the run
    │                              at the last checkpoint and resume at ``resume_at``
    ├── RecordRejected             dead-letter this one record and go on with the rest:
    │                              validation, DUPLICATE_VALUE, BAPI RETURN type E
    └── ConflictError              a person must decide (manual review queue)

Vendor errors are translated into this tree at the connector boundary by tables keyed on the
vendor's error codes (see each connector's ``errors.py``), never by matching message text.
"""

from __future__ import annotations

from datetime import datetime


class SyncError(Exception):
    """Base of the tree. ``code`` is the vendor's or our own machine-readable code."""

    def __init__(self, message: str, *, code: str = "", system: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.system = system

    def __str__(self) -> str:
        prefix = f"[{self.system}] " if self.system else ""
        suffix = f" ({self.code})" if self.code else ""
        return f"{prefix}{self.message}{suffix}"


class ConfigError(SyncError):
    """Stop: nothing will work until an admin changes configuration, credentials or mapping."""


class TransientError(SyncError):
    """Retry later: the same request may well succeed (timeouts, throttling, locks, 5xx)."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        system: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, system=system)
        self.retry_after = retry_after


class LimitExhausted(TransientError):
    """The system's API allowance (or the share of it this product may use) is spent.

    Retrying would only burn what is left of the allowance, so connectors raise it without
    retrying and the engine stops the run at its last checkpoint: the next run resumes from
    there. ``resume_at`` says when calls are expected to succeed again, when known."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        system: str = "",
        resume_at: datetime | None = None,
    ) -> None:
        super().__init__(message, code=code, system=system)
        self.resume_at = resume_at


class RecordRejected(SyncError):
    """This record cannot be written as it is; the others can. Goes to dead letters."""


class ConflictError(SyncError):
    """Both sides changed the same data and the mapping says a person must decide."""
