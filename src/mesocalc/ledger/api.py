"""The ledger's operations as functions of a ledger path: what the CLI and scripts call.

Each opens the ledger, does one thing (a write is one transaction) and closes it. Errors are
MesocalcError (exit 2) naming the ledger file, never a patient other than the one asked about.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mesocalc.core import checks as c
from mesocalc.core import model as m
from mesocalc.errors import Location, did_you_mean, input_error
from mesocalc.ledger import codec, portable
from mesocalc.ledger import content as ct
from mesocalc.ledger.db import open_ledger
from mesocalc.ledger.reports import History, LotReport, history
from mesocalc.ledger.store import (
    Outcome,
    Recording,
    StoredSession,
    Void,
    all_sessions,
    known_lots,
    lot_sessions,
    patient_sessions,
    resolve_lots,
)
from mesocalc.ledger.store import record as record_session
from mesocalc.ledger.store import void as void_session
from mesocalc.record import Record


@dataclass(frozen=True, eq=False, repr=False)
class RecordOptions(Record):
    """What `record` (or `plan --record`) was given besides the document, as typed."""

    patient: str
    date: str | None = None
    lots: tuple[str, ...] = ()
    by: str | None = None
    note: str | None = None
    override: str | None = None
    again: bool = False


def read_document(text: str, name: str) -> Any:
    """A plan or visit JSON document (one JSON value); an error names the file and line."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise input_error(f"not valid JSON: {getattr(exc, 'msg', str(exc))}", Location(name, line),
                          code="bad-json", hint="record the output of mesocalc plan --json") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def recording(doc: Any, name: str, options: RecordOptions, library: m.Library) -> Recording:
    """A Recording from a document and the options; every input checked before the ledger is opened."""
    patient = ct.patient_id(options.patient)
    content = ct.content_from_document(doc, name)
    date_text = options.date
    if date_text is None and isinstance(doc, dict) and isinstance(doc.get("date"), str):
        date_text = doc["date"]  # a visit document carries the date it was given
    given_at = ct.parse_given_at(date_text)
    lots = resolve_lots(tuple(ct.parse_lot(spec) for spec in options.lots), content, library, given_at)
    return Recording(
        patient, given_at, content, bool(doc["ok"]), json.dumps(doc, ensure_ascii=False, allow_nan=False), lots,
        ct.clean_text(options.override, "the override reason", "--override"),
        ct.clean_text(options.by, "--by", "--by", ct.MAX_ID), ct.clean_text(options.note, "the note", "--note"),
        options.again)


def course_warnings(path: Path, entry: Recording, library: m.Library) -> list[c.Warning]:
    """The patient's course rules from the ledger that a session (a plan or a visit, not yet recorded)
    would break: what `visit --patient-id` adds to its warnings. Nothing is written."""
    from mesocalc.ledger.course import judge_new_session

    history = [s for s in sessions_of(path, entry.patient) if not s.voided]
    return judge_new_session(history, entry, library)


def record(path: Path, entry: Recording, library: m.Library) -> Outcome:
    with open_ledger(path, create=True) as con:
        return record_session(con, entry, library)


def void(path: Path, session: str, reason: str | None, by: str | None,
         patient: str | None = None) -> tuple[StoredSession, Void]:
    why = ct.clean_text(reason, "the reason", "--reason", required=True)
    assert why is not None
    who = ct.clean_text(by, "--by", "--by", ct.MAX_ID)
    with open_ledger(path) as con:
        return void_session(con, session, why, who, ct.patient_id(patient) if patient is not None else None)


def sessions_of(path: Path, patient: str) -> list[StoredSession]:
    """A patient's sessions; none when the ledger does not exist yet (a first session)."""
    if not path.exists():
        return []
    with open_ledger(path) as con:
        return patient_sessions(con, ct.patient_id(patient, "--patient-id"))


def patient_history(path: Path, patient: str, library: m.Library) -> History:
    patient = ct.patient_id(patient, "PATIENT")
    with open_ledger(path) as con:
        sessions = patient_sessions(con, patient)
    if not sessions:
        raise input_error(f"no sessions recorded for patient {patient} in {path}", Location(key="PATIENT"),
                          code="unknown-patient", hint="patient ids are compared without regard to case")
    return history(sessions[-1].patient, str(path), sessions, library)  # the id as recorded


def lots(path: Path, lot: str) -> LotReport:
    text = ct.clean_text(lot, "the lot number", "LOT", ct.MAX_ID, required=True)
    assert text is not None
    with open_ledger(path) as con:
        found = lot_sessions(con, text)
        similar = () if found else tuple(_similar(text, known_lots(con)))
    return LotReport(text, str(path), tuple(found), similar)


def _similar(lot: str, known: list[str]) -> list[str]:
    hint = did_you_mean(lot.upper(), [k.upper() for k in known])
    return [hint.split("'")[1]] if hint else []


def export(path: Path, patient: str | None) -> dict[str, Any]:
    with open_ledger(path) as con:
        who = ct.patient_id(patient, "--patient") if patient is not None else None
        sessions = patient_sessions(con, who, documents=True) if who is not None else all_sessions(con, True)
        doc = codec.export_doc(sessions, who)
    if who is not None and not doc["sessions"]:
        raise input_error(f"no sessions recorded for patient {who} in {path}", Location(key="--patient"),
                          code="unknown-patient")
    return doc


def import_file(path: Path, text: str, name: str) -> portable.ImportResult:
    sessions = codec.read_export(text, name)
    with open_ledger(path, create=True) as con:
        return portable.import_file(con, sessions, name)


def check(path: Path) -> portable.CheckResult:
    with open_ledger(path) as con:
        return portable.check(con, path)


def backup(path: Path, dest: Path) -> portable.BackupResult:
    with open_ledger(path) as con:
        return portable.backup(con, path, dest)
