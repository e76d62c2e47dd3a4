"""The vocabularies of scopes, severities, statuses, grids and storage are the StrEnums of core/model.py,
and the JSON Schemas name exactly their members: a value the code can produce is in the schema, and a
value the schema allows is one the code knows. Where a schema names a subset, the subset is a stated rule
(a library limit has no `concentration` scope; a library rule is hard or soft, never info)."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import SCHEMAS
from mesocalc.core import model as m

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "mesocalc"


def schema_enums() -> Iterator[tuple[str, str, frozenset[str]]]:
    """(schema file, JSON path, values) of every string enum in every schema."""
    def walk(node: Any, path: str) -> Iterator[tuple[str, frozenset[str]]]:
        if isinstance(node, dict):
            if "enum" in node and all(isinstance(v, str) for v in node["enum"]):
                yield path, frozenset(node["enum"])
            for key, value in node.items():
                yield from walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{path}[{i}]")

    for schema in sorted(SCHEMAS.glob("*.json")):
        for path, values in walk(json.loads(schema.read_text(encoding="utf-8")), ""):
            yield schema.name, path, values


def vocabulary(path: str) -> type[m.StrEnum] | None:
    """Which enum a schema property is a value of, by its name (and, for `status`, where it is)."""
    name = path.rsplit("/", 1)[-1]
    if name == "scope":
        return m.Scope
    if name == "severity" and "/problems/" not in path:  # a library problem is an error or a warning
        return m.Severity
    if name == "status" and "/regulatory/" in path:
        return m.RegulatoryStatus
    if name == "status" and "/sessions/" not in path:  # a schedule session is "ok" or "not ok" as a whole
        return m.CheckStatus
    return {"grid": m.Grid, "storage": m.Storage}.get(name)


ENUMS = (m.Scope, m.Severity, m.CheckStatus, m.RegulatoryStatus, m.Grid, m.Storage)
# The subsets a schema may name instead of the whole enum, and why.
SUBSETS = {
    m.Scope: {frozenset(m.SCOPES)},  # a library limit's scope: concentration is an agent's max_concentration
    m.Severity: {frozenset(m.SEVERITIES)},  # a library rule (and a check of its caps) is hard or soft, never info
    # a class limit is never not-applicable; a ledger course has no concentrations, so every cap applies
    m.CheckStatus: {frozenset(set(m.CheckStatus) - {m.CheckStatus.NOT_APPLICABLE})},
}


def test_every_schema_value_of_a_vocabulary_is_a_member_of_its_enum():
    found = 0
    for schema, path, values in schema_enums():
        enum = vocabulary(path)
        if enum is None:
            continue
        found += 1
        whole = frozenset(enum)
        assert values == whole or values in SUBSETS.get(enum, set()), (
            f"{schema} {path}: {sorted(values)} is neither {enum.__name__} ({sorted(whole)}) nor a stated subset")
    assert found >= 20  # scopes, severities, statuses, grids and storage of every output and library schema


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_member_of_each_enum_is_named_by_some_schema(enum):
    named = frozenset().union(*(values for _, path, values in schema_enums() if vocabulary(path) is enum))
    assert named == frozenset(enum)


def test_the_library_tuples_are_the_enums():
    """The tuples validate.py checks YAML against are made from the enums, not typed again."""
    assert m.SCOPES == (m.Scope.POINT, m.Scope.SESSION, m.Scope.COURSE)
    assert m.SEVERITIES == (m.Severity.HARD, m.Severity.SOFT)
    assert (tuple(m.RegulatoryStatus), tuple(m.Grid), tuple(m.Storage)) == (m.STATUSES, m.GRIDS, m.STORAGES)


VALUES = {member.value for enum in ENUMS for member in enum}


def _bare_comparisons(path: Path) -> list[str]:
    """`x == "over"`, `x != "hard"`, `x in ("soft", ...)` with a vocabulary value written as text (an
    agent's admixture, ok | not-recommended | forbidden, is another vocabulary that also says "ok"; a key
    looked up in a mapping, `"concentration" in data`, is not a value)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Compare) or (isinstance(node.left, ast.Attribute)
                                                 and node.left.attr == "admixture"):
            continue
        sides = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, sides[:-1], sides[1:], strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                items = right.elts if isinstance(right, ast.Tuple | ast.Set) else []
            else:
                items = [left, right]
            for item in items:
                if isinstance(item, ast.Constant) and item.value in VALUES:
                    out.append(f"{path.relative_to(PACKAGE)}:{node.lineno} compares with {item.value!r}")
    return out


@pytest.mark.parametrize("folder", ["core", "request", "render", "ledger", "library"])
def test_no_vocabulary_value_is_compared_as_bare_text(folder):
    found = [hit for path in sorted((PACKAGE / folder).rglob("*.py")) for hit in _bare_comparisons(path)]
    assert not found, "compare with the StrEnum members of core/model.py:\n" + "\n".join(found)
