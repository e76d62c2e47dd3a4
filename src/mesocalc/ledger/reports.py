"""What `history`, `lots` and `record` report: typed results with their JSON (the tables render them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mesocalc.core import checks as c
from mesocalc.core import model as m
from mesocalc.ledger import content as ct
from mesocalc.ledger.course import Course, course, given
from mesocalc.ledger.store import Outcome, StoredSession, Void
from mesocalc.record import Record
from mesocalc.render.jsondoc import warning_item

VERSION = 1


@dataclass(frozen=True, eq=False, repr=False)
class History(Record):
    """A patient's sessions (voided ones shown, not counted) and the course they add up to."""

    patient: str
    ledger: str
    sessions: tuple[StoredSession, ...]
    course: Course

    @property
    def exit_code(self) -> int:
        return self.course.exit_code

    def to_json(self) -> dict[str, Any]:
        flags = {s.number: list(s.flags) for s in self.course.sessions}
        sessions = []
        for s in self.sessions:
            number = self.course.numbers.get(s.uuid)
            sessions.append(dict(s.to_json(), number=number, flags=flags.get(number, []) if number else []))
        return {
            "kind": "history", "version": VERSION, "patient": self.patient, "ledger": self.ledger,
            "sessions": sessions,
            "sessions_given": sum(1 for s in self.sessions if not s.voided),
            "sessions_void": sum(1 for s in self.sessions if s.voided),
            "agents": [a.to_json() for a in self.course.agents],
            "next_allowed": self.course.next_allowed.isoformat() if self.course.next_allowed else None,
            "latest_on_time": self.course.latest_on_time.isoformat() if self.course.latest_on_time else None,
            "latest_on_time_note": self.course.latest_reason,
            "warnings": [warning_item(w) for w in self.course.warnings],
            "ok": self.exit_code == 0, "exit_code": self.exit_code,
        }


def history(patient: str, ledger: str, sessions: list[StoredSession], library: m.Library) -> History:
    counted = [given(s) for s in sessions if not s.voided]
    return History(patient, ledger, tuple(sessions), course(counted, library))


@dataclass(frozen=True, eq=False, repr=False)
class LotReport(Record):
    """Every session that received a lot: a recall in one command."""

    lot: str
    ledger: str
    entries: tuple[tuple[StoredSession, ct.Lot], ...]
    similar: tuple[str, ...] = ()

    @property
    def patients(self) -> list[str]:
        return list(dict.fromkeys(s.patient for s, _ in self.entries))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "lots", "version": VERSION, "lot": self.lot, "ledger": self.ledger,
            "patients": self.patients,
            "sessions": [{"session": s.uuid, "patient": s.patient, "given_at": s.given_at.isoformat(),
                          "target": lot.target, "lot": lot.lot,
                          "expiry": lot.expiry.isoformat() if lot.expiry else None,
                          "items": [item["ref"] for item in s.content.get("items", [])],
                          "by": s.by, "void": s.voids[0].to_json() if s.voids else None}
                         for s, lot in self.entries],
            "similar": list(self.similar),
        }


def record_doc(outcome: Outcome, patient: str, ledger: str) -> dict[str, Any]:
    return {"kind": "record", "version": VERSION, "action": "record", "patient": patient, "ledger": ledger,
            "recorded": outcome.session is not None,
            "session": outcome.session.to_json() if outcome.session is not None else None,
            "refused": outcome.refused, "warnings": [warning_item(w) for w in outcome.warnings],
            "exit_code": outcome.exit_code}


def void_doc(session: StoredSession, entry: Void, ledger: str) -> dict[str, Any]:
    return {"kind": "record", "version": VERSION, "action": "void", "patient": session.patient, "ledger": ledger,
            "recorded": True, "session": session.to_json(), "void": entry.to_json(), "refused": None,
            "warnings": [], "exit_code": 0}


def warnings_text(warnings: tuple[c.Warning, ...]) -> list[str]:
    return [f"[{w.code}] {w.message}" for w in warnings]
