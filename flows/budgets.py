"""API budgets shared by every run, through Prefect global concurrency limits per system.

Salesforce counts API calls per org and day, SAP has a fixed number of work processes: runs of
different syncs (and several workers) draw on the same allowance. Two optional limits per
external system, created by an operator (see README, "Operations"), express that:

``erpsync-api-<system>``
    a *rate limit* (a global concurrency limit with ``slot_decay_per_second``): every API call
    any run makes to that system takes one slot, so ``slot_decay_per_second`` is the sustained
    call rate all runs together may use and ``limit`` the burst.
``erpsync-pages-<system>``
    a *concurrency limit*: each page task holds one slot of every system it touches while it
    runs, so at most ``limit`` pages work against that system at once, across all runs.

The engine and the connectors know nothing of Prefect: a run hooks an ``ApiGate`` into each
connector's ``CallCounter`` (the very object its HTTP layer counts every call on), which takes
the slot before the count goes up.
A call that finds no slot within ``ERPSYNC_API_BUDGET_WAIT_SECONDS`` is let through (it may
be a response already received) and the budget is marked spent; the flow then stops before
the next page with ``LimitExhausted`` — at a checkpoint, so the next run resumes there.
Limits that do not exist are simply not applied (said once per run at INFO).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from connectors.base import CallCounter, Connector
from connectors.errors import LimitExhausted

log = logging.getLogger("erpsync.flows.budgets")

DEFAULT_WAIT_SECONDS = 60.0


def api_limit_name(system: str) -> str:
    return f"erpsync-api-{system}"


def pages_limit_name(system: str) -> str:
    return f"erpsync-pages-{system}"


def wait_seconds() -> float:
    """How long one API call may wait for a slot before the budget counts as spent."""
    return float(os.environ.get("ERPSYNC_API_BUDGET_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))


class ApiGate:
    """Takes one slot of a system's rate limit per API call."""

    def __init__(self, system: str, limit_name: str, wait: float) -> None:
        self.system = system
        self.limit_name = limit_name
        self.wait = wait
        self.spent = False

    def take(self) -> None:
        if self.spent:
            return
        from prefect.concurrency.sync import rate_limit

        try:
            rate_limit(self.limit_name, occupy=1, timeout_seconds=self.wait, strict=True)
        except TimeoutError:
            self.spent = True
            log.warning("API budget %s is spent (no slot within %ss); the run stops after "
                        "this page", self.limit_name, self.wait)

    def hook_into(self, counter: CallCounter) -> None:
        """Make ``counter.add`` take a slot first. The connector's HTTP layer holds this
        counter object itself, so the hook must go on the object, not replace it."""
        count = counter.add

        def add(kind: str) -> None:
            self.take()
            count(kind)

        setattr(counter, "add", add)  # noqa: B010 - an instance attribute shadows the method


@dataclass
class Budgets:
    """The limits that exist for a run's systems, and the counters charging them."""

    page_limits: list[str] = field(default_factory=list)
    gates: dict[str, ApiGate] = field(default_factory=dict)

    def attach(self, connectors: dict[str, Connector]) -> None:
        """Charge each connector's calls to its system's rate limit, where one exists."""
        for system, gate in self.gates.items():
            gate.hook_into(connectors[system].counter)

    def raise_if_spent(self) -> None:
        """Between pages: stop the run when a budget ran out during the last one."""
        for gate in self.gates.values():
            if gate.spent:
                raise LimitExhausted(
                    f"the API budget {gate.limit_name} is spent: no slot within "
                    f"{gate.wait}s; the next run resumes from the last page committed",
                    code="API_BUDGET_SPENT", system=gate.system)

    @contextmanager
    def page_slots(self) -> Iterator[None]:
        """Hold one slot of each system's page limit while a page is processed."""
        if not self.page_limits:
            yield
            return
        from prefect.concurrency.sync import concurrency

        with concurrency(self.page_limits, occupy=1, strict=True):
            yield


def find_budgets(systems: list[str]) -> Budgets:
    """Look up which of the systems' limits the Prefect server has (2 reads per system)."""
    existing = _existing_limits([n for s in systems
                                 for n in (api_limit_name(s), pages_limit_name(s))])
    wait = wait_seconds()
    budgets = Budgets(page_limits=[pages_limit_name(s) for s in systems
                                   if pages_limit_name(s) in existing])
    for system in systems:
        name = api_limit_name(system)
        if name in existing:
            budgets.gates[system] = ApiGate(system, name, wait)
        else:
            log.info("no API budget for %s (global concurrency limit %s): its calls are not "
                     "throttled", system, name)
    return budgets


def _existing_limits(names: list[str]) -> set[str]:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    found = set()
    with get_client(sync_client=True) as client:
        for name in names:
            try:
                limit = client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                continue
            if limit.active:
                found.add(name)
    return found
