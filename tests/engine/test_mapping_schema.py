"""`erpsync mappings schema` writes a JSON Schema that every shipped mapping satisfies and
that catches what an editor should flag (unknown keys, values outside a closed set)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from flows.cli import app

MAPPINGS = Path(__file__).parents[2] / "mappings"
SHIPPED = sorted(MAPPINGS.glob("*.yaml"))


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("schema") / "mapping.schema.json"
    result = CliRunner().invoke(app, ["mappings", "schema", "--output", str(out)])
    assert result.exit_code == 0, result.output
    loaded: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


def test_schema_goes_to_stdout_by_default() -> None:
    result = CliRunner().invoke(app, ["mappings", "schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "erpsync mapping"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_mapping_satisfies_the_schema(schema: dict[str, Any], path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)


def test_schema_rejects_what_an_editor_should_flag(schema: dict[str, Any]) -> None:
    data = yaml.safe_load((MAPPINGS / "customers.yaml").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    data["fields"]["name"]["ownr"] = "sap"
    data["deletes"] = "maybe"
    data["fields"]["phone"]["direction"] = "sideways"
    messages = sorted(e.message for e in validator.iter_errors(data))
    assert any("'maybe' is not one of" in m for m in messages), messages
    assert any("'sideways' is not one of" in m for m in messages), messages
    assert any("'ownr' was unexpected" in m for m in messages), messages


def test_schema_describes_every_key_for_completion(schema: dict[str, Any]) -> None:
    undocumented = [f"{name}.{prop}" for name, body in schema["$defs"].items()
                    for prop, spec in body.get("properties", {}).items()
                    if "description" not in spec]
    undocumented += [p for p, spec in schema["properties"].items() if "description" not in spec]
    assert undocumented == []
