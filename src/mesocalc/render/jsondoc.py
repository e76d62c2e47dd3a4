"""Machine output: strict JSON documents, every quantity as {"value", "unit"}, each with kind and version."""

from __future__ import annotations

import json
from math import isfinite
from typing import TYPE_CHECKING, Any

from mesocalc.core import model as m
from mesocalc.errors import Problem

if TYPE_CHECKING:  # annotations only: a plan document need not import compound, conversion, explain
    from mesocalc.core.checks import Check, Warning
    from mesocalc.core.compound import BeyondUse, CompoundResult, Ingredient
    from mesocalc.core.conversion import Conversion
    from mesocalc.core.plan import Capacity, ComponentResult, PlanResult
    from mesocalc.core.practice import ReferenceShare
    from mesocalc.library.check import LibraryCheck
    from mesocalc.render.explain import Step
    from mesocalc.request.plan import AreaUse, Session
    from mesocalc.units import Q

VERSION = 1


def dumps(doc: dict[str, Any]) -> str:
    """Strictly valid JSON (no NaN or Infinity), on one line, numbers without binary noise."""
    # without_noise gives a new tree (a cycle would have ended it with RecursionError): no circular check
    return _ENCODER.encode(without_noise(doc))


_ENCODER = json.JSONEncoder(allow_nan=False, ensure_ascii=False, separators=(", ", ": "), check_circular=False)


def without_noise(value: Any) -> Any:
    """Every float as the shortest form of its value rounded to 15 significant digits (SPEC §6).

    0.1 × 0.05 is 0.005000000000000001 in binary floating point; 15 digits is what a double holds
    exactly in decimal, so the rounding removes only the noise, never a digit of the value.
    """
    kind = type(value)
    if kind is dict:
        return _dict_without_noise(value)
    if kind is list:
        return _list_without_noise(value)
    if kind is float:
        rounded = _ROUNDED.get(value)
        return _rounded(value) if rounded is None else rounded
    if isinstance(value, float):  # a subclass: as it formats itself
        return float(f"{value:.15g}") if isfinite(value) else value
    if isinstance(value, dict):
        return _dict_without_noise(value)
    if isinstance(value, list | tuple):
        return _list_without_noise(value)
    return value


def _dict_without_noise(value: dict[Any, Any]) -> dict[Any, Any]:
    # a plan is mostly strings, whole numbers and None: the copy keeps them (and the key order) in one C
    # call, and only floats and containers are written again, each in its own place
    out = dict(value)
    for key, item in value.items():
        kind = type(item)
        if kind is float:
            rounded = _ROUNDED.get(item)
            out[key] = _rounded(item) if rounded is None else rounded
        elif kind is dict:
            out[key] = _dict_without_noise(item)
        elif kind not in _KEPT:
            out[key] = without_noise(item)
    return out


def _rounded(value: float) -> float:
    rounded = float(f"{value:.15g}") if isfinite(value) else value
    # Remembered by value: the caps, concentrations and techniques of a batch repeat on every line. Zero is
    # not remembered (0.0 and -0.0 are one key, and each keeps its sign), nor anything not finite.
    if value and isfinite(value):
        if len(_ROUNDED) >= _ROUNDED_SIZE:
            _ROUNDED.clear()
        _ROUNDED[value] = rounded
    return rounded


_ROUNDED: dict[float, float] = {}
_ROUNDED_SIZE = 4096


def _list_without_noise(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [item if type(item) in _KEPT else without_noise(item) for item in value]


_KEPT = frozenset({str, int, bool, type(None)})


def error_doc(problems: list[Problem]) -> dict[str, Any]:
    return {"kind": "error", "version": VERSION, "errors": [p.to_json() for p in problems]}


def check_doc(result: LibraryCheck) -> dict[str, Any]:
    """`check --json`: the files read, whether they are clean, every problem that counts, the overrides."""
    return {"kind": "check", "version": VERSION, "files": len(result.files), "ok": result.ok,
            "problems": [dict(p.to_json(), severity=p.severity) for p in result.problems],
            "overrides": list(result.overrides)}


def plan_doc(result: PlanResult) -> dict[str, Any]:
    session = result.session
    doc: dict[str, Any] = {
        "kind": "plan",
        "version": VERSION,
        "cocktail": {"id": session.cocktail.id, "name": session.cocktail.name},
        "area": result.area.to_json() if result.area is not None else None,
        "areas": [area_use_item(a) for a in session.areas],
        "technique": technique_item(session),
        "points": result.points,
        "points_from": points_from(session),
        "total_volume": result.session_volume.to_json(),
        "weight": session.weight.to_json() if session.weight is not None else None,
        "patient": session.patient.id if session.patient is not None else None,
        "components": [component_item(comp) for comp in result.components],
        "capacity": capacity_doc(result.capacity),
        "warnings": [warning_item(w) for w in result.warnings],
        "ok": result.ok,
        "exit_code": result.exit_code,
    }
    if result.mix_total is not None:
        doc["mix_volume"] = result.mix_total.to_json()
    if result.reference is not None:
        doc["reference"] = reference_doc(result.reference)
    return doc


def technique_item(session: Session) -> dict[str, Any]:
    """The plan's `technique`: the cocktail's, with the options that changed it named."""
    technique = session.technique
    tech: dict[str, Any] = {
        "grid": technique.grid,
        "spacing": technique.spacing.to_json(),
        "volume_per_point": technique.volume_per_point.to_json(),
        "max_points": technique.max_points,
    }
    if technique.depth is not None:
        tech["depth"] = technique.depth.to_json()
    if session.overrides:
        tech["overridden"] = list(session.overrides)
    return tech


def points_from(session: Session) -> str:
    return "reference" if session.points_from_reference else "option" if session.points is not None else "grid"


def capacity_doc(capacity: Capacity) -> dict[str, Any]:
    """The plan's `capacity`: the largest number of points, and the cap (or the technique) that binds."""
    out: dict[str, Any] = {
        "max_points": capacity.max_points,
        "max_area": capacity.max_area.to_json() if capacity.max_area else None,
        "limited_by": limited_by(capacity),
    }
    if capacity.unbounded_reason:
        out["note"] = capacity.unbounded_reason
    return out


def limited_by(capacity: Capacity) -> dict[str, Any] | None:
    """What decides the capacity: the binding cap, the technique's maximum, or nothing (None)."""
    if capacity.binding is not None:
        limit = capacity.binding.check.limit
        return {"agent": capacity.binding.agent, "scope": limit.scope, "basis": limit.basis,
                "max": limit_quantity(limit, limit.max), "source": limit.source}
    if capacity.limited_by_technique:
        return {"technique": "max_points", "max_points": capacity.technique_max}
    return None


def agent_item(agent: m.Agent, library: m.Library) -> dict[str, Any]:
    def source(source_id: str | None) -> dict[str, Any] | None:
        found = library.source_for(source_id, agent)
        if found is None:
            return None
        return {"id": found.id, "title": found.title, "url": found.url, "confidence": found.confidence}

    return {
        "id": agent.id,
        "name": agent.name,
        "aliases": list(agent.aliases),
        "classes": list(agent.classes),
        "regulatory": None if agent.regulatory is None else {
            "status": agent.regulatory.status, "approved_areas": list(agent.regulatory.approved_areas),
            "note": agent.regulatory.note, "source": agent.regulatory.source},
        "admixture": agent.admixture,
        "stocks": [{"id": s.id, "label": s.label, "concentration": s.concentration.to_json(),
                    "volume": s.volume.to_json() if s.volume else None, "excipients": list(s.excipients)}
                   for s in agent.stocks],
        "max_concentration": agent.max_concentration.to_json() if agent.max_concentration else None,
        "limits": [{"scope": lim.scope, "basis": lim.basis, "max": limit_quantity(lim, lim.max),
                    "severity": lim.severity, "when": lim.condition_text(), "derived": lim.derived,
                    "source": source(lim.source), "note": lim.note}
                   for lim in agent.limits],
        "limits_note": None if agent.limits else "no established dose limits",
        "course": None if agent.course is None else {
            "max_sessions": agent.course.max_sessions,
            "min_interval": agent.course.min_interval.text() if agent.course.min_interval else None,
            "severity": agent.course.severity, "source": source(agent.course.source)},
        "contraindications": [{"condition": r.condition, "severity": r.severity, "source": r.source,
                               "note": r.note} for r in agent.contraindications],
        "cautions": [{"condition": r.condition, "source": r.source, "note": r.note} for r in agent.cautions],
        "notes": list(agent.notes),
        "file": agent.where.file,
    }


def cocktail_item(cocktail: m.Cocktail) -> dict[str, Any]:
    t = cocktail.technique
    return {
        "id": cocktail.id,
        "name": cocktail.name,
        "aliases": list(cocktail.aliases),
        "description": cocktail.description,
        "area": cocktail.area,
        "technique": {"grid": t.grid, "spacing": t.spacing.to_json(), "volume_per_point": t.volume_per_point.to_json(),
                      "max_points": t.max_points, "note": t.note},
        "components": [
            {"agent": c.agent,
             "concentration": c.concentration.to_json() if c.concentration else None,
             "stock": c.stock.to_json() if c.stock else c.stock_id,
             "volume": c.volume.to_json() if c.volume else None}
            for c in cocktail.components],
        "diluent": None if cocktail.diluent is None else {"name": cocktail.diluent.name,
                                                          "volume": cocktail.diluent.volume.to_json()},
        "protocol": [{"phase": p.name, "sessions": p.sessions, "every": p.every.text()} for p in cocktail.protocol],
        "reference": None if cocktail.reference is None else {
            "volume": cocktail.reference.volume.to_json() if cocktail.reference.volume else None,
            "points": cocktail.reference.points, "source": cocktail.reference.source},
        "technique_range": range_item(cocktail.technique_range),
        "file": cocktail.where.file,
    }


def range_item(usual: m.TechniqueRange | None) -> dict[str, Any] | None:
    if usual is None:
        return None
    return {"volume_per_point": [q.to_json() for q in usual.volume_per_point] if usual.volume_per_point else None,
            "spacing": [q.to_json() for q in usual.spacing] if usual.spacing else None,
            "basis": usual.basis, "source": usual.source}


def area_item(area: m.Area) -> dict[str, Any]:
    return {"id": area.id, "name": area.name, "region": area.region, "surface": area.surface.to_json(),
            "basis": area.basis, "source": area.source, "aliases": list(area.aliases), "note": area.note,
            "technique_range": range_item(area.technique_range)}


# ---- issue 3: compound ----


def compound_doc(result: CompoundResult) -> dict[str, Any]:
    """`compound --json` (SPEC §6): ingredients, diluent, total_volume, final, checks, warnings, beyond_use."""
    bud = result.beyond_use
    return {
        "kind": "compound",
        "version": VERSION,
        "cocktail": {"id": result.cocktail.id, "name": result.cocktail.name},
        "form": result.form,
        "volume": result.requested_volume.to_json(),
        "overfill": result.overfill.to_json() if result.overfill is not None else None,
        "total_volume": result.total_volume.to_json(),
        "scale": result.scale,
        "ingredients": [ingredient_item(i) for i in result.ingredients],
        "diluent": {"name": result.diluent_name, "volume": result.diluent_volume.to_json()},
        "final": [{"agent": i.agent.id, "concentration": i.final.to_json()} for i in result.ingredients],
        "checks": [check_item(ch) for ch in result.checks],
        "warnings": [warning_item(w) for w in result.warnings],
        "prepared": bud.prepared.isoformat() if bud else None,
        "beyond_use": bud.until.isoformat() if bud else None,
        "beyond_use_rule": beyond_use_item(bud) if bud else None,
        "patient": result.patient.id if result.patient is not None else None,
        "ok": result.ok,
        "exit_code": result.exit_code,
    }


# ---- the parts of the documents ----


def area_use_item(area: AreaUse) -> dict[str, Any]:
    """One treated area of the plan: id, surface, basis, and the measured sides when given."""
    out: dict[str, Any] = {"id": area.id, "surface": area.surface.to_json(), "basis": area.basis}
    if area.name:
        out["name"] = area.name
    if area.site and area.site != area.id:
        out["site"] = area.site
    if area.width is not None and area.height is not None:
        out["width"] = area.width.to_json()
        out["height"] = area.height.to_json()
    if area.source:
        out["source"] = area.source
    return out


def component_item(comp: ComponentResult) -> dict[str, Any]:
    """One agent of the plan: concentration, doses, solution volume and every cap held against them."""
    out: dict[str, Any] = {
        "agent": comp.agent.id,
        "name": comp.agent.name,
        "concentration": comp.concentration.to_json(),
        "dose": comp.dose.to_json(),
        "dose_per_point": comp.dose_per_point.to_json(),
        "dose_per_area": comp.dose_per_area.to_json() if comp.dose_per_area else None,
        "dose_per_kg": comp.dose_per_kg.to_json() if comp.dose_per_kg else None,
        "solution_volume": comp.solution_volume.to_json(),
        "checks": [check_item(ch) for ch in comp.checks],
    }
    out.update(component_tail(comp))
    return out


def component_tail(comp: ComponentResult) -> dict[str, Any]:
    """What follows an agent's checks: its stock (a cocktail given as parts), and notes on the agent."""
    out: dict[str, Any] = {}
    if comp.stock is not None:
        out["stock"] = comp.stock.to_json()
    if not comp.agent.limits:
        out["limits_note"] = "no established dose limits"
    if comp.agent.regulatory:
        out["regulatory_status"] = comp.agent.regulatory.status
    return out


def check_item(check: Check) -> dict[str, Any]:
    """One cap held against one number: ok, over or unchecked (with the reason)."""
    out: dict[str, Any] = {
        "scope": check.limit.scope,
        "basis": check.limit.basis,
        "max": limit_quantity(check.limit, check.limit.max),
        "actual": limit_quantity(check.limit, check.actual) if check.actual is not None else None,
        "fraction": check.fraction,
        "status": check.status,
    }
    out.update(check_notes(check))
    return out


def check_notes(check: Check) -> dict[str, Any]:
    """What follows a check's numbers: the cap's severity and source, and the notes on it."""
    out: dict[str, Any] = {"severity": check.limit.severity, "source": check.limit.source}
    if check.confidence:
        out["confidence"] = check.confidence
    if check.limit.condition_text():
        out["when"] = check.limit.condition_text()
    if check.reason:
        out["reason"] = check.reason
    if check.limit.note:
        out["note"] = check.limit.note
    if check.limit.derived:
        out["derived"] = True
    return out


def limit_quantity(limit: m.Limit, q: Q) -> dict[str, Any]:
    """A cap or an actual; a count of injections (KYBELLA's 50 per session) in `injections`."""
    return {"value": q.value, "unit": "injections"} if limit.counts_injections else q.to_json()


def warning_item(warning: Warning) -> dict[str, Any]:
    """One warning: code, severity (hard, soft, info), message, agent and source when known."""
    out: dict[str, Any] = {"code": warning.code, "severity": warning.severity, "message": warning.message}
    if warning.agent:
        out["agent"] = warning.agent
    if warning.source:
        out["source"] = warning.source
    return out


def ingredient_item(ing: Ingredient) -> dict[str, Any]:
    """One stock vial drawn into the batch."""
    return {
        "agent": ing.agent.id,
        "name": ing.agent.name,
        "stock": {"id": ing.stock_id, "label": ing.stock_label, "concentration": ing.stock.to_json()},
        "stock_concentration": ing.stock.to_json(),
        "volume": ing.draw.to_json(),
        "amount": ing.amount.to_json(),
        "final_concentration": ing.final.to_json(),
        "vial_volume": ing.vial_volume.to_json() if ing.vial_volume else None,
        "vials": ing.vials,
        "left_over": ing.left_over.to_json() if ing.left_over else None,
    }


def beyond_use_item(bud: BeyondUse) -> dict[str, Any]:
    """The beyond-use date and the row of the USP <797> table it comes from."""
    source = bud.source
    return {
        "table": bud.table.id,
        "prepared": bud.prepared.isoformat(),
        "beyond_use": bud.until.isoformat(),
        "category": bud.rule.category,
        "storage": bud.rule.storage,
        "storage_defaulted": bud.storage_defaulted,
        "condition": bud.rule.condition,
        "limit": bud.rule.limit.to_json(),
        "hours": round(bud.rule.limit.value * 24, 6),
        "confirmed": bud.rule.confirmed,
        "source": None if source is None else {"id": source.id, "title": source.title, "url": source.url,
                                               "confidence": source.confidence},
        "note": bud.rule.note,
    }


def step_item(step: Step) -> dict[str, Any]:
    """One --explain step: its text, the quantities and counts it involves."""
    out: dict[str, Any] = {"text": step.text, "quantities": {k: q.to_json() for k, q in step.quantities.items()}}
    if step.counts:
        out["counts"] = dict(step.counts)
    return out


def steps_doc(steps: list[Step]) -> list[dict[str, Any]]:
    """The `explain` list of a plan or compound document."""
    return [step_item(step) for step in steps]


def conversion_doc(conversion: Conversion) -> dict[str, Any]:
    """`convert --json`: the quantity as given, in the unit asked for, and its equivalents."""
    to: dict[str, Any] = {"value": conversion.value, "unit": conversion.unit, "text": conversion.shown}
    if conversion.ratio_denominator is not None:
        to["ratio"] = f"1:{conversion.ratio_denominator:.15g}"
        to["denominator"] = conversion.ratio_denominator
    return {
        "kind": "conversion",
        "version": 1,
        "from": {"text": conversion.given, **conversion.quantity.to_json()},
        "to": to,
        "equivalents": list(conversion.equivalents),
    }


def reference_doc(ref: ReferenceShare) -> dict[str, Any]:
    """This session against the published one (a regimen cocktail's `reference`)."""
    return {"volume": ref.volume.to_json(), "points": ref.points, "source": ref.source, "share": ref.share,
            "doses": [{"agent": agent, "dose": dose.to_json(), "reference_dose": published.to_json()}
                      for agent, dose, published in ref.doses]}
