"""Human output of `mesocalc schedule`: the course at a glance, then its checks and warnings."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.text import Text

from mesocalc import units as u
from mesocalc.core import model as m
from mesocalc.core.schedule import CourseCheck, CourseSession, ScheduleResult
from mesocalc.render.table import render_verdict, render_warnings
from mesocalc.render.textgrid import Column, TextTable, print_table, print_wrapped, say

if TYPE_CHECKING:  # rich.console only when a line needs Rich's layout (render/plain_console.py)
    from rich.console import Console


def render_schedule(result: ScheduleResult, console: Console) -> None:
    plan = result.plan
    session = plan.session
    console.print(Text(f"{session.cocktail.name} ({session.cocktail.id})", style="bold"))
    phases = "; ".join(f"{p.name}: {p.sessions} every {p.every.text()}" for p in result.phases)
    say(console, f"Phases    {phases}")
    area = f"{u.format_quantity(plan.area)}, " if plan.area is not None else ""
    say(console, f"Session   {area}{plan.points:,} points, {u.format_quantity(plan.session_volume)}")
    if session.weight is not None:
        say(console, f"Weight    {u.format_number(session.weight.value)} kg")
    console.print()

    agents = [comp.agent for comp in plan.components]
    caps = {a.id: _binding_cap(a.id, result.checks) for a in agents}
    table = _one_agent_table(result, agents[0], caps) if len(agents) == 1 else _agents_table(result, agents, caps)
    print_table(table, console)

    for check in result.checks:  # a course cap whose `when` does not hold is said, never dropped
        if check.status == m.CheckStatus.NOT_APPLICABLE and check.limit is not None:
            console.print(Text(f"Not applicable: {check.agent} course {u.format_quantity(check.limit.max)}: "
                               f"{check.reason}"))
    rules = [ch for ch in result.checks if ch.rule != "limit"]
    for check in rules:
        style = "green" if check.status == m.CheckStatus.OK else "bold red"
        if check.rule == "max_sessions":
            text = f"{check.agent}: {check.sessions} of at most {check.max_sessions} sessions"
        else:
            text = f"{check.agent}: sessions at least {check.min_interval.text() if check.min_interval else '?'} apart"
        line = Text(f"Course    {text}: ")
        line.append(check.status, style=style)
        line.append(f" ({check.severity}; {check.source or 'no source'})", style="dim")
        print_wrapped(line, console, indent=10)  # a wrapped rule stays under its text, not at the margin
    render_warnings(list(result.warnings), console)
    render_verdict(result.exit_code, list(result.warnings), "the course is within every hard cap and rule", console)


def _cumulative_cell(result: ScheduleResult, s: CourseSession, agent_id: str, cap: CourseCheck | None) -> str:
    dose = s.doses[agent_id]
    fraction = cap.fractions.get(s.number) if cap else None
    used = f" ({u.format_percent(fraction)})" if fraction is not None else ""
    given = [x.doses[agent_id].dose for x in result.sessions[:s.number] if agent_id in x.doses]
    return cumulative_text(dose.cumulative, given) + used


def _status(s: CourseSession) -> Text:
    return Text("ok", style="green") if not s.flags else Text("; ".join(s.flags), style="bold red")


def _one_agent_table(result: ScheduleResult, agent: m.Agent, caps: dict[str, CourseCheck | None]) -> TextTable:
    """One agent: a row per session with its dose and the cumulative dose against the course cap."""
    cap = caps[agent.id]
    cap_text = f" / cap {u.format_quantity(cap.limit.max)}" if cap and cap.limit else ""
    table = TextTable([Column("#", "right"), Column("Date"), Column("Phase", wrap=True),
                       Column(f"{agent.name} dose", "right"), Column(f"Cumulative{cap_text}", "right"),
                       Column("Status", wrap=True)])
    for s in result.sessions:
        dose = s.doses.get(agent.id)
        table.add_row(str(s.number), s.date.isoformat(), _phase(s), u.format_quantity(dose.dose) if dose else "—",
                      _cumulative_cell(result, s, agent.id, cap) if dose else "—", _status(s))
    return table


def _agents_table(result: ScheduleResult, agents: list[m.Agent], caps: dict[str, CourseCheck | None]) -> TextTable:
    """Several agents: a line per agent under each session, so the table is as wide for three agents as
    for one (and fits 80 columns); the course caps are noted below."""
    table = TextTable([Column("#", "right"), Column("Date"), Column("Phase", wrap=True), Column("Agent", wrap=True),
                       Column("Dose", "right"), Column("Cumulative", "right"), Column("Status", wrap=True)])
    for s in result.sessions:
        first = True
        for agent in agents:
            dose = s.doses.get(agent.id)
            lead = [str(s.number), s.date.isoformat(), _phase(s)] if first else ["", "", ""]
            table.add_row(*lead, agent.name, u.format_quantity(dose.dose) if dose else "—",
                          _cumulative_cell(result, s, agent.id, caps[agent.id]) if dose else "—",
                          _status(s) if first else "")
            first = False
    table.notes = [f"Course cap: {agent.name} {u.format_quantity(cap.limit.max)} ({cap.source or 'no source'}); "
                   "% is the cumulative dose's share of it"
                   for agent in agents if (cap := caps[agent.id]) is not None and cap.limit is not None]
    return table


def cumulative_text(cumulative: u.Q, doses: list[u.Q]) -> str:
    """The running total with as many decimals as the doses it adds up, so the column adds up to the eye
    (7 × 17.5 mg = 122.5 mg, not "123 mg")."""
    value, unit = u.display(cumulative)
    decimals = max((len(u.format_like(d, cumulative).split()[0].partition(".")[2]) for d in doses), default=0)
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    return f"{u.format_number(value, volume=unit == 'mL', digits=max(3, magnitude + 1 + decimals))} {unit}"


def _phase(s: CourseSession) -> str:
    if s.source == "history":
        return f"history ({s.phase})" if s.phase else "history"
    return s.phase or ""


def _binding_cap(agent_id: str, checks: tuple[CourseCheck, ...]) -> CourseCheck | None:
    """The course cap used most by the end of the course (the one shown against the cumulative dose)."""
    caps = [ch for ch in checks if ch.agent == agent_id and ch.rule == "limit" and ch.fraction is not None]
    return max(caps, key=lambda ch: ch.fraction or 0.0, default=None)
