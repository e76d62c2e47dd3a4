"""Reading a visit file (`kind: visit`, YAML or JSON) into a checked `VisitRequest`.

Every problem is collected with its file, line and key path (`visit.yaml:7: items[1].volume: ...`), read
through the same line-marking YAML reader as the library. Pure: no Typer, no Rich.

```yaml
kind: visit
patient: patient.yaml              # a patient file, a patient id of the library, or one known to the ledger
weight: 60 kg                      # optional; overrides the patient's
date: 2026-12-01                   # optional
items:
  - {cocktail: lidocaine-1-percent, volume: 5 mL, note: ring block}
  - {cocktail: submental-dca, area: "25 cm^2"}
  - {product: ha-filler-lidocaine, volume: 1 mL}
  - {product: emla-cream, mass: 5 g, area: "50 cm^2"}
```
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mesocalc import units as u
from mesocalc.core import model as m
from mesocalc.errors import Location, MesocalcError, Problem, did_you_mean
from mesocalc.library.yamlio import RawDocument, parse_documents
from mesocalc.record import Record
from mesocalc.request.plan import AreaUse, Session, SessionOptions, load_patient, resolve_area, resolve_session

VISIT_KEYS = ("kind", "id", "patient", "weight", "date", "items", "note")
SIZE_KEYS = ("area", "scalp", "points", "spacing", "grid", "volume_per_point")  # sized like `plan`
ITEM_KEYS = ("cocktail", "product", *SIZE_KEYS, "volume", "mass", "site", "note")
MAX_ITEMS = 200


@dataclass(frozen=True, eq=False, repr=False)
class VisitItem(Record):
    """One item of a visit: a cocktail sized like `plan` or by its total volume, or a product by volume or mass."""

    number: int  # 1-based, as the output names it ("item 2")
    cocktail: m.Cocktail | None
    product: m.Product | None
    session: Session | None  # a cocktail item, resolved like `plan` (by volume: points of at most its volume per point)
    volume: u.Q | None = None
    mass: u.Q | None = None
    area: AreaUse | None = None  # a topical product: the skin area it covers
    note: str | None = None
    where: Location = field(default_factory=Location)
    site: str | None = None  # where a product is given (an area id), for region caps

    @property
    def id(self) -> str:
        return self.cocktail.id if self.cocktail is not None else self.product.id if self.product else "?"

    @property
    def label(self) -> str:
        return f"item {self.number} ({self.id})"


@dataclass(frozen=True, eq=False, repr=False)
class VisitRequest(Record):
    items: tuple[VisitItem, ...]
    weight: u.Q | None  # body mass, kg
    patient: m.Patient | None
    date: dt.date | None
    note: str | None = None
    file: str | None = None
    patient_id: str | None = None  # `patient:` named a patient of the course ledger (not a file)


LedgerPatients = Callable[[str], str | None]  # a patient id -> that id as the ledger recorded it, or None


def read_visit(text: str, name: str, library: m.Library, ledger: LedgerPatients | None = None) -> VisitRequest:
    """The visit in `text` (YAML or JSON; `name` is the file name for messages), or a MesocalcError."""
    documents = parse_documents(text, name)
    if len(documents) != 1:
        raise MesocalcError(Problem("not-a-visit", f"expected one visit document, found {len(documents)}",
                                    Location(name)))
    return VisitReader(documents[0], library, ledger).read()


def visit_request(file: str | Path | Mapping[str, Any], library: m.Library) -> VisitRequest:
    """The visit in a YAML or JSON file, or given as a mapping with the keys of one (the Python API)."""
    if isinstance(file, Mapping):
        import json

        return read_visit(json.dumps(dict(file), default=str), "<visit>", library)
    from mesocalc.library.yamlio import read_text

    return read_visit(read_text(Path(file)), str(file), library)


def read_visit_file(file: str, library: m.Library, stdin: Any = None,
                    ledger: LedgerPatients | None = None) -> VisitRequest:
    """The visit in FILE, or on `stdin` when FILE is `-`."""
    from pathlib import Path

    from mesocalc.library.yamlio import MAX_BYTES, read_text

    if file == "-":
        text = (stdin.read(MAX_BYTES + 1) if stdin is not None else "")
        if len(text) > MAX_BYTES:
            raise MesocalcError(Problem("file-too-large", f"more than {MAX_BYTES:,} characters", Location("-")))
        return read_visit(text, "-", library, ledger)
    return read_visit(read_text(Path(file)), file, library, ledger)


class VisitReader:
    def __init__(self, doc: RawDocument, library: m.Library, ledger: LedgerPatients | None = None) -> None:
        self.doc = doc
        self.library = library
        self.ledger = ledger
        self.problems: list[Problem] = []
        self.weight: u.Q | None = None
        self.patient: m.Patient | None = None

    def problem(self, path: str, message: str, code: str = "invalid", hint: str | None = None) -> None:
        self.problems.append(Problem(code, message, self.doc.where(path), hint))

    def keys(self, data: dict[str, Any], allowed: tuple[str, ...], path: str) -> None:
        for key in data:
            if key not in allowed:
                child = f"{path}.{key}" if path else key
                self.problem(child, f"unknown key '{key}'", "unknown-key",
                             did_you_mean(str(key), allowed) or f"allowed: {', '.join(allowed)}")

    def quantity(self, data: dict[str, Any], key: str, path: str, kind: u.Kind) -> u.Q | None:
        if data.get(key) is None:
            return None
        try:
            return u.parse_quantity(data[key], kind, self.doc.where(f"{path}.{key}" if path else key))
        except MesocalcError as exc:
            self.problems.extend(exc.problems)
            return None

    def read(self) -> VisitRequest:
        data = self.doc.data
        if not isinstance(data, dict):
            raise MesocalcError(Problem("not-a-visit", "a visit must be a mapping with 'kind: visit' and 'items'",
                                        self.doc.where("")))
        self.keys(data, VISIT_KEYS, "")
        if data.get("kind", "visit") != "visit":
            self.problem("kind", f"expected 'kind: visit', got {data.get('kind')!r}", "not-a-visit")
        weight = self.quantity(data, "weight", "", u.WEIGHT_KIND)
        if weight is not None:
            weight = u.body_weight_kg(weight)
            if not 0.5 <= weight.value <= 650:
                self.problem("weight", f"a body weight of {u.format_number(weight.value)} kg is not plausible")
        patient = None
        patient_id = None
        if data.get("patient") is not None:
            try:
                patient = load_patient(self._beside_file(str(data["patient"])), self.library)
            except MesocalcError as exc:
                patient_id = self._ledger_patient(str(data["patient"]), exc)
                if patient_id is None:
                    self.problems.extend(self._relocate(exc.problems, "patient"))
        if weight is None and patient is not None and patient.weight is not None:
            weight = u.body_weight_kg(patient.weight)
        self.weight, self.patient = weight, patient
        date = self._date(data.get("date"))
        items: list[VisitItem] = []
        raw_items = data.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            self.problem("items" if "items" in data else "", "a visit needs 'items': a list of at least one "
                         "cocktail or product", "missing-key")
        elif len(raw_items) > MAX_ITEMS:
            self.problem("items", f"{len(raw_items)} items; a visit holds at most {MAX_ITEMS}", "too-many-items")
        else:
            for index, raw in enumerate(raw_items):
                item = self.item(raw, index)
                if item is not None:
                    items.append(item)
        note = data.get("note") if isinstance(data.get("note"), str) else None
        if self.problems:
            raise MesocalcError(self.problems)
        return VisitRequest(tuple(items), weight, patient, date, note, self.doc.file, patient_id)

    def _ledger_patient(self, text: str, exc: MesocalcError) -> str | None:
        """SPEC §5: `patient:` may be a patient id known to the course ledger (not a file, nor a library
        patient): that id, as recorded, for the ledger's course checks."""
        if self.ledger is None or [p.code for p in exc.problems] != ["unknown-patient"]:
            return None
        return self.ledger(text)

    def _beside_file(self, text: str) -> str:
        """A relative patient path is looked for next to the visit file first, then from the working folder."""
        from pathlib import Path

        if self.doc.file and self.doc.file != "-" and not Path(text).is_absolute():
            beside = Path(self.doc.file).parent / text
            try:
                if beside.is_file():
                    return str(beside)
            except OSError:
                pass
        return text

    def _date(self, value: Any) -> dt.date | None:
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.problem("date", f"'{value}' is not a date such as 2026-12-01", "bad-date")
            return None

    def _relocate(self, problems: list[Problem], path: str) -> list[Problem]:
        """Problems raised by the plan-side resolvers (keys like --area) located at the item's key in this file."""
        out = []
        for p in problems:
            if p.where.file and p.where.file != self.doc.file:
                out.append(p)  # inside another file (a patient YAML): keep its own file and line
                continue
            key = (p.where.key or "").lstrip("-").replace("-", "_")
            child = f"{path}.{key}" if key and key.upper() != key and not path.endswith(key) else path
            out.append(replace(p, where=self.doc.where(child)))
        return out

    def item(self, raw: Any, index: int) -> VisitItem | None:
        path = f"items[{index}]"
        if not isinstance(raw, dict):
            self.problem(path, "an item must be a mapping such as {cocktail: submental-dca, area: 25 cm^2} or "
                         "{product: emla-cream, mass: 5 g}", "wrong-type")
            return None
        before = len(self.problems)
        self.keys(raw, ITEM_KEYS, path)
        note = raw.get("note") if isinstance(raw.get("note"), str) else None
        has = [k for k in ("cocktail", "product") if raw.get(k) is not None]
        if len(has) != 1:
            self.problem(path, "an item names exactly one 'cocktail' or one 'product'" +
                         (" (this one names both)" if len(has) == 2 else ""), "bad-item")
            return None
        for key in has:
            if not isinstance(raw[key], str):
                self.problem(f"{path}.{key}", f"expected an id, got {raw[key]!r}", "wrong-type")
                return None
        volume = self.quantity(raw, "volume", path, u.VOLUME_KIND) if "volume" in raw else None
        mass = None
        if "mass" in raw:
            mass = self.quantity(raw, "mass", path, u.Kind("an amount of product (g)", (u.MASS,), "5 g"))
        site = None
        if raw.get("site") is not None:
            site = self._site(raw, path)
        if has == ["cocktail"]:
            result = self.cocktail_item(raw, index, path, volume, note, site)
        else:
            result = self.product_item(raw, index, path, volume, mass, note, site)
        return result if len(self.problems) == before else None

    def _site(self, raw: dict[str, Any], path: str) -> str | None:
        """`site`: the area id where an item sized by volume (or a product) is given, for region caps and labels."""
        from mesocalc.request.plan import find_area

        value = raw["site"]
        area = find_area(value, self.library) if isinstance(value, str) else None
        if area is None:
            self.problem(f"{path}.site", f"unknown site {value!r}: give an area id", "unknown-area",
                         did_you_mean(str(value), list(self.library.areas)) or "see mesocalc areas")
            return None
        if any(raw.get(k) is not None for k in ("area", "scalp")):
            self.problem(f"{path}.site", "'site' names where an item given by volume goes; this item has an area",
                         "ambiguous-size")
        return area.id

    def cocktail_item(self, raw: dict[str, Any], index: int, path: str, volume: u.Q | None,
                      note: str | None, site: str | None) -> VisitItem | None:
        from mesocalc.request.plan import find_cocktail

        before = len(self.problems)
        cocktail_id = raw["cocktail"]
        if cocktail_id not in self.library.cocktails:
            if cocktail_id in self.library.products:
                self.problem(f"{path}.cocktail", f"'{cocktail_id}' is a product, not a cocktail", "unknown-cocktail",
                             f"write product: {cocktail_id}")
                return None
            try:
                cocktail = find_cocktail(cocktail_id, self.library)
            except MesocalcError as exc:
                self.problems.extend(self._relocate(exc.problems, f"{path}.cocktail"))
                return None
        else:
            cocktail = self.library.cocktails[cocktail_id]
        if "mass" in raw:
            self.problem(f"{path}.mass", "a cocktail is given by volume (mL), not by mass", "wrong-unit",
                         "give 'volume', or size it like plan (area, scalp, points)")
        sized = [k for k in ("area", "scalp", "points") if raw.get(k) is not None]
        if volume is not None and sized:
            self.problem(path, f"this item gives both a 'volume' and {', '.join(repr(k) for k in sized)}: size a "
                         "cocktail by its total volume or like plan (area, scalp, points), not both", "ambiguous-size")
        if volume is not None and raw.get("volume_per_point") is not None:
            self.problem(f"{path}.volume_per_point", "with a total 'volume', the volume per point is the "
                         "cocktail's own; give one or the other", "ambiguous-size")
        areas = raw.get("area")
        if isinstance(areas, str):
            areas = [areas]
        if areas is not None and not (isinstance(areas, list) and all(isinstance(a, str) for a in areas)):
            self.problem(f"{path}.area", "expected an area id, a surface such as '25 cm^2', or a list of them",
                         "wrong-type")
            areas = []
        text_keys = {k: raw.get(k) for k in ("scalp", "spacing", "grid", "volume_per_point")}
        for key, value in text_keys.items():
            if value is not None and not isinstance(value, str):
                self.problem(f"{path}.{key}", f"expected text such as a quantity with its unit, got {value!r}",
                             "wrong-type")
        points = raw.get("points")
        if points is not None and (isinstance(points, bool) or not isinstance(points, int)
                                   or not 1 <= points <= 1_000_000):
            self.problem(f"{path}.points", f"expected a whole number from 1 to 1,000,000, got {points!r}",
                         "wrong-type")
            points = None
        options = SessionOptions(tuple(areas or ()), text_keys["scalp"], text_keys["spacing"],
                                 text_keys["volume_per_point"], text_keys["grid"], points)
        if len(self.problems) > before:
            return None
        try:
            session = self._session(replace(cocktail, area=site) if site else cocktail, options, volume)
        except MesocalcError as exc:
            self.problems.extend(self._relocate(exc.problems, path))
            return None
        return VisitItem(index + 1, cocktail, None, session, volume=volume, note=note, where=self.doc.where(path))

    def _session(self, cocktail: m.Cocktail, options: SessionOptions, volume: u.Q | None) -> Session:
        """Like `plan`; an item given by total volume gets the fewest points of at most the cocktail's volume per
        point that make up that volume exactly (5 mL at 0.2 mL: 25 points; 5.1 mL: 26 points of 0.196 mL)."""
        if volume is None:
            session = resolve_session(cocktail, options, self.library)
        else:
            vpp = cocktail.technique.volume_per_point
            points = u.whole_ceil(volume.value / vpp.value)
            if points > 1_000_000:
                raise MesocalcError(Problem("too-many-points", f"{u.format_quantity(volume)} at "
                                            f"{u.format_quantity(vpp)} per point is more than 1,000,000 points",
                                            Location(key="volume")))
            session = resolve_session(cocktail, replace(options, points=points), self.library)
            session = replace(session, technique=replace(session.technique, volume_per_point=volume / float(points)))
        return replace(session, weight=self.weight, patient=self.patient)

    def product_item(self, raw: dict[str, Any], index: int, path: str, volume: u.Q | None, mass: u.Q | None,
                     note: str | None, site: str | None) -> VisitItem | None:
        product_id = raw["product"]
        product = self.library.products.get(product_id) or self._by_alias(product_id)
        if product is None:
            hint = did_you_mean(product_id, list(self.library.products))
            if product_id in self.library.cocktails:
                hint = f"'{product_id}' is a cocktail: write cocktail: {product_id}"
            self.problem(f"{path}.product", f"unknown product '{product_id}'", "unknown-product",
                         hint or f"known: {', '.join(sorted(self.library.products))}")
            return None
        for key in ("scalp", "points", "spacing", "grid", "volume_per_point"):
            if key in raw:
                self.problem(f"{path}.{key}", f"a product is given by {product.measure}, not by '{key}'",
                             "not-for-products")
        unit = "g" if product.measure == "mass" else "mL"
        given = "mass" if mass is not None else "volume" if volume is not None else None
        if "mass" in raw and "volume" in raw:
            self.problem(path, "give a product's 'volume' or its 'mass', not both", "ambiguous-size")
        elif given is None and "mass" not in raw and "volume" not in raw:
            self.problem(path, f"product '{product.id}' needs its {'mass' if unit == 'g' else 'volume'} "
                         f"(e.g. {'mass: 5 g' if unit == 'g' else 'volume: 1 mL'})", "missing-key")
        elif given is not None and given != product.measure:
            self.problem(f"{path}.{given}", f"product '{product.id}' is measured by {product.measure} ({unit}), "
                         f"not by {given}", "wrong-unit",
                         f"give {product.measure}: ... {unit}" + (" (a cream or gel is weighed in g)"
                                                                 if unit == "g" else ""))
        area = None
        if raw.get("area") is not None:
            if product.route != "topical":
                self.problem(path, f"this item gives both a '{given or 'volume'}' and an 'area': an injected "
                             "product is given by its amount only", "ambiguous-size")
            elif not isinstance(raw["area"], str):
                self.problem(f"{path}.area", "expected one area, e.g. '50 cm^2'", "wrong-type")
            else:
                try:
                    area = resolve_area(raw["area"], self.library, None)
                except MesocalcError as exc:
                    self.problems.extend(self._relocate(exc.problems, f"{path}.area"))
        return VisitItem(index + 1, None, product, None, volume=volume, mass=mass, area=area, note=note,
                         where=self.doc.where(path), site=site)

    def _by_alias(self, text: str) -> m.Product | None:
        lowered = text.strip().lower()
        for product in self.library.products.values():
            if lowered in (a.lower() for a in product.aliases):
                return product
        return None
