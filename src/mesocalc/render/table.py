"""Human output: Rich tables a practitioner reads at a glance, ISMP-safe numbers, warnings by severity."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Any, cast

from rich.text import Text

from mesocalc.core import model as m
from mesocalc.core.checks import Check, Warning, quantity_text
from mesocalc.core.plan import PlanResult
from mesocalc.render import textgrid
from mesocalc.render.textgrid import Column, NoTrailingSpaces, TextTable, print_table, print_wrapped, say
from mesocalc.units import Q, format_number, format_percent, format_quantity

if TYPE_CHECKING:  # rich.console is imported only when a line needs Rich's layout (render/plain_console.py)
    from rich.console import Console

STATUS_STYLE = {m.CheckStatus.OK: "green", m.CheckStatus.OVER: "bold red", m.CheckStatus.UNCHECKED: "yellow",
                m.CheckStatus.NOT_APPLICABLE: "dim"}
SEVERITY_STYLE: dict[str, str] = {m.Severity.HARD: "bold red", m.Severity.SOFT: "yellow", m.Severity.INFO: "cyan"}
SEVERITY_MARK: dict[str, str] = {m.Severity.HARD: "✗", m.Severity.SOFT: "!", m.Severity.INFO: "i"}

# When stdout is not a terminal, Rich falls back to 80 columns and wraps table cells into fragments;
# a wide fixed width keeps each row on one line in pipes and files.
PIPE_WIDTH = 200


def make_console(stderr: bool = False, record: bool = False) -> Console:
    from mesocalc.system.streams import output_width

    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    no_color = bool(os.environ.get("NO_COLOR")) or (not tty and not os.environ.get("FORCE_COLOR"))
    file, width = cast(IO[str], NoTrailingSpaces(stream)), output_width(tty, PIPE_WIDTH)
    settings: dict[str, Any] = {"no_color": no_color, "soft_wrap": False, "record": record,
                                "color_system": None if no_color else "auto"}
    if not tty and no_color and not record and width is not None:  # a pipe or a file: plain lines (start-up)
        from mesocalc.render.plain_console import PlainConsole

        return cast("Console", PlainConsole(file, width, **settings))
    from mesocalc.render.safe_console import SafeConsole

    return SafeConsole(file=file, width=width, **settings)


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
        say(console, line)
    console.print()

    doses = TextTable([Column("Agent", wrap=True), Column("Concentration", "right"), Column("Per point", "right"),
                       Column("Session dose", "right"), Column("Per cm²", "right"), Column("Per kg", "right")])
    for comp in result.components:
        doses.add_row(comp.agent.name, q(comp.concentration), q(comp.dose_per_point), q(comp.dose),
                      q(comp.dose_per_area), q(comp.dose_per_kg))
    print_table(doses, console)
    console.print()
    print_table(caps_table(result, console.width), console)
    console.print()

    cap = result.capacity
    if cap.max_points is not None:
        names = {comp.agent.id: comp.agent.name for comp in result.components}  # by name, as in the tables
        binding = ("the technique's maximum number of points" if cap.binding is None
                   else f"{names.get(cap.binding.agent, cap.binding.agent)} {cap.binding.check.limit.scope} cap")
        area_text = f" ({format_quantity(cap.max_area)})" if cap.max_area is not None else ""
        say(console, f"Capacity  at most {cap.max_points:,} points{area_text} within every hard cap; "
                     f"limited by {binding}")
    else:
        say(console, f"Capacity  {cap.unbounded_reason}")
    if cap.max_points is not None and cap.unbounded_reason:
        say(console, f"          {cap.unbounded_reason}")
    if text_map is not None:
        render_text_map(text_map, console)
    if steps is not None:
        render_steps(steps, console)
    render_warnings(list(result.warnings), console)
    render_verdict(result.exit_code, list(result.warnings), "within every hard cap", console)


def render_verdict(exit_code: int, warnings: list[Warning], ok_text: str, console: Console) -> None:
    if exit_code == 0:
        console.print(Text.assemble(("OK", "bold green"), f": {ok_text}"))
    elif any(w.severity == m.Severity.HARD for w in warnings):
        console.print(Text.assemble(("NOT OK", "bold red"), ": a hard cap or rule is broken"))
    else:
        console.print(Text.assemble(("NOT OK", "bold red"), " (--strict): warnings present"))


class NoteMarks:
    """Numbered notes under a table: the same text gets the same number; `[n]` marks go in the cells."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.confidence: dict[str, str] = {}  # source id -> its confidence, for the legend line

    def mark(self, text: str) -> str:
        return f"[{self.numbers.setdefault(text, len(self.numbers) + 1)}]"

    def lines(self) -> list[str]:
        out = [f"[{number}] {text}" for text, number in self.numbers.items()]
        if self.confidence:
            out.append("Source confidence: " + ", ".join(f"{source} {level}"
                                                         for source, level in self.confidence.items()))
        return out


def caps_table(result: PlanResult, width: int | None = None) -> TextTable:
    """The dose caps at a glance: one group per agent (by name, as in the dose table), one row per cap."""
    return checks_table("Dose caps", [(comp.agent.name, list(comp.checks)) for comp in result.components],
                        width=width)


# A cap whose `when` does not hold compares nothing: a short status word, its reason in the row's note.
STATUS_WORD = {m.CheckStatus.NOT_APPLICABLE: "n/a"}


def checks_table(title: str, groups: Sequence[tuple[str, Sequence[Check]]], actual: str = "Actual",
                 show: Callable[[m.Limit, Q], str] = quantity_text, width: int | None = None) -> TextTable:
    """Caps grouped under a heading (an agent; in a visit, an item's agent or a total), one line per cap.

    What does not fit a glance goes below the table: the `when` condition, "derived from SOURCE" and the
    reason a cap is unchecked or not applicable as one numbered note per row, and a legend of the sources'
    confidence. With a `width`, a source id too long for the row to stay on one line (e.g.
    network-lipolysis-hasengschwandtner at 80 columns) is given in a note too, longest first.
    """
    sources = sorted({check.limit.source for _, checks in groups for check in checks if check.limit.source},
                     key=lambda source: (-len(source), source))
    for count in range(len(sources) + 1):
        table = _checks_table(title, groups, actual, show, frozenset(sources[:count]))
        if width is None or textgrid.fits_on_one_line(table, width):
            return table
    return _checks_table(title, groups, actual, show, frozenset())  # too narrow anyway: one block per cap


def _checks_table(title: str, groups: Sequence[tuple[str, Sequence[Check]]], actual: str,
                  show: Callable[[m.Limit, Q], str], referred: frozenset[str]) -> TextTable:
    table = TextTable([Column("Scope", wrap=True), Column("Cap", "right"), Column(actual, "right"),
                       Column("Used", "right"), Column("Status", wrap=True),
                       Column("Source", wrap=True, hyphens=True)], title=title)
    notes = NoteMarks()

    for heading, checks in groups:
        if not checks:
            table.add_heading(Text(f"{heading}: no established dose limits", style="bold"))
            continue
        table.add_heading(Text(heading, style="bold"))
        for check in checks:
            limit = check.limit
            said = []  # everything about this cap that is not a number: one note under the table
            condition = limit.condition_text()
            if check.reason and check.status == m.CheckStatus.NOT_APPLICABLE:
                said.append(check.reason)  # says when the cap applies and what this cocktail has
            else:
                said += [f"applies {condition}"] if condition else []
                said += [check.reason] if check.reason else []
            if limit.derived:
                said.append(f"derived from {limit.source or 'no source'}")
            scope = limit.scope + (f" {notes.mark('; '.join(said))}" if said else "")
            used = format_percent(check.fraction) if check.fraction is not None else "—"
            value = show(limit, check.actual) if check.actual is not None else "—"
            source = limit.source or "no source"
            if limit.source and check.confidence:
                notes.confidence[limit.source] = check.confidence
            if source in referred:
                source = f"see {notes.mark(f'source: {source}')}"
            status = STATUS_WORD.get(m.CheckStatus(check.status), check.status) \
                + (" (soft)" if limit.severity == m.Severity.SOFT else "")
            table.add_row(scope, show(limit, limit.max), value, used,
                          Text(status, style=STATUS_STYLE.get(check.status, "")), source)
    table.notes = notes.lines()
    if any(check.status == m.CheckStatus.NOT_APPLICABLE for _, checks in groups for check in checks):
        table.notes.append("n/a: not-applicable here (its note says why)")
    return table


def render_warnings(warnings: list[Warning], console: Console) -> None:
    if not warnings:
        return
    console.print()
    console.print(Text("Warnings", style="bold"))
    order: dict[str, int] = {severity: i for i, severity in enumerate(m.Severity)}  # hard, soft, info
    for w in sorted(warnings, key=lambda w: order.get(w.severity, 3)):
        mark = SEVERITY_MARK.get(w.severity, "-")
        line = Text(f" {mark} ", style=SEVERITY_STYLE.get(w.severity, ""))
        line.append(f"[{w.code}] ", style=SEVERITY_STYLE.get(w.severity, ""))
        line.append(w.message)
        if w.source:
            line.append(f" (source: {w.source})", style="dim")
        print_wrapped(line, console, indent=3)


def render_agents(agents: list[m.Agent], console: Console) -> None:
    table = TextTable([Column("Id"), Column("Name", wrap=True), Column("Status"), Column("Stocks", wrap=True),
                       Column("Caps", wrap=True)])
    for a in agents:
        status = a.regulatory.status if a.regulatory else "—"
        stocks = ", ".join(format_quantity(s.concentration) for s in a.stocks) or "—"
        caps = f"{len(a.limits)} cap(s)" if a.limits else "no established dose limits"
        table.add_row(a.id, a.name, status, stocks, caps)
    print_table(table, console)


def render_agent(agent: m.Agent, library: m.Library, console: Console) -> None:
    console.print(Text(f"{agent.name} ({agent.id})", style="bold"))
    if agent.aliases:
        say(console, f"Also      {', '.join(agent.aliases)}")
    if agent.classes:
        say(console, f"Classes   {', '.join(agent.classes)}")
    if agent.regulatory:
        note = f": {agent.regulatory.note}" if agent.regulatory.note else ""
        say(console, f"Status    {agent.regulatory.status}{note}")
    if agent.admixture != "ok":
        say(console, f"Admixture {agent.admixture}" + (f": {agent.admixture_note}" if agent.admixture_note else ""))
    for s in agent.stocks:
        vol = f", {format_quantity(s.volume)}" if s.volume else ""
        label = f" ({s.label})" if s.label else ""
        excipients = f"; excipients: {', '.join(s.excipients)}" if s.excipients else ""
        say(console, f"Stock     {s.id}: {format_quantity(s.concentration)}{vol}{label}{excipients}")
    # as in a plan's caps table: one line per cap, the `when` condition and "derived from" as a note below
    table = TextTable([Column("Scope", wrap=True), Column("Cap", "right"), Column("Severity"),
                       Column("Source", wrap=True, hyphens=True)], title="Dose caps")
    notes = NoteMarks()
    for lim in agent.limits:
        src = library.source_for(lim.source, agent)
        said = "; ".join([f"applies {lim.condition_text()}"] * bool(lim.condition_text())
                         + [f"derived from {lim.source or 'no source'}"] * lim.derived)
        if src is not None and lim.source:
            notes.confidence[lim.source] = src.confidence
        table.add_row(lim.scope + (f" {notes.mark(said)}" if said else ""), quantity_text(lim, lim.max),
                      lim.severity, lim.source or "no source")
    table.notes = notes.lines()
    if agent.limits:
        print_table(table, console)
    else:
        say(console, "Dose caps no established dose limits")
    if agent.course:
        parts = []
        if agent.course.max_sessions:
            parts.append(f"at most {agent.course.max_sessions} sessions")
        if agent.course.min_interval:
            parts.append(f"at least {agent.course.min_interval.text()} apart")
        say(console, f"Course    {', '.join(parts)} ({agent.course.source or 'no source'})")

    def named(condition_id: str) -> str:
        found = library.conditions.get(condition_id)
        return f"{found.name} ({condition_id})" if found is not None and found.name != condition_id else condition_id

    for rule in agent.contraindications:
        say(console, f"Contraindicated: {named(rule.condition)} ({rule.severity}; {rule.source or 'no source'})")
    for rule in agent.cautions:
        say(console, f"Caution   {named(rule.condition)}" + (f": {rule.note}" if rule.note else ""))
    for note in agent.notes:
        say(console, f"Note      {note}")


def render_cocktails(cocktails: list[m.Cocktail], console: Console) -> None:
    table = TextTable([Column("Id"), Column("Name", wrap=True), Column("Agents", wrap=True), Column("Area")])
    for c in cocktails:
        table.add_row(c.id, c.name, ", ".join(x.agent for x in c.components), c.area or "—")
    print_table(table, console)


def render_cocktail(cocktail: m.Cocktail, console: Console) -> None:
    t = cocktail.technique
    console.print(Text(f"{cocktail.name} ({cocktail.id})", style="bold"))
    if cocktail.description:
        console.print(cocktail.description)
    say(console, f"Technique {t.grid} grid, {format_quantity(t.spacing)} spacing, "
                  f"{format_quantity(t.volume_per_point)} per point"
                  + (f", at most {t.max_points} points" if t.max_points else ""))
    for comp in cocktail.components:
        if comp.concentration is not None:
            say(console, f"Agent     {comp.agent} {format_quantity(comp.concentration)} (final)")
        else:
            stock = format_quantity(comp.stock) if comp.stock else comp.stock_id
            say(console, f"Agent     {comp.agent}: {q(comp.volume)} of {stock}")
    if cocktail.diluent:
        say(console, f"Diluent   {cocktail.diluent.name}: {format_quantity(cocktail.diluent.volume)}")
    for p in cocktail.protocol:
        say(console, f"Protocol  {p.name}: {p.sessions} sessions every {p.every.text()}")
    if cocktail.area:
        say(console, f"Area      {cocktail.area} (default)")
    if cocktail.reference is not None:
        ref = cocktail.reference
        size = format_quantity(ref.volume) if ref.volume is not None else f"{ref.points} points"
        say(console, f"Reference published session {size} ({ref.source or 'no source'}); the default plan")
    usual = cocktail.technique_range
    if usual is not None:
        parts = [f"{what} {format_quantity(pair[0])} to {format_quantity(pair[1])}"
                 for what, pair in (("volume per point", usual.volume_per_point), ("spacing", usual.spacing)) if pair]
        say(console, f"Usual     {', '.join(parts)} ({usual.source if usual.basis == 'sourced' else 'assumption'})")


def render_areas(areas: list[m.Area], console: Console) -> None:
    table = TextTable([Column("Id"), Column("Name", wrap=True), Column("Region"), Column("Surface", "right"),
                       Column("Basis", wrap=True)])
    for a in areas:
        table.add_row(a.id, a.name, a.region, format_quantity(a.surface),
                      a.basis + (f" ({a.source})" if a.source else ""))
    print_table(table, console)


# ---- issue 7: the derivation (--explain) and the terminal map (--show-map) ----------------------


def render_steps(steps: list[Any], console: Console) -> None:
    """Numbered derivation steps (explain.Step), one per line, wrapped under their number."""
    console.print()
    console.print(Text("How each number was found", style="bold"))
    # long steps wrap under their own text, never under the number
    width = len(f"{len(steps)}.")
    for number, step in enumerate(steps, start=1):
        print_wrapped(Text(f"{number}.".rjust(width) + " ") + Text(step.text), console, indent=width + 1)


def render_text_map(drawing: Any, console: Console) -> None:
    from mesocalc.render.textmap import text_map

    console.print()
    console.print(Text(f"Injection map ({drawing.grid} grid, {format_number(drawing.spacing)} cm spacing, "
                       f"one 'o' per point; outline: {drawing.note})", style="bold"))
    for line in text_map(drawing):
        console.print(Text("  " + line))
    for band in {r.band for r in drawing.regions if r.band is not None}:
        say(console, f"  Top edge {format_number(band.within)} cm below the {band.landmark}: no injection "
                     f"above it ({band.source or 'label'})", indent=2)
