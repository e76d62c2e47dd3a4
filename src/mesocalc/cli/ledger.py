"""The ledger commands (record, history, lots, ledger export|import|check|backup): flags in, ledger API,
renderer out, exit code. No arithmetic here. The ledger's part of `plan`, `schedule` and `visit` is in
cli/course.py.

Registered on the app by cli.py; sqlite3 is imported only when one of these runs.
"""


import sys
from pathlib import Path
from typing import Annotated

import typer

from mesocalc.cli.app import app
from mesocalc.cli.commands import load
from mesocalc.cli.course import ledger_path
from mesocalc.cli.options import AgainOpt, ByOpt, DateOpt, JsonOpt, LedgerOpt, LibraryOpt, LotOpt, NoteOpt, OverrideOpt
from mesocalc.errors import Location, input_error

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
