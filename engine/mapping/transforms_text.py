"""Text transforms: trim, case, leading zeros, truncation, split and join, yes/no negation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.mapping import transform_args as args
from engine.mapping.transform_base import Transform, Value, identity, on_str, read_only


def _strip_zeros(text: str) -> str:
    return text.lstrip("0") or ("0" if text else text)


def trim() -> Transform:
    return Transform("trim", on_str(str.strip), on_str(str.strip))


def upper() -> Transform:
    return Transform("upper", on_str(str.upper), on_str(str.upper))


def lower() -> Transform:
    return Transform("lower", on_str(str.lower), on_str(str.lower))


CASES: dict[str, Callable[[str], str]] = {"upper": str.upper, "lower": str.lower,
                                          "title": str.title}


def case(argument: Any) -> Transform:
    """Both ways: the canonical value and the system's are kept in the same case."""
    func = CASES[args.one_of("case", argument, tuple(CASES))]
    return Transform(f"case({argument})", on_str(func), on_str(func))


def strip_leading_zeros() -> Transform:
    """SAP ALPHA output conversion: ``0001000026`` is customer ``1000026``."""
    return Transform("strip_leading_zeros", on_str(_strip_zeros), identity)


def pad_leading_zeros(argument: Any) -> Transform:
    """SAP ALPHA conversion both ways: strip when reading, pad to ``width`` when writing."""
    width = args.positive_int("pad_leading_zeros", argument)
    return Transform(
        f"pad_leading_zeros({width})",
        on_str(_strip_zeros),
        on_str(lambda text: text.zfill(width) if text.isdigit() else text),
    )


def truncate(argument: Any) -> Transform:
    """Cut values written to a field shorter than the canonical one."""
    length = args.positive_int("truncate", argument)
    return Transform(f"truncate({length})", identity, on_str(lambda text: text[:length]))


def split(argument: Any) -> Transform:
    """System text ``"A;B"`` ↔ canonical list ``["A", "B"]`` (a multi-select picklist)."""
    separator = args.text("split", argument, '";"')
    return Transform(f"split({separator!r})", _splitter(separator), _joiner(separator))


def join(argument: Any) -> Transform:
    """Several system fields (a list) ↔ one canonical text joined by the separator, e.g. an
    order number and an item number into the line key ``4712-10``."""
    separator = args.text("join", argument, '"-"')
    return Transform(f"join({separator!r})", _joiner(separator), _splitter(separator))


def _splitter(separator: str) -> Callable[[Value], Value]:
    def apply(value: Value) -> Value:
        return value.split(separator) if isinstance(value, str) else value
    return apply


def _joiner(separator: str) -> Callable[[Value], Value]:
    def apply(value: Value) -> Value:
        if not isinstance(value, list | tuple):
            return value
        if all(part in (None, "") for part in value):
            return None
        return separator.join("" if part is None else str(part) for part in value)
    return apply


def _not(value: Value) -> Value:
    return (not value) if isinstance(value, bool) else value


def negate() -> Transform:
    """Yes/no the other way round: a deletion flag read as ``active``."""
    return Transform("negate", _not, _not)


def presence(argument: Any) -> Transform:
    """Whether the system field holds anything, as one of two canonical values, e.g. a
    clearing date read as paid or open: ``{presence: {empty: open, filled: paid}}``.
    Reads only."""
    spec = args.options("presence", argument, ("empty", "filled"))
    empty, filled = spec["empty"], spec["filled"]

    def read(value: Value) -> Value:
        return empty if value in (None, "") else filled

    return Transform(f"presence({empty}/{filled})", read, read_only, writes=False)
