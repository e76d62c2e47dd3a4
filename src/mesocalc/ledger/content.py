"""What was given, read from a plan or visit JSON document, and the record's other fields as typed.

The content of a session (Content) is `source` (plan | visit), `items` (each cocktail or product with
its points, volume, area and per-agent doses), `doses` (each agent's total for the session), `solution`
(each agent's solution volume in mL, where known, for course volume caps) and `weight`. The ledger
stores it as canonical JSON (sorted keys, quantities as {"unit", "value"} in canonical units), so the
same session gives the same hash: `stored` writes that form and `from_stored` reads it back, the one
codec of the content column (and of a session's content in an export file).

A visit document is what `mesocalc visit --json` writes (schemas/visit.json): `items`, each with its
`type` and `id`, per-agent `doses` and (cocktails, injected products) its `plan`; and `totals`, each
agent's counted `total` across the visit.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mesocalc import units as u
from mesocalc.errors import Location, input_error
from mesocalc.lazyre import lazy
from mesocalc.record import Record, record

DUPLICATE_WINDOW_HOURS = 12  # the same content for the same patient within 12 h is a possible duplicate
MAX_TEXT = 500  # notes, reasons, names
MAX_ID = 64  # patient ids, lots
_PRINTABLE = lazy(r"^[^\x00-\x1f\x7f]*$")
_EXPIRY = lazy(r"^\d{4}-\d{2}(-\d{2})?$")


# ---- typed fields -----------------------------------------------------------------------------

def printable(text: str) -> bool:
    return bool(_PRINTABLE.match(text))


def clean_text(text: str | None, what: str, option: str, limit: int = MAX_TEXT, required: bool = False) -> str | None:
    """A note, reason or name as typed: printable, not too long; None when empty and optional.
    The message never repeats the text itself (a note may say anything about a patient)."""
    where = Location(key=option)
    value = (text or "").strip()
    if not value:
        if required:
            raise input_error(f"{what} is empty", where, code="missing-value")
        return None
    if len(value) > limit:
        raise input_error(f"{what} is too long ({len(value)} characters; at most {limit})", where, code="too-long")
    if not printable(value):
        raise input_error(f"{what} contains a control character", where, code="bad-text")
    return value


def patient_id(text: str | None, option: str = "--patient") -> str:
    """A patient id as typed (compared without regard to case)."""
    value = clean_text(text, "the patient id", option, MAX_ID, required=True)
    assert value is not None
    return value


def parse_given_at(text: str | None, option: str = "--date") -> datetime:
    """--date: YYYY-MM-DD or an ISO 8601 date and time; default now. Stored as local time to the second."""
    if text is None:
        return datetime.now().replace(microsecond=0)
    value = text.strip()
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise input_error(f"'{value[:40]}' is not a date: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM such as "
                          "2026-12-01T09:30", Location(key=option), code="bad-date") from None
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    return when.replace(microsecond=0)


@dataclass(frozen=True, eq=False, repr=False)
class Lot(Record):
    """The lot (and expiry) of one agent, stock or product given in a session."""

    target: str
    lot: str
    expiry: date | None


def parse_expiry(text: str, option: str) -> date:
    """YYYY-MM-DD, or YYYY-MM meaning the last day of that month (as `EXP 2027-03` on a vial)."""
    where = Location(key=option)
    if not _EXPIRY.match(text):
        raise input_error(f"expiry '{text[:20]}' is not a date: expected YYYY-MM-DD or YYYY-MM", where,
                          code="bad-date")
    try:
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:])
            return date(year, month, calendar.monthrange(year, month)[1])
        return date.fromisoformat(text)
    except ValueError:
        raise input_error(f"expiry '{text}' is not a calendar date", where, code="bad-date") from None


def parse_lot(spec: str) -> Lot:
    """--lot AGENT_OR_STOCK=LOT[:EXPIRY]."""
    where = Location(key="--lot")
    target, sep, rest = spec.partition("=")
    target = target.strip()
    if not sep or not target or not rest.strip():
        raise input_error("expected --lot AGENT_OR_STOCK=LOT[:EXPIRY], e.g. --lot kybella-10=C123456:2027-03-31",
                          where, code="bad-lot")
    lot, colon, expiry_text = rest.strip().rpartition(":") if ":" in rest else (rest.strip(), "", "")
    lot = lot.strip()
    lot_text = clean_text(lot, "the lot number", "--lot", MAX_ID, required=True)
    assert lot_text is not None
    expiry = parse_expiry(expiry_text.strip(), "--lot") if colon else None
    return Lot(target.lower(), lot_text, expiry)


# ---- the content of a session -----------------------------------------------------------------

@record
class GivenItem(Record):
    """One cocktail or product given in a session."""

    what: str  # cocktail | product
    ref: str  # its id
    points: int | None
    volume: u.Q | None
    area: u.Q | None
    doses: Mapping[str, u.Q]  # by agent id, sorted


@record
class Content(Record):
    """What a session gave: its items, each agent's dose, solution volumes (mL) and the body weight."""

    source: str  # plan | visit
    items: tuple[GivenItem, ...]
    doses: Mapping[str, u.Q]  # by agent id, sorted
    solution: Mapping[str, float | None]  # mL of each agent's solution, where known
    weight: u.Q | None

    @property
    def cocktails(self) -> tuple[str, ...]:
        return tuple(item.ref for item in self.items if item.what == "cocktail")


def _q_stored(q: u.Q | None) -> dict[str, Any] | None:
    return None if q is None else {"unit": u.unit_string(q.dims), "value": q.value}


def stored_doses(doses: Mapping[str, u.Q]) -> dict[str, Any]:
    return {agent: _q_stored(q) for agent, q in sorted(doses.items())}


def stored_item(item: GivenItem) -> dict[str, Any]:
    return {"area": _q_stored(item.area), "doses": stored_doses(item.doses), "points": item.points,
            "ref": item.ref, "volume": _q_stored(item.volume), "what": item.what}


def stored_weight(content: Content) -> dict[str, Any] | None:
    return _q_stored(content.weight)


def stored(content: Content) -> dict[str, Any]:
    """The content as the ledger stores it (the keys in canonical order)."""
    return {"doses": stored_doses(content.doses), "items": [stored_item(i) for i in content.items],
            "solution": dict(sorted(content.solution.items())), "source": content.source,
            "weight": stored_weight(content)}


def from_stored(doc: Mapping[str, Any]) -> Content:
    """A stored content back (KeyError, TypeError or ValueError for one that is not)."""
    def q(value: Any) -> u.Q | None:
        return quantity(value) if value is not None else None

    items = tuple(GivenItem(i["what"], i["ref"], i.get("points"), q(i.get("volume")), q(i.get("area")),
                            {agent: quantity(d) for agent, d in i.get("doses", {}).items()})
                  for i in doc.get("items", []))
    return Content(doc["source"], items, {agent: quantity(d) for agent, d in doc.get("doses", {}).items()},
                   dict(doc.get("solution", {})), q(doc.get("weight") or None))


# ---- documents --------------------------------------------------------------------------------

def _quantity(value: Any, kind: u.Kind, where: Location) -> u.Q:
    if not (isinstance(value, dict) and isinstance(value.get("value"), int | float)
            and not isinstance(value.get("value"), bool) and isinstance(value.get("unit"), str)):
        raise input_error(f"expected a quantity {{\"value\": number, \"unit\": text}} ({kind.name})", where,
                          code="bad-document")
    number = float(value["value"])
    if not math.isfinite(number) or number < 0:
        raise input_error("expected a finite, non-negative number", where, code="bad-document")
    return u.parse_quantity(f"{number!r} {value['unit']}", kind, where, minimum="non-negative")


def _ref(value: Any, key: str, where: Location) -> str:
    ref = value.get("id") if isinstance(value, dict) else value
    if not isinstance(ref, str) or not ref.strip():
        raise input_error(f"'{key}' must name an id", where, code="bad-document")
    return ref.strip().lower()


def _components(components: Any, where: str, name: str) -> tuple[dict[str, u.Q], dict[str, u.Q | None]]:
    doses: dict[str, u.Q] = {}
    solution: dict[str, u.Q | None] = {}
    if not isinstance(components, list):
        raise input_error("'components' must be a list", Location(name, key=where), code="bad-document")
    for i, comp in enumerate(components):
        key = f"{where}[{i}]"
        if not isinstance(comp, dict):
            raise input_error("each component is an object with an agent and a dose", Location(name, key=key),
                              code="bad-document")
        agent = _ref(comp.get("agent"), "agent", Location(name, key=f"{key}.agent"))
        dose = _quantity(comp.get("dose"), u.AMOUNT, Location(name, key=f"{key}.dose"))
        doses[agent] = doses[agent] + dose if agent in doses else dose
        sol = comp.get("solution_volume")
        solution[agent] = _quantity(sol, u.VOLUME_KIND, Location(name, key=f"{key}.solution_volume")) \
            if sol is not None else None
    return doses, solution


def content_from_document(doc: Any, name: str) -> Content:
    """The content of a session from a plan or visit JSON document; errors name the file and key."""
    if not isinstance(doc, dict):
        raise input_error("expected a plan or visit JSON document (an object)", Location(name), code="bad-document")
    kind = doc.get("kind")
    if kind not in ("plan", "visit"):
        found = f"kind {str(kind)[:20]!r}" if kind is not None else "a document without a 'kind'"
        raise input_error(f"expected a plan or visit JSON document, not {found}",
                          Location(name, key="kind"), code="bad-document",
                          hint="record the output of mesocalc plan --json or mesocalc visit --json")
    if not isinstance(doc.get("ok"), bool):
        raise input_error("missing 'ok' (true or false)", Location(name, key="ok"), code="bad-document")
    weight = u.body_weight_kg(_quantity(doc["weight"], u.WEIGHT_KIND, Location(name, key="weight"))) \
        if doc.get("weight") is not None else None
    items: list[GivenItem] = []
    if kind == "plan":
        doses, solution = _components(doc.get("components"), "components", name)
        items.append(_item("cocktail", _ref(doc.get("cocktail"), "cocktail", Location(name, key="cocktail")),
                           doc, doses, name, ""))
    else:
        items, doses, solution = _visit_content(doc, name)
    return Content(kind, tuple(items), dict(sorted(doses.items())),
                   {agent: (q.value if q is not None else None) for agent, q in sorted(solution.items())}, weight)


def _item(what: str, ref: str, doc: dict[str, Any], doses: dict[str, u.Q], name: str, prefix: str) -> GivenItem:
    points = doc.get("points")
    if points is not None and (not isinstance(points, int) or isinstance(points, bool) or points < 0):
        raise input_error("'points' must be a whole number", Location(name, key=f"{prefix}points"),
                          code="bad-document")
    volume = doc.get("total_volume", doc.get("volume"))
    area = doc.get("area")
    return GivenItem(
        what, ref, points,
        _quantity(volume, u.VOLUME_KIND, Location(name, key=f"{prefix}total_volume")) if volume is not None else None,
        _quantity(area, u.AREA_KIND, Location(name, key=f"{prefix}area")) if area is not None else None,
        dict(sorted(doses.items())))


def _visit_content(doc: dict[str, Any], name: str) -> tuple[list[GivenItem], dict[str, u.Q],
                                                          dict[str, u.Q | None]]:
    """A `visit --json` document (schemas/visit.json): each item by its `type` and `id` with its per-agent
    `doses` (a topical product's applied amounts too), its plan's points, volume and area; the session's
    doses are the agents' counted `totals` (amounts shown beside a total, such as a topical cream's, are
    kept on their item and not added, as the visit did); an agent's solution volume where every item
    that gave it says it."""
    raw_items = doc.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise input_error("a visit document has a non-empty 'items' list", Location(name, key="items"),
                          code="bad-document", hint="record the output of mesocalc visit --json")
    items: list[GivenItem] = []
    volumes: dict[str, list[u.Q | None]] = {}
    for i, item in enumerate(raw_items):
        key = f"items[{i}]"
        if not isinstance(item, dict) or item.get("type") not in ("cocktail", "product"):
            raise input_error("each item is an object with a 'type' (cocktail or product) and an 'id'",
                              Location(name, key=key), code="bad-document",
                              hint="record the output of mesocalc visit --json")
        plan: dict[str, Any] = item["plan"] if isinstance(item.get("plan"), dict) else {}
        item_doses, _ = _components(item.get("doses", []), f"{key}.doses", name)
        _, item_solution = _components(plan.get("components", []), f"{key}.plan.components", name)
        for dose in item.get("doses", []):
            if dose.get("counted", True):
                volumes.setdefault(str(dose["agent"]).lower(), []).append(item_solution.get(str(dose["agent"]).lower()))
        shape = {"points": plan.get("points"), "total_volume": plan.get("total_volume"),
                 "area": plan.get("area", item.get("area"))}
        items.append(_item(str(item["type"]), _ref(item.get("id"), "id", Location(name, key=f"{key}.id")), shape,
                           item_doses, name, f"{key}.plan."))
    totals = doc.get("totals")
    if not isinstance(totals, list):
        raise input_error("a visit document has 'totals': each agent's total dose across the visit",
                          Location(name, key="totals"), code="bad-document")
    counted = [{"agent": t.get("agent"), "dose": t.get("total")} for t in totals
               if isinstance(t, dict) and t.get("total") is not None]
    doses, _ = _components(counted, "totals", name)
    solution: dict[str, u.Q | None] = {}
    for agent in doses:
        given = volumes.get(agent, [])
        known = [q for q in given if q is not None]
        solution[agent] = sum(known[1:], known[0]) if given and len(known) == len(given) else None
    return items, doses, solution


def canonical(content: Content) -> str:
    """The content column's text: the stored form as canonical JSON."""
    return _canonical(stored(content))


def _canonical(doc: dict[str, Any]) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def content_hash(content_text: str) -> str:
    return hashlib.sha256(content_text.encode("utf-8")).hexdigest()


def duplicate_key(content: Content) -> str:
    """What makes two records the same session: the items and doses (not the note, lots or weight)."""
    return _canonical({"items": [stored_item(i) for i in content.items], "doses": stored_doses(content.doses)})


_DIMS = {u.unit_string(d): d for d in (*u.AMOUNTS, u.VOLUME, u.AREA, u.BODY_MASS)}


def quantity(doc: dict[str, Any]) -> u.Q:
    """A stored quantity back (stored units are always canonical: mg, units, particles, mL, cm^2)."""
    return u.Q(float(doc["value"]), _DIMS[doc["unit"]])
