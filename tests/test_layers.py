"""The one-way flow: requests -> core -> render -> cli. The core knows nothing of Typer, Rich or JSON;
results are typed (no JSON-shaped dicts); JSON is shaped only in render/."""

from __future__ import annotations

import ast
import dataclasses
import importlib
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mesocalc"
SHELL = {"cli", "__main__.py"}  # the shell: the command line (the cli/ folder) and python -m mesocalc
# A quantity's JSON form ({"value", "unit"}) and a problem's are part of those value types.
VALUE_TYPES = {"units.py", "errors.py"}


def modules(exclude_render: bool = True) -> list[Path]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in SHELL:
            continue
        if exclude_render and relative.parts[0] == "render":
            continue
        out.append(path)
    return out


@cache  # two tests read each module's imports
def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", modules(exclude_render=False), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_but_the_shell_imports_typer(path):
    assert "typer" not in imported(path) and "click" not in imported(path)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_core_and_requests_import_no_rich_and_no_renderer(path):
    assert "rich" not in imported(path)
    text = path.read_text(encoding="utf-8")
    # the public API re-exports the JSON renderer
    relative = path.relative_to(PACKAGE).as_posix()
    if relative not in ("__init__.py", "api.py"):
        assert "mesocalc.render" not in text, f"{path.name} reaches into render/"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_json_is_shaped_in_render_only(path):
    if path.name in VALUE_TYPES and path.parent == PACKAGE:
        return
    assert "def to_json" not in path.read_text(encoding="utf-8"), f"{path.name}: move the JSON shape to render/"


def test_results_carry_no_json_shaped_dicts():
    plan, schedule, compound = (importlib.import_module(f"mesocalc.core.{n}") for n in ("plan", "schedule", "compound"))
    results = [plan.PlanResult, plan.Capacity, plan.CapacityTerm, plan.ComponentResult, schedule.ScheduleResult,
               schedule.CourseSession, schedule.CourseCheck, schedule.EarlySession, compound.CompoundResult,
               compound.Ingredient, compound.BeyondUse]
    content, store, reports, course, portable = (importlib.import_module(f"mesocalc.ledger.{n}")
                                                 for n in ("content", "store", "reports", "course", "portable"))
    results += [content.Content, content.GivenItem, content.Lot, store.StoredSession, store.Recording, store.Void,
                store.Outcome, reports.History, reports.LotReport, course.Course, course.AgentCourse,
                course.PlanCourse, portable.ImportResult, portable.Conflict, portable.CheckResult,
                portable.BackupResult]
    for result in results:
        for f in dataclasses.fields(result):
            assert "Any" not in str(f.type), f"{result.__name__}.{f.name}: {f.type}"


def _mesocalc_imports(path: Path) -> set[str]:
    """The mesocalc packages and modules a module imports (mesocalc.core.plan -> core)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        names |= {m.split(".")[1] for m in modules if m.startswith("mesocalc.") and m.count(".") >= 1}
    return names


@pytest.mark.parametrize("path", sorted((PACKAGE / "core").glob("*.py")), ids=lambda p: p.name)
def test_the_core_reads_no_files_and_knows_no_outer_layer(path):
    """core/ computes over model objects: the library, the ledger, the renderers, the shell and the
    process's files are outside it (requests reach it already read)."""
    outer = _mesocalc_imports(path) & {"library", "ledger", "render", "cli", "system", "cache", "api"}
    assert not outer, f"core/{path.name} imports {sorted(outer)}"
