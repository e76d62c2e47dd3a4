"""The options shared by several commands, each defined once: the library, --json, the session's options
(plan, schedule, visit), and the ledger's (`record`, `plan --record`, `schedule --patient-id`)."""

from typing import Annotated

import typer

LibraryOpt = Annotated[list[str] | None, typer.Option(
    "--library", "-L", help="Extra library folder, layered over the built-in one (repeatable).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on any warning, not only hard caps.")]
PatientOpt = Annotated[str | None, typer.Option("--patient", help="Patient YAML file (kind: patient).")]
WeightOpt = Annotated[str | None, typer.Option("--weight", help='Body weight, e.g. "70 kg" or "154 lb".')]
AreaOpt = Annotated[list[str] | None, typer.Option(
    "--area", "-a", help='Area id, surface ("25 cm^2") or dimensions ("5 cm x 4 cm"); repeatable, summed.')]
ScalpOpt = Annotated[str | None, typer.Option(
    "--scalp", help="whole, a scalp region id, a hair-loss stage preset, or a share such as 40%.")]
SpacingOpt = Annotated[str | None, typer.Option("--spacing", help='Grid spacing, e.g. "1 cm".')]
VppOpt = Annotated[str | None, typer.Option("--volume-per-point", help='Volume per point, e.g. "0.2 mL".')]
GridOpt = Annotated[str | None, typer.Option("--grid", help="square or hex.")]
PointsOpt = Annotated[int | None, typer.Option("--points", help="Number of injection points (overrides the grid).")]
BatchOpt = Annotated[str | None, typer.Option(
    "--batch", metavar="FILE", help="One JSON request per line (- for stdin); one plan JSON per line out.")]
JobsOpt = Annotated[int | None, typer.Option(
    "--jobs", metavar="N", help="With --batch: worker processes sharing a long batch (default: one per core; "
    "1: plan every line in this process).")]
ExplainOpt = Annotated[bool, typer.Option(
    "--explain", help="Show every number's derivation, step by step (JSON: an 'explain' list).")]
MapOpt = Annotated[str | None, typer.Option(
    "--map", metavar="FILE.svg", help="Draw the injection grid (outline, every point, spacing, scale) as SVG.")]
ShowMapOpt = Annotated[bool, typer.Option(
    "--show-map", help="Print a compact injection map in the terminal (grids of at most 400 points).")]
ExportOpt = Annotated[str | None, typer.Option(
    "--export", metavar="FILE.html|.svg|.txt", help="Save the human report exactly as shown.")]

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
