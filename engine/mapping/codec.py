"""One system side of one canonical field, ready to read and write values.

Reading: the system value (one field, several as a list, or a constant), then the transforms
in order, then the value map, then the default for an empty result. Writing runs the same
steps backwards. A value map's unknown-value policy (reject, default, pass) applies both ways.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connectors.errors import RecordRejected
from engine.mapping import transforms
from engine.mapping.fields import FieldSide, ValueMap, read_path

_MISSING = object()


def read_value(record: Mapping[str, Any], path: str,
               pick: Mapping[str, Any] | None = None) -> Any:
    """``record[path]``, or the nested value at ``path`` (``to_Address/City``,
    ``Account.ERP_Number__c``) when the record keeps it nested instead of flattened. Where the
    path crosses a list of lines (or OData's ``{"results": [...]}``), the line matching
    ``pick`` is taken (the first line without ``pick``; none when nothing matches)."""
    value = record.get(path, _MISSING)
    if value is not _MISSING:
        return value
    node: Any = record
    for part in path.replace("/", ".").split("."):
        node = _one_line(node, pick or {})
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _one_line(node: Any, pick: Mapping[str, Any]) -> Any:
    if isinstance(node, Mapping) and isinstance(node.get("results"), list):
        node = node["results"]
    if not isinstance(node, list):
        return node
    return next((line for line in node if isinstance(line, Mapping)
                 and all(line.get(k) == v for k, v in pick.items())), None)


class SideCodec:
    """Reads and writes one canonical field on one system, as its ``FieldSide`` says."""

    def __init__(self, system: str, name: str, side: FieldSide,
                 value_maps: Mapping[str, ValueMap]) -> None:
        self.system, self.name, self.side = system, name, side
        self.path = read_path(system, side)
        self.transforms = [transforms.build(spec) for spec in side.transform]
        self.value_map = value_maps[side.value_map] if side.value_map else None

    @property
    def reads(self) -> tuple[str, ...]:
        """The record keys this side reads (none for a constant), and those its ``pick``
        tests on the same navigation."""
        names = (self.path,) if self.path else self.side.fields
        navs = {n.rsplit("/", 1)[0] for n in names if "/" in n}
        return names + tuple(f"{nav}/{key}" for nav in sorted(navs) for key in self.side.pick)

    @property
    def writes(self) -> bool:
        return self.side.constant is None and not self.side.read_only

    def read(self, record: Mapping[str, Any]) -> Any:
        if self.side.constant is not None:
            return self.side.constant
        pick = self.side.pick
        value: Any = (read_value(record, self.path, pick) if self.path
                      else [read_value(record, name, pick) for name in self.side.fields])
        return self.read_raw(value)

    def read_raw(self, value: Any) -> Any:
        """One raw system value through transforms, value map and default."""
        for transform in self.transforms:
            value = self._apply(transform.name, transform.to_canonical, value)
        value = self._from_system(value)
        if value in (None, "") and self.side.default is not None:
            return self.side.default
        return value

    def write(self, value: Any) -> dict[str, Any]:
        """System fields for canonical ``value`` (nothing for a constant or read-only side)."""
        if not self.writes:
            return {}
        if value is None and self.side.default is not None:
            value = self.side.default
        value = self._to_system(value)
        for transform in reversed(self.transforms):
            value = self._apply(transform.name, transform.to_system, value)
        if self.path:
            return {self.path: value}
        return self._spread(value)

    def _apply(self, name: str, step: Callable[[Any], Any], value: Any) -> Any:
        """Run one transform step; a value it cannot take rejects this record only."""
        try:
            return step(value)
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise RecordRejected(f"{self.path or self.name}: transform {name} cannot take "
                                 f"{value!r}: {exc}", code="TRANSFORM_FAILED",
                                 system=self.system) from None

    def _spread(self, value: Any) -> dict[str, Any]:
        """A multi-field side's value must come back as one part per field."""
        names = self.side.fields
        if value is None:
            return dict.fromkeys(names)
        if not isinstance(value, list | tuple) or len(value) != len(names):
            raise RecordRejected(
                f"{self.name}: {value!r} does not split into the {len(names)} fields "
                f"{', '.join(names)}", code="UNSPLITTABLE_VALUE", system=self.system)
        return dict(zip(names, value, strict=True))

    def _from_system(self, value: Any) -> Any:
        value_map = self.value_map
        if value_map is None or value in (None, ""):
            return value
        for canonical, system_value in value_map.values.items():
            if system_value == value:
                return canonical
        if value_map.unknown == "default":
            return value_map.default
        return self._unknown(value)

    def _to_system(self, value: Any) -> Any:
        value_map = self.value_map
        if value_map is None or value is None:
            return value
        if value in value_map.values:
            return value_map.values[value]
        if value_map.unknown == "default" and value_map.default is not None:
            return value_map.values[value_map.default]
        return self._unknown(value)

    def _unknown(self, value: Any) -> Any:
        assert self.value_map is not None
        if self.value_map.unknown == "pass":
            return value
        allowed = ", ".join(sorted(self.value_map.values))
        raise RecordRejected(
            f"{self.path or self.name}: value {value!r} is not in value map "
            f"{self.side.value_map!r} (canonical values: {allowed})",
            code="UNMAPPED_VALUE", system=self.system)
