"""Mappings: the YAML admins edit, loaded, validated (errors at file:line:column) and applied."""

from engine.mapping.errors import MappingError, MappingIssue
from engine.mapping.loader import load_mapping
from engine.mapping.model import SyncMapping

__all__ = ["MappingError", "MappingIssue", "SyncMapping", "load_mapping"]
