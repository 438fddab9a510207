"""The closed set of transforms a mapping may name, each with a literal argument at most.

A transform is a pair of plain functions: ``to_canonical`` runs on values read from a system,
``to_system`` on values written to it. There is no expression language and no lookup of
Python names: a mapping can only pick from ``TRANSFORMS`` below, so a YAML file can never reach
code it should not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Value = Any


@dataclass(frozen=True)
class Transform:
    name: str
    to_canonical: Callable[[Value], Value]
    to_system: Callable[[Value], Value]


def _identity(value: Value) -> Value:
    return value


def _on_str(func: Callable[[str], str]) -> Callable[[Value], Value]:
    """Apply ``func`` to strings only; ``None`` and other types pass unchanged."""

    def apply(value: Value) -> Value:
        return func(value) if isinstance(value, str) else value

    return apply


def _strip_zeros(text: str) -> str:
    return text.lstrip("0") or ("0" if text else text)


def _trim() -> Transform:
    return Transform("trim", _on_str(str.strip), _on_str(str.strip))


def _upper() -> Transform:
    return Transform("upper", _on_str(str.upper), _on_str(str.upper))


def _lower() -> Transform:
    return Transform("lower", _on_str(str.lower), _on_str(str.lower))


def _strip_leading_zeros() -> Transform:
    """SAP ALPHA output conversion: ``0001000026`` is customer ``1000026``."""
    return Transform("strip_leading_zeros", _on_str(_strip_zeros), _identity)


def _pad_leading_zeros(width: int) -> Transform:
    """SAP ALPHA conversion both ways: strip when reading, pad to ``width`` when writing."""
    return Transform(
        f"pad_leading_zeros({width})",
        _on_str(_strip_zeros),
        _on_str(lambda text: text.zfill(width) if text.isdigit() else text),
    )


def _truncate(length: int) -> Transform:
    """Cut values written to a field shorter than the canonical one."""
    return Transform(f"truncate({length})", _identity, _on_str(lambda text: text[:length]))


NO_ARGUMENT: dict[str, Callable[[], Transform]] = {
    "trim": _trim,
    "upper": _upper,
    "lower": _lower,
    "strip_leading_zeros": _strip_leading_zeros,
}
INT_ARGUMENT: dict[str, Callable[[int], Transform]] = {
    "pad_leading_zeros": _pad_leading_zeros,
    "truncate": _truncate,
}
ALLOWED = sorted([*NO_ARGUMENT, *(f"{name}: <int>" for name in INT_ARGUMENT)])


def build(spec: str | dict[str, Any]) -> Transform:
    """Turn a YAML transform entry (``trim`` or ``{pad_leading_zeros: 10}``) into a Transform.

    Raises ``ValueError`` naming the allowed transforms when the entry is not one of them.
    """
    if isinstance(spec, str) and spec in NO_ARGUMENT:
        return NO_ARGUMENT[spec]()
    if isinstance(spec, dict) and len(spec) == 1:
        ((name, argument),) = spec.items()
        if name in INT_ARGUMENT:
            if not isinstance(argument, int) or isinstance(argument, bool) or argument < 1:
                raise ValueError(f"transform {name!r} takes a positive whole number")
            return INT_ARGUMENT[name](argument)
    raise ValueError(f"unknown transform {spec!r}; allowed: {', '.join(ALLOWED)}")
