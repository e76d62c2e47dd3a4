"""The ledger commands (record, history, lots, ledger export|import|check|backup) and the ledger part of
`plan` and `schedule --patient-id`: flags in, ledger API, renderer out, exit code. No arithmetic here.

Registered on the app by cli.py; sqlite3 is imported only when one of these runs.
"""


import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mesocalc.cli.app import JsonOpt, LibraryOpt, app, load
from mesocalc.cli.options import AgainOpt, ByOpt, DateOpt, LedgerOpt, LotOpt, NoteOpt, OverrideOpt
from mesocalc.errors import Location, MesocalcError, input_error

MAX_INPUT = 16 * 1024 * 1024

def ledger_path(option: str | None) -> Path:
    from mesocalc.ledger.db import ledger_path as resolve

    return resolve(option)


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


# ---- record -----------------------------------------------------------------------------------

@app.command()
def record(
    file: Annotated[str, typer.Argument(metavar="[FILE|-]", help="A plan or visit JSON document (- for stdin).")]
    = "-",
    patient: Annotated[str | None, typer.Option("--patient", help="The patient id (required to record).")] = None,
    date: DateOpt = None,
    lot: LotOpt = None,
    by: ByOpt = None,
    note: NoteOpt = None,
    override: OverrideOpt = None,
    again: AgainOpt = False,
    void: Annotated[str | None, typer.Option(
        "--void", metavar="SESSION", help="Mark a session void (its UUID, or 8+ first characters); nothing is "
        "deleted.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the session is void (with --void).")] = None,
    ledger: LedgerOpt = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a session actually given, from a plan or visit JSON, in the course ledger.

    A plan that was not OK, or a session that breaks the patient's course rules, is recorded only with
    --override; an expired lot is refused; the same session twice within 12 h needs --again.

    Example: mesocalc record plan.json --patient P-0042 --lot kybella-10=C12345:2027-03 --by "Dr Lee"
    """
    from mesocalc.ledger import api

    path = ledger_path(ledger)
    if void is not None:
        if file != "-" or any(x for x in (date, lot, note, override, again)):
            raise input_error("--void takes only --reason, --by and --patient", Location(key="--void"),
                              code="usage")
        session, entry = api.void(path, void, reason, by, patient)
        from mesocalc.render.ledger_report import present_void

        present_void(session, entry, str(path), json_out)
        raise typer.Exit(0)
    if patient is None:
        raise input_error("give --patient ID: whose session this is", Location(key="--patient"),
                          code="missing-option")
    lib = load(library)
    text, name = read_input(file, "the plan or visit JSON")
    entry_doc = api.read_document(text, name)
    options = api.RecordOptions(patient, date, tuple(lot or ()), by, note, override, again)
    outcome = api.record(path, api.recording(entry_doc, name, options, lib), lib)
    from mesocalc.render.ledger_report import present_outcome

    present_outcome(outcome, str(path), patient, json_out)
    raise typer.Exit(outcome.exit_code)


# ---- history, lots ----------------------------------------------------------------------------

@app.command()
def history(
    patient: Annotated[str, typer.Argument(help="The patient id.")],
    show_all: Annotated[bool, typer.Option("--all", help="Show every session (default: the last 30).")] = False,
    ledger: LedgerOpt = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A patient's sessions from the ledger: doses, lots, each agent's cumulative dose against its course
    caps, sessions used of max_sessions, the next allowed and the latest on-time date.

    Example: mesocalc history P-0042
    """
    from mesocalc.ledger import api

    lib = load(library)
    result = api.patient_history(ledger_path(ledger), patient, lib)
    from mesocalc.render.ledger_report import present_history

    present_history(result, json_out, show_all)
    raise typer.Exit(result.exit_code)


@app.command()
def lots(
    lot: Annotated[str, typer.Argument(help="The lot number (compared without regard to case).")],
    ledger: LedgerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Every session and patient that received a lot: a recall in one command.

    Example: mesocalc lots C12345
    """
    from mesocalc.ledger import api

    report = api.lots(ledger_path(ledger), lot)
    from mesocalc.render.ledger_report import present_lots

    present_lots(report, json_out)


# ---- ledger export | import | check | backup ---------------------------------------------------

ledger_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None,
    help="The course ledger's housekeeping: export, import, check, backup.\n\nExample: mesocalc ledger check")
app.add_typer(ledger_app, name="ledger")


@ledger_app.command("export")
def ledger_export(
    patient: Annotated[str | None, typer.Option("--patient", help="Only this patient's record.")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                                               help="Write to FILE (default stdout).")] = None,
    ledger: LedgerOpt = None,
) -> None:
    """The portable JSON record (kind: ledger-export): every session, or one patient's, with lots and voids.

    Example: mesocalc ledger export --patient P-0042 -o P-0042.json
    """
    from mesocalc.ledger import api
    from mesocalc.render.ledger_report import present_export

    present_export(api.export(ledger_path(ledger), patient), output)


@ledger_app.command("import")
def ledger_import(
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="A ledger export (- for stdin).")],
    ledger: LedgerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Read a ledger export back: sessions already present add nothing; a conflicting record is reported
    and nothing is imported.

    Example: mesocalc ledger import P-0042.json
    """
    from mesocalc.ledger import api

    text, name = read_input(file, "the ledger export")
    result = api.import_file(ledger_path(ledger), text, name)
    from mesocalc.render.ledger_report import present_summary

    present_summary(result, json_out)


@ledger_app.command("check")
def ledger_check(
    ledger: LedgerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Verify the ledger: SQLite's integrity check and the ledger's own invariants. Exit 1 on a problem.

    Example: mesocalc ledger check
    """
    from mesocalc.ledger import api

    result = api.check(ledger_path(ledger))
    from mesocalc.render.ledger_report import present_summary

    present_summary(result, json_out)
    raise typer.Exit(0 if not result.problems else 1)


@ledger_app.command("backup")
def ledger_backup(
    dest: Annotated[str, typer.Argument(metavar="PATH", help="Where to write the copy (replaced atomically).")],
    ledger: LedgerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A consistent copy of the ledger, also while others record (SQLite's backup API), owner-only.

    Example: mesocalc ledger backup ~/backups/ledger-2027-01-31.sqlite3
    """
    from mesocalc.ledger import api

    result = api.backup(ledger_path(ledger), Path(dest))
    from mesocalc.render.ledger_report import present_summary

    present_summary(result, json_out)


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
