"""Checks of a transform's literal argument, each failing with what the transform expects."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def positive_int(name: str, argument: Any) -> int:
    if not isinstance(argument, int) or isinstance(argument, bool) or argument < 1:
        raise ValueError(f"transform {name!r} takes a positive whole number, e.g. {{{name}: 10}}")
    return argument


def text(name: str, argument: Any, example: str) -> str:
    if not isinstance(argument, str) or not argument:
        raise ValueError(f"transform {name!r} takes a text, e.g. {{{name}: {example}}}")
    return argument


def one_of(name: str, argument: Any, allowed: tuple[str, ...]) -> str:
    if argument not in allowed:
        raise ValueError(f"transform {name!r} takes one of {', '.join(allowed)}; "
                         f"got {argument!r}")
    return str(argument)


def decimal(name: str, argument: Any, what: str = "number") -> Decimal:
    """A literal number, written as text ("0.01") or a YAML int; floats are refused because
    0.1 has no exact binary value."""
    if isinstance(argument, bool) or not isinstance(argument, int | str):
        raise ValueError(f"transform {name!r}: {what} must be an exact number written as text "
                         f"(\"0.01\") or a whole number; got {argument!r}")
    try:
        value = Decimal(str(argument))
    except InvalidOperation:
        raise ValueError(f"transform {name!r}: {argument!r} is not a number") from None
    if not value.is_finite() or value == 0:
        raise ValueError(f"transform {name!r}: {what} must be a finite number other than 0")
    return value


def zone(name: str, argument: Any) -> ZoneInfo:
    if not isinstance(argument, str):
        raise ValueError(f"transform {name!r} takes an IANA time zone, e.g. Europe/Berlin")
    try:
        return ZoneInfo(argument)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"transform {name!r}: unknown time zone {argument!r}; use an IANA "
                         "name such as Europe/Berlin or UTC") from None


def options(name: str, argument: Any, required: tuple[str, ...],
            optional: tuple[str, ...] = ()) -> Mapping[str, Any]:
    """A mapping argument with exactly these keys (``optional`` ones may be left out)."""
    if not isinstance(argument, Mapping):
        raise ValueError(f"transform {name!r} takes keys {', '.join(required + optional)}")
    missing = [k for k in required if k not in argument]
    unknown = [k for k in argument if k not in required + optional]
    if missing or unknown:
        problem = (f"missing {', '.join(missing)}" if missing
                   else f"unknown {', '.join(map(str, unknown))}")
        raise ValueError(f"transform {name!r}: {problem}; keys: "
                         f"{', '.join(required + optional)}")
    return argument


def factor_table(name: str, argument: Any) -> dict[str, Decimal]:
    """``{code: factor}``: how many target units one unit of ``code`` is."""
    if not isinstance(argument, Mapping) or not argument:
        raise ValueError(f"transform {name!r} needs a table of code: factor")
    return {str(code): decimal(name, factor, f"factor of {code}")
            for code, factor in argument.items()}
