"""Backoff shared by whole-call retries and per-record lock retries: the one retry layer.

The engine above never retries; a ``TransientError`` that leaves the connector means "this run
gave up on it, the next run will try again".
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, stop_after_attempt
from tenacity.retry import retry_base

from connectors.errors import TransientError
from connectors.salesforce.settings import SalesforceSettings

logger = logging.getLogger("erpsync.connectors.salesforce")


def backoff(settings: SalesforceSettings) -> Callable[[RetryCallState], float]:
    """Exponential backoff with jitter, at least the server's ``retry_after`` when it gave one.

    Jitter spreads the retries of parallel workers that hit the same lock at the same moment.
    """
    initial = settings.retry_backoff_seconds
    ceiling = settings.retry_backoff_max_seconds

    def wait(state: RetryCallState) -> float:
        exponential = min(ceiling, initial * 2.0 ** (state.attempt_number - 1))
        jittered = exponential * (0.5 + random.random() / 2)
        failure = state.outcome.exception() if state.outcome is not None else None
        asked = failure.retry_after if isinstance(failure, TransientError) else None
        return min(ceiling, max(jittered, asked or 0.0))

    return wait


def log_retry(what: str) -> Callable[[RetryCallState], None]:
    """A tenacity ``before_sleep`` hook that logs the (already redacted) reason."""

    def before_sleep(state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome is not None else None
        pause = state.next_action.sleep if state.next_action is not None else 0.0
        logger.warning(
            "salesforce %s: %s; attempt %d failed, retrying in %.2fs",
            what,
            failure,
            state.attempt_number,
            pause,
        )

    return before_sleep


def bounded_retrying(settings: SalesforceSettings, what: str, retry: retry_base) -> Retrying:
    """The one retry policy: at most ``max_retries`` more attempts, jittered exponential
    backoff, each retry logged, the last failure re-raised as it was."""
    return Retrying(
        retry=retry,
        stop=stop_after_attempt(settings.max_retries + 1),
        wait=backoff(settings),
        before_sleep=log_retry(what),
        reraise=True,
    )
