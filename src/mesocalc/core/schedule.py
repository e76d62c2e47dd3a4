"""A course of sessions: dates by phase, cumulative doses, course caps and minimum intervals.

Pure: standard library dates only (no Typer, no Rich). Conventions (SPEC §4):
- "1 month" is a calendar month: the same day of a later month, clamped to that month's last day.
- a phase's dates are anchored to its first date: session k falls on start + k × every, so monthly
  from 31 January gives 28 February, 31 March, 30 April (never drifting to the 28th).
- the next phase starts one interval of the new phase after the last session of the previous one.
- a minimum interval is met when a session falls on or after the previous session + the interval
  (calendar arithmetic, comparing dates rather than counting days).
- a phase's `max_interval` (SPEC §5) is met when a session of the phase falls on or before the previous
  session + max_interval (the same arithmetic); a later one is a soft `interval-late` warning. The
  previous session is judged with it when it is of the same phase, or a session given without a phase
  name (a history entry, a ledger session: the course the phase continues).

Each planned session is sized like `plan` (one plan.compute); sessions already given (history) count
toward `max_sessions` and course caps, and the first planned session must respect `min_interval`
after the last of them.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from mesocalc import units as u
from mesocalc.core import caps
from mesocalc.core import checks as c
from mesocalc.core import model as m
from mesocalc.core.plan import PlanResult
from mesocalc.errors import Location, input_error
from mesocalc.request.schedule import GivenSession

# ---- calendar arithmetic ---------------------------------------------------------------------

def add_interval(start: date, every: m.Interval, times: int = 1) -> date:
    """start + times × every; months keep the day of the month, clamped to the month's last day."""
    try:
        if every.unit == "month":
            month_index = start.month - 1 + every.count * times
            year = start.year + month_index // 12
            month = month_index % 12 + 1
            day = min(start.day, calendar.monthrange(year, month)[1])
            return date(year, month, day)
        days = every.count * times * (7 if every.unit == "week" else 1)
        return date.fromordinal(start.toordinal() + days)
    except (ValueError, OverflowError):  # the calendar ends with the year 9999
        raise input_error(f"a course from {start.isoformat()} would run past the year 9999",
                          Location(key="--start"), code="date-out-of-range",
                          hint="give a start date that leaves room for every session") from None


def phase_dates(start: date, phases: tuple[m.Phase, ...]) -> list[tuple[date, str]]:
    """Every session date with its phase name, phases in order."""
    out: list[tuple[date, str]] = []
    phase_start = start
    for index, phase in enumerate(phases):
        if index > 0 and out:
            phase_start = add_interval(out[-1][0], phase.every)
        out += [(add_interval(phase_start, phase.every, k), phase.name) for k in range(phase.sessions)]
    return out


# ---- the course ------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgentDose:
    dose: u.Q
    cumulative: u.Q
    solution_volume: u.Q | None  # this agent's solution injected, when known (for course volume caps)


@dataclass(frozen=True)
class CourseSession:
    number: int
    date: date
    phase: str | None
    source: str  # history | planned
    doses: dict[str, AgentDose]
    volume: u.Q | None
    flags: tuple[str, ...] = ()  # what is wrong with this session: "over cap", "too early", "too many"


Day = date  # a calendar day, for classes with a field named `date`


@dataclass(frozen=True)
class EarlySession:
    """A session that falls before the previous one + the minimum interval."""

    number: int
    date: Day
    previous: Day  # the previous session's date
    earliest: Day  # the earliest date the minimum interval allows


@dataclass(frozen=True)
class CourseCheck:
    """A course rule held against the whole course: a cap on cumulative dose, max_sessions or min_interval."""

    agent: str
    rule: str  # limit | max_sessions | min_interval
    status: m.CheckStatus
    severity: m.Severity
    source: str | None
    limit: m.Limit | None = None
    actual: u.Q | None = None
    sessions: int | None = None
    max_sessions: int | None = None
    min_interval: m.Interval | None = None
    first_over: int | None = None  # the session number where the rule was first broken
    too_early: tuple[EarlySession, ...] = ()
    reason: str | None = None
    fractions: dict[int, float] = field(default_factory=dict, compare=False)  # session number -> actual/max

    @property
    def fraction(self) -> float | None:
        if self.limit is None or self.actual is None or self.limit.max.value == 0:
            return None
        return self.actual.value / self.limit.max.value


@dataclass(frozen=True)
class ScheduleResult:
    plan: PlanResult
    phases: tuple[m.Phase, ...]
    sessions: tuple[CourseSession, ...]
    checks: tuple[CourseCheck, ...]
    warnings: tuple[c.Warning, ...]
    exit_code: int

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def compute_schedule(plan: PlanResult, phases: tuple[m.Phase, ...], start: date | None,
                     history: list[GivenSession], library: m.Library, strict: bool = False, *,
                     same_day: bool = False) -> ScheduleResult:
    """The course: history, then the phases from `start`, each planned session sized like `plan`.

    same_day: a session already given on `start` itself is allowed (the ledger's history, where a
    second session the same day is judged by min_interval rather than refused as input)."""
    cocktail = plan.session.cocktail
    if not phases:
        raise input_error(f"cocktail '{cocktail.id}' has no protocol: give --phase NAME:COUNT every INTERVAL "
                          "(e.g. --phase 'treatment:6 every 1 month')", Location(key="--phase"), code="no-protocol")
    if start is None:
        if not history:
            raise input_error("give --start DATE (YYYY-MM-DD)", Location(key="--start"), code="no-start")
        # continue one interval of the first phase after the last session given
        start = add_interval(history[-1].date, phases[0].every)
    if history and (history[-1].date > start or (history[-1].date == start and not same_day)):
        raise input_error(f"the history ends on {history[-1].date}, not before the first new session on {start}",
                          history[-1].where, code="bad-history")

    components = {comp.agent.id: comp for comp in plan.components}
    rows: list[tuple[date, str | None, str, dict[str, tuple[u.Q, u.Q | None]], u.Q | None]] = []
    for given in history:
        per_agent: dict[str, tuple[u.Q, u.Q | None]] = {}
        if given.volume is not None:
            for agent_id, comp in components.items():
                per_agent[agent_id] = (comp.concentration * given.volume, given.volume * comp.share)
        for agent_id, dose in given.doses.items():
            comp = components[agent_id]
            if dose.dims != comp.dose.dims:
                raise input_error(f"history dose of {agent_id} ({u.format_quantity(dose)}) is not in the unit kind "
                                  f"of its dose ({u.unit_string(comp.dose.dims)})",
                                  replace(given.where, key=f"{given.where.key}.doses.{agent_id}"),
                                  code="wrong-dimension")
            per_agent[agent_id] = (dose, (dose / comp.concentration) * comp.share)
        rows.append((given.date, given.phase, "history", per_agent, given.volume))
    for when, planned_phase in phase_dates(start, phases):
        per_agent = {a: (comp.dose, comp.solution_volume) for a, comp in components.items()}
        rows.append((when, planned_phase, "planned", per_agent, plan.session_volume))

    sessions: list[CourseSession] = []
    totals: dict[str, u.Q] = {}
    for number, (when, phase_name, origin, per_agent, volume) in enumerate(rows, start=1):
        doses = {}
        for agent_id, (dose, solution) in per_agent.items():
            totals[agent_id] = totals[agent_id] + dose if agent_id in totals else dose
            doses[agent_id] = AgentDose(dose, totals[agent_id], solution)
        sessions.append(CourseSession(number, when, phase_name, origin, doses, volume))

    checks: list[CourseCheck] = []
    warnings: list[c.Warning] = []
    present = {agent_id: comp.concentration for agent_id, comp in components.items()}
    for comp in components.values():
        checks += course_checks(comp.agent, present, sessions, plan.session.weight)
    for check in checks:
        warnings += course_warnings(check, components[check.agent].agent.name)
    warnings += late_warnings(sessions, phases)
    sessions = flag_sessions(sessions, checks)
    all_warnings = list(plan.warnings) + warnings
    code = c.exit_code(all_warnings, strict)
    return ScheduleResult(plan, phases, tuple(sessions), tuple(checks), tuple(all_warnings), code)


def course_checks(agent: m.Agent, present: Mapping[str, u.Q] | None, sessions: list[CourseSession],
                  weight: u.Q | None) -> list[CourseCheck]:
    """Every course rule of one agent (caps on the cumulative dose, max_sessions, min_interval) held
    against the sessions that gave it, in date order. `present` is the cocktail's final concentrations
    (for a `when` condition); None when they are not known (a ledger history): every cap then applies,
    the cautious reading, since a cap is never switched off without the numbers that switch it."""
    with_agent = [s for s in sessions if agent.id in s.doses]
    checks: list[CourseCheck] = []
    for limit in agent.limits:
        if limit.scope != m.Scope.COURSE:
            continue
        if present is None or limit.applies(present):
            checks.append(_course_limit(agent, limit, with_agent, weight))
        else:  # listed with the reason, never dropped (SPEC §3)
            reason = c.not_applicable(agent.id, limit, present, None).reason
            checks.append(CourseCheck(agent.id, "limit", m.CheckStatus.NOT_APPLICABLE, m.Severity(limit.severity),
                                      limit.source, limit, reason=reason))
    if agent.course is not None:
        checks += _course_rules(agent, agent.course, with_agent)
    return checks


def _course_limit(agent: m.Agent, limit: m.Limit, given: list[CourseSession], weight: u.Q | None) -> CourseCheck:
    """A course cap held against the cumulative dose (amount, per kg of body weight, or solution volume)."""
    base = CourseCheck(agent.id, "limit", m.CheckStatus.UNCHECKED, m.Severity(limit.severity), limit.source, limit)
    if limit.basis == "per-area":
        return replace(base, reason="a per-area cap is a per-session rule; not applied to a course total")
    if limit.basis == "per-kg" and weight is None:
        return replace(base, reason=caps.NEEDS_WEIGHT)
    actual: u.Q | None = None
    first_over = None
    fractions: dict[int, float] = {}
    volume_total: u.Q | None = None
    for s in given:
        d = s.doses[agent.id]
        if limit.basis == "volume":
            if d.solution_volume is None:
                return replace(base, reason=f"the volume of session {s.number} is not known")
            volume_total = d.solution_volume if volume_total is None else volume_total + d.solution_volume
        actual, _ = caps.compared_with(limit, d.cumulative, volume_total, None, weight)
        assert actual is not None  # a per-area cap, or a per-kg cap without a weight, returned above
        if actual.dims != limit.max.dims:
            return replace(base, reason=f"cap in {u.format_quantity(limit.max)} cannot be compared with "
                                         f"{u.format_quantity(actual)}")
        fractions[s.number] = actual.value / limit.max.value if limit.max.value else 0.0
        if first_over is None and not u.at_most(actual.value, limit.max.value):
            first_over = s.number
    status = m.CheckStatus.OK if first_over is None else m.CheckStatus.OVER
    return CourseCheck(agent.id, "limit", status, m.Severity(limit.severity), limit.source, limit, actual,
                       first_over=first_over, fractions=fractions)


def _course_rules(agent: m.Agent, rule: m.CourseRule, given: list[CourseSession]) -> list[CourseCheck]:
    out = []
    if rule.max_sessions is not None:
        first_over = given[rule.max_sessions].number if len(given) > rule.max_sessions else None
        status = m.CheckStatus.OK if first_over is None else m.CheckStatus.OVER
        out.append(CourseCheck(agent.id, "max_sessions", status, m.Severity(rule.severity), rule.source,
                               sessions=len(given), max_sessions=rule.max_sessions, first_over=first_over))
    if rule.min_interval is not None:
        too_early: list[EarlySession] = []
        for previous, current in itertools.pairwise(given):
            earliest = add_interval(previous.date, rule.min_interval)
            if current.date < earliest:
                too_early.append(EarlySession(current.number, current.date, previous.date, earliest))
        status = m.CheckStatus.OVER if too_early else m.CheckStatus.OK
        out.append(CourseCheck(agent.id, "min_interval", status, m.Severity(rule.severity), rule.source,
                               min_interval=rule.min_interval, too_early=tuple(too_early),
                               first_over=too_early[0].number if too_early else None))
    return out


def course_warnings(check: CourseCheck, name: str) -> list[c.Warning]:
    if check.rule == "limit" and check.limit is not None:
        limit = check.limit
        if check.status == m.CheckStatus.UNCHECKED:
            return [c.Warning("limit-unchecked", m.Severity.SOFT, f"{name}: course cap of "
                              f"{u.format_quantity(limit.max)} not checked: {check.reason}", check.agent, check.source)]
        if check.status == m.CheckStatus.OVER and check.actual is not None:
            actual, cap = c.distinct(check.actual, limit.max)
            return [c.Warning(
                "course-over", check.severity,
                f"{name}: the course total reaches {actual}, over the {check.severity} "
                f"course cap of {cap} ({u.format_percent(check.fraction or 0)}); "
                f"first over at session {check.first_over}", check.agent, check.source)]
    if check.rule == "max_sessions" and check.status == m.CheckStatus.OVER:
        return [c.Warning("course-over", check.severity,
                          f"{name}: {check.sessions} sessions in the course, over the maximum of {check.max_sessions} "
                          f"(session {check.first_over} is the first too many)", check.agent, check.source)]
    if check.rule == "min_interval" and check.min_interval is not None:
        return [c.Warning("interval", check.severity,
                          f"{name}: session {t.number} on {t.date} is less than {check.min_interval.text()} "
                          f"after the previous one on {t.previous} (earliest allowed {t.earliest})",
                          check.agent, check.source)
                for t in check.too_early]
    return []


def late_warnings(sessions: list[CourseSession], phases: tuple[m.Phase, ...]) -> list[c.Warning]:
    """`interval-late`: a session of a phase with a `max_interval` that falls after the previous session
    (of that phase, or given without a phase name) + max_interval."""
    longest = {phase.name: phase.max_interval for phase in phases if phase.max_interval is not None}
    out: list[c.Warning] = []
    for previous, current in itertools.pairwise(sessions):
        limit = longest.get(current.phase or "")
        if limit is None or previous.phase not in (current.phase, None):
            continue
        latest = add_interval(previous.date, limit)
        if current.date > latest:
            out.append(c.Warning(
                "interval-late", m.Severity.SOFT,
                f"session {current.number} on {current.date} ({current.phase}) is more than {limit.text()} after "
                f"the previous one on {previous.date} (latest on time {latest}): the phase's max_interval"))
    return out


def flag_sessions(sessions: list[CourseSession], checks: list[CourseCheck]) -> list[CourseSession]:
    flags: dict[int, list[str]] = {}
    for check in checks:
        if check.status != m.CheckStatus.OVER:
            continue
        if check.rule == "limit":
            numbers = [n for n, f in check.fractions.items() if not u.at_most(f, 1.0)]
            for n in numbers:
                flags.setdefault(n, []).append(f"{check.agent} over course cap")
        elif check.rule == "max_sessions" and check.max_sessions is not None:
            given = [s.number for s in sessions if check.agent in s.doses]
            for n in given[check.max_sessions:]:
                flags.setdefault(n, []).append(f"{check.agent} over {check.max_sessions} sessions")
        else:
            for t in check.too_early:
                flags.setdefault(t.number, []).append(f"{check.agent} too early")
    # only flagged sessions are copied (a ledger history can hold thousands of sessions)
    return [replace(s, flags=tuple(dict.fromkeys(flags[s.number]))) if s.number in flags
            else s if not s.flags else replace(s, flags=()) for s in sessions]
