"""JSON Schemas (draft 2020-12) of every JSON output kind and of the YAML library files.

Each schema is a data file `<name>.json` next to this module; `mesocalc schema NAME` prints it as is.
The list of names is whatever files are here, so a new output kind only adds its file.
"""

from __future__ import annotations

from pathlib import Path

from mesocalc.errors import Location, did_you_mean, input_error

_HERE = Path(__file__).resolve().parent


def names() -> list[str]:
    """Every schema shipped with mesocalc, sorted."""
    return sorted(p.stem for p in _HERE.glob("*.json"))


def schema_text(name: str) -> str:
    """The schema `name` as JSON text; an unknown name is an input error naming the known ones."""
    known = names()
    if name not in known:
        raise input_error(f"unknown schema '{name}'", Location(key="NAME"), code="unknown-schema",
                          hint=did_you_mean(name, known) or f"one of: {', '.join(known)}")
    return (_HERE / f"{name}.json").read_text(encoding="utf-8")
