"""The JSON Schema of the mapping format, for editors (validation and completion).

Generated from the pydantic models, so it cannot drift from what the loader accepts; two
short forms the models accept through before-validators are added by hand: a field side may
be just the system field's name (``salesforce: Name``), and a match rule just a
canonical field or a list of them. The loader remains the authority: it also checks what a
schema cannot say (names that must exist, literals that must fit canonical types).
"""

from __future__ import annotations

from typing import Any

from engine.mapping.model import SYSTEM_NAMES, SyncMapping

SCHEMA_ID = "urn:erpsync:mapping:v1"


def mapping_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one mapping file."""
    schema = SyncMapping.model_json_schema(by_alias=True, mode="validation")
    definitions = schema["$defs"]
    for system in SYSTEM_NAMES:
        side = definitions["FieldRule"]["properties"][system]
        side["anyOf"].insert(1, {"type": "string", "description": "Short for {field: name}."})
    definitions["MatchRule"] = {
        "description": definitions["MatchRule"]["description"],
        "anyOf": [{"type": "string", "description": "One canonical field."},
                  {"type": "array", "items": {"type": "string"}, "minItems": 1,
                   "description": "Canonical fields that must all be equal."},
                  {k: v for k, v in definitions["MatchRule"].items() if k != "description"}],
    }
    schema["properties"]["version"] = {**schema["properties"]["version"], "const": 1}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            **schema, "title": "erpsync mapping"}
