"""Machine output of `mesocalc schedule` (SPEC §6): the course's sessions, course checks and warnings."""

from __future__ import annotations

from typing import Any

from mesocalc.core.schedule import CourseCheck, CourseSession, ScheduleResult
from mesocalc.render.jsondoc import VERSION, warning_item


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
        "sessions": [course_session_item(s) for s in result.sessions],
        "checks": [course_check_item(ch) for ch in result.checks],
        "warnings": [warning_item(w) for w in result.warnings],
        "ok": result.ok,
        "exit_code": result.exit_code,
    }


def course_session_item(session: CourseSession) -> dict[str, Any]:
    """One session of the course: date, phase, whether given or planned, doses and cumulative doses."""
    return {
        "number": session.number,
        "date": session.date.isoformat(),
        "phase": session.phase,
        "source": session.source,
        "volume": session.volume.to_json() if session.volume is not None else None,
        "doses": {agent: {"dose": d.dose.to_json(), "cumulative": d.cumulative.to_json()}
                  for agent, d in session.doses.items()},
        "status": "ok" if not session.flags else "not ok",
        "flags": list(session.flags),
    }


def course_check_item(check: CourseCheck) -> dict[str, Any]:
    """One course rule held against the whole course."""
    out: dict[str, Any] = {"agent": check.agent, "rule": check.rule, "status": check.status,
                           "severity": check.severity, "source": check.source}
    if check.limit is not None:
        out.update(scope="course", basis=check.limit.basis, max=check.limit.max.to_json(),
                   actual=check.actual.to_json() if check.actual is not None else None, fraction=check.fraction)
        if check.limit.condition_text():
            out["when"] = check.limit.condition_text()
        if check.limit.derived:
            out["derived"] = True
    if check.rule == "max_sessions":
        out.update(max=check.max_sessions, actual=check.sessions)
    if check.rule == "min_interval":
        out.update(min_interval=check.min_interval.text() if check.min_interval else None,
                   too_early=[{"number": t.number, "date": t.date.isoformat(), "previous": t.previous.isoformat(),
                                  "earliest": t.earliest.isoformat()} for t in check.too_early])
    if check.first_over is not None:
        out["first_over"] = check.first_over
    if check.reason:
        out["reason"] = check.reason
    return out
