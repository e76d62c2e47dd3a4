"""The course ledger's part of `plan`, `schedule` and `visit` (--patient-id, --record): the options
checked, the result judged against the patient's sessions, recorded when asked; and the ledger's paths
and input files. Free of Typer (the fast path runs these). sqlite3 is imported only when used.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mesocalc.errors import Location, MesocalcError, input_error

MAX_INPUT = 16 * 1024 * 1024


def read_input(file: str, what: str) -> tuple[str, str]:
    """The text of FILE, or of stdin for '-', and the name to use in messages."""
    if file == "-":
        if sys.stdin.isatty():
            raise input_error(f"give {what} as FILE, or pipe it on stdin", Location(key="FILE"), code="usage")
        text = sys.stdin.read(MAX_INPUT + 1)
        name = "<stdin>"
    else:
        try:
            with open(file, encoding="utf-8") as handle:
                text = handle.read(MAX_INPUT + 1)
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise input_error(f"cannot read {file}: {reason}", Location(file), code="unreadable") from None
        name = file
    if len(text) > MAX_INPUT:
        raise input_error(f"{name} is larger than {MAX_INPUT // (1024 * 1024)} MB", Location(name), code="too-large")
    return text, name


def ledger_path(option: str | None) -> Path:
    from mesocalc.ledger.db import ledger_path as resolve

    return resolve(option)


# ---- plan and schedule with --patient-id -------------------------------------------------------

def plan_ledger_options(patient_id: str | None, record: bool, date: str | None, lot: list[str] | None,
                        by: str | None, note: str | None, override: str | None, again: bool) -> tuple[Any, bool]:
    """The options of `plan --patient-id [--record]`, and whether to record."""
    from mesocalc.ledger.api import RecordOptions

    given = [name for name, value in (("--lot", lot), ("--by", by), ("--note", note), ("--override", override),
                                      ("--again", again)) if value]
    if record and patient_id is None:
        raise input_error("--record needs --patient-id ID: whose session this is", Location(key="--record"),
                          code="missing-option")
    if given and not record:
        verb = "goes" if len(given) == 1 else "go"
        raise input_error(f"{', '.join(given)} {verb} with --record --patient-id ID", Location(key=given[0]),
                          code="usage")
    if date is not None and patient_id is None:
        raise input_error("--date goes with --patient-id (the date the session is checked for)",
                          Location(key="--date"), code="usage")
    if not record:
        return RecordOptions(patient_id or "", date), False
    return RecordOptions(patient_id or "", date, tuple(lot or ()), by, note, override, again), True


def plan_with_ledger(result: Any, lib: Any, ledger: str | None, options: tuple[Any, bool],
                     strict: bool) -> tuple[Any, Any]:
    """The plan judged against the patient's course in the ledger; recorded too with --record."""
    from mesocalc.ledger import api
    from mesocalc.ledger import content as ct
    from mesocalc.ledger.course import plan_with_course

    record_options, record = options
    path = ledger_path(ledger)
    patient = ct.patient_id(record_options.patient, "--patient-id")
    when = ct.parse_given_at(record_options.date)
    result, info = plan_with_course(result, api.sessions_of(path, patient), patient, when.date(), lib, strict)
    outcome = None
    if record:
        from mesocalc.render.jsondoc import plan_doc

        entry = api.recording(plan_doc(result), "plan", record_options, lib)
        outcome = api.record(path, entry, lib)
    from mesocalc.render.ledger_report import PlanLedger

    return result, PlanLedger(info, outcome, str(path))


def ledger_history(patient_id: str, ledger: str | None, cocktail: Any, history_file: str | None) -> list[Any]:
    """`schedule --patient-id`: the patient's sessions from the ledger as schedule history entries."""
    from datetime import date

    from mesocalc.ledger import api
    from mesocalc.ledger.course import history_entries

    if history_file is not None:
        raise input_error("give --history FILE or --patient-id ID, not both", Location(key="--patient-id"),
                          code="usage")
    sessions = api.sessions_of(ledger_path(ledger), patient_id)
    return history_entries(sessions, {comp.agent for comp in cocktail.components}, date.max)


# ---- visit with --patient-id [--record] --------------------------------------------------------

def ledger_patients(ledger: str | None) -> Any:
    """For a visit file's `patient:` that is neither a file nor a library patient: the id as the ledger
    recorded it, when the ledger has sessions for it (SPEC §5), else None."""
    def known(text: str) -> str | None:
        from mesocalc.ledger import api

        try:
            sessions = api.sessions_of(ledger_path(ledger), text)
        except MesocalcError:
            return None
        return sessions[-1].patient if sessions else None

    return known


def visit_patient(patient_id: str | None, request: Any) -> str | None:
    """--patient-id, or the ledger patient the visit file names; both given must agree."""
    named = request.patient_id
    if patient_id is not None and named is not None and patient_id.strip().lower() != named.lower():
        raise input_error(f"the visit file names patient {named}, --patient-id says {patient_id.strip()[:64]}",
                          Location(key="--patient-id"), code="usage")
    return patient_id if patient_id is not None else named


def visit_with_ledger(result: Any, lib: Any, ledger: str | None, options: tuple[Any, bool],
                      strict: bool) -> tuple[Any, Any]:
    """The visit judged against the patient's course in the ledger (all its agents as one session: course
    caps, max_sessions, min_interval); recorded too with --record."""
    from mesocalc.core.visit import with_course_warnings
    from mesocalc.ledger import api
    from mesocalc.ledger.course import visit_course
    from mesocalc.render.ledger_report import PlanLedger
    from mesocalc.render.visit_json import visit_doc

    record_options, record = options
    path = ledger_path(ledger)
    entry = api.recording(visit_doc(result), "visit", record_options, lib)
    info = visit_course(api.sessions_of(path, entry.patient), entry, lib)
    result = with_course_warnings(result, info.warnings, strict)
    outcome = None
    if record:  # the document as shown, course warnings included: not OK needs --override
        outcome = api.record(path, api.recording(visit_doc(result), "visit", record_options, lib), lib)
    return result, PlanLedger(info, outcome, str(path))
