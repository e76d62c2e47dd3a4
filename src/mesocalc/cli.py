"""The command line: turns flags into requests, picks a renderer, maps results to exit codes.

No arithmetic, no YAML, no unit parsing here. Heavy modules (pint, YAML, Rich) are imported inside
the commands that need them, so `--help` stays fast.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any, NamedTuple, NoReturn

import typer

from mesocalc import __version__
from mesocalc.errors import MesocalcError, Problem

app = typer.Typer(
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


def fail(exc: MesocalcError, as_json: bool) -> NoReturn:
    """The one way out on an input error: one message on stderr, the error document with --json, exit 2."""
    if as_json:
        from mesocalc.render.jsondoc import dumps, error_doc

        sys.stdout.write(dumps(error_doc(exc.problems)) + "\n")
    for problem in exc.problems:
        sys.stderr.write(f"mesocalc: error: {problem.text()}\n")
    raise typer.Exit(2)


def load(library: list[str] | None) -> Any:
    """The layered library; any error in it is an input error."""
    from mesocalc.library import load_library

    result = load_library(tuple(library or ()))
    if result.errors:
        raise MesocalcError(result.errors)
    return result.library


def emit_json(doc: dict[str, Any]) -> None:
    from mesocalc.render.jsondoc import dumps

    sys.stdout.write(dumps(doc) + "\n")


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
    cocktail: Annotated[str, typer.Argument(help="Cocktail id from the library, or a YAML file.")],
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
    explain: ExplainOpt = False,
    map_file: MapOpt = None,
    show_map: ShowMapOpt = False,
    export: ExportOpt = None,
) -> None:
    """One session: injection grid, volumes, final concentrations, doses, every dose cap, capacity.

    Example: mesocalc plan submental-dca --area "25 cm^2"

    Example: mesocalc plan submental-dca --area "5 cm x 5 cm" --explain --map grid.svg
    """
    try:
        from mesocalc.plan import compute
        from mesocalc.request import SessionOptions, find_cocktail, resolve_session

        lib = load(library)
        chosen = find_cocktail(cocktail, lib)
        options = SessionOptions(tuple(area or ()), scalp, spacing, volume_per_point, grid, points, weight, patient)
        result = compute(resolve_session(chosen, options, lib), lib, strict)
        present_plan(result, PlanOutputs(json_out, explain, map_file, show_map, export))
    except MesocalcError as exc:
        fail(exc, json_out)
    raise typer.Exit(result.exit_code)


def _browse(kind: str, item_id: str | None, library: list[str] | None, json_out: bool) -> None:
    try:
        lib = load(library)
        table = {"agents": lib.agents, "cocktails": lib.cocktails, "areas": lib.areas}[kind]
        if item_id is not None and item_id not in table:
            from mesocalc.errors import Location, did_you_mean, input_error

            raise input_error(f"unknown {kind[:-1]} '{item_id}'", Location(key="ID"), code=f"unknown-{kind[:-1]}",
                              hint=did_you_mean(item_id, list(table)) or f"known: {', '.join(sorted(table))}")
    except MesocalcError as exc:
        fail(exc, json_out)
    from mesocalc.render import jsondoc

    items = [table[item_id]] if item_id is not None else sorted(table.values(), key=lambda x: x.id)
    if json_out:
        def item(obj: Any) -> dict[str, Any]:
            if kind == "agents":
                return jsondoc.agent_item(obj, lib)
            if kind == "cocktails":
                return jsondoc.cocktail_item(obj)
            return jsondoc.area_item(obj)

        if item_id is not None:
            emit_json({"kind": kind[:-1], "version": jsondoc.VERSION, **item(items[0])})
        else:
            emit_json({"kind": kind, "version": jsondoc.VERSION, "items": [item(x) for x in items]})
        return
    from mesocalc.render import table as t

    console = t.make_console()
    if kind == "agents":
        if item_id is not None:
            t.render_agent(items[0], lib, console)
        else:
            t.render_agents(items, console)
    elif kind == "cocktails":
        if item_id is not None:
            t.render_cocktail(items[0], console)
        else:
            t.render_cocktails(items, console)
    else:
        t.render_areas(items, console)


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
    from pathlib import Path

    from mesocalc.library import library_dirs, load_library

    try:
        dirs = library_dirs(tuple(library or ()))
        if paths:
            dirs = dirs + [Path(p) for p in paths]
        result = load_library(dirs=dirs)
    except MesocalcError as exc:
        fail(exc, json_out)
    problems: list[Problem] = [p for p in result.problems if strict or p.severity == "error"]
    if paths:
        wanted = {str(Path(p)) for p in paths}
        problems = [p for p in problems if p.where.file is None or any(
            (p.where.file or "").startswith(w) for w in wanted)]
    if json_out:
        from mesocalc.render.jsondoc import VERSION

        emit_json({"kind": "check", "version": VERSION, "files": len(result.files), "ok": not problems,
                   "problems": [dict(p.to_json(), severity=p.severity) for p in problems],
                   "overrides": list(result.library.overrides)})
    else:
        for problem in problems:
            where = problem.where
            location = f"{where.file}:{where.line or 0}" if where.file else "(library)"
            key = f" {where.key}:" if where.key else ""
            hint = f" ({problem.hint})" if problem.hint else ""
            sys.stdout.write(f"{location}:{key} {problem.message}{hint}\n")
        for note in result.library.overrides:
            sys.stdout.write(f"note: {note}\n")
        missing = sum(1 for p in result.problems if p.severity == "warning")
        extra = f"; {missing} missing source(s) (use --strict to fail on them)" if missing and not strict else ""
        sys.stdout.write(f"{len(result.files)} file(s) checked, {len(problems)} problem(s){extra}\n")
    raise typer.Exit(1 if problems else 0)


# ---- issue 7: --explain, the injection map, exports --------------------------------------------
ExplainOpt = Annotated[bool, typer.Option(
    "--explain", help="Show every number's derivation, step by step (JSON: an 'explain' list).")]
MapOpt = Annotated[str | None, typer.Option(
    "--map", metavar="FILE.svg", help="Draw the injection grid (outline, every point, spacing, scale) as SVG.")]
ShowMapOpt = Annotated[bool, typer.Option(
    "--show-map", help="Print a compact injection map in the terminal (grids of at most 400 points).")]
ExportOpt = Annotated[str | None, typer.Option(
    "--export", metavar="FILE.html|.svg|.txt", help="Save the human report exactly as shown.")]
EXPORT_SUFFIXES = (".html", ".svg", ".txt")


class PlanOutputs(NamedTuple):
    json_out: bool
    explain: bool
    map_file: str | None
    show_map: bool
    export: str | None


def present_plan(result: Any, out: PlanOutputs) -> None:
    """Print the plan (tables or JSON), and write the map and the export the user asked for."""
    from pathlib import Path

    from mesocalc.errors import Location, input_error

    if out.export is not None and Path(out.export).suffix.lower() not in EXPORT_SUFFIXES:
        raise input_error(f"cannot export to '{out.export}'", Location(key="--export"), code="export-format",
                          hint="give a file ending in .html, .svg or .txt")
    if out.map_file is not None and Path(out.map_file).suffix.lower() != ".svg":
        raise input_error(f"cannot draw the map to '{out.map_file}'", Location(key="--map"), code="map-format",
                          hint="give a file ending in .svg")
    steps = None
    if out.explain:
        from mesocalc.explain import plan_steps

        steps = plan_steps(result)
    drawing = None
    if out.map_file is not None or out.show_map:
        from mesocalc.injection_map import MAX_MAP_POINTS, layout

        if result.points > MAX_MAP_POINTS:
            raise input_error(f"{result.points:,} points is too many to draw", Location(key="--map"),
                              code="map-too-large", hint=f"the map is drawn for at most {MAX_MAP_POINTS:,} points")
        drawing = layout(result)
    if out.map_file is not None and drawing is not None:
        from mesocalc.render.svgmap import render_svg
        from mesocalc.units import format_quantity

        session = result.session
        technique = session.technique
        title = f"{session.cocktail.name} ({session.cocktail.id})"
        subtitle = (f"{result.points:,} points, {technique.grid} grid, {format_quantity(technique.spacing)} spacing, "
                    f"{format_quantity(technique.volume_per_point)} per point, "
                    f"session volume {format_quantity(result.session_volume)}")
        write_text(out.map_file, render_svg(drawing, title, subtitle), "--map")
    if out.json_out:
        from mesocalc.explain import steps_json
        from mesocalc.render.jsondoc import plan_doc

        doc = plan_doc(result)
        if steps is not None:
            doc["explain"] = steps_json(steps)
        if out.map_file is not None:
            doc["map"] = out.map_file
        if out.export is not None:  # the human report goes only to the file; written first, so that
            export_report(result, out, steps, drawing, silent=True)  # a write error leaves stdout clean
        emit_json(doc)
        return
    export_report(result, out, steps, drawing, silent=False)


def export_report(result: Any, out: PlanOutputs, steps: Any, drawing: Any, silent: bool) -> None:
    """Render the human report (printed, or only recorded when silent) and save it when --export asks."""
    import io

    from mesocalc.render.table import make_console, render_plan

    console = make_console(record=out.export is not None)
    if silent:
        console.file = io.StringIO()
    render_plan(result, console, steps=steps, text_map=drawing if out.show_map else None)
    if out.export is not None:
        export_console(console, out.export)


def write_text(path: str, text: str, option: str) -> None:
    from mesocalc.errors import Location, input_error

    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise input_error(f"cannot write '{path}': {exc.strerror}", Location(key=option), code="write-failed") from exc


def export_console(console: Any, path: str) -> None:
    """The recorded report, saved as HTML, SVG or plain text (by the file's suffix)."""
    suffix = path.lower().rsplit(".", 1)[-1]
    if suffix == "html":
        text = console.export_html(inline_styles=True)
    elif suffix == "svg":
        text = console.export_svg(title="mesocalc")
    else:
        text = console.export_text()
    write_text(path, text, "--export")


def main() -> None:
    app(prog_name="mesocalc")
