"""Machine output: strict JSON documents, every quantity as {"value", "unit"}, each with kind and version."""

from __future__ import annotations

import json
from typing import Any

from mesocalc import model as m
from mesocalc.checks import quantity_json
from mesocalc.errors import Problem
from mesocalc.plan import PlanResult

VERSION = 1


def dumps(doc: dict[str, Any]) -> str:
    """Strictly valid JSON (no NaN or Infinity), on one line."""
    return json.dumps(doc, allow_nan=False, ensure_ascii=False, separators=(", ", ": "))


def error_doc(problems: list[Problem]) -> dict[str, Any]:
    return {"kind": "error", "version": VERSION, "errors": [p.to_json() for p in problems]}


def plan_doc(result: PlanResult) -> dict[str, Any]:
    session = result.session
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
    doc: dict[str, Any] = {
        "kind": "plan",
        "version": VERSION,
        "cocktail": {"id": session.cocktail.id, "name": session.cocktail.name},
        "area": result.area.to_json() if result.area is not None else None,
        "areas": [a.to_json() for a in session.areas],
        "technique": tech,
        "points": result.points,
        "points_from": "reference" if session.points_from_reference else
        "option" if session.points is not None else "grid",
        "total_volume": result.session_volume.to_json(),
        "weight": session.weight.to_json() if session.weight is not None else None,
        "patient": session.patient.id if session.patient is not None else None,
        "components": [comp.to_json() for comp in result.components],
        "capacity": result.capacity.to_json(),
        "warnings": [w.to_json() for w in result.warnings],
        "ok": result.ok,
        "exit_code": result.exit_code,
    }
    if result.mix_total is not None:
        doc["mix_volume"] = result.mix_total.to_json()
    if result.reference is not None:
        doc["reference"] = result.reference.to_json()
    return doc


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
        "limits": [{"scope": lim.scope, "basis": lim.basis, "max": quantity_json(lim, lim.max),
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


def compound_doc(result: Any) -> dict[str, Any]:
    """`compound --json` (SPEC §6): ingredients, diluent, total_volume, final, checks, warnings, beyond_use."""
    from mesocalc.compound import CompoundResult

    assert isinstance(result, CompoundResult)
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
        "ingredients": [i.to_json() for i in result.ingredients],
        "diluent": {"name": result.diluent_name, "volume": result.diluent_volume.to_json()},
        "final": [{"agent": i.agent.id, "concentration": i.final.to_json()} for i in result.ingredients],
        "checks": [ch.to_json() for ch in result.checks],
        "warnings": [w.to_json() for w in result.warnings],
        "prepared": bud.prepared.isoformat() if bud else None,
        "beyond_use": bud.until.isoformat() if bud else None,
        "beyond_use_rule": bud.to_json() if bud else None,
        "patient": result.patient.id if result.patient is not None else None,
        "ok": result.ok,
        "exit_code": result.exit_code,
    }
