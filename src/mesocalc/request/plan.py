"""Turning what a user typed (ids, quantity strings, `5 cm x 4 cm`, `40%`) into model objects.

Shared by the plan, compound and schedule commands, and by batch lines. Pure: no Typer, no Rich.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import field, replace
from pathlib import Path
from typing import Any, ClassVar

from mesocalc import notation
from mesocalc import units as u
from mesocalc.core import model as m
from mesocalc.errors import Location, MesocalcError, Problem, input_error
from mesocalc.lazyre import lazy
from mesocalc.record import HashedRecord, Record, record
from mesocalc.record import replace as replace_record


@record
class AreaUse(Record):
    """One treated area of a session: a library preset, a measured surface, or a W x H rectangle."""

    _short_lived: ClassVar[bool] = True  # made for every area of every batch line (record.Record)

    surface: u.Q
    basis: str  # sourced | assumption | measured
    id: str | None = None
    name: str | None = None
    site: str | None = None  # the anatomical site (area id) it stands for, for off-label checks
    width: u.Q | None = None
    height: u.Q | None = None
    source: str | None = None
    note: str | None = None


@record
class SessionOptions(HashedRecord):  # a batch's session memo key
    """The options that size a session, as typed (strings), before resolution."""

    _short_lived: ClassVar[bool] = True  # one per batch line (record.Record)

    areas: tuple[str, ...] = ()
    scalp: str | None = None
    spacing: str | None = None
    volume_per_point: str | None = None
    grid: str | None = None
    points: int | None = None
    weight: str | None = None
    patient: str | None = None


@record
class Session(Record):
    """A resolved session request: cocktail, technique after overrides, areas, patient."""

    _short_lived: ClassVar[bool] = True  # one per batch line (record.Record)

    cocktail: m.Cocktail
    technique: m.Technique
    areas: tuple[AreaUse, ...]
    points: int | None
    weight: u.Q | None  # body mass (kg)
    patient: m.Patient | None
    overrides: tuple[str, ...] = field(default=())
    points_from_reference: bool = False  # the default plan of a regimen cocktail: its published session


_SHARE = lazy(r"(\d+(?:\.\d+|,\d{1,2})?) ?%")  # 40%, 37.5 %, 37,5 % (a decimal comma, SPEC §2)


def find_cocktail(text: str, library: m.Library) -> m.Cocktail:
    """A cocktail by library id or alias (ignoring case), or from a YAML file path."""
    known = notation.find_by_id(text, library.cocktails, lambda cocktail: cocktail.aliases)
    if known is not None:
        return known
    path = Path(text)
    if text.endswith((".yaml", ".yml")) or _exists(text):
        from mesocalc.library import cross_check, read_file_documents
        from mesocalc.library.validate import read_document

        problems: list[Problem] = []
        found: list[m.Cocktail] = []
        for doc in read_file_documents(path):
            obj = read_document(doc, problems)
            if isinstance(obj, m.Cocktail):
                found.append(obj)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise MesocalcError(errors)
        if len(found) != 1:
            raise input_error(f"expected exactly one 'kind: cocktail' document, found {len(found)}",
                              Location(text), code="no-cocktail")
        cocktail = found[0]
        extended = replace(library, cocktails={**library.cocktails, cocktail.id: cocktail})
        errors = [p for p in cross_check(extended) if p.severity == "error" and p.where.file == text]
        if errors:
            raise MesocalcError(errors)
        return cocktail
    raise input_error(f"unknown cocktail '{notation.excerpt(text)}'", Location(key="COCKTAIL"),
                      code="unknown-cocktail", hint=notation.near_miss(text, list(library.cocktails))
                      or f"known: {', '.join(sorted(library.cocktails))}")


def _exists(text: str) -> bool:
    """Whether anything is at the path `text` (a file, a folder, a FIFO, a dangling link: the reader says
    which can be read), where an empty name or one too long for the file system is simply not there."""
    if not text.strip():
        return False
    try:
        return os.path.lexists(text)
    except (OSError, ValueError):
        return False


def find_area(text: str, library: m.Library) -> m.Area | None:
    """An area by id or alias, ignoring case (notation.find_by_id's rule)."""
    global _area_index
    index = _area_index
    if index is None or index.table is not library.areas:
        index = _area_index = notation.IdIndex(library.areas, lambda area: area.aliases)
    return index.find(text)


# The index of the last library's areas, kept: a batch looks up every area text it reads (25 cm^2 too,
# which could be an alias), and a scan of every area and alias cost ~8 µs a line.
_area_index: notation.IdIndex[m.Area] | None = None


def area_use(area: m.Area) -> AreaUse:
    return AreaUse(area.surface, area.basis, area.id, area.name, area.id, None, None, area.source, area.note)


# Where an option's value is located in an error (the same few keys on every line: made once).
_AT = {key: Location(key=key) for key in ("--area", "--scalp", "--spacing", "--volume-per-point", "--grid",
                                          "--points", "--weight")}


def _at(key: str) -> Location:
    return _AT.get(key) or Location(key=key)


def resolve_area(text: str, library: m.Library, site: str | None, option: str = "--area") -> AreaUse:
    """An area id, a surface (`25 cm^2`, `25 cm²`) or dimensions (`5 cm x 4 cm`, `5x4 cm`, SPEC §2)."""
    where = _at(option)
    if not isinstance(text, str) or not text.strip():
        raise input_error("empty area: give an area id, a surface such as '25 cm^2', or '5 cm x 4 cm'", where)
    notation.check_length(text, where, "area")
    preset = find_area(text, library)
    if preset is not None:
        return area_use(preset)
    stripped = text.strip()
    sides = notation.split_dimensions(stripped)
    if sides is not None:
        width = u.parse_quantity(sides[0], u.LENGTH_KIND, where)
        height = u.parse_quantity(sides[1], u.LENGTH_KIND, where)
        surface = width * height
        if not surface.value <= u.MAX_MAGNITUDE:
            raise input_error(f"'{stripped}' is too large an area", where, code="too-large")
        name = f"{notation.as_read(sides[0])} x {notation.as_read(sides[1])}" if "," in stripped else stripped
        return AreaUse(surface, "measured", None, name, site, width, height, None, None)
    if stripped[:1].isdigit() or stripped[:1] in ".+-":
        surface = u.parse_quantity(text, u.AREA_KIND, where)
        return AreaUse(surface, "measured", None, None, site, None, None, None, None)
    raise input_error(f"unknown area '{notation.excerpt(stripped)}'", where, code="unknown-area",
                      hint=notation.near_miss(stripped, list(library.areas))
                      or "give an area id (mesocalc areas), a surface such as '25 cm^2', or '5 cm x 4 cm'")


def resolve_scalp(text: str, library: m.Library) -> AreaUse:
    """`whole`, a scalp region id, a hair-loss stage preset, or a share of the whole scalp (`40%`)."""
    where = _AT["--scalp"]
    notation.check_length(text, where, "--scalp")
    scalp = library.areas.get("scalp")
    share = _SHARE.fullmatch(text.strip())
    if share or text.strip().lower() == "whole":
        if scalp is None:
            raise input_error("the library has no 'scalp' area", where, code="unknown-area")
        if not share:
            return area_use(scalp)
        number = share.group(1).replace(",", ".")
        percent = float(number)
        if not 0 < percent <= 100:
            raise input_error(f"'{text}': a share of the scalp must be more than 0 % and at most 100 %", where)
        return AreaUse(scalp.surface * (percent / 100), scalp.basis, f"scalp-{number}pct",
                       f"{number} % of {scalp.name.lower()}", "scalp", None, None, scalp.source, None)
    for candidate in (text, f"scalp-{text}"):
        area = find_area(candidate, library)
        if area is not None and area.region == "scalp":
            return area_use(area)
    if text.strip()[:1].isdigit() and text.strip().endswith("%"):
        raise input_error(f"'{notation.excerpt(text.strip())}' is not a share of the scalp mesocalc reads",
                          where, code="unknown-area", hint="write a share such as 40% or 37.5 %")
    if text.strip()[:1].isdigit():
        raise input_error(f"'{notation.excerpt(text.strip())}' is not a scalp surface", where, code="unknown-area",
                          hint="use --area for a measured surface (--area \"100 cm^2\"); --scalp takes whole, "
                          "a share such as 40%, or a scalp region id")
    scalp_ids = [a.id for a in library.areas.values() if a.region == "scalp"]
    raise input_error(f"unknown scalp surface '{notation.excerpt(text)}'", where, code="unknown-area",
                      hint=notation.near_miss(text, scalp_ids)
                      or f"whole, NN%, or one of: {', '.join(sorted(scalp_ids))}")


def load_patient(text: str, library: m.Library) -> m.Patient:
    """A patient from a YAML file (`kind: patient`), or a patient id of the library (any case)."""
    known = notation.find_by_id(text, library.patients)
    if known is not None:
        return known
    path = Path(text)
    if not _exists(text) and not text.endswith((".yaml", ".yml", ".json")):
        raise input_error(f"no patient file or patient id '{notation.excerpt(text)}'", Location(key="--patient"),
                          code="unknown-patient")
    from mesocalc.library import read_file_documents
    from mesocalc.library.validate import read_document

    problems: list[Problem] = []
    patients = []
    for doc in read_file_documents(path):
        if isinstance(doc.data, dict) and "kind" not in doc.data:
            doc = replace(doc, data={"kind": "patient", **doc.data})
        obj = read_document(doc, problems)
        if isinstance(obj, m.Patient):
            patients.append(obj)
        elif obj is not None:
            problems.append(Problem("not-a-patient", "expected a 'kind: patient' document", doc.where("kind")))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise MesocalcError(errors)
    if len(patients) != 1:
        raise input_error(f"expected one patient document, found {len(patients)}", Location(text))
    return patients[0]


def resolve_session(cocktail: m.Cocktail, options: SessionOptions, library: m.Library,
                    patients: Callable[[str, m.Library], m.Patient] | None = None) -> Session:
    """The session a cocktail and the options describe. `patients` reads a patient (default load_patient; a
    batch passes one that remembers each file it has read)."""
    technique = cocktail.technique
    changed: tuple[str, ...] = ()
    if options.spacing is not None or options.volume_per_point is not None or options.grid is not None:
        technique, changed = _overridden(technique, options)
    if options.points is not None and (isinstance(options.points, bool) or not isinstance(options.points, int)
                                       or not 1 <= options.points <= 1_000_000):
        raise input_error(f"--points must be a whole number from 1 to 1,000,000, got {options.points!r}",
                          _AT["--points"])

    areas = [resolve_area(text, library, cocktail.area) for text in options.areas]
    points_from_reference = None
    if options.scalp is not None:
        areas.append(resolve_scalp(options.scalp, library))
    if not areas and options.points is None:
        if cocktail.area is None:
            raise input_error(f"cocktail '{cocktail.id}' has no default area: give --area, --scalp or --points",
                              Location(key="--area"), code="no-area")
        areas.append(area_use(library.areas[cocktail.area]))
        if cocktail.reference is not None:  # a regimen cocktail's default plan is its published session
            from mesocalc.core.practice import reference_points

            points_from_reference = reference_points(cocktail)

    patient = (patients or load_patient)(options.patient, library) if options.patient else None
    weight = None
    if options.weight is not None:
        weight = u.body_weight_kg(u.parse_quantity(options.weight, u.WEIGHT_KIND, _AT["--weight"]))
    elif patient is not None and patient.weight is not None:
        weight = u.body_weight_kg(patient.weight)
    if weight is not None and not 0.5 <= weight.value <= 650:
        raise input_error(f"a body weight of {u.format_number(weight.value)} kg is not plausible",
                          _AT["--weight"])
    points = options.points if points_from_reference is None else points_from_reference
    return Session(cocktail, technique, tuple(areas), points, weight, patient, changed,
                   points_from_reference is not None)


def _overridden(technique: m.Technique, options: SessionOptions) -> tuple[m.Technique, tuple[str, ...]]:
    """The technique with --spacing, --volume-per-point and --grid applied, and what they changed."""
    changed = []
    overridden: dict[str, Any] = {}
    if options.spacing is not None:
        overridden["spacing"] = u.parse_quantity(options.spacing, u.LENGTH_KIND, _AT["--spacing"])
        changed.append("spacing")
    if options.volume_per_point is not None:
        overridden["volume_per_point"] = u.parse_quantity(options.volume_per_point, u.VOLUME_KIND,
                                                          _AT["--volume-per-point"])
        changed.append("volume per point")
    if options.grid is not None:
        overridden["grid"] = notation.word_value(options.grid, m.GRIDS, _AT["--grid"], "grid")
        changed.append("grid")
    return replace_record(technique, **overridden), tuple(changed)
