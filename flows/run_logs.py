"""Logs of the engine and the connectors in the run's log in the Prefect UI, redacted.

The engine and the connectors log through the standard library (``erpsync.engine``,
``connectors.sap.odata``, ...) and never import Prefect. Inside a flow run, their records at
INFO and above go to the run's log too, so an operator sees a retry or a CSRF refresh next to
the page it happened in. Set up once per process, from inside the flow, because a worker or
``erpsync serve`` imports Prefect (and configures its logging) before any of our code runs.
"""

from __future__ import annotations

import logging

from prefect.logging.handlers import APILogHandler

from flows.redaction import install_log_redaction

LIBRARY_LOGGERS = ("erpsync", "engine", "connectors")


class RunLogHandler(APILogHandler):
    """Prefect's API log handler, for records logged inside a flow or task run only; records
    from outside a run (a CLI command) are not the run log's business."""

    def emit(self, record: logging.LogRecord) -> None:
        from prefect.context import FlowRunContext, TaskRunContext

        if FlowRunContext.get() is None and TaskRunContext.get() is None:
            return
        super().emit(record)


def setup_run_logging() -> None:
    """Route library loggers to the run log (once) and redact every handler there is."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
        if not any(isinstance(h, APILogHandler) for h in logger.handlers):
            logger.addHandler(RunLogHandler())
    install_log_redaction()
