"""SAP ALPHA conversion: one business partner, two spellings of its number.

ABAP stores a purely numeric CHAR key right-aligned with leading zeros (``'0001000001'``) and the
conversion exit ALPHA strips them for display (``'1000001'``); a value with any non-digit is
stored as typed. Which spelling an OData service returns depends on the service (mock-sap even
mixes them: seeded partners unpadded, created ones padded), so the connector treats both as
the same key and asks for both when it filters by key.
See https://help.sap.com/saphelp_nw73/helpdata/en/4a/547e956a8a1cd4e10000000a421937/content.htm
"""

from __future__ import annotations

DEFAULT_LENGTH = 10  # BU_PARTNER, KUNNR, LIFNR are CHAR 10


def _is_numeric(value: str) -> bool:
    return value.isascii() and value.isdigit()


def alpha_in(value: str, length: int = DEFAULT_LENGTH) -> str:
    """Internal form: digits padded with zeros to ``length``; anything else unchanged."""
    stripped = value.strip()
    if _is_numeric(stripped) and len(stripped) <= length:
        return stripped.zfill(length)
    return stripped


def alpha_out(value: str) -> str:
    """Display form: digits without leading zeros; anything else unchanged."""
    stripped = value.strip()
    if _is_numeric(stripped):
        return stripped.lstrip("0") or "0"
    return stripped


def same_key(left: str, right: str, length: int = DEFAULT_LENGTH) -> bool:
    """Whether two spellings name the same record."""
    return alpha_in(left, length) == alpha_in(right, length)


def key_forms(value: str, length: int = DEFAULT_LENGTH) -> tuple[str, ...]:
    """Every spelling a server may store ``value`` under, the given one first, no repeats."""
    forms = [value, alpha_in(value, length), alpha_out(value)]
    return tuple(dict.fromkeys(form for form in forms if form))
