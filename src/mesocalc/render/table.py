"""Human output: Rich tables a practitioner reads at a glance, ISMP-safe numbers, warnings by severity."""

from __future__ import annotations

import os
import sys
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mesocalc import model as m
from mesocalc.checks import Check, Warning, quantity_text
from mesocalc.plan import PlanResult
from mesocalc.units import format_number, format_quantity

STATUS_STYLE = {"ok": "green", "over": "bold red", "unchecked": "yellow", "not-applicable": "dim"}
SEVERITY_STYLE = {"hard": "bold red", "soft": "yellow", "info": "cyan"}
SEVERITY_MARK = {"hard": "✗", "soft": "!", "info": "i"}

# When stdout is not a terminal, Rich falls back to 80 columns and wraps table cells into fragments;
# a wide fixed width keeps each row on one line in pipes and files.
PIPE_WIDTH = 200


def make_console(stderr: bool = False, record: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    width = None if tty else int(os.environ.get("COLUMNS", PIPE_WIDTH))
    no_color = bool(os.environ.get("NO_COLOR")) or (not tty and not os.environ.get("FORCE_COLOR"))
    return Console(file=stream, width=width, no_color=no_color, highlight=False, soft_wrap=False,
                   record=record, emoji=False, color_system=None if no_color else "auto")


def q(value: Any) -> str:
    return format_quantity(value) if value is not None else "—"


def render_plan(result: PlanResult, console: Console, steps: list[Any] | None = None,
                text_map: Any | None = None) -> None:
    """The plan's tables; with `steps` (--explain) the numbered derivation, with `text_map` (--show-map) the grid."""
    session = result.session
    technique = session.technique
    console.print(Text(f"{session.cocktail.name} ({session.cocktail.id})", style="bold"))
    area_parts = []
    for area in session.areas:
        label = area.name or area.id or "measured area"
        basis = "" if area.basis == "measured" else f", {area.basis}"
        area_parts.append(f"{label}: {format_quantity(area.surface)}{basis}")
    lines = []
    if area_parts:
        total = f" = {format_quantity(result.area)}" if len(area_parts) > 1 and result.area else ""
        lines.append("Area      " + "; ".join(area_parts) + total)
    lines.append(f"Technique {technique.grid} grid, {format_quantity(technique.spacing)} spacing, "
                 f"{format_quantity(technique.volume_per_point)} per point"
                 + (f", depth {format_quantity(technique.depth)}" if technique.depth else ""))
    origin = "the published session" if session.points_from_reference else \
        "given" if session.points is not None else "from the grid"
    lines.append(f"Points    {result.points:,} ({origin})    Session volume {format_quantity(result.session_volume)}")
    if result.reference is not None:
        lines.append(f"Reference {result.reference.text()}")
    if session.weight is not None:
        lines.append(f"Weight    {format_number(session.weight.value)} kg")
    for line in lines:
        console.print(line)
    console.print()

    doses = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header, justify in (("Agent", "left"), ("Concentration", "right"), ("Per point", "right"),
                            ("Session dose", "right"), ("Per cm²", "right"), ("Per kg", "right")):
        doses.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for comp in result.components:
        doses.add_row(comp.agent.name, q(comp.concentration), q(comp.dose_per_point), q(comp.dose),
                      q(comp.dose_per_area), q(comp.dose_per_kg))
    print_table(doses, console)

    caps = Table(title="Dose caps", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header, justify in (("Agent", "left"), ("Scope", "left"), ("Cap", "right"), ("Actual", "right"),
                            ("Used", "right"), ("Status", "left"), ("Severity", "left"), ("Source", "left")):
        caps.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for comp in result.components:
        if not comp.checks:
            caps.add_row(comp.agent.id, "—", "no established dose limits", "", "", "", "", "")
        for check in comp.checks:
            caps.add_row(*_check_cells(check))
    print_table(caps, console)
    set_aside: dict[tuple[str, str], list[str]] = {}
    for comp in result.components:
        for check in comp.checks:
            if check.status == "not-applicable":
                set_aside.setdefault((check.agent, check.reason or ""), []).append(
                    f"{check.limit.scope} {quantity_text(check.limit, check.limit.max)}")
    for (agent, reason), caps_text in set_aside.items():
        console.print(Text(f"Not applicable: {agent} {', '.join(caps_text)}: {reason}"))

    cap = result.capacity
    if cap.max_points is not None:
        by = cap.limited_by or {}
        if "technique" in by:
            binding = "the technique's maximum number of points"
        else:
            binding = f"{by.get('agent')} {by.get('scope')} cap"
        area_text = f" ({format_quantity(cap.max_area)})" if cap.max_area is not None else ""
        console.print(f"Capacity  at most {cap.max_points:,} points{area_text} within every hard cap; "
                      f"limited by {binding}")
    else:
        console.print(f"Capacity  {cap.unbounded_reason}")
    if cap.max_points is not None and cap.unbounded_reason:
        console.print(f"          {cap.unbounded_reason}")
    if text_map is not None:
        render_text_map(text_map, console)
    if steps is not None:
        render_steps(steps, console)
    render_warnings(list(result.warnings), console)
    render_verdict(result.exit_code, list(result.warnings), "within every hard cap", console)


def render_verdict(exit_code: int, warnings: list[Warning], ok_text: str, console: Console) -> None:
    if exit_code == 0:
        console.print(f"[bold green]OK[/]: {ok_text}")
    elif any(w.severity == "hard" for w in warnings):
        console.print("[bold red]NOT OK[/]: a hard cap or rule is broken")
    else:
        console.print("[bold red]NOT OK[/] (--strict): warnings present")


def _check_cells(check: Check) -> list[Any]:
    limit = check.limit
    scope = limit.scope + (f" ({limit.condition_text()})" if limit.condition_text() else "")
    used = f"{check.fraction * 100:,.0f} %" if check.fraction is not None else "—"
    actual = quantity_text(limit, check.actual) if check.actual is not None else "—"
    source = ("derived from " if limit.derived else "") + (limit.source or "no source")
    if check.confidence:
        source += f" ({check.confidence})"
    status = Text(check.status, style=STATUS_STYLE[check.status])
    return [check.agent, scope, quantity_text(limit, limit.max), actual, used, status, limit.severity, source]


def render_warnings(warnings: list[Warning], console: Console) -> None:
    if not warnings:
        return
    console.print()
    console.print(Text("Warnings", style="bold"))
    order = {"hard": 0, "soft": 1, "info": 2}
    for w in sorted(warnings, key=lambda w: order.get(w.severity, 3)):
        mark = SEVERITY_MARK.get(w.severity, "-")
        line = Text(f" {mark} ", style=SEVERITY_STYLE.get(w.severity, ""))
        line.append(f"[{w.code}] ", style=SEVERITY_STYLE.get(w.severity, ""))
        line.append(w.message)
        if w.source:
            line.append(f" (source: {w.source})", style="dim")
        console.print(line)


def render_agents(agents: list[m.Agent], console: Console) -> None:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header in ("Id", "Name", "Status", "Stocks", "Caps"):
        table.add_column(header, no_wrap=True)
    for a in agents:
        status = a.regulatory.status if a.regulatory else "—"
        stocks = ", ".join(format_quantity(s.concentration) for s in a.stocks) or "—"
        caps = f"{len(a.limits)} cap(s)" if a.limits else "no established dose limits"
        table.add_row(a.id, a.name, status, stocks, caps)
    console.print(table)


def render_agent(agent: m.Agent, library: m.Library, console: Console) -> None:
    console.print(Text(f"{agent.name} ({agent.id})", style="bold"))
    if agent.aliases:
        console.print(f"Also      {', '.join(agent.aliases)}")
    if agent.classes:
        console.print(f"Classes   {', '.join(agent.classes)}")
    if agent.regulatory:
        note = f": {agent.regulatory.note}" if agent.regulatory.note else ""
        console.print(f"Status    {agent.regulatory.status}{note}")
    if agent.admixture != "ok":
        console.print(f"Admixture {agent.admixture}" + (f": {agent.admixture_note}" if agent.admixture_note else ""))
    for s in agent.stocks:
        vol = f", {format_quantity(s.volume)}" if s.volume else ""
        label = f" ({s.label})" if s.label else ""
        excipients = f"; excipients: {', '.join(s.excipients)}" if s.excipients else ""
        console.print(f"Stock     {s.id}: {format_quantity(s.concentration)}{vol}{label}{excipients}")
    table = Table(title="Dose caps", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header in ("Scope", "Cap", "When", "Severity", "Source"):
        table.add_column(header, no_wrap=True)
    for lim in agent.limits:
        src = library.source_for(lim.source, agent)
        table.add_row(lim.scope, quantity_text(lim, lim.max), lim.condition_text() or "always", lim.severity,
                      ("derived from " if lim.derived else "")
                      + (f"{lim.source} ({src.confidence})" if src else (lim.source or "no source")))
    if agent.limits:
        console.print(table)
    else:
        console.print("Dose caps no established dose limits")
    if agent.course:
        parts = []
        if agent.course.max_sessions:
            parts.append(f"at most {agent.course.max_sessions} sessions")
        if agent.course.min_interval:
            parts.append(f"at least {agent.course.min_interval.text()} apart")
        console.print(f"Course    {', '.join(parts)} ({agent.course.source or 'no source'})")
    def named(condition_id: str) -> str:
        found = library.conditions.get(condition_id)
        return f"{found.name} ({condition_id})" if found is not None and found.name != condition_id else condition_id

    for rule in agent.contraindications:
        console.print(Text(f"Contraindicated: {named(rule.condition)} ({rule.severity}; {rule.source or 'no source'})"))
    for rule in agent.cautions:
        console.print(Text(f"Caution   {named(rule.condition)}" + (f": {rule.note}" if rule.note else "")))
    for note in agent.notes:
        console.print(f"Note      {note}")


def render_cocktails(cocktails: list[m.Cocktail], console: Console) -> None:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header in ("Id", "Name", "Agents", "Area"):
        table.add_column(header, no_wrap=True)
    for c in cocktails:
        table.add_row(c.id, c.name, ", ".join(x.agent for x in c.components), c.area or "—")
    console.print(table)


def render_cocktail(cocktail: m.Cocktail, console: Console) -> None:
    t = cocktail.technique
    console.print(Text(f"{cocktail.name} ({cocktail.id})", style="bold"))
    if cocktail.description:
        console.print(cocktail.description)
    console.print(f"Technique {t.grid} grid, {format_quantity(t.spacing)} spacing, "
                  f"{format_quantity(t.volume_per_point)} per point"
                  + (f", at most {t.max_points} points" if t.max_points else ""))
    for comp in cocktail.components:
        if comp.concentration is not None:
            console.print(f"Agent     {comp.agent} {format_quantity(comp.concentration)} (final)")
        else:
            stock = format_quantity(comp.stock) if comp.stock else comp.stock_id
            console.print(f"Agent     {comp.agent}: {q(comp.volume)} of {stock}")
    if cocktail.diluent:
        console.print(f"Diluent   {cocktail.diluent.name}: {format_quantity(cocktail.diluent.volume)}")
    for p in cocktail.protocol:
        console.print(f"Protocol  {p.name}: {p.sessions} sessions every {p.every.text()}")
    if cocktail.area:
        console.print(f"Area      {cocktail.area} (default)")
    if cocktail.reference is not None:
        ref = cocktail.reference
        size = format_quantity(ref.volume) if ref.volume is not None else f"{ref.points} points"
        console.print(f"Reference published session {size} ({ref.source or 'no source'}); the default plan")
    usual = cocktail.technique_range
    if usual is not None:
        parts = [f"{what} {format_quantity(pair[0])} to {format_quantity(pair[1])}"
                 for what, pair in (("volume per point", usual.volume_per_point), ("spacing", usual.spacing)) if pair]
        console.print(f"Usual     {', '.join(parts)} ({usual.source if usual.basis == 'sourced' else 'assumption'})")


def render_areas(areas: list[m.Area], console: Console) -> None:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header in ("Id", "Name", "Region", "Surface", "Basis"):
        table.add_column(header, no_wrap=True)
    for a in areas:
        table.add_row(a.id, a.name, a.region, format_quantity(a.surface),
                      a.basis + (f" ({a.source})" if a.source else ""))
    console.print(table)


# ---- issue 7: the derivation (--explain) and the terminal map (--show-map) ----------------------


def render_steps(steps: list[Any], console: Console) -> None:
    """Numbered derivation steps (explain.Step), one per line, wrapped under their number."""
    console.print()
    console.print(Text("How each number was found", style="bold"))
    # a two-column grid: long steps wrap under their own text, never under the number
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    for number, step in enumerate(steps, start=1):
        grid.add_row(f"{number}.", step.text)
    console.print(grid)


def render_text_map(drawing: Any, console: Console) -> None:
    from mesocalc.render.textmap import text_map

    console.print()
    console.print(Text(f"Injection map ({drawing.grid} grid, {format_number(drawing.spacing)} cm spacing, "
                       f"one 'o' per point; outline: {drawing.note})", style="bold"))
    for line in text_map(drawing):
        console.print(Text("  " + line))


def print_table(table: Table, console: Console) -> None:
    """The table when it fits the width; otherwise one block per row, one `Header  value` line per cell.

    A table narrower than its content would cut cells ("28.6 mg/…") or drop columns: on a narrow terminal
    (or COLUMNS=80) a dose must never be shown cut, so the rows are stacked instead.
    """
    from rich.measure import Measurement

    needed = Measurement.get(console, console.options.update_width(100_000), table).maximum
    if needed <= console.width:
        console.print(table)
        return
    if table.title:
        console.print(Text(str(table.title), style="bold"))
    columns = [(str(col.header), list(col.cells)) for col in table.columns]
    label_width = max(len(header) for header, _ in columns[1:]) if len(columns) > 1 else 0
    for index in range(table.row_count):
        first = columns[0][1][index]
        console.print(first if isinstance(first, Text) else Text(str(first), style="bold"))
        for header, cells in columns[1:]:
            cell = cells[index]
            if not str(cell).strip():
                continue
            line = Text(f"  {header:<{label_width}}  ")
            line.append(cell if isinstance(cell, Text) else Text(str(cell)))
            console.print(line)
