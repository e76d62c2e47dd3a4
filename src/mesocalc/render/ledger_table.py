"""Human output of the ledger commands: history, lots, record, and the ledger's housekeeping."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from mesocalc import units as u
from mesocalc.ledger.course import PlanCourse
from mesocalc.ledger.reports import History, LotReport
from mesocalc.ledger.store import Outcome, StoredSession
from mesocalc.render.table import NoteMarks, render_verdict, render_warnings
from mesocalc.render.textgrid import Column, TextTable, print_table, say

if TYPE_CHECKING:  # rich.console only when a line needs Rich's layout (render/plain_console.py)
    from rich.console import Console

# prose may wrap between words; dates, ids, lots and quantities never wrap
_WRAPS = {"Items", "Doses", "Lots", "By", "Status", "Note", "Next allowed", "Agent or stock"}
_RIGHT = {"Total", "Course cap", "Used", "Sessions", "#"}


def _table(title: str | None, headers: tuple[str, ...]) -> TextTable:
    return TextTable([Column(h, "right" if h in _RIGHT else "left", wrap=h in _WRAPS) for h in headers], title=title)


def _when(s: StoredSession) -> str:
    return s.given_at.isoformat(sep=" ", timespec="minutes")


def _items(s: StoredSession) -> str:
    parts = []
    for item in s.content.items:
        details = []
        if item.points is not None:
            details.append(f"{item.points:,} points")
        if item.volume is not None:
            details.append(u.format_quantity(item.volume))
        parts.append(item.ref + (f" ({', '.join(details)})" if details else ""))
    return "; ".join(parts)


def _doses(s: StoredSession) -> str:
    return "; ".join(f"{agent} {u.format_quantity(q)}" for agent, q in s.doses.items())


def _lots(s: StoredSession) -> str:
    return "; ".join(f"{lot.target} {lot.lot}" + (f" exp {lot.expiry.isoformat()}" if lot.expiry else "")
                     for lot in s.lots) or "—"


RECENT = 30  # sessions shown by default: a Rich table of thousands of rows takes seconds to lay out


def render_history(result: History, console: Console, show_all: bool = False) -> None:
    given = sum(1 for s in result.sessions if not s.voided)
    void = len(result.sessions) - given
    console.print(Text(f"Patient {result.patient}: {given} session(s) given"
                       + (f", {void} void" if void else ""), style="bold"))
    console.print(f"Ledger    {result.ledger}")
    console.print()
    flags = {s.number: s.flags for s in result.course.sessions}
    sessions = _table("Sessions", ("Given", "#", "Session", "Items", "Doses", "Lots", "By", "Status", "Note"))
    shown = result.sessions if show_all else result.sessions[-RECENT:]
    if len(shown) < len(result.sessions):
        console.print(f"The last {len(shown)} of {len(result.sessions):,} sessions (--all shows every one, "
                      "--json gives them all)")
    for s in shown:
        number = result.course.numbers.get(s.uuid)
        if s.voided:
            status = Text(f"void: {s.voids[0].reason}", style="dim")
        elif number is not None and flags.get(number):
            status = Text("; ".join(flags[number]), style="bold red")
        elif s.override:
            status = Text(f"override: {s.override}", style="yellow")
        else:
            status = Text("ok", style="green")
        sessions.add_row(_when(s), str(number) if number else "—", s.uuid[:8], _items(s), _doses(s), _lots(s),
                         s.by or "—", status, s.note or "")
    print_table(sessions, console)

    agents = _table("Course", ("Agent", "Total", "Course cap", "Used", "Sessions", "Last given", "Next allowed"))
    intervals = NoteMarks()  # the interval behind a next allowed date, below the table: each row one line
    for agent in result.course.agents:
        caps = [ch for ch in agent.checks if ch.rule == "limit" and ch.fraction is not None]
        cap = max(caps, key=lambda ch: ch.fraction or 0.0, default=None)
        cap_text = u.format_quantity(cap.limit.max) if cap and cap.limit else "—"
        used = u.format_percent(cap.fraction or 0) if cap else "—"
        sessions_text = f"{agent.sessions} of {agent.max_sessions}" if agent.max_sessions else str(agent.sessions)
        if agent.complete:
            nxt = "course complete"
        elif agent.next_allowed:
            after = f"at least {agent.min_interval.text()} after the last session" if agent.min_interval else ""
            nxt = agent.next_allowed.isoformat() + (f" {intervals.mark(after)}" if after else "")
        else:
            nxt = "no interval rule"
        agents.add_row(agent.agent, u.format_quantity(agent.total), cap_text, used, sessions_text,
                       agent.last_given.isoformat(), nxt)
    agents.notes = intervals.lines()
    print_table(agents, console)
    course = result.course
    say(console, f"Next allowed date     {course.next_allowed.isoformat() if course.next_allowed else '—'}", 22)
    latest = course.latest_on_time.isoformat() if course.latest_on_time else f"— ({course.latest_reason})"
    say(console, f"Latest on-time date   {latest}", 22)  # a wrapped reason stays under the date column
    render_warnings(list(course.warnings), console)
    render_verdict(result.exit_code, list(course.warnings), "the course is within every hard cap and rule", console)


def render_lots(report: LotReport, console: Console) -> None:
    if not report.entries:
        similar = f" (did you mean {', '.join(report.similar)}?)" if report.similar else ""
        # a recall that finds nothing is an answer, not an error (exit 0; exit 1 is only a broken cap or rule,
        # SPEC §6): said in one line, with the lots that look alike when the lot may be mistyped
        say(console, f"No dose from lot {report.lot} is recorded in {report.ledger}{similar}", 2)
        return
    console.print(Text(f"Lot {report.lot}: {len(report.entries)} session(s), {len(report.patients)} patient(s)",
                       style="bold"))
    table = _table(None, ("Patient", "Given", "Session", "Agent or stock", "Lot", "Expiry", "Items", "By", "Status"))
    for s, lot in report.entries:
        status = Text(f"void: {s.voids[0].reason}", style="dim") if s.voided else Text("given")
        table.add_row(s.patient, _when(s), s.uuid, lot.target, lot.lot, lot.expiry.isoformat() if lot.expiry else "—",
                      ", ".join(item.ref for item in s.content.items), s.by or "—", status)
    print_table(table, console)


def render_outcome(outcome: Outcome, ledger: str, console: Console) -> None:
    if outcome.session is None:
        render_warnings(list(outcome.warnings), console)
        console.print(Text.assemble(("NOT RECORDED", "bold red"), f": {outcome.refused}"))
        return
    s = outcome.session
    console.print(Text.assemble(("Recorded", "bold green"), f" session {s.uuid} for patient {s.patient}, given "
                                f"{_when(s)}, in {ledger}"))
    console.print(f"          {_items(s)}: {_doses(s)}" + (f"; lots {_lots(s)}" if s.lots else ""))
    if s.override:
        console.print(Text(f"          override: {s.override}", style="yellow"))
    render_warnings(list(outcome.warnings), console)


def render_plan_course(info: PlanCourse, console: Console) -> None:
    last = f", last on {info.last_given.isoformat()}" if info.last_given else ""
    console.print(f"Ledger    patient {info.patient}: {info.sessions_given} earlier session(s) with these agents{last}")


def render_lines(lines: list[str], console: Console) -> None:
    for line in lines:
        console.print(Text(line))


def summary(doc: dict[str, Any]) -> list[str]:
    """One-line reports of import, check and backup."""
    kind = doc["kind"]
    if kind == "ledger-import":
        return [f"Imported {doc['added']} session(s) and {doc['voids_added']} void(s) from {doc['file']}; "
                f"{doc['unchanged']} already present"]
    if kind == "ledger-check":
        head = (f"{doc['ledger']}: schema version {doc['schema_version']}, {doc['sessions']} session(s), "
                f"{doc['voids']} void(s)")
        if doc["ok"]:
            return [head, "OK: integrity check and every ledger invariant pass"]
        return [head, *[f"problem: {p}" for p in doc["problems"]], f"NOT OK: {len(doc['problems'])} problem(s)"]
    return [f"Backed up {doc['sessions']} session(s) from {doc['ledger']} to {doc['backup']}"]
