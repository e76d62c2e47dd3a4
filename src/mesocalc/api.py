"""The public Python API: what the CLI does, as functions that return typed results.

    import mesocalc
    result = mesocalc.plan("submental-dca", area="25 cm^2")
    result.points, result.session_volume, result.capacity.max_points

Every function accepts plain Python values: library ids, quantity strings ("25 cm^2", "0.2 mL"),
quantities (units.Q), dates, or model objects (a Cocktail, an Area, a Patient). Input problems raise
MesocalcError, whose `problems` name the option or file, line and key, as the CLI reports them.
`json_document(result)` is the `--json` document of a result (the same renderer the CLI uses).

The parsing lives in the request modules (request, request_schedule, request_compound), shared with
the CLI; the numbers come from the core modules (plan, schedule, compound, conversion).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mesocalc import units as u
from mesocalc.core import model as m
from mesocalc.errors import MesocalcError

if TYPE_CHECKING:
    from mesocalc.core.compound import CompoundResult
    from mesocalc.core.conversion import Conversion
    from mesocalc.core.plan import PlanResult
    from mesocalc.core.schedule import ScheduleResult
    from mesocalc.core.visit import VisitResult
    from mesocalc.library.check import LibraryCheck
    from mesocalc.request.plan import Session
    from mesocalc.request.schedule import GivenSession

Text = str | u.Q  # a quantity as typed ("25 cm^2") or as a quantity
AreaText = str | u.Q | m.Area  # an area id, a surface or "W x H" as typed, a surface, or an Area object
Library = m.Library | Sequence[str | Path] | None  # a loaded library, extra folders over the built-in one, or None
_builtin: list[m.Library] = []  # the built-in library, loaded once per process


def load_library(*folders: str | Path) -> m.Library:
    """The built-in library with `folders` layered over it (later folders win); errors raise MesocalcError."""
    from mesocalc.library import load_library as load

    result = load(tuple(str(f) for f in folders))
    if result.errors:
        raise MesocalcError(result.errors)
    return result.library


def _library(library: Library) -> m.Library:
    if isinstance(library, m.Library):
        return library
    if library:
        return load_library(*library)
    if not _builtin:
        _builtin.append(load_library())
    return _builtin[0]


def _text(value: Text) -> str:
    # A quantity is written in its canonical unit with every digit, so it parses back to itself.
    return value if isinstance(value, str) else f"{value.value!r} {u.unit_string(value.dims)}"


def _cocktail(cocktail: str | Path | m.Cocktail, library: m.Library) -> m.Cocktail:
    from mesocalc.request.plan import find_cocktail

    return cocktail if isinstance(cocktail, m.Cocktail) else find_cocktail(str(cocktail), library)


def _with_patient(patient: str | Path | m.Patient | None, library: m.Library) -> tuple[str | None, m.Library]:
    """A patient as the text the request modules read: a Patient object is offered to them by its id."""
    if isinstance(patient, m.Patient):
        return patient.id, replace(library, patients={**library.patients, patient.id: patient})
    return (str(patient) if patient is not None else None), library


def _with_areas(areas: Sequence[AreaText], library: m.Library) -> tuple[tuple[str, ...], m.Library]:
    """Areas as the text the request modules read: an Area object is offered to them by its id."""
    objects = {a.id: a for a in areas if isinstance(a, m.Area)}
    if objects:
        library = replace(library, areas={**library.areas, **objects})
    return tuple(a.id if isinstance(a, m.Area) else _text(a) for a in areas), library


def _session(cocktail: str | Path | m.Cocktail, library: m.Library, area: AreaText | Sequence[AreaText] | None,
             scalp: str | None, spacing: Text | None, volume_per_point: Text | None, grid: str | None,
             points: int | None, weight: Text | None, patient: str | Path | m.Patient | None) -> Session:
    from mesocalc.request.plan import SessionOptions, resolve_session

    chosen = _cocktail(cocktail, library)
    areas, library = _with_areas(() if area is None else (area,) if isinstance(area, str | u.Q | m.Area)
                                 else tuple(area), library)
    patient_text, library = _with_patient(patient, library)
    options = SessionOptions(areas, scalp,
                             None if spacing is None else _text(spacing),
                             None if volume_per_point is None else _text(volume_per_point),
                             grid, points, None if weight is None else _text(weight), patient_text)
    return resolve_session(chosen, options, library)


def plan(cocktail: str | Path | m.Cocktail, *, area: AreaText | Sequence[AreaText] | None = None,
         scalp: str | None = None, spacing: Text | None = None, volume_per_point: Text | None = None,
         grid: str | None = None, points: int | None = None, weight: Text | None = None,
         patient: str | Path | m.Patient | None = None, library: Library = None, strict: bool = False) -> PlanResult:
    """One session (`mesocalc plan`): grid, volumes, final concentrations, doses, every cap, capacity."""
    from mesocalc.core.plan import compute

    lib = _library(library)
    session = _session(cocktail, lib, area, scalp, spacing, volume_per_point, grid, points, weight, patient)
    return compute(session, lib, strict)


def visit(file: str | Path | Mapping[str, object], *, library: Library = None, strict: bool = False) -> VisitResult:
    """Everything given to one patient in one session (`mesocalc visit FILE`): a visit file (YAML or JSON)
    or a mapping with the keys of one; each item planned, every agent totalled, class limits."""
    from mesocalc.core.visit import compute_visit
    from mesocalc.request.visit import visit_request

    lib = _library(library)
    return compute_visit(visit_request(file, lib), lib, strict)


def schedule(cocktail: str | Path | m.Cocktail, *, start: str | date | None = None,
             phases: Sequence[str | m.Phase] | None = None,
             history: str | Path | Sequence[GivenSession] | None = None,
             area: AreaText | Sequence[AreaText] | None = None, scalp: str | None = None, spacing: Text | None = None,
             volume_per_point: Text | None = None, grid: str | None = None, points: int | None = None,
             weight: Text | None = None, patient: str | Path | m.Patient | None = None,
             library: Library = None, strict: bool = False, same_day: bool = False) -> ScheduleResult:
    """A course (`mesocalc schedule`): dates by phase, each session's doses, course caps and intervals.

    same_day: a session already in `history` on the start date itself is allowed (a ledger's history).
    """
    from mesocalc.core.plan import compute
    from mesocalc.core.schedule import compute_schedule
    from mesocalc.request.schedule import resolve_course

    lib = _library(library)
    chosen = _cocktail(cocktail, lib)
    course = resolve_course(chosen, lib, phases, start, history)
    session = _session(chosen, lib, area, scalp, spacing, volume_per_point, grid, points, weight, patient)
    return compute_schedule(compute(session, lib, strict), course.phases, course.start, course.history, lib, strict,
                            same_day=same_day)


def compound(cocktail: str | Path | m.Cocktail, volume: Text, *,
             stock: Mapping[str, Text] | Sequence[str] = (), overfill: Text | None = None,
             diluent: str | None = None, prepared: str | datetime | None = None, category: str | int | None = None,
             storage: str | None = None, immediate_use: bool = False,
             patient: str | Path | m.Patient | None = None, library: Library = None,
             strict: bool = False) -> CompoundResult:
    """A batch (`mesocalc compound`): the stock vials to draw, the diluent, checks, the beyond-use date.

    stock: {agent: stock id or concentration}, or "AGENT=STOCK" strings as --stock takes them.
    prepared: when preparation starts (default now).
    """
    from mesocalc.core.compound import compound as make_recipe
    from mesocalc.request.compound import CompoundOptions, resolve_compound

    lib = _library(library)
    chosen = _cocktail(cocktail, lib)
    stocks = tuple(f"{agent}={_text(v)}" for agent, v in stock.items()) if isinstance(stock, Mapping) else tuple(stock)
    patient_text, lib = _with_patient(patient, lib)
    options = CompoundOptions(_text(volume), stocks, None if overfill is None else _text(overfill), diluent,
                              prepared.isoformat() if isinstance(prepared, datetime) else prepared,
                              None if category is None else str(category), storage, immediate_use, patient_text)
    return make_recipe(chosen, resolve_compound(chosen, options, lib), lib, strict)


def convert(quantity: Text, unit: str | None = None) -> Conversion:
    """A pharmacy unit conversion (`mesocalc convert`): "1:100000" in "mg/mL", "2 %" in "mg/mL", ..."""
    from mesocalc.core.conversion import convert as do_convert
    from mesocalc.request.conversion import read_conversion

    return do_convert(read_conversion(_text(quantity), unit))


def check(*paths: str | Path, library: Sequence[str | Path] = (), strict: bool = False) -> LibraryCheck:
    """Validate library files or folders over the layered library (`mesocalc check`)."""
    from mesocalc.library.check import check_library

    return check_library(paths, library, strict)


# visit (several cocktails in one visit) is a core module of its own; its API function goes here,
# beside plan, and its name in mesocalc.__init__._EXPORTS.
