"""Imports point one way: canonical ← connectors ← engine ← flows; sandbox imports none."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]
FORBIDDEN = {
    "canonical": {"connectors", "engine", "flows", "sandbox"},
    "connectors": {"engine", "flows", "sandbox"},
    "engine": {"flows", "sandbox", "prefect"},
    "sandbox": {"canonical", "connectors", "engine", "flows"},
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_imports_point_one_way() -> None:
    wrong = []
    for package, forbidden in FORBIDDEN.items():
        for path in (ROOT / package).rglob("*.py"):
            bad = imported_roots(path) & forbidden
            if bad:
                wrong.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert wrong == []


def test_erp_field_names_stay_in_mappings_connectors_and_sandbox() -> None:
    offenders = [str(p.relative_to(ROOT)) for package in ("canonical", "engine", "flows")
                 for p in (ROOT / package).rglob("*.py")
                 if any(name in p.read_text(encoding="utf-8")
                        for name in ("KUNNR", "NAME1", "BusinessPartner"))]
    assert offenders == []


def imports_module(path: Path, name: str) -> bool:
    """Whether ``path`` imports ``name`` (or a submodule): by statement, or by a literal
    given to ``importlib.import_module`` / ``__import__`` (how a lazy import is spelt)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found = [node.module]
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ast.unparse(node.func) in ("importlib.import_module", "import_module",
                                             "__import__")):
            found = [node.args[0].value]
        else:
            continue
        if any(module == name or module.startswith(f"{name}.") for module in found):
            return True
    return False


def test_only_the_pyrfc_backend_imports_pyrfc() -> None:
    """SAP's NW RFC SDK is an optional extra: one module loads it, lazily, and nothing else
    may (the CLI, the OData transport and the tests run without it)."""
    importers = sorted(str(p.relative_to(ROOT)) for package in (*FORBIDDEN, "flows", "bench")
                       for p in (ROOT / package).rglob("*.py") if imports_module(p, "pyrfc"))
    assert importers == ["connectors/sap/rfc/pyrfc_backend.py"]
