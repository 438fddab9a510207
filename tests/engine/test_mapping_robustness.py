"""Whatever an admin writes, loading a mapping either succeeds or raises ``MappingError``
with positions: never another exception, never a half-checked mapping."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.mapping import MappingError, load_mapping

MAPPINGS = Path(__file__).parents[2] / "mappings"
TEXTS = [p.read_text(encoding="utf-8") for p in sorted(MAPPINGS.glob("*.yaml"))]
SCALARS = st.one_of(st.sampled_from(["", "~", "[]", "{}", "- x", "*a", "&a x", "!!str 1",
                                     "!!binary AA==", "<<: 1", "0x1F", "1e3", "null",
                                     "yes", "'", "{a: [", "2026-10-01"]),
                    st.text(max_size=12))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(TEXTS)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "value", "indent", "duplicate"]))
        if action == "drop":
            del lines[i]
        elif action == "value" and ":" in lines[i]:
            key, _, _ = lines[i].partition(":")
            lines[i] = f"{key}: {draw(SCALARS)}"
        elif action == "indent":
            lines[i] = " " * draw(st.integers(0, 6)) + lines[i].lstrip()
        else:
            lines.insert(i, lines[i])
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_any_edit_loads_or_fails_with_positions(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mapping.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_mapping(path)
        except MappingError as exc:
            assert exc.issues
            assert all(issue.line >= 1 and issue.column >= 1 and issue.message
                       for issue in exc.issues)


def test_a_file_that_is_not_utf8_is_a_mapping_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("sync: k\xf6ln\n".encode("latin-1"))
    try:
        load_mapping(path)
    except MappingError as exc:
        assert str(exc.issues[0]) == (f"{path}:1:8: cannot read: not UTF-8 (byte 0xf6); "
                                      "save the file as UTF-8")
    else:
        raise AssertionError("loaded a file that is not UTF-8")
