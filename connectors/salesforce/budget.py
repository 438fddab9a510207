"""How many API calls one connector (one run) may still make, from ``Sforce-Limit-Info``.

Every REST response carries ``Sforce-Limit-Info: api-usage=<used>/<limit>``: the org's calls in
the last 24 hours against its daily allowance (REST API Developer Guide, "Limit Info Header",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm).
The allowance is shared by every integration of the org, so one sync run may spend at most
``api_budget_share`` of it; the budget is checked *before* each call, so it is never overspent,
and a run that would overspend stops with ``LimitExhausted`` at its last checkpoint instead.

Token requests do not count against the allowance and are not counted here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from connectors.errors import LimitExhausted
from connectors.salesforce.errors import SYSTEM

_API_USAGE = re.compile(r"(?:^|[;\s])api-usage=(\d+)/(\d+)")


def parse_api_usage(header: str) -> tuple[int, int] | None:
    """``"api-usage=18/5000; per-app-api-usage=..."`` -> ``(18, 5000)``."""
    match = _API_USAGE.search(header)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ApiBudget:
    """The org's usage as last reported, the calls this connector made, and what it may make."""

    def __init__(
        self,
        share: float | None,
        resume_after: timedelta,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.share = share
        self.resume_after = resume_after
        self.spent = 0
        self.usage: tuple[int, int] | None = None
        self._now = now

    def __repr__(self) -> str:
        return f"ApiBudget(share={self.share}, spent={self.spent}, usage={self.usage})"

    def record(self, limit_info: str | None) -> None:
        """One counted call answered; ``limit_info`` is its Sforce-Limit-Info header."""
        self.spent += 1
        usage = parse_api_usage(limit_info) if limit_info else None
        if usage is not None:
            self.usage = usage

    @property
    def allowed(self) -> int | None:
        """Calls this connector may make in all (``None`` until the limit is known)."""
        if self.share is None or self.usage is None:
            return None
        return math.floor(round(self.usage[1] * self.share, 6))  # 0.1 * 30 is 3, not 2.99..

    def daily_allowance_spent(self) -> bool:
        """The org itself is out of calls, as far as the last header tells."""
        return self.usage is not None and self.usage[0] >= self.usage[1]

    def resume_at(self) -> datetime:
        """A guess at when the org's allowance has room again: the 24-hour window rolls, so
        calls free up gradually; ``resume_after`` from now is the configured estimate."""
        return self._now() + self.resume_after

    def ensure(self, calls: int, what: str) -> None:
        """Raise ``LimitExhausted`` unless ``calls`` more calls fit in the org's allowance and
        in this connector's share of it."""
        if self.daily_allowance_spent():
            assert self.usage is not None
            raise LimitExhausted(
                f"{what}: the org's daily API allowance is spent "
                f"({self.usage[0]}/{self.usage[1]} calls in the last 24 hours)",
                code="REQUEST_LIMIT_EXCEEDED",
                system=SYSTEM,
                resume_at=self.resume_at(),
            )
        allowed = self.allowed
        if allowed is not None and self.spent + calls > allowed:
            # No resume_at: the allowance is not spent, this run's share of it is; the next
            # run gets a share of its own and goes on from the checkpoint.
            raise LimitExhausted(
                f"{what}: {calls} more call(s) would exceed this run's API budget of "
                f"{allowed} calls (api_budget_share of the org's daily allowance); "
                f"{self.spent} spent",
                code="API_BUDGET_SPENT",
                system=SYSTEM,
            )
