"""``create_lookups``: reference fields every create in a system carries, set to the key of the
one record that constant conditions find (Salesforce's standard price book, which a price book
entry or an order must name). Resolved once per run, before the first write, with one batch
read per lookup; no match, or more than one, stops the run before anything is written."""

from __future__ import annotations

from typing import Any

from connectors.base import Connector
from connectors.errors import ConfigError
from engine.mapping.systems import FixedLookup


def resolve_create_lookups(system: str, connector: Connector,
                           lookups: dict[str, FixedLookup]) -> dict[str, Any]:
    """Reference field → the key it gets on every create in ``system``."""
    return {name: _one_key(system, connector, name, lookup) for name, lookup in lookups.items()}


def _one_key(system: str, connector: Connector, name: str, lookup: FixedLookup) -> Any:
    (first, value), *_ = lookup.where.items()
    rows = connector.read_by(lookup.object, first, [value],  # type: ignore[list-item]
                             list(lookup.where))
    found = [row.key for row in rows
             if all(row.fields.get(f) == v for f, v in lookup.where.items())]
    if len(found) != 1:
        conditions = ", ".join(f"{f} = {v!r}" for f, v in lookup.where.items())
        raise ConfigError(f"create_lookups {name}: {len(found)} {lookup.object} records have "
                          f"{conditions} in {system}; exactly one is needed",
                          code="CREATE_LOOKUP_NOT_UNIQUE", system=system)
    return found[0]
