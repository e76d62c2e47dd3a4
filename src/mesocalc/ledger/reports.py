"""What `history` and `lots` report: typed results (render/ledger_table.py and ledger_json.py render them)."""

from __future__ import annotations

from dataclasses import dataclass

from mesocalc.core import model as m
from mesocalc.ledger import content as ct
from mesocalc.ledger.course import Course, course, given
from mesocalc.ledger.store import StoredSession
from mesocalc.record import Record


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
