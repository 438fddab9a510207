"""Turn one system's record into canonical values and back, as the mapping says.

Canonical values travel through the engine as a flat ``{path: json-value}`` dictionary
(``{"billing_address.city": "Walldorf"}``): validated by the canonical model, then dumped in
JSON mode so that a value has exactly one spelling (decimals, datetimes) and two equal records
hash alike whichever system they came from. Empty strings become ``None``: SAP sends ``""``
where Salesforce sends ``null`` for the same absence.

A collection of lines (``children`` in the mapping) is one canonical value: a list of flat
line dictionaries, sorted by the collection's ``match`` fields so that the same lines in
another order hash alike. In system records it is one key holding a list of flat dictionaries
in the child's own field names (``to_Item``, ``OrderItems``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from canonical import ENTITIES
from connectors.errors import RecordRejected
from engine.mapping.canonical_paths import flatten, unflatten
from engine.mapping.children import ChildCollection
from engine.mapping.codec import SideCodec, read_value
from engine.mapping.fields import FieldRule, Lookup
from engine.mapping.model import SyncMapping

CanonicalValues = dict[str, Any]


def _codecs(mapping: SyncMapping, system: str,
            rules: Mapping[str, FieldRule]) -> dict[str, SideCodec]:
    return {name: SideCodec(system, name, side, mapping.value_maps)
            for name, rule in rules.items()
            for side in [rule.side(system)] if side is not None}


class _Lines:
    """One system's side of a collection: where its lines are and how each line maps."""

    def __init__(self, mapping: SyncMapping, system: str, child: ChildCollection) -> None:
        side = child.side(system)
        assert side is not None
        self.key = side.field
        self.match = child.match
        self.codecs = _codecs(mapping, system, child.fields)
        # Lines travel as one list, but a one-way line field is never written against its
        # direction (a CRM price-book key means nothing to SAP, and may not even split back
        # into SAP's fields); the match fields always travel: they name the line.
        self.written = [name for name, rule in child.fields.items()
                        if name in child.match or mapping.writes_into(rule, system)]

    def read(self, record: Mapping[str, Any]) -> list[CanonicalValues]:
        lines = read_value(record, self.key)
        if isinstance(lines, Mapping):  # OData V2 answers {"results": [...]} when expanded
            lines = lines.get("results")
        if not lines:
            return []
        return [_blank_to_none({n: c.read(line) for n, c in self.codecs.items()})
                for line in lines]

    def write(self, lines: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        written = []
        for line in lines:
            fields: dict[str, Any] = {}
            for name in self.written:
                fields.update(self.codecs[name].write(line.get(name)))
            written.append(fields)
        return written

    def sort_key(self, line: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(str(line.get(name) or "") for name in self.match)


class Converter:
    """Maps records of the two systems of one sync to and from canonical values."""

    def __init__(self, mapping: SyncMapping) -> None:
        self.mapping = mapping
        self.entity: type[BaseModel] = ENTITIES[mapping.entity]
        self._codecs = {system: _codecs(mapping, system, mapping.fields)
                        for system in mapping.systems}
        self._lines = {system: {name: _Lines(mapping, system, child)
                                for name, child in mapping.children.items()
                                if child.side(system) is not None}
                       for system in mapping.systems}

    def fields_of(self, system: str) -> list[str]:
        """The system's field names this mapping reads at the top level of a record (for
        ``$select`` / SOQL): mapped fields, lookup paths, and those its filter tests.
        Lines are listed by ``children_of``."""
        fields: list[str] = []
        for codec in self._codecs[system].values():
            fields.extend(name for name in codec.reads if name not in fields)
        obj = self.mapping.systems[system]
        fields += [c.field for c in obj.filter if c.field not in fields]
        if obj.create_reference and obj.create_reference not in fields:
            fields.append(obj.create_reference)  # links a create its run never checkpointed
        return fields

    def children_of(self, system: str) -> dict[str, list[str]]:
        """Record key holding each collection's lines (``to_Item``) → the child's field names
        this mapping reads there (for ``$expand`` or a relationship subquery)."""
        result: dict[str, list[str]] = {}
        for lines in self._lines[system].values():
            names = result.setdefault(lines.key, [])
            for codec in lines.codecs.values():
                names.extend(n for n in codec.reads if n not in names)
        return result

    def read_fields(self, system: str) -> list[str]:
        """Everything to ask ``system`` for when reading records to convert: ``fields_of``
        and, per collection, its line fields as ``<collection>/<line field>`` paths
        (``to_Item/Material``, ``OrderItems/Quantity``): the connector contract's way of
        asking for lines (``connectors/base.py``), so a document always comes with them and
        its content hash covers them."""
        lines = [f"{key}/{name}" for key, names in self.children_of(system).items()
                 for name in names]
        return self.fields_of(system) + lines

    def canonical_fields(self, system: str) -> list[str]:
        """Top-level canonical fields mapped on ``system`` (collections: ``collections``)."""
        return list(self._codecs[system])

    def collections(self, system: str) -> list[str]:
        """Canonical collections (``lines``) mapped on ``system``."""
        return list(self._lines[system])

    def lookups(self, system: str) -> dict[str, Lookup]:
        """Canonical field → its lookup, for the top-level fields of ``system`` that refer to
        another record (the engine resolves those the system cannot follow, in batch)."""
        return {name: codec.side.lookup for name, codec in self._codecs[system].items()
                if codec.side.lookup is not None}

    def to_canonical(self, system: str, record: Mapping[str, Any]) -> CanonicalValues:
        """Validate one system record as the canonical entity; ``RecordRejected`` if it fails."""
        flat = _blank_to_none({name: codec.read(record)
                               for name, codec in self._codecs[system].items()})
        for name, lines in self._lines[system].items():
            flat[name] = lines.read(record)
        try:
            model = self.entity.model_validate(unflatten(flat))
        except ValidationError as exc:
            raise RecordRejected(_explain(exc), code="CANONICAL_VALIDATION",
                                 system=system) from None
        dumped = flatten(model.model_dump(mode="json", exclude_none=False))
        values = {name: dumped.get(name) for name in self._codecs[system]}
        for name, lines in self._lines[system].items():
            values[name] = sorted(({n: line.get(n) for n in lines.codecs}
                                   for line in dumped.get(name) or []), key=lines.sort_key)
        return values

    def to_system(self, system: str, values: Mapping[str, Any],
                  only: Iterable[str] | None = None) -> dict[str, Any]:
        """System field values for the canonical ``values`` (restricted to ``only``)."""
        names = set(only) if only is not None else set(values)
        result: dict[str, Any] = {}
        for name, codec in self._codecs[system].items():
            if name in names:
                result.update(codec.write(values.get(name)))
        for name, lines in self._lines[system].items():
            if name in names:
                result[lines.key] = lines.write(values.get(name) or [])
        return result

    def to_canonical_value(self, system: str, canonical_name: str, raw: Any) -> Any:
        """One system value read through the field's transforms and value map (for a key the
        system just assigned)."""
        return self._codecs[system][canonical_name].read_raw(raw)

    def system_field(self, system: str, canonical_name: str) -> str | None:
        """The one record key holding ``canonical_name`` on ``system`` (``None`` when it is
        unmapped, a constant or spread over several fields)."""
        codec = self._codecs[system].get(canonical_name)
        return codec.path if codec else None


def _blank_to_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if v == "" else v) for k, v in values.items()}


def _explain(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return "; ".join(parts)
