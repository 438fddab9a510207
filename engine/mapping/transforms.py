"""The closed set of transforms a mapping may name, each with a literal argument at most.

A transform is a pair of plain functions: ``to_canonical`` runs on values read from a system,
``to_system`` on values written to it. There is no expression language and no lookup of
Python names: a mapping can only pick from the tables below, so a YAML file can never reach
code it should not. In YAML a transform is its name (``trim``) or a one-key mapping of name to
argument (``{pad_leading_zeros: 10}``, ``{datetime: {zone: Europe/Berlin}}``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.mapping import transforms_numbers as numbers
from engine.mapping import transforms_text as text
from engine.mapping import transforms_time as time
from engine.mapping.transform_base import Transform, Value

__all__ = ["ALLOWED", "NO_ARGUMENT", "WITH_ARGUMENT", "Transform", "Value", "build"]

NO_ARGUMENT: dict[str, Callable[[], Transform]] = {
    "trim": text.trim,
    "upper": text.upper,
    "lower": text.lower,
    "strip_leading_zeros": text.strip_leading_zeros,
    "negate": text.negate,
    "date_from_datetime": time.date_from_datetime,
}
WITH_ARGUMENT: dict[str, tuple[Callable[[Any], Transform], str]] = {
    "case": (text.case, "upper | lower | title"),
    "pad_leading_zeros": (text.pad_leading_zeros, "<width>"),
    "truncate": (text.truncate, "<length>"),
    "split": (text.split, "<separator>"),
    "presence": (text.presence, "{empty: <value>, filled: <value>}"),
    "join": (text.join, "<separator>"),
    "date": (time.date_format, "<strftime format>"),
    "datetime": (time.datetime_format, "{zone: <IANA zone>, format: <strftime format>}"),
    "date_from_datetime": (time.date_from_datetime, "<IANA zone>"),
    "scale": (numbers.scale, '"<factor>"'),
    "round": (numbers.round_to, "<decimal places>"),
    "convert_currency": (numbers.convert_currency, "{to: <code>, rates: {<code>: <rate>}}"),
    "convert_unit": (numbers.convert_unit, "{to: <unit>, factors: {<unit>: <factor>}}"),
}
ALLOWED = sorted([*NO_ARGUMENT, *(f"{{{name}: {shape}}}"
                                  for name, (_, shape) in WITH_ARGUMENT.items())])


def build(spec: str | dict[str, Any]) -> Transform:
    """Turn a YAML transform entry into a Transform.

    Raises ``ValueError`` naming the allowed transforms when the entry is not one of them, or
    what the transform expects when its argument does not fit.
    """
    if isinstance(spec, str) and spec in NO_ARGUMENT:
        return NO_ARGUMENT[spec]()
    if isinstance(spec, dict) and len(spec) == 1:
        ((name, argument),) = spec.items()
        if name in WITH_ARGUMENT:
            return WITH_ARGUMENT[name][0](argument)
    if isinstance(spec, str) and spec in WITH_ARGUMENT:
        raise ValueError(f"transform {spec!r} needs an argument: "
                         f"{{{spec}: {WITH_ARGUMENT[spec][1]}}}")
    raise ValueError(f"unknown transform {spec!r}; allowed: {', '.join(ALLOWED)}")
