"""Keep credentials out of everything a run leaves behind: logs, artifacts, exceptions.

Two layers, because neither alone is enough:

* **Known values**: every credential a run loaded (the ``SecretStr`` settings of its
  connectors, whichever source they came from) is registered here and replaced by ``***``
  wherever it appears, however the text around it looks.
* **Shapes**: text that looks like a credential although nobody registered it — an HTTP
  ``Authorization`` header, ``password=...`` in a query string or a form — is masked too.

The registry is process-wide on purpose: ``erpsync serve`` runs many flow runs in one
process, and a secret that was ever loaded must stay masked for as long as it may be logged.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from engine.redact import MASK

_SHAPES = (
    # "Authorization: Bearer abc", "Basic dXNlcjpwYXNz": the scheme stays, the token goes.
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=!-]{8,}"),
    # password=..., client_secret: ..., "access_token": "..." (form, query string, JSON).
    re.compile(r"""(?ix)\b((?:pass(?:word)?|secret|client_secret|access_token|refresh_token
               |session_id|sessionid|api_key|apikey|private_key)["']?\s*[:=]\s*["']?)
               [^\s"'&,;}]+"""),
)
# Shorter values would mask ordinary words ("on", "abc") all over the logs.
MIN_SECRET_LENGTH = 4


class SecretRegistry:
    """The credential values this process has loaded, and the one function that masks them."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def register(self, *values: str | None) -> None:
        with self._lock:
            self._values.update(v for v in values if v and len(v) >= MIN_SECRET_LENGTH)

    def redact(self, text: str) -> str:
        """``text`` with every known secret and every credential-shaped token masked."""
        with self._lock:
            # Longest first: a secret that contains another must not leave a tail behind.
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            if value in text:
                text = text.replace(value, MASK)
        text = _SHAPES[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
        return _SHAPES[1].sub(lambda m: f"{m.group(1)}{MASK}", text)


SECRETS = SecretRegistry()


class RedactingFilter(logging.Filter):
    """A handler filter that rewrites each record's message (and traceback) redacted.

    It sits on handlers rather than loggers because a logger's filters do not see records
    that propagate up from child loggers; every record that is emitted passes a handler.
    """

    def __init__(self, registry: SecretRegistry) -> None:
        super().__init__("erpsync-redaction")
        self.registry = registry

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken %-format: redact the parts as they are
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.registry.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.registry.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.registry.redact(record.stack_info)
        return True


def install_log_redaction(registry: SecretRegistry = SECRETS) -> int:
    """Put the redacting filter on every handler of every logger that exists now (Prefect's
    console and API handlers included); idempotent. Returns how many handlers it covers."""
    loggers = [logging.getLogger(), *(
        logger for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger))]
    handlers = {id(h): h for logger in loggers for h in logger.handlers}
    for handler in handlers.values():
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(registry))
    return len(handlers)


def redacted_exception(exc: BaseException, registry: SecretRegistry = SECRETS) -> BaseException:
    """``exc`` itself when its text holds no secret, else a copy of the same class whose text
    is redacted — so the failed state's message, which Prefect builds from the exception,
    stays clean while callers can still catch the class they expect."""
    text = str(exc)
    clean = registry.redact(text)
    if clean == text:
        return exc
    twin = copy.copy(exc)
    twin.args = tuple(registry.redact(a) if isinstance(a, str) else a for a in exc.args)
    if isinstance(getattr(twin, "message", None), str):
        twin.message = registry.redact(twin.message)  # type: ignore[attr-defined]
    return twin


@contextmanager
def errors_redacted(registry: SecretRegistry = SECRETS) -> Iterator[None]:
    """Re-raise whatever escapes the block with its text redacted (same class, same
    traceback): Prefect writes a failed run's exception into its state message."""
    try:
        yield
    except BaseException as exc:
        twin = redacted_exception(exc, registry)
        if twin is exc:
            raise
        raise twin.with_traceback(exc.__traceback__) from None
