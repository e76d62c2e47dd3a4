"""The command line: turns flags into requests, picks a renderer, maps results to exit codes.

Each command: options (the shared ones defined once below and in cli_options.py) -> mesocalc.api (or a
request module) -> a renderer of render/ -> exit code. Every error leaves by one path, `run()`: an input
error (MesocalcError) or a usage error is one message on stderr, the error document on stdout with --json,
exit 2. No arithmetic, no YAML, no unit parsing, no tables or documents printed here.
Heavy modules (pint, YAML, Rich) are imported inside the commands that need them, so `--help` stays fast.
"""

import sys
from typing import Annotated, Any, NoReturn, cast

import typer

from mesocalc import __version__
from mesocalc.cli.help import MesocalcGroup
from mesocalc.cli.options import (
    AgainOpt,
    ByOpt,
    DateOpt,
    LedgerOpt,
    LotOpt,
    NoteOpt,
    OverrideOpt,
    PatientIdOpt,
    RecordOpt,
)
from mesocalc.errors import Location, MesocalcError, Problem
from mesocalc.system.streams import expect

app = typer.Typer(
    cls=MesocalcGroup,  # commands in the order a user meets them; whole summaries; completion of ids
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Formulation calculator for mesotherapy injection cocktails: injection grid, volumes, "
    "final concentrations, doses and every dose cap, with its source.",
)

# ---- options shared by many commands (defined once) --------------------------------------------
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
ExplainOpt = Annotated[bool, typer.Option(
    "--explain", help="Show every number's derivation, step by step (JSON: an 'explain' list).")]
MapOpt = Annotated[str | None, typer.Option(
    "--map", metavar="FILE.svg", help="Draw the injection grid (outline, every point, spacing, scale) as SVG.")]
ShowMapOpt = Annotated[bool, typer.Option(
    "--show-map", help="Print a compact injection map in the terminal (grids of at most 400 points).")]
ExportOpt = Annotated[str | None, typer.Option(
    "--export", metavar="FILE.html|.svg|.txt", help="Save the human report exactly as shown.")]


def report(exc: MesocalcError, as_json: bool) -> None:
    """One message per problem on stderr, and the error document on stdout with --json."""
    from mesocalc.render.present import present_error

    present_error(exc.problems, as_json)


class _Errors:
    """How the run in progress reports an input error: as an error document too (--json, --batch)."""

    as_json = False


def load(library: list[str] | None) -> Any:
    """The layered library (--library folders over the built-in one); any error in it is an input error."""
    from mesocalc.api import load_library

    return load_library(*(library or ()))


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
    if batch is not None:
        given = [name for name, value in (("COCKTAIL", cocktail), ("--area", area), ("--scalp", scalp),
                                          ("--spacing", spacing), ("--volume-per-point", volume_per_point),
                                          ("--grid", grid), ("--points", points), ("--weight", weight),
                                          ("--patient", patient), ("--explain", explain), ("--map", map_file),
                                          ("--show-map", show_map), ("--export", export),
                                          ("--patient-id", patient_id), ("--record", record)) if value]
        plan_batch(batch, given, library, strict)
    if cocktail is None:
        from mesocalc.errors import input_error

        raise input_error("missing COCKTAIL: give a cocktail id or YAML file (or --batch FILE)",
                          Location(key="COCKTAIL"), code="missing-argument")
    from mesocalc import api
    from mesocalc.render.plan_report import PlanOutputs, present_plan

    lib = load(library)
    result = api.plan(cocktail, area=tuple(area or ()), scalp=scalp, spacing=spacing, volume_per_point=volume_per_point,
                      grid=grid, points=points, weight=weight, patient=patient, library=lib, strict=strict)
    expect(result.exit_code)
    extra = None
    if any((patient_id, record, date, lot, by, note, override, again)):  # the course ledger (cli_ledger.py)
        from mesocalc.cli.ledger import plan_ledger_options, plan_with_ledger

        ledger_options = plan_ledger_options(patient_id, record, date, lot, by, note, override, again)
        result, extra = plan_with_ledger(result, lib, ledger, ledger_options, strict)
        expect(result.exit_code)
    present_plan(result, PlanOutputs(json_out, explain, map_file, show_map, export, extra), lib)
    raise typer.Exit(max(result.exit_code, extra.exit_code if extra is not None else 0))


def _browse(kind: str, item_id: str | None, library: list[str] | None, json_out: bool) -> None:
    lib = load(library)
    table = {"agents": lib.agents, "cocktails": lib.cocktails, "areas": lib.areas}[kind]
    if item_id is not None:  # by id or alias, ignoring case (notation.lookup)
        from mesocalc.notation import lookup

        item_id = lookup(item_id, table, kind[:-1], Location(key="ID")).id
    from mesocalc.render.browse import present_browse

    items = [table[item_id]] if item_id is not None else sorted(table.values(), key=lambda x: x.id)
    present_browse(kind, items, lib, item_id is not None, json_out)


@app.command()
def agents(
    agent_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="One agent to show in full.")] = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Browse the injectable agents of the library, with their caps and sources.

    Example: mesocalc agents lidocaine
    """
    _browse("agents", agent_id, library, json_out)


@app.command()
def cocktails(
    cocktail_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="One cocktail to show in full.")] = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Browse the cocktails of the library.

    Example: mesocalc cocktails submental-dca
    """
    _browse("cocktails", cocktail_id, library, json_out)


@app.command()
def areas(
    area_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="One area to show.")] = None,
    library: LibraryOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Browse the treatment areas and scalp presets (sourced or assumption).

    Example: mesocalc areas scalp
    """
    _browse("areas", area_id, library, json_out)


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
    from mesocalc.core.vocabulary import condition_index, norm

    lib = load(library)
    items = sorted(lib.conditions.values(), key=lambda c: c.id)
    if condition_id is not None:
        found = lib.conditions.get(condition_index(lib).get(norm(condition_id), ""))
        if found is None:
            from mesocalc.errors import did_you_mean, input_error

            raise input_error(f"unknown condition '{condition_id}'", Location(key="TERM"),
                              code="unknown-condition", hint=did_you_mean(norm(condition_id),
                                                                          list(condition_index(lib))))
        items = [found]
    from mesocalc.render.browse import present_conditions

    present_conditions(items, lib, condition_id is not None, json_out)


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
    from mesocalc.library.check import check_library
    from mesocalc.render.present import present_check

    result = check_library(tuple(paths or ()), tuple(library or ()), strict)
    present_check(result, json_out)
    raise typer.Exit(result.exit_code)


# ---- issue 6: plan --batch ----------------------------------------------------------------------



def plan_batch(path: str, given: list[str], library: list[str] | None, strict: bool, planner: Any = None) -> NoReturn:
    """`plan --batch`: the library loaded once, every line planned in order; exit code the worst line's.
    `planner` builds the line planner from (library, strict) (`visit --batch` passes its own)."""
    _Errors.as_json = True  # batch output is JSON lines: an error is an error document too
    if given:
        from mesocalc.errors import input_error

        raise input_error(f"with --batch, give {', '.join(given)} in each request line, not on the command line",
                          Location(key="--batch"), code="usage")
    from mesocalc.cli.batch import BatchPlanner, batch_input, run_stream

    source = batch_input(path)  # before the library: a closed stdin or a FIFO is refused at once
    lib = load(library)
    try:
        from mesocalc.system import streams

        streams.interruptible = True  # Ctrl-C: the lines planned so far are written before the exit
        try:
            code = run_stream(source, (planner or BatchPlanner)(lib, strict), sys.stdout, sys.stderr, expect)
        finally:
            streams.interruptible = False
    finally:
        if path != "-":
            source.close()
    raise typer.Exit(code)


# ---- issue 5: schema (JSON Schemas of every output and of the YAML library) ----
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
    from mesocalc import schemas
    from mesocalc.render.present import present_text

    present_text("\n".join(schemas.names()) if name is None else schemas.schema_text(name))


# ---- issue 4: schedule (courses, history, patients) ----


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
    from mesocalc import api
    from mesocalc.render.present import present_schedule

    lib = load(library)
    given: Any = history
    if patient_id is not None:  # the course ledger instead of a history file
        from mesocalc.cli.ledger import ledger_history
        from mesocalc.request.plan import find_cocktail

        chosen: Any = find_cocktail(cocktail, lib)
        given = ledger_history(patient_id, ledger, chosen, history)
    else:
        chosen = cocktail
    result = api.schedule(chosen, start=start, phases=phase, history=given, area=tuple(area or ()), scalp=scalp,
                          spacing=spacing, volume_per_point=volume_per_point, grid=grid, points=points, weight=weight,
                          patient=patient, library=lib, strict=strict, same_day=patient_id is not None)
    expect(result.exit_code)
    present_schedule(result, json_out)
    raise typer.Exit(result.exit_code)


# ---- issue 3: pharmacist tools: convert, compound (recipes, beyond-use dates, worksheet) ----


@app.command()
def convert(
    quantity: Annotated[str, typer.Argument(help='A quantity with its unit: "1:100000", "2 %", "0.2 mg".')],
    unit: Annotated[str | None, typer.Argument(help='Target unit: mg/mL, mcg/mL, %, mcg, mL, ratio (1:N).')] = None,
    json_out: JsonOpt = False,
) -> None:
    """Pharmacy unit conversion: % w/v, ratio strength, mass, volume, units of activity.

    Example: mesocalc convert "1:100000" mcg/mL
    """
    from mesocalc import api
    from mesocalc.render.present import present_conversion

    present_conversion(api.convert(quantity, unit), json_out)


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
    from mesocalc import api
    from mesocalc.render.present import present_compound

    result = api.compound(cocktail, volume, stock=tuple(stock or ()), overfill=overfill, diluent=diluent,
                          prepared=prepared, category=category, storage=storage, immediate_use=immediate_use,
                          patient=patient, library=load(library), strict=strict)
    expect(result.exit_code)
    present_compound(result, json_out, explain, worksheet)
    raise typer.Exit(result.exit_code)


def run(argv: list[str] | None = None) -> int:
    """Run the app on `argv`; returns the exit code (0, 1 or 2).

    Usage errors (a missing argument, an unknown option, `--points abc`) take the same way out as input
    errors: one message on stderr, the error document on stdout with --json, exit 2. An unexpected
    exception is a bug: it is reported in one line, never as a traceback (MESOCALC_DEBUG=1 re-raises).
    What the run learnt for the user cache (new unit strings) is written once, at the end.
    """
    from mesocalc import cache
    from mesocalc.system import streams

    streams.ascii_fallbacks()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = streams.GuardedOutput(stdout)
    sys.stderr = streams.QuietErrors(stderr)
    streams.expect(0)
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        cache.flush()


def _run(argv: list[str] | None) -> int:
    import os

    from mesocalc.errors import internal_problem
    from mesocalc.system import streams

    args = list(sys.argv[1:] if argv is None else argv)
    # A usage error can come before Typer has read --json, so --json is looked for in the words typed.
    _Errors.as_json = "--json" in args[: args.index("--")] if "--" in args else "--json" in args
    from mesocalc.cli.clickapp import lazy_command

    command = lazy_command(app)
    try:
        code = command.main(args=args, prog_name="mesocalc", standalone_mode=False)
        sys.stdout.flush()  # inside the try: a write that fails at the end is reported like any other
        if code == streams.INTERRUPTED:  # Typer turns Ctrl-C into exit 130 without a word
            streams.say("mesocalc: interrupted")
    except streams.OutputError as exc:
        streams.silence_stdout()
        if exc.broken_pipe:  # the reader went away (`| head -1`): end quietly, as a filter does
            return streams.verdict
        streams.say(f"mesocalc: error: {streams.io_error_message(exc.cause)}")
        return 2
    except KeyboardInterrupt:
        streams.say("mesocalc: interrupted")
        return streams.INTERRUPTED
    except typer.TyperException as exc:  # Click's usage errors, under Typer's public base class
        report_usage(exc)
        return 2
    except typer.Abort:  # end of input where an answer was expected: not a verdict, so never exit 1
        streams.say("mesocalc: aborted")
        return 2
    except SystemExit as exc:  # Typer's completion callbacks exit directly
        return exc.code if isinstance(exc.code, int) else 0
    except MesocalcError as exc:
        report(exc, _Errors.as_json)
        return 2
    except (Exception, RecursionError, MemoryError) as exc:
        if os.environ.get("MESOCALC_DEBUG"):
            raise
        report(MesocalcError(internal_problem(exc)), _Errors.as_json)
        return 2
    return code if isinstance(code, int) else 0


def report_usage(exc: typer.TyperException) -> None:
    """A usage error as a problem naming the option or argument, with a pointer to the command's --help.

    No arguments at all (a group's `no_args_is_help`) shows the help instead, as Click does."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        cast(Any, exc).show()
        return
    if not hasattr(exc, "ctx"):  # a ClickException that is not a usage error: its message alone
        report(MesocalcError(Problem("usage", exc.format_message())), _Errors.as_json)
        return
    ctx: Any = exc.ctx
    hint = f"see 'mesocalc {ctx.command_path.partition(' ')[2]} --help'".replace("  ", " ") if ctx else None
    param = getattr(exc, "param", None)
    key = None
    if param is not None and getattr(param, "opts", None):
        key = param.opts[0].upper() if getattr(param, "param_type_name", "") == "argument" else param.opts[0]
    report(MesocalcError(Problem("usage", exc.format_message(), Location(key=key), hint)), _Errors.as_json)


# ---- issue 14: visit (every item of one session, agents totalled, class limits) ----------------


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
    if batch is not None:
        from mesocalc.cli.visit_batch import VisitBatchPlanner

        given = [name for name, value in (("FILE", file), ("--explain", explain), ("--export", export),
                                          ("--patient-id", patient_id), ("--record", record)) if value]
        plan_batch(batch, given, library, strict, VisitBatchPlanner)
    if file is None:
        from mesocalc.errors import input_error

        raise input_error("missing FILE: give a visit file, - for stdin (or --batch FILE)", Location(key="FILE"),
                          code="missing-argument")
    from mesocalc.render.plan_report import check_export, present_visit

    if export is not None:
        check_export(export)
    from mesocalc.cli.ledger import ledger_patients, plan_ledger_options, visit_patient, visit_with_ledger
    from mesocalc.core.visit import compute_visit
    from mesocalc.request.visit import read_visit_file

    lib = load(library)
    request = read_visit_file(file, lib, sys.stdin, ledger_patients(ledger))
    result, extra = compute_visit(request, lib, strict), None
    patient_id = visit_patient(patient_id, request)
    if any((patient_id, record, date, lot, by, note, override, again)):  # the course ledger (cli_ledger.py)
        options = plan_ledger_options(patient_id, record, date, lot, by, note, override, again)
        result, extra = visit_with_ledger(result, lib, ledger, options, strict)
    present_visit(result, json_out, explain, export, extra)
    raise typer.Exit(max(result.exit_code, extra.exit_code if extra is not None else 0))


def main() -> None:
    from mesocalc.cli.launch import main as launch

    launch()


from mesocalc.cli import ledger as cli_ledger  # noqa: E402, F401  (registers record, history, lots, ledger)
