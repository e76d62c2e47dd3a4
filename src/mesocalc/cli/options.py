"""Options of the ledger shared by `record`, `plan --record` and `schedule --patient-id` (defined once)."""

from typing import Annotated

import typer

LedgerOpt = Annotated[str | None, typer.Option(
    "--ledger", metavar="PATH", help="The ledger file (default: MESOCALC_LEDGER, else "
    "$XDG_DATA_HOME/mesocalc/ledger.sqlite3, else ~/.local/share/mesocalc/ledger.sqlite3).")]
DateOpt = Annotated[str | None, typer.Option(
    "--date", metavar="DATETIME", help="When the session was given, YYYY-MM-DD or YYYY-MM-DDTHH:MM (default now).")]
LotOpt = Annotated[list[str] | None, typer.Option(
    "--lot", metavar="AGENT_OR_STOCK=LOT[:EXPIRY]", help="Lot (and expiry, YYYY-MM-DD or YYYY-MM) of an agent, "
    "stock or product given; repeatable. An expired lot is refused.")]
ByOpt = Annotated[str | None, typer.Option("--by", help="Who gave the session.")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A note kept with the session.")]
OverrideOpt = Annotated[str | None, typer.Option(
    "--override", metavar="REASON", help="Record a session whose plan was not OK, or that breaks a course rule, "
    "with the reason.")]
AgainOpt = Annotated[bool, typer.Option(
    "--again", help="Record it even though the same session was recorded within 12 h (a possible duplicate).")]

PatientIdOpt = Annotated[str | None, typer.Option(
    "--patient-id", metavar="ID", help="Check course caps, max_sessions and intervals against this patient's "
    "sessions in the ledger (no history file needed).")]
RecordOpt = Annotated[bool, typer.Option(
    "--record", help="Record this session in the ledger as given (with --patient-id; see mesocalc record).")]
