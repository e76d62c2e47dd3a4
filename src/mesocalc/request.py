"""Turning what a user typed (ids, quantity strings, `5 cm x 4 cm`, `40%`) into model objects.

Shared by the plan, compound and schedule commands, and by batch lines. Pure: no Typer, no Rich.
"""

from __future__ import annotations

import re
from dataclasses import field, replace
from pathlib import Path
from typing import Any

from mesocalc import model as m
from mesocalc import units as u
from mesocalc.errors import Location, MesocalcError, Problem, did_you_mean, input_error
from mesocalc.record import Record, record


@record
class AreaUse(Record):
    """One treated area of a session: a library preset, a measured surface, or a W x H rectangle."""

    surface: u.Q
    basis: str  # sourced | assumption | measured
    id: str | None = None
    name: str | None = None
    site: str | None = None  # the anatomical site (area id) it stands for, for off-label checks
    width: u.Q | None = None
    height: u.Q | None = None
    source: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "surface": self.surface.to_json(), "basis": self.basis}
        if self.name:
            out["name"] = self.name
        if self.site and self.site != self.id:
            out["site"] = self.site
        if self.width is not None and self.height is not None:
            out["width"] = self.width.to_json()
            out["height"] = self.height.to_json()
        if self.source:
            out["source"] = self.source
        return out


@record
class SessionOptions(Record):
    """The options that size a session, as typed (strings), before resolution."""

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

    cocktail: m.Cocktail
    technique: m.Technique
    areas: tuple[AreaUse, ...]
    points: int | None
    weight: u.Q | None  # body mass (kg)
    patient: m.Patient | None
    overrides: tuple[str, ...] = field(default=())


_DIMENSIONS = re.compile(r"^\s*(.+?)(?:\s+[xX]\s+|\s*×\s*)(.+?)\s*$")
_BARE_NUMBER = re.compile(r"^\s*[\d.,]+\s*$")
_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def find_cocktail(text: str, library: m.Library) -> m.Cocktail:
    """A cocktail by library id, or from a YAML file path."""
    if text in library.cocktails:
        return library.cocktails[text]
    path = Path(text)
    if text.endswith((".yaml", ".yml")) or _is_file(path):
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
    raise input_error(f"unknown cocktail '{text}'", Location(key="COCKTAIL"), code="unknown-cocktail",
                      hint=did_you_mean(text, list(library.cocktails))
                      or f"known: {', '.join(sorted(library.cocktails))}")


def _is_file(path: Path, folder: bool = False) -> bool:
    """Path.is_file (or is_dir), where a name too long for the file system is simply not a file."""
    try:
        return path.is_dir() if folder else path.is_file()
    except (OSError, ValueError):
        return False


def find_area(text: str, library: m.Library) -> m.Area | None:
    if text in library.areas:
        return library.areas[text]
    return _area_aliases(library).get(text.strip().lower())


_ALIASES: list[tuple[m.Library, dict[str, m.Area]]] = []


def _area_aliases(library: m.Library) -> dict[str, m.Area]:
    """Lower-cased alias -> the first area that has it (a batch asks once per line; built once per library)."""
    if _ALIASES and _ALIASES[0][0] is library:
        return _ALIASES[0][1]
    index: dict[str, m.Area] = {}
    for area in library.areas.values():
        for alias in area.aliases:
            index.setdefault(alias.lower(), area)
    _ALIASES[:] = [(library, index)]
    return index


def area_use(area: m.Area) -> AreaUse:
    return AreaUse(area.surface, area.basis, area.id, area.name, area.id, source=area.source, note=area.note)


def resolve_area(text: str, library: m.Library, site: str | None, option: str = "--area") -> AreaUse:
    """An area id, a surface (`25 cm^2`) or dimensions (`5 cm x 4 cm`)."""
    where = Location(key=option)
    if not isinstance(text, str) or not text.strip():
        raise input_error("empty area: give an area id, a surface such as '25 cm^2', or '5 cm x 4 cm'", where)
    preset = find_area(text, library)
    if preset is not None:
        return area_use(preset)
    dims = _DIMENSIONS.match(text)
    if dims and not text.strip()[0].isalpha():
        height = u.parse_quantity(dims.group(2), u.LENGTH_KIND, where)
        first = dims.group(1)
        if _BARE_NUMBER.match(first):  # "5 x 4 cm": the unit written once applies to both sides
            first = f"{first} {dims.group(2).lstrip('0123456789., ')}"
        width = u.parse_quantity(first, u.LENGTH_KIND, where)
        return AreaUse(width * height, "measured", None, f"{text.strip()}", site, width, height)
    if text.strip()[:1].isdigit() or text.strip()[:1] in ".+-":
        surface = u.parse_quantity(text, u.AREA_KIND, where)
        return AreaUse(surface, "measured", None, None, site)
    raise input_error(f"unknown area '{text}'", where, code="unknown-area",
                      hint=did_you_mean(text, list(library.areas))
                      or "give an area id (mesocalc areas), a surface such as '25 cm^2', or '5 cm x 4 cm'")


def resolve_scalp(text: str, library: m.Library) -> AreaUse:
    """`whole`, a scalp region id, a hair-loss stage preset, or a share of the whole scalp (`40%`)."""
    where = Location(key="--scalp")
    scalp = library.areas.get("scalp")
    share = _SHARE.match(text or "")
    if text.strip().lower() == "whole" or share:
        if scalp is None:
            raise input_error("the library has no 'scalp' area", where, code="unknown-area")
        if not share:
            return area_use(scalp)
        percent = float(share.group(1))
        if not 0 < percent <= 100:
            raise input_error(f"'{text}': a share of the scalp must be more than 0 % and at most 100 %", where)
        return AreaUse(scalp.surface * (percent / 100), scalp.basis, f"scalp-{share.group(1)}pct",
                       f"{share.group(1)} % of {scalp.name.lower()}", "scalp", source=scalp.source)
    for candidate in (text, f"scalp-{text}"):
        area = find_area(candidate, library)
        if area is not None and area.region == "scalp":
            return area_use(area)
    scalp_ids = [a.id for a in library.areas.values() if a.region == "scalp"]
    raise input_error(f"unknown scalp surface '{text}'", where, code="unknown-area",
                      hint=did_you_mean(text, scalp_ids)
                      or f"whole, NN%, or one of: {', '.join(sorted(scalp_ids))}")


def load_patient(text: str, library: m.Library) -> m.Patient:
    """A patient from a YAML file (`kind: patient`), or a patient id of the library."""
    if text in library.patients:
        return library.patients[text]
    path = Path(text)
    if not _is_file(path) and not _is_file(path, folder=True) and not text.endswith((".yaml", ".yml", ".json")):
        raise input_error(f"no patient file or patient id '{text}'", Location(key="--patient"),
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


def resolve_session(cocktail: m.Cocktail, options: SessionOptions, library: m.Library) -> Session:
    technique = cocktail.technique
    changed = []
    if options.spacing is not None:
        technique = replace(technique, spacing=u.parse_quantity(options.spacing, u.LENGTH_KIND,
                                                                Location(key="--spacing")))
        changed.append("spacing")
    if options.volume_per_point is not None:
        technique = replace(technique, volume_per_point=u.parse_quantity(
            options.volume_per_point, u.VOLUME_KIND, Location(key="--volume-per-point")))
        changed.append("volume per point")
    if options.grid is not None:
        if options.grid not in m.GRIDS:
            raise input_error(f"unknown grid '{options.grid}'", Location(key="--grid"),
                              hint="square or hex")
        technique = replace(technique, grid=options.grid)
        changed.append("grid")
    if options.points is not None and (isinstance(options.points, bool) or not isinstance(options.points, int)
                                       or not 1 <= options.points <= 1_000_000):
        raise input_error(f"--points must be a whole number from 1 to 1,000,000, got {options.points!r}",
                          Location(key="--points"))

    areas = [resolve_area(text, library, cocktail.area) for text in options.areas]
    if options.scalp is not None:
        areas.append(resolve_scalp(options.scalp, library))
    if not areas and options.points is None:
        if cocktail.area is None:
            raise input_error(f"cocktail '{cocktail.id}' has no default area: give --area, --scalp or --points",
                              Location(key="--area"), code="no-area")
        areas.append(area_use(library.areas[cocktail.area]))

    patient = load_patient(options.patient, library) if options.patient else None
    weight = None
    if options.weight is not None:
        weight = u.body_weight_kg(u.parse_quantity(options.weight, u.WEIGHT_KIND, Location(key="--weight")))
    elif patient is not None and patient.weight is not None:
        weight = u.body_weight_kg(patient.weight)
    if weight is not None and not 0.5 <= weight.value <= 650:
        raise input_error(f"a body weight of {u.format_number(weight.value)} kg is not plausible",
                          Location(key="--weight"))
    return Session(cocktail, technique, tuple(areas), options.points, weight, patient, tuple(changed))
