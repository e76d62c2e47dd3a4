"""The ledger commands (record, history, lots, ledger export|import|check|backup): their options, and the
housekeeping sub-app's bodies (flags in, ledger API, renderer out, exit code). What record, history and
lots do is in cli/commands.py (the fast path runs them without Typer); the ledger's part of `plan`,
`schedule` and `visit` is in cli/course.py. No arithmetic here.

Registered on the app by cli.py; sqlite3 is imported only when one of these runs.
"""


from pathlib import Path
from typing import Annotated

import typer

from mesocalc.cli import commands as do
from mesocalc.cli.app import app
from mesocalc.cli.course import ledger_path, read_input
from mesocalc.cli.options import AgainOpt, ByOpt, DateOpt, JsonOpt, LedgerOpt, LibraryOpt, LotOpt, NoteOpt, OverrideOpt

# ---- record -----------------------------------------------------------------------------------

@app.command()
def record(
    file: Annotated[str, typer.Argument(metavar="[FILE|-]", help="A plan or visit JSON document (- for stdin).")]
    = "-",
    patient: Annotated[str | None, typer.Option("--patient", metavar="ID",
                                                help="The patient id (required to record).")] = None,
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
    raise typer.Exit(do.record(file, patient, date, lot, by, note, override, again, void, reason, ledger, library,
                               json_out))


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
    raise typer.Exit(do.history(patient, show_all, ledger, library, json_out))


@app.command()
def lots(
    lot: Annotated[str, typer.Argument(help="The lot number (compared without regard to case).")],
    ledger: LedgerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Every session and patient that received a lot: a recall in one command.

    Example: mesocalc lots C12345
    """
    raise typer.Exit(do.lots(lot, ledger, json_out))


# ---- ledger export | import | check | backup ---------------------------------------------------

ledger_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode=None,
    help="The course ledger's housekeeping: export, import, check, backup.\n\nExample: mesocalc ledger check")
app.add_typer(ledger_app, name="ledger")


@ledger_app.command("export")
def ledger_export(
    patient: Annotated[str | None, typer.Option("--patient", metavar="ID", help="Only this patient's record.")] = None,
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
