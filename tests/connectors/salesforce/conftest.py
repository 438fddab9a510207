"""Fixtures for the Salesforce connector tests: the real sandbox, started once per module."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:
    # `.venv/bin/pytest` does not put the repository on sys.path and erpsync is not installed
    # into the venv; until pyproject sets `pythonpath = ["."]`, make the packages importable.
    sys.path.insert(0, str(REPO_ROOT))
