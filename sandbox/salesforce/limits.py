"""The org's daily API allowance: counted per data call over a rolling 24 hours (sandbox
clock), shown in ``Sforce-Limit-Info: api-usage=n/m`` and ``GET /limits``, and enforced:
once ``n`` reaches ``m`` every data call answers 403 ``REQUEST_LIMIT_EXCEEDED`` until calls
age out of the window (or the control plane lowers the usage). OAuth token requests and the
control plane are not API calls.
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm
https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

from sandbox.salesforce.clock import Clock
from sandbox.salesforce.schema import Json

DEFAULT_DAILY_LIMIT = 15000  # a Developer Edition's allowance
WINDOW = timedelta(hours=24)


class ApiUsage:
    """Calls per hour of the sandbox clock; usage is the sum over the last 24 hours."""

    def __init__(self, clock: Clock, limit: int = DEFAULT_DAILY_LIMIT) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._hours: Counter[datetime] = Counter()
        self.limit = limit

    def _hour(self) -> datetime:
        return self._clock.now().replace(minute=0, second=0, microsecond=0)

    def used(self) -> int:
        cutoff = self._hour() - WINDOW
        with self._lock:
            for hour in [h for h in self._hours if h <= cutoff]:
                del self._hours[hour]
            return sum(self._hours.values())

    def try_call(self) -> bool:
        """Count one call if the allowance has room; False (not counted) when exhausted."""
        if self.used() >= self.limit:
            return False
        with self._lock:
            self._hours[self._hour()] += 1
        return True

    def set(self, used: int | None = None, limit: int | None = None) -> None:
        """The control plane's override: pretend ``used`` calls this hour, change the limit."""
        with self._lock:
            if limit is not None:
                self.limit = limit
            if used is not None:
                self._hours.clear()
                self._hours[self._hour()] = used

    def header(self) -> str:
        return f"api-usage={self.used()}/{self.limit}"

    def limits_body(self, query_jobs_today: int) -> dict[str, Json]:
        """``GET /limits``: the allowances a client plans with (a subset of a real org's)."""
        used = self.used()
        return {
            "DailyApiRequests": {"Max": self.limit, "Remaining": max(0, self.limit - used)},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": max(0, 10000 - query_jobs_today)},
            "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
            "DataStorageMB": {"Max": 5, "Remaining": 5},
            "FileStorageMB": {"Max": 20, "Remaining": 20},
        }
