"""SOQL's relative date literals: ``TODAY``, ``YESTERDAY``, ``TOMORROW``, ``LAST_N_DAYS:n``,
``NEXT_N_DAYS:n`` and ``N_DAYS_AGO:n``, each a range of whole days in the org's time zone
(UTC here). ``=`` means inside the range, ``<`` before it, ``>`` after it; ``LAST_N_DAYS:n``
runs from n days ago up to the end of today, ``NEXT_N_DAYS:n`` from tomorrow for n days.
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_dateformats.htm
"""

from __future__ import annotations

import re
from datetime import date, timedelta

FIXED = {"TODAY": (0, 1), "YESTERDAY": (-1, 0), "TOMORROW": (1, 2)}  # day offsets [start, end)
_COUNTED = re.compile(r"(LAST_N_DAYS|NEXT_N_DAYS|N_DAYS_AGO):(\d+)")


def day_range(literal: str, today: date) -> tuple[date, date] | None:
    """[first day, day after the last) for a relative literal, or None if not one."""
    word = literal.upper()
    if word in FIXED:
        start, end = FIXED[word]
        return today + timedelta(days=start), today + timedelta(days=end)
    match = _COUNTED.fullmatch(word)
    if match is None:
        return None
    kind, count = match.group(1), int(match.group(2))
    if kind == "LAST_N_DAYS":
        return today - timedelta(days=count), today + timedelta(days=1)
    if kind == "NEXT_N_DAYS":
        return today + timedelta(days=1), today + timedelta(days=count + 1)
    return today - timedelta(days=count), today - timedelta(days=count - 1)
