"""What `plan` puts out: the tables or the JSON document on stdout, the SVG injection map (--map), the
terminal map (--show-map), the derivation (--explain) and the saved report (--export .html/.svg/.txt)."""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

from mesocalc.errors import Location, input_error
from mesocalc.plan import PlanResult

EXPORT_SUFFIXES = (".html", ".svg", ".txt")


class PlanOutputs(NamedTuple):
    json_out: bool
    explain: bool
    map_file: str | None
    show_map: bool
    export: str | None


def check_outputs(out: PlanOutputs) -> None:
    """--export and --map name files of a kind mesocalc can write."""
    from pathlib import Path

    if out.export is not None and Path(out.export).suffix.lower() not in EXPORT_SUFFIXES:
        raise input_error(f"cannot export to '{out.export}'", Location(key="--export"), code="export-format",
                          hint="give a file ending in .html, .svg or .txt")
    if out.map_file is not None and Path(out.map_file).suffix.lower() != ".svg":
        raise input_error(f"cannot draw the map to '{out.map_file}'", Location(key="--map"), code="map-format",
                          hint="give a file ending in .svg")


def present_plan(result: PlanResult, out: PlanOutputs) -> None:
    """Print the plan (tables or JSON), and write the map and the export the user asked for."""
    check_outputs(out)
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
        from mesocalc.render.jsondoc import dumps, plan_doc, steps_doc

        doc = plan_doc(result)
        if steps is not None:
            doc["explain"] = steps_doc(steps)
        if out.map_file is not None:
            doc["map"] = out.map_file
        if out.export is not None:  # the human report goes only to the file; written first, so that
            export_report(result, out, steps, drawing, silent=True)  # a write error leaves stdout clean
        sys.stdout.write(dumps(doc) + "\n")
        return
    export_report(result, out, steps, drawing, silent=False)


def export_report(result: PlanResult, out: PlanOutputs, steps: Any, drawing: Any, silent: bool) -> None:
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
