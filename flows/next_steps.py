"""The CLI commands a run summary points an operator to — only those the CLI really has.

A summary that names a command which does not exist (yet) sends people nowhere, so every
suggestion is checked against the ``erpsync`` command tree before it is written.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _command_paths() -> frozenset[tuple[str, ...]]:
    import typer

    from flows.cli import app

    paths: set[tuple[str, ...]] = set()

    def walk(command: Any, prefix: tuple[str, ...]) -> None:
        paths.add(prefix)
        for name, child in getattr(command, "commands", {}).items():  # a group's commands
            walk(child, (*prefix, name))

    walk(typer.main.get_command(app), ())
    return frozenset(paths)


def cli_has(*words: str) -> bool:
    """True when ``erpsync <words...>`` is a command (``cli_has("dead-letters", "list")``)."""
    return tuple(words) in _command_paths()


def command(*words: str, args: str = "") -> str | None:
    """``"erpsync dead-letters list customers"`` when that command exists, else ``None``."""
    if not cli_has(*words):
        return None
    return " ".join(("erpsync", *words, *([args] if args else [])))
