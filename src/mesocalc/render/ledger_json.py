"""The ledger commands' JSON documents: `record` (and `record --void`), `history`, `lots`, `ledger
import|check|backup` (schemas/record.json, history.json, lots.json, ledger-*.json), and the `ledger` part
of `plan|visit --patient-id`.

What is shaped here is what the user reads. The ledger's own formats (the content column of a session in
SQLite and the `ledger export` file that `ledger import` reads back) are storage: their writer lives
beside their reader in ledger/content.py (the content) and ledger/codec.py (the export file). A session's
`items`, `doses` and `weight` are shown as the ledger stores them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mesocalc.ledger import content as ct
from mesocalc.render.jsondoc import warning_item
from mesocalc.render.schedule_json import course_check_item

if TYPE_CHECKING:
    from mesocalc.ledger.content import Lot
    from mesocalc.ledger.course import AgentCourse, PlanCourse
    from mesocalc.ledger.portable import BackupResult, CheckResult, ImportResult
    from mesocalc.ledger.reports import History, LotReport
    from mesocalc.ledger.store import Outcome, StoredSession, Void

VERSION = 1


def lot_item(lot: Lot) -> dict[str, Any]:
    return {"target": lot.target, "lot": lot.lot, "expiry": lot.expiry.isoformat() if lot.expiry else None}


def void_item(v: Void) -> dict[str, Any]:
    return {"uuid": v.uuid, "session": v.session, "reason": v.reason, "voided_at": v.voided_at.isoformat(),
            "by": v.by}


def session_item(s: StoredSession) -> dict[str, Any]:
    """One stored session: when, what (the stored items, doses and weight), lots, who, and its void."""
    return {
        "session": s.uuid, "patient": s.patient, "given_at": s.given_at.isoformat(),
        "recorded_at": s.recorded_at.isoformat(), "source": s.source,
        "items": [ct.stored_item(i) for i in s.content.items], "doses": ct.stored_doses(s.content.doses),
        "weight": ct.stored_weight(s.content), "lots": [lot_item(lot) for lot in s.lots],
        "by": s.by, "note": s.note, "ok": s.ok, "override": s.override,
        "void": void_item(s.voids[0]) if s.voids else None,
    }


def agent_course_item(a: AgentCourse) -> dict[str, Any]:
    return {"agent": a.agent, "name": a.name, "total": a.total.to_json(), "sessions": a.sessions,
            "max_sessions": a.max_sessions,
            "min_interval": a.min_interval.text() if a.min_interval else None,
            "last_given": a.last_given.isoformat(),
            "next_allowed": a.next_allowed.isoformat() if a.next_allowed else None,
            "course_complete": a.complete, "checks": [course_check_item(ch) for ch in a.checks]}


def plan_course_item(info: PlanCourse) -> dict[str, Any]:
    """The `ledger` field of `plan|visit --patient-id --json` (without the ledger path and the recording)."""
    return {"patient": info.patient, "sessions_given": info.sessions_given,
            "last_given": info.last_given.isoformat() if info.last_given else None,
            "course_checks": [course_check_item(ch) for ch in info.checks]}


def history_doc(h: History) -> dict[str, Any]:
    """`history --json`: every session (voided ones too, not counted) with its number in the course and its
    flags, each agent's course, the next allowed and latest on-time dates, the warnings."""
    flags = {s.number: list(s.flags) for s in h.course.sessions}
    sessions = []
    for s in h.sessions:
        number = h.course.numbers.get(s.uuid)
        sessions.append(dict(session_item(s), number=number, flags=flags.get(number, []) if number else []))
    return {
        "kind": "history", "version": VERSION, "patient": h.patient, "ledger": h.ledger,
        "sessions": sessions,
        "sessions_given": sum(1 for s in h.sessions if not s.voided),
        "sessions_void": sum(1 for s in h.sessions if s.voided),
        "agents": [agent_course_item(a) for a in h.course.agents],
        "next_allowed": h.course.next_allowed.isoformat() if h.course.next_allowed else None,
        "latest_on_time": h.course.latest_on_time.isoformat() if h.course.latest_on_time else None,
        "latest_on_time_note": h.course.latest_reason,
        "warnings": [warning_item(w) for w in h.course.warnings],
        "ok": h.exit_code == 0, "exit_code": h.exit_code,
    }


def lots_doc(report: LotReport) -> dict[str, Any]:
    """`lots --json`: every session that received the lot, and its patients."""
    return {
        "kind": "lots", "version": VERSION, "lot": report.lot, "ledger": report.ledger,
        "patients": report.patients,
        "sessions": [{"session": s.uuid, "patient": s.patient, "given_at": s.given_at.isoformat(),
                      "target": lot.target, "lot": lot.lot,
                      "expiry": lot.expiry.isoformat() if lot.expiry else None,
                      "items": [item.ref for item in s.content.items],
                      "by": s.by, "void": void_item(s.voids[0]) if s.voids else None}
                     for s, lot in report.entries],
        "similar": list(report.similar),
    }


def record_doc(outcome: Outcome, patient: str, ledger: str) -> dict[str, Any]:
    """`record --json`: the stored session, or why it was refused."""
    return {"kind": "record", "version": VERSION, "action": "record", "patient": patient, "ledger": ledger,
            "recorded": outcome.session is not None,
            "session": session_item(outcome.session) if outcome.session is not None else None,
            "refused": outcome.refused, "warnings": [warning_item(w) for w in outcome.warnings],
            "exit_code": outcome.exit_code}


def void_doc(session: StoredSession, entry: Void, ledger: str) -> dict[str, Any]:
    """`record --void --json`: the session (as it was before) and its void."""
    return {"kind": "record", "version": VERSION, "action": "void", "patient": session.patient, "ledger": ledger,
            "recorded": True, "session": session_item(session), "void": void_item(entry), "refused": None,
            "warnings": [], "exit_code": 0}


def import_doc(r: ImportResult) -> dict[str, Any]:
    return {"kind": "ledger-import", "version": VERSION, "file": r.file, "added": r.added,
            "unchanged": r.unchanged, "voids_added": r.voids_added,
            "conflicts": [{"session": c.session, "fields": list(c.fields)} for c in r.conflicts],
            "ok": not r.conflicts}


def check_doc(r: CheckResult) -> dict[str, Any]:
    return {"kind": "ledger-check", "version": VERSION, "ledger": r.path, "schema_version": r.schema_version,
            "sessions": r.sessions, "voids": r.voids, "problems": list(r.problems), "ok": not r.problems}


def backup_doc(r: BackupResult) -> dict[str, Any]:
    return {"kind": "ledger-backup", "version": VERSION, "ledger": r.ledger, "backup": r.backup,
            "sessions": r.sessions}


def summary_doc(result: ImportResult | CheckResult | BackupResult) -> dict[str, Any]:
    """The document of `ledger import`, `ledger check` or `ledger backup`."""
    from mesocalc.ledger.portable import CheckResult, ImportResult

    if isinstance(result, ImportResult):
        return import_doc(result)
    if isinstance(result, CheckResult):
        return check_doc(result)
    return backup_doc(result)
