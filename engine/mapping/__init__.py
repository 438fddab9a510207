"""Mappings: the YAML admins edit, loaded, validated (errors at file:line:column) and applied.

What the engine reads from a loaded ``SyncMapping`` (each model's docstring says more):

- ``fields`` → ``FieldRule``: ``owner`` (always wins), ``direction`` (``flows(rule, source,
  target)``, ``writes_into(rule, system)``), ``conflicts`` (``policy_for(name)``: newest_wins
  with ``clock_skew_seconds``/``tie_breaker``, prefer, manual);
- ``match_rules``: rules of one or more canonical fields, tried in order, one batch read each;
- ``deletes`` (deactivate / ignore / propagate) with ``deactivate_with`` or the entity's
  ``deactivation``;
- ``systems[s]``: ``filter`` (``includes``), ``create`` (false: update only),
  ``create_defaults``, ``create_lookups`` (one read per run), ``upsert_field``;
- ``children`` → ``ChildCollection``: lines paired by ``match``, ``deletes`` of lines;
- ``Converter`` (``convert``): ``to_canonical`` / ``to_system`` (lines included),
  ``read_fields`` (what to read: ``fields_of`` and the lines of ``children_of``),
  ``lookups`` (what to resolve in batch);
- ``schema_check``: ``related_objects`` to describe, then ``check_against_schemas``.
"""

from engine.mapping.errors import MappingError, MappingIssue
from engine.mapping.loader import load_mapping
from engine.mapping.model import SyncMapping

__all__ = ["MappingError", "MappingIssue", "SyncMapping", "load_mapping"]
