"""Machine output of `mesocalc schedule` (SPEC §6): the course's sessions, course checks and warnings."""

from __future__ import annotations

from typing import Any

from mesocalc.render.jsondoc import VERSION
from mesocalc.schedule import ScheduleResult


def schedule_doc(result: ScheduleResult) -> dict[str, Any]:
    plan = result.plan
    session = plan.session
    return {
        "kind": "schedule",
        "version": VERSION,
        "cocktail": {"id": session.cocktail.id, "name": session.cocktail.name},
        "phases": [{"phase": p.name, "sessions": p.sessions, "every": p.every.text()} for p in result.phases],
        "per_session": {
            "area": plan.area.to_json() if plan.area is not None else None,
            "points": plan.points,
            "total_volume": plan.session_volume.to_json(),
            "doses": {comp.agent.id: comp.dose.to_json() for comp in plan.components},
        },
        "weight": session.weight.to_json() if session.weight is not None else None,
        "patient": session.patient.id if session.patient is not None else None,
        "sessions": [s.to_json() for s in result.sessions],
        "checks": [ch.to_json() for ch in result.checks],
        "warnings": [w.to_json() for w in result.warnings],
        "ok": result.ok,
        "exit_code": result.exit_code,
    }
