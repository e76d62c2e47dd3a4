"""One registry of document kinds (library/kinds.py): validation, loading and the validated-library cache
all read it, so a new kind (or a new part of one) cannot be known to one and missing from another."""

from __future__ import annotations

import dataclasses
import json
import typing

from conftest import SCHEMAS
from mesocalc.core import model as m
from mesocalc.errors import Problem
from mesocalc.library import compiled, kinds, validate
from mesocalc.units import Q


def built_from(roots: list[type]) -> set[type]:
    """Every dataclass reachable from `roots` through the types of their fields."""
    seen: set[type] = set()
    todo = list(roots)
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            stack = [hints[f.name]]
            while stack:
                tp = stack.pop()
                stack.extend(typing.get_args(tp))
                if isinstance(tp, type) and dataclasses.is_dataclass(tp):
                    todo.append(tp)
    return seen


def test_the_parts_are_exactly_what_the_kinds_are_built_from():
    reachable = built_from([m.Library, *kinds.MODELS]) - {Q}  # a quantity is stored as {"$q": ...}
    assert set(kinds.PARTS) == reachable - {m.Library, *kinds.MODELS}


def test_the_cache_rebuilds_exactly_the_registry_s_classes():
    assert set(compiled._CLASSES.values()) == {Problem, m.Library, *kinds.MODELS, *kinds.PARTS}
    assert len(compiled._CLASSES) == len({Problem, m.Library, *kinds.MODELS, *kinds.PARTS})  # names unique


def test_validation_and_the_library_schema_name_the_registry_s_kinds():
    assert validate.KINDS == kinds.NAMES
    schema = json.loads((SCHEMAS / "library.json").read_text(encoding="utf-8"))
    assert tuple(schema["properties"]["kind"]["enum"]) == kinds.NAMES
    assert {kind.table for kind in kinds.REGISTRY} <= {f.name for f in dataclasses.fields(m.Library)}
