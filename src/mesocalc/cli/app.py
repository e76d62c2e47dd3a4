"""The Typer app: each command's arguments and options, and the function of cli/commands.py it calls.

Declarations only: what the flags are (the shared ones defined once in cli/options.py), their help, their
order. What a command does is in cli/commands.py (flags -> request -> api -> renderer -> exit code); every
error leaves by one path, `cli.runner.run()`. No arithmetic, no YAML, no unit parsing, no rendering here.
The common command lines do not come here at all (cli/fastpath.py reads them without Typer).
"""

import sys
from typing import Annotated

import typer

from mesocalc import __version__
from mesocalc.cli import commands as do
from mesocalc.cli.help import MesocalcGroup
from mesocalc.cli.options import (
    AgainOpt,
    AreaOpt,
    BatchOpt,
    ByOpt,
    DateOpt,
    ExplainOpt,
    ExportOpt,
    GridOpt,
    JobsOpt,
    JsonOpt,
    LedgerOpt,
    LibraryOpt,
    LotOpt,
    MapOpt,
    NoteOpt,
    OverrideOpt,
    PatientIdOpt,
    PatientOpt,
    PointsOpt,
    RecordOpt,
    ScalpOpt,
    ShowMapOpt,
    SpacingOpt,
    StrictOpt,
    VppOpt,
    WeightOpt,
)
from mesocalc.cli.runner import run as run

app = typer.Typer(
    cls=MesocalcGroup,  # commands in the order a user meets them; whole summaries; completion of ids
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Formulation calculator for mesotherapy injection cocktails: injection grid, volumes, "
    "final concentrations, doses and every dose cap, with its source.",
)


def version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"mesocalc {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """mesocalc: grid, volumes, concentrations, doses and dose caps for mesotherapy cocktails."""


@app.command()
def plan(
    cocktail: Annotated[str | None, typer.Argument(help="Cocktail id from the library, or a YAML file.")] = None,
    area: AreaOpt = None,
    scalp: ScalpOpt = None,
    spacing: SpacingOpt = None,
    volume_per_point: VppOpt = None,
    grid: GridOpt = None,
    points: PointsOpt = None,
    weight: WeightOpt = None,
    patient: PatientOpt = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
    strict: StrictOpt = False,
    batch: BatchOpt = None,
    jobs: JobsOpt = None,
    explain: ExplainOpt = False,
    map_file: MapOpt = None,
    show_map: ShowMapOpt = False,
    export: ExportOpt = None,
    patient_id: PatientIdOpt = None,
    record: RecordOpt = False,
    ledger: LedgerOpt = None,
    date: DateOpt = None,
    lot: LotOpt = None,
    by: ByOpt = None,
    note: NoteOpt = None,
    override: OverrideOpt = None,
    again: AgainOpt = False,
) -> None:
    """One session: injection grid, volumes, final concentrations, doses, every dose cap, capacity.

    Example: mesocalc plan submental-dca --area "25 cm^2"

    Example: mesocalc plan submental-dca --area "5 cm x 5 cm" --explain --map grid.svg

    Example: echo '{"cocktail": "submental-dca", "area": "25 cm^2"}' | mesocalc plan --batch -
    """
    raise typer.Exit(do.plan(cocktail, area, scalp, spacing, volume_per_point, grid, points, weight, patient, library,
                             json_out, strict, batch, explain, map_file, show_map, export, patient_id, record, ledger,
                             date, lot, by, note, override, again, jobs))


@app.command()
def agents(
    agent_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="One agent to show in full.")] = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Browse the injectable agents of the library, with their caps and sources.

    Example: mesocalc agents lidocaine
    """
    raise typer.Exit(do.browse("agents", agent_id, library, json_out))


@app.command()
def cocktails(
    cocktail_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="One cocktail to show in full.")] = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Browse the cocktails of the library.

    Example: mesocalc cocktails submental-dca
    """
    raise typer.Exit(do.browse("cocktails", cocktail_id, library, json_out))


@app.command()
def areas(
    area_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="One area to show.")] = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Browse the treatment areas and scalp presets (sourced or assumption).

    Example: mesocalc areas scalp
    """
    raise typer.Exit(do.browse("areas", area_id, library, json_out))


@app.command()
def conditions(
    condition_id: Annotated[str | None, typer.Argument(
        metavar="[TERM]", help="One condition, by id or any synonym.")] = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The patient vocabulary: condition ids, names, synonyms, and the agents that name each one.

    A patient file's `conditions` resolve through these ids and synonyms (case, spaces, underscores
    and hyphens do not matter); allergies resolve through agent ids, aliases, classes and excipients.

    Example: mesocalc conditions pregnancy
    """
    raise typer.Exit(do.conditions(condition_id, library, json_out))


@app.command()
def check(
    paths: Annotated[list[str] | None, typer.Argument(metavar="[PATH]...", help="Library files or folders.")] = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
    strict: Annotated[bool, typer.Option("--strict", help="Missing sources count as problems too.")] = False,
) -> None:
    """Validate library files: every problem as FILE:LINE: key.path: message.

    Exit 0 when clean, 1 when problems were found (missing sources only with --strict).

    Example: mesocalc check --strict
    """
    raise typer.Exit(do.check(paths, library, json_out, strict))


@app.command()
def schema(
    name: Annotated[str | None, typer.Argument(metavar="[NAME]", help="plan, error, library, ... (none: list them).")]
    = None,
    json_out: JsonOpt = False,
) -> None:
    """Print the JSON Schema (draft 2020-12) of an output kind or of the YAML library files.

    Without a name, list the schemas. Editors can validate library YAML with the `library` schema.

    Example: mesocalc schema plan
    """
    raise typer.Exit(do.schema(name, json_out))


@app.command()
def schedule(
    cocktail: Annotated[str, typer.Argument(help="Cocktail id from the library, or a YAML file.")],
    start: Annotated[str | None, typer.Option(
        "--start", help="Date of the first new session, YYYY-MM-DD (default with --history: one interval "
        "of the first phase after the last session given).")] = None,
    phase: Annotated[list[str] | None, typer.Option(
        "--phase", help='Phase "NAME:COUNT every INTERVAL", repeatable, in order; replaces the cocktail\'s '
        'protocol, e.g. --phase "intensive:4 every 1 week" --phase "maintenance:6 every 1 month".')] = None,
    history: Annotated[str | None, typer.Option(
        "--history", help="YAML or JSON list of sessions already given, each with a date and a volume "
        "or per-agent doses.")] = None,
    area: AreaOpt = None,
    scalp: ScalpOpt = None,
    spacing: SpacingOpt = None,
    volume_per_point: VppOpt = None,
    grid: GridOpt = None,
    points: PointsOpt = None,
    weight: WeightOpt = None,
    patient: PatientOpt = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
    strict: StrictOpt = False,
    patient_id: PatientIdOpt = None,
    ledger: LedgerOpt = None,
) -> None:
    """The course: session dates by phase, each session's doses, cumulative doses against course caps,
    maximum sessions and minimum intervals.

    Example: mesocalc schedule submental-dca --start 2027-01-31 --area "25 cm^2"
    """
    raise typer.Exit(do.schedule(cocktail, start, phase, history, area, scalp, spacing, volume_per_point, grid, points,
                                 weight, patient, library, json_out, strict, patient_id, ledger))


@app.command()
def convert(
    quantity: Annotated[str, typer.Argument(help='A quantity with its unit: "1:100000", "2 %", "0.2 mg".')],
    unit: Annotated[str | None, typer.Argument(help='Target unit: mg/mL, mcg/mL, %, mcg, mL, ratio (1:N).')] = None,
    json_out: JsonOpt = False,
) -> None:
    """Pharmacy unit conversion: % w/v, ratio strength, mass, volume, units of activity.

    Example: mesocalc convert "1:100000" mcg/mL
    """
    raise typer.Exit(do.convert(quantity, unit, json_out))


@app.command()
def compound(
    cocktail: Annotated[str, typer.Argument(help="Cocktail id from the library, or a YAML file.")],
    volume: Annotated[str, typer.Option("--volume", help='The batch to prepare, e.g. "10 mL".')],
    stock: Annotated[list[str] | None, typer.Option(
        "--stock", help="AGENT=STOCK_ID (or AGENT=CONCENTRATION): the vial to draw from (repeatable).")] = None,
    overfill: Annotated[str | None, typer.Option("--overfill", help='Extra volume for dead space, e.g. "0.5 mL".')]
    = None,
    diluent: Annotated[str | None, typer.Option("--diluent", help="Name of the diluent, for the record.")] = None,
    category: Annotated[str | None, typer.Option("--category", help="USP <797> category: 1, 2 or 3.")] = None,
    storage: Annotated[str | None, typer.Option("--storage", help="room, fridge or freezer.")] = None,
    prepared: Annotated[str | None, typer.Option(
        "--prepared", help="Start of preparation, ISO 8601 (default now), e.g. 2026-03-01T09:30.")] = None,
    immediate_use: Annotated[bool, typer.Option("--immediate-use", help="Immediate use: 4 h (USP <797>).")] = False,
    worksheet: Annotated[str | None, typer.Option("--worksheet", help="Write a compounding record: FILE.md or .html.")]
    = None,
    patient: PatientOpt = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
    explain: ExplainOpt = False,
    strict: StrictOpt = False,
) -> None:
    """The pharmacist's recipe: each stock vial to draw, the diluent, checks and the beyond-use date.

    Example: mesocalc compound submental-dca-lidocaine --volume "5 mL" --category 1 --storage fridge
    """
    raise typer.Exit(do.compound(cocktail, volume, stock, overfill, diluent, category, storage, prepared,
                                 immediate_use, worksheet, patient, library, json_out, explain, strict))


@app.command()
def visit(
    file: Annotated[str | None, typer.Argument(help="Visit file, YAML or JSON (kind: visit); - for stdin.")] = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
    strict: StrictOpt = False,
    explain: ExplainOpt = False,
    export: ExportOpt = None,
    batch: Annotated[str | None, typer.Option(
        "--batch", metavar="FILE", help="One visit JSON object per line (- for stdin); one visit JSON per line out.")]
    = None,
    jobs: JobsOpt = None,
    patient_id: PatientIdOpt = None,
    record: RecordOpt = False,
    ledger: LedgerOpt = None,
    date: DateOpt = None,
    lot: LotOpt = None,
    by: ByOpt = None,
    note: NoteOpt = None,
    override: OverrideOpt = None,
    again: AgainOpt = False,
) -> None:
    """Everything given to one patient in one session: each item planned, every agent totalled across the
    items against its session caps, class limits (local anaesthetics: additive shares and what remains).

    Example: mesocalc visit session.yaml

    Example: mesocalc visit session.yaml --explain --export session.html

    Example: mesocalc visit session.yaml --patient-id P-0042 --record --lot emla-cream=E123:2027-06
    """
    raise typer.Exit(do.visit(file, library, json_out, strict, explain, export, batch, patient_id, record, ledger,
                              date, lot, by, note, override, again, jobs))


from mesocalc.cli import ledger as cli_ledger  # noqa: E402, F401  (registers record, history, lots, ledger)
