"""Write the JSON Schema of every canonical entity, for documentation.

``python -m canonical.export`` (or ``make schemas``) rewrites ``canonical/schemas/``; a test
fails when the committed files differ from the models, so the documentation cannot drift.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from canonical import ENTITIES

SCHEMA_DIR = Path(__file__).parent / "schemas"


def entity_schemas() -> dict[str, dict[str, Any]]:
    """Entity name → its JSON Schema (draft 2020-12), as serialized (decimals as text)."""
    return {name: {"$schema": "https://json-schema.org/draft/2020-12/schema",
                   "$id": f"urn:erpsync:canonical:{name}",
                   **model.model_json_schema(mode="serialization")}
            for name, model in ENTITIES.items()}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(target: Path = SCHEMA_DIR) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in entity_schemas().items():
        path = target / f"{name}.schema.json"
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_DIR):
        sys.stdout.write(f"{written_path}\n")
