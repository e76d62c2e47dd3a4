"""What `plan` and `visit` put out besides the tables: the JSON document on stdout, the SVG injection map
(--map), the terminal map (--show-map), the derivation (--explain), the course ledger's lines around the
plan, and the saved report (--export .html/.svg/.txt)."""

from __future__ import annotations

from typing import Any, NamedTuple

from mesocalc.errors import Location, input_error
from mesocalc.render.present import emit_json

EXPORT_SUFFIXES = (".html", ".svg", ".txt")


class PlanOutputs(NamedTuple):
    json_out: bool
    explain: bool
    map_file: str | None
    show_map: bool
    export: str | None
    ledger: Any = None  # the course ledger's part (ledger_report.PlanLedger): JSON field and lines around the plan


def check_export(path: str) -> None:
    """--export names a file of a kind mesocalc can write."""
    from pathlib import Path

    if Path(path).suffix.lower() not in EXPORT_SUFFIXES:
        raise input_error(f"cannot export to '{path}'", Location(key="--export"), code="export-format",
                          hint="give a file ending in .html, .svg or .txt")


def check_outputs(out: PlanOutputs) -> None:
    """--export and --map name files of a kind mesocalc can write."""
    from pathlib import Path

    if out.export is not None:
        check_export(out.export)
    if out.map_file is not None and Path(out.map_file).suffix.lower() != ".svg":
        raise input_error(f"cannot draw the map to '{out.map_file}'", Location(key="--map"), code="map-format",
                          hint="give a file ending in .svg")


def present_plan(result: Any, out: PlanOutputs, library: Any = None) -> None:
    """Print the plan (tables or JSON), and write the map and the export the user asked for."""
    check_outputs(out)
    steps = None
    if out.explain:
        from mesocalc.render.explain import plan_steps

        steps = plan_steps(result)
    drawing = None
    if out.map_file is not None or out.show_map:
        from mesocalc.core.injection_map import MAX_MAP_POINTS, layout

        if result.points > MAX_MAP_POINTS:
            raise input_error(f"{result.points:,} points is too many to draw", Location(key="--map"),
                              code="map-too-large", hint=f"the map is drawn for at most {MAX_MAP_POINTS:,} points")
        drawing = layout(result, library)
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
        from mesocalc.render.jsondoc import plan_doc

        doc = plan_doc(result)
        if steps is not None:
            from mesocalc.render.jsondoc import steps_doc

            doc["explain"] = steps_doc(steps)
        if out.map_file is not None:
            doc["map"] = out.map_file
        if out.export is not None:  # the human report goes only to the file; written first, so that
            export_report(result, out, steps, drawing, silent=True)  # a write error leaves stdout clean
        if out.ledger is not None:
            doc["ledger"] = out.ledger.to_json()
        emit_json(doc)
        return
    if out.ledger is not None:
        out.ledger.before()
    export_report(result, out, steps, drawing, silent=False)
    if out.ledger is not None:
        out.ledger.after()


def export_report(result: Any, out: PlanOutputs, steps: Any, drawing: Any, silent: bool) -> None:
    """Render the human report (printed, or only recorded when silent) and save it when --export asks."""
    import io

    from mesocalc.render.table import make_console, render_plan

    def draw(console: Any) -> None:
        render_plan(result, console, steps=steps, text_map=drawing if out.show_map else None)

    console = make_console(record=out.export is not None)
    if silent:
        console.file = io.StringIO()
    draw(console)
    if out.export is not None:
        from mesocalc.render.export import export_text

        session = result.session
        title = f"mesocalc plan: {session.cocktail.name} ({session.cocktail.id})"
        suffix = out.export.lower().rsplit(".", 1)[-1]
        write_text(out.export, export_text(draw, suffix, title, shown=console), "--export")


def present_visit(result: Any, json_out: bool, explain: bool, export: str | None, ledger: Any = None) -> None:
    """The visit's tables or JSON document, with its derivation (--explain) and the saved report (--export)."""
    import io

    from mesocalc.render.table import make_console
    from mesocalc.render.visit_table import render_visit

    steps = None
    if explain:
        from mesocalc.render.visit_explain import visit_steps

        steps = visit_steps(result)

    def draw(console: Any) -> None:
        render_visit(result, console, steps)

    if export is not None or not json_out:
        if ledger is not None and not json_out:
            ledger.before()
        console = make_console(record=export is not None)
        if json_out:
            console.file = io.StringIO()  # the report goes only to the file
        draw(console)
        if export is not None:
            from mesocalc.render.export import export_text

            title = "mesocalc visit" + (f": {result.request.date.isoformat()}" if result.request.date else "")
            write_text(export, export_text(draw, export.lower().rsplit(".", 1)[-1], title, shown=console), "--export")
        if ledger is not None and not json_out:
            ledger.after()
    if json_out:
        from mesocalc.render.visit_json import visit_doc

        doc = visit_doc(result)
        if steps is not None:
            from mesocalc.render.jsondoc import steps_doc

            doc["explain"] = steps_doc(steps)
        if ledger is not None:
            doc["ledger"] = ledger.to_json()
        emit_json(doc)


def write_text(path: str, text: str, option: str) -> None:
    from mesocalc.system.outfile import write_atomically

    write_atomically(path, text, option)
