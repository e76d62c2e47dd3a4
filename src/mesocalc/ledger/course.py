"""A patient's course from the ledger, judged by schedule.py's course checks (never re-implemented here).

- Sessions count in the order given (date and time); voided sessions do not count.
- An agent's course rules are held against the sessions that gave it, whichever cocktail or product
  they came from: course caps on the cumulative dose, `max_sessions`, `min_interval` (calendar
  arithmetic, SPEC §4). A cap with a `when` condition is applied when it holds for the agents of the
  latest session that gave the agent.
- Next allowed date: the last session that gave the agent + its `min_interval` (the latest of these over
  the agents); none once `max_sessions` is reached. Latest on-time date: the last session of a cocktail +
  the `max_interval` of the protocol phase its next session falls in, where the protocol gives one.
- `plan` and `schedule --patient-id` turn the ledger's sessions into schedule history entries
  (GivenSession) and run the same course computation as `schedule --history`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from mesocalc import units as u
from mesocalc.core import checks as c
from mesocalc.core import model as m
from mesocalc.core.schedule import (
    AgentDose,
    CourseCheck,
    CourseSession,
    add_interval,
    course_checks,
    course_warnings,
    flag_sessions,
)
from mesocalc.errors import Location
from mesocalc.ledger import content as ct
from mesocalc.ledger.store import Recording, StoredSession
from mesocalc.record import Record
from mesocalc.request.schedule import GivenSession


@dataclass(frozen=True, eq=False, repr=False)
class Given(Record):
    """One session as the course sees it."""

    when: date
    doses: dict[str, u.Q]
    solution: dict[str, u.Q | None]
    cocktails: tuple[str, ...]
    weight: u.Q | None
    uuid: str | None  # None: the session being judged


def given(session: StoredSession) -> Given:
    return _given(session.given_at.date(), session.content, session.uuid)


def _given(when: date, content: ct.Content, uuid: str | None) -> Given:
    solution = {agent: (u.Q(ml, u.VOLUME) if ml is not None else None) for agent, ml in content.solution.items()}
    return Given(when, dict(content.doses), solution, content.cocktails, content.weight, uuid)


@dataclass(frozen=True, eq=False, repr=False)
class AgentCourse(Record):
    agent: str
    name: str
    total: u.Q
    sessions: int
    max_sessions: int | None
    min_interval: m.Interval | None
    last_given: date
    next_allowed: date | None
    complete: bool
    checks: tuple[CourseCheck, ...]


@dataclass(frozen=True, eq=False, repr=False)
class Course(Record):
    """The course so far: each agent's rules and totals, flagged sessions, warnings."""

    agents: tuple[AgentCourse, ...]
    sessions: tuple[CourseSession, ...]
    numbers: dict[str, int]  # session uuid -> its number in the course
    warnings: tuple[c.Warning, ...]
    next_allowed: date | None
    latest_on_time: date | None
    latest_reason: str | None
    unknown_agents: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        return c.exit_code(list(self.warnings), False)


def course(entries: list[Given], library: m.Library) -> Course:
    """Every agent's course rules held against the sessions given (in date order)."""
    entries = sorted(entries, key=lambda g: g.when)
    sessions: list[CourseSession] = []
    totals: dict[str, u.Q] = {}
    numbers: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        doses = {}
        for agent_id, dose in entry.doses.items():
            previous = totals.get(agent_id)
            totals[agent_id] = previous + dose if previous is not None and previous.dims == dose.dims else dose
            doses[agent_id] = AgentDose(dose, totals[agent_id], entry.solution.get(agent_id))
        sessions.append(CourseSession(number, entry.when, None, "history", doses, None))
        if entry.uuid is not None:
            numbers[entry.uuid] = number
    weight = next((e.weight for e in reversed(entries) if e.weight is not None), None)
    checks: list[CourseCheck] = []
    warnings: list[c.Warning] = []
    agents: list[AgentCourse] = []
    unknown: list[str] = []
    for agent_id in sorted(totals):
        agent = library.agents.get(agent_id)
        if agent is None:
            unknown.append(agent_id)
            warnings.append(c.Warning("limit-unchecked", m.Severity.SOFT, f"{agent_id} is not in the library: its "
                                      "course rules were not checked", agent_id))
            continue
        own = course_checks(agent, None, sessions, weight)  # concentrations are not recorded: every cap applies
        checks += own
        for check in own:
            warnings += course_warnings(check, agent.name)
        agents.append(_agent_course(agent, [e for e in entries if agent_id in e.doses], totals[agent_id], own))
    flagged = flag_sessions(sessions, checks)
    nexts = [a.next_allowed for a in agents if a.next_allowed is not None]
    latest_on_time, reason = _latest_on_time(entries, library)
    return Course(tuple(agents), tuple(flagged), numbers, tuple(warnings), max(nexts) if nexts else None,
                  latest_on_time, reason, tuple(unknown))


def _agent_course(agent: m.Agent, entries: list[Given], total: u.Q, checks: list[CourseCheck]) -> AgentCourse:
    rule = agent.course
    last = entries[-1].when
    max_sessions = rule.max_sessions if rule else None
    interval = rule.min_interval if rule else None
    complete = max_sessions is not None and len(entries) >= max_sessions
    next_allowed = add_interval(last, interval) if interval is not None and not complete else None
    return AgentCourse(agent.id, agent.name, total, len(entries), max_sessions, interval, last, next_allowed,
                       complete, tuple(checks))


def _upcoming_phase(cocktail: m.Cocktail, given: int) -> m.Phase | None:
    """The protocol phase the next session of a cocktail falls in, after `given` sessions of it."""
    upcoming = given + 1
    for phase in cocktail.protocol:
        if upcoming <= phase.sessions:
            return phase
        upcoming -= phase.sessions
    return None


def _latest_on_time(entries: list[Given], library: m.Library) -> tuple[date | None, str | None]:
    """The last session of each cocktail + the max_interval of the phase its next session falls in."""
    latest: list[date] = []
    for cocktail_id in dict.fromkeys(ref for e in entries for ref in e.cocktails):
        cocktail = library.cocktails.get(cocktail_id)
        if cocktail is None:
            continue
        with_it = [e for e in entries if cocktail_id in e.cocktails]
        phase = _upcoming_phase(cocktail, len(with_it))
        if phase is not None and phase.max_interval is not None:
            latest.append(add_interval(with_it[-1].when, phase.max_interval))
    if latest:
        return min(latest), None
    return None, "no protocol phase of the cocktails given sets a max_interval"


def _new_given(recording: Recording) -> Given:
    """The session about to be recorded, as the course sees it."""
    return _given(recording.given_at.date(), recording.content, None)


def late_warnings(earlier: list[Given], new: Given, library: m.Library) -> list[c.Warning]:
    """`interval-late` (soft) for a new session of a cocktail later than its last session + the
    max_interval of the protocol phase the new session falls in (schedule.py's rule, from the ledger)."""
    out: list[c.Warning] = []
    for cocktail_id in new.cocktails:
        cocktail = library.cocktails.get(cocktail_id)
        with_it = sorted((e for e in earlier if cocktail_id in e.cocktails and e.when <= new.when),
                         key=lambda e: e.when)
        phase = _upcoming_phase(cocktail, len(with_it)) if cocktail is not None and with_it else None
        if phase is None or phase.max_interval is None:
            continue
        latest = add_interval(with_it[-1].when, phase.max_interval)
        if new.when > latest:
            out.append(c.Warning(
                "interval-late", m.Severity.SOFT,
                f"{cocktail_id}: session {len(with_it) + 1} on {new.when} ({phase.name}) is more than "
                f"{phase.max_interval.text()} after the previous one on {with_it[-1].when} (latest on time "
                f"{latest}): the phase's max_interval"))
    return out


def judge_new_session(history: list[StoredSession], recording: Recording, library: m.Library) -> list[c.Warning]:
    """Course warnings that concern the session about to be recorded (hard ones refuse it)."""
    new = _new_given(recording)
    earlier = [given(s) for s in history if not s.voided]
    result = course(sorted([*earlier, new], key=lambda g: g.when), library)
    # a session recorded late (dated before others) may break a rule at a later session: that counts too
    before = course(earlier, library)
    was_flagged = {uuid for uuid, number in before.numbers.items() if before.sessions[number - 1].flags}
    by_number: dict[int, str | None] = {number: uuid for uuid, number in result.numbers.items()}
    out = [w for w in result.warnings if w.code == "limit-unchecked" and w.agent in new.doses]
    for agent in result.agents:
        for check in agent.checks:
            hit = {by_number.get(s.number) for s in flag_sessions(list(result.sessions), [check]) if s.flags}
            if None in hit or hit - was_flagged:  # broken at the new session, or newly broken by it
                out += course_warnings(check, agent.name)
    return out + late_warnings(earlier, new, library)


# ---- plan and schedule with --patient-id ------------------------------------------------------

def history_entries(sessions: list[StoredSession], agents: set[str], until: date) -> list[GivenSession]:
    """The ledger's sessions (not void, given on or before `until`) that gave any of `agents`, as
    schedule history entries with per-agent doses."""
    out: list[GivenSession] = []
    for s in sorted(sessions, key=lambda s: s.given_at):
        if s.voided or s.given_at.date() > until:
            continue
        doses = {agent: q for agent, q in s.doses.items() if agent in agents}
        if doses:
            out.append(GivenSession(s.given_at.date(), None, doses, None,
                                    Location(key=f"ledger session {s.uuid}")))
    return out


@dataclass(frozen=True, eq=False, repr=False)
class PlanCourse(Record):
    """What the ledger says about a planned session: the course checks and their warnings."""

    patient: str
    sessions_given: int
    last_given: date | None
    checks: tuple[CourseCheck, ...]
    warnings: tuple[c.Warning, ...]


def plan_with_course(plan: Any, sessions: list[StoredSession], patient: str, when: date, library: m.Library,
                     strict: bool) -> tuple[Any, PlanCourse]:
    """The plan with the patient's course checks from the ledger added to its warnings and exit code."""
    from mesocalc.core.schedule import compute_schedule

    agents = {comp.agent.id for comp in plan.components}
    history = history_entries(sessions, agents, when)
    phase = m.Phase("this session", 1, m.Interval(1, "day"))
    result = compute_schedule(plan, (phase,), when, history, library, strict, same_day=True)
    cocktail = plan.session.cocktail.id
    late = late_warnings([given(s) for s in sessions if not s.voided],
                         Given(when, {}, {}, (cocktail,), None, None), library)
    added = (*result.warnings[len(plan.warnings):], *late)
    info = PlanCourse(patient, len(history), history[-1].date if history else None, result.checks, added)
    every = (*plan.warnings, *added)
    return replace(plan, warnings=every, exit_code=c.exit_code(list(every), strict)), info


def visit_course(history: list[StoredSession], recording: Recording, library: m.Library) -> PlanCourse:
    """What the ledger says about a visit (every agent of its items, one session): the earlier sessions
    that gave any of its agents, each agent's course checks with the visit counted, and the warnings of
    the rules the visit would break (judge_new_session: what recording it would refuse without --override)."""
    new = _new_given(recording)
    earlier = [given(s) for s in history if not s.voided]
    whole = course([*earlier, new], library)
    checks = tuple(check for agent in whole.agents if agent.agent in new.doses for check in agent.checks)
    before = [e for e in earlier if e.when <= new.when and set(e.doses) & set(new.doses)]
    warnings = judge_new_session(history, recording, library)
    return PlanCourse(recording.patient, len(before), max((e.when for e in before), default=None), checks,
                      tuple(warnings))
