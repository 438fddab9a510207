"""Number transforms: scaling, rounding, and currency or unit conversion through tables.

All arithmetic is ``Decimal``: money never passes through float. A conversion reads two system
fields together (``fields: [NetAmount, TransactionCurrency]``): the amount and its currency (or
unit), and yields the amount in the table's target; it writes back the amount with the
target's code. A code missing from the table raises ``ValueError``: the record is rejected,
never converted at a guessed rate.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from engine.mapping import transform_args as args
from engine.mapping.transform_base import Transform, Value


def _number(value: Value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None


def scale(argument: Any) -> Transform:
    """canonical = system * factor; e.g. ``{scale: "0.01"}`` for amounts kept in cents."""
    factor = args.decimal("scale", argument, "factor")

    def read(value: Value) -> Value:
        number = _number(value)
        return None if number is None else number * factor

    def write(value: Value) -> Value:
        number = _number(value)
        return None if number is None else number / factor

    return Transform(f"scale({factor})", read, write)


def round_to(argument: Any) -> Transform:
    """Round half-even to ``places`` decimals both ways (a field with fixed decimals)."""
    if isinstance(argument, bool) or not isinstance(argument, int) or argument < 0:
        raise ValueError("transform 'round' takes a number of decimal places, e.g. {round: 2}")
    exponent = Decimal(1).scaleb(-argument)

    def apply(value: Value) -> Value:
        number = _number(value)
        return None if number is None else number.quantize(exponent, rounding=ROUND_HALF_EVEN)

    return Transform(f"round({argument})", apply, apply)


def _conversion(name: str, argument: Any, table_key: str) -> Transform:
    spec = args.options(name, argument, ("to", table_key))
    target = args.text(name, spec["to"], "EUR")
    table = {**args.factor_table(name, spec[table_key]), target: Decimal(1)}

    def read(value: Value) -> Value:
        if not isinstance(value, list | tuple) or len(value) != 2:
            return value
        amount, code = _number(value[0]), value[1]
        if amount is None:
            return None
        if code not in table:
            raise ValueError(f"no {table_key} entry for {code!r}; known: {', '.join(table)}")
        return amount * table[str(code)]

    def write(value: Value) -> Value:
        return [_number(value), target if value is not None else None]

    return Transform(f"{name}(to {target})", read, write)


def convert_currency(argument: Any) -> Transform:
    """``[amount, currency]`` → amount in ``to``; ``rates``: 1 unit of a currency = rate ``to``."""
    return _conversion("convert_currency", argument, "rates")


def convert_unit(argument: Any) -> Transform:
    """``[quantity, unit]`` → quantity in ``to``; ``factors``: 1 of a unit = factor ``to``."""
    return _conversion("convert_unit", argument, "factors")
