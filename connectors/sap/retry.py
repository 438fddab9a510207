"""When to repeat a request to SAP, and how long to wait first: the one retry layer.

Only ``TransientError`` is repeated. A request that may have been carried out without our
hearing so (``OutcomeUnknown``: a timeout or a dropped connection after sending) is repeated
only when it is idempotent - repeating a ``$batch`` of creates could create twice. The wait is
exponential with jitter, or what the server asked for in ``Retry-After`` (SAP sends one with
"no work process available"), and never longer than ``retry_max_wait``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from connectors.errors import TransientError
from connectors.sap.errors import OutcomeUnknown

log = logging.getLogger(__name__)


class RetryPolicy:
    """Backoff settings plus the sleep function (tests pass a fake one)."""

    def __init__(
        self,
        max_retries: int,
        base_wait: float,
        max_wait: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_retries = max_retries
        self.base_wait = base_wait
        self.max_wait = max_wait
        self.sleep = sleep

    def wait(self, attempt: int, error: BaseException | None) -> float:
        """Seconds to wait before attempt ``attempt + 1`` after ``error``."""
        if isinstance(error, TransientError) and error.retry_after is not None:
            return min(float(error.retry_after), self.max_wait)
        backoff: float = self.base_wait * 2.0 ** max(attempt - 1, 0)
        return min(backoff + random.uniform(0, self.base_wait), self.max_wait)

    def should_retry(self, error: BaseException, *, idempotent: bool) -> bool:
        if not isinstance(error, TransientError):
            return False
        return idempotent or not isinstance(error, OutcomeUnknown)

    def retrying(self, *, idempotent: bool, what: str) -> Retrying:
        """A tenacity controller for one request; re-raises the last error when it gives up."""
        return Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._tenacity_wait,
            retry=retry_if_exception(lambda e: self.should_retry(e, idempotent=idempotent)),
            sleep=self.sleep,
            before_sleep=lambda state: self._log(state, what),
            reraise=True,
        )

    def _tenacity_wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return self.wait(state.attempt_number, error)

    def _log(self, state: RetryCallState, what: str) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning("SAP %s failed (%s); attempt %s of %s, retrying in %.2fs",
                    what, error, state.attempt_number, self.max_retries + 1, wait)
