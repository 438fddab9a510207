"""What a transform is: a pair of plain functions, one per direction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Value = Any


@dataclass(frozen=True)
class Transform:
    """``to_canonical`` runs on values read from a system, ``to_system`` on values written."""

    name: str
    to_canonical: Callable[[Value], Value]
    to_system: Callable[[Value], Value]
    writes: bool = True
    """False for a transform that only reads (it derives a value the system does not hold as
    such); the mapping must then keep the field from flowing into that system."""


def read_only(value: Value) -> Value:
    raise ValueError("this transform only reads; the value cannot be written back")


def identity(value: Value) -> Value:
    return value


def on_str(func: Callable[[str], str]) -> Callable[[Value], Value]:
    """Apply ``func`` to strings, and to each string of a list (several fields read
    together); ``None`` and other types pass unchanged."""

    def apply(value: Value) -> Value:
        if isinstance(value, str):
            return func(value)
        if isinstance(value, list):
            return [func(part) if isinstance(part, str) else part for part in value]
        return value

    return apply
