"""JSON Schemas (draft 2020-12) of every JSON output kind and of the YAML library files.

Each schema is a data file `<name>.json` next to this module; `mesocalc schema NAME` prints it as is.
The list of names is whatever files are here, so a new output kind only adds its file.
"""

from __future__ import annotations

from pathlib import Path

from mesocalc.errors import Location

_HERE = Path(__file__).resolve().parent


def names() -> list[str]:
    """Every schema shipped with mesocalc, sorted."""
    return sorted(p.stem for p in _HERE.glob("*.json"))


def schema_text(name: str) -> str:
    """The schema `name` as JSON text; an unknown name is an input error naming the known ones."""
    from mesocalc.notation import word_value

    name = word_value(name, names(), Location(key="NAME"), "schema")  # any case: PLAN is plan
    return (_HERE / f"{name}.json").read_text(encoding="utf-8")
