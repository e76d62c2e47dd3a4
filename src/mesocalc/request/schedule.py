"""What the user typed for a course (`schedule`): phases, dates and the history of sessions already given.

Turned into model objects before the course is computed; shared by the CLI and the Python API.
Pure: standard library dates only (no Typer, no Rich).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from mesocalc import notation
from mesocalc import units as u
from mesocalc.core import model as m
from mesocalc.errors import Location, MesocalcError, Problem, did_you_mean, input_error
from mesocalc.lazyre import lazy

HISTORY_KEYS = ("date", "volume", "doses", "phase", "note")
_PHASE = lazy(r"(\d+) +every +(\S.*)", re.I)


def parse_date(text: object, where: Location) -> date:
    if isinstance(text, date):
        return text
    if not isinstance(text, str):
        raise input_error(f"expected a date such as 2026-12-01, got {notation.excerpt(repr(text))}", where,
                          code="bad-date")
    notation.check_length(text, where, "date")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise input_error(f"'{notation.excerpt(text)}' is not a date: expected YYYY-MM-DD such as 2026-12-01", where,
                          code="bad-date") from None


def parse_phase(text: str) -> m.Phase:
    """`NAME:COUNT every INTERVAL`, e.g. `intensive:4 every 1 week`."""
    from mesocalc.library.validate import parse_interval

    where = Location(key="--phase")
    notation.check_length(text or "", where, "phase")
    # Split at the first colon, then match the stripped rest: no pattern scans a run of spaces twice.
    name, colon, rest = (text or "").partition(":")
    match = _PHASE.fullmatch(rest.strip()) if colon and name.strip() else None
    example = "'intensive:4 every 1 week' or 'maintenance:6 every 1 month'"
    if not match:
        raise input_error(f"'{notation.excerpt(text)}' is not a phase: expected NAME:COUNT every INTERVAL, "
                          f"e.g. {example}", where, code="bad-phase")
    name = " ".join(name.split())
    count, every_text = match.groups()
    every = parse_interval(every_text)
    if every is None:
        raise input_error(f"'{every_text}' in phase '{notation.excerpt(text)}' is not a calendar interval such as "
                          "'2 weeks' or '1 month' (days, weeks or months)", where, code="bad-phase")
    sessions = int(count)
    if not 1 <= sessions <= 200:
        raise input_error(f"phase '{notation.excerpt(text)}': the number of sessions must be from 1 to 200", where,
                          code="bad-phase")
    return m.Phase(name, sessions, every)


@dataclass(frozen=True)
class GivenSession:
    """A session already given: a date and either the injected volume or per-agent doses."""

    date: date
    volume: u.Q | None
    doses: dict[str, u.Q]
    phase: str | None
    where: Location


def read_history(path: Path, cocktail: m.Cocktail, library: m.Library) -> list[GivenSession]:
    """A YAML or JSON list of sessions already given; errors name the file, line and key path."""
    from mesocalc.library import read_file_documents

    docs = read_file_documents(path)
    name = str(path)
    if len(docs) != 1 or not isinstance(docs[0].data, list):
        where = docs[0].where("") if docs else Location(name)
        raise input_error("a history file is one list of sessions, e.g. [{date: 2026-01-15, volume: 10 mL}]",
                          where, code="bad-history")
    doc = docs[0]
    present = {comp.agent for comp in cocktail.components}
    out: list[GivenSession] = []
    problems: list[Problem] = []
    for i, item in enumerate(doc.data):
        try:
            out.append(_history_item(item, f"[{i}]", doc, present, library))
        except MesocalcError as exc:
            problems += exc.problems
    if problems:
        raise MesocalcError(problems)
    for i in range(1, len(out)):
        if out[i].date <= out[i - 1].date:
            raise input_error(f"history dates must be in order: {out[i].date} is not after {out[i - 1].date}",
                              out[i].where, code="bad-history")
    return out


def _history_item(item: Any, path: str, doc: Any, present: set[str], library: m.Library) -> GivenSession:
    where = doc.where(path)
    if not isinstance(item, dict):
        raise input_error("each history entry is a mapping with a date and a volume or doses", where,
                          code="bad-history")
    for key in item:
        if key not in HISTORY_KEYS:
            raise input_error(f"unknown key '{key}'", doc.where(f"{path}.{key}"), code="unknown-key",
                              hint=did_you_mean(key, HISTORY_KEYS) or f"allowed: {', '.join(HISTORY_KEYS)}")
    if "date" not in item:
        raise input_error("missing required key 'date' (YYYY-MM-DD)", where, code="missing-key")
    when = parse_date(item["date"], doc.where(f"{path}.date"))
    has_volume, has_doses = item.get("volume") is not None, item.get("doses") is not None
    if has_volume == has_doses:
        raise input_error("give either 'volume' (of this cocktail) or 'doses' (per agent), not "
                          f"{'both' if has_volume else 'neither'}", where, code="bad-history")
    volume = u.parse_quantity(item["volume"], u.VOLUME_KIND, doc.where(f"{path}.volume")) if has_volume else None
    doses: dict[str, u.Q] = {}
    if has_doses:
        if not isinstance(item["doses"], dict) or not item["doses"]:
            raise input_error("'doses' maps agent ids to amounts, e.g. {deoxycholic-acid: 80 mg}",
                              doc.where(f"{path}.doses"), code="bad-history")
        for typed, amount in item["doses"].items():
            key = f"{path}.doses.{typed}"
            agent = notation.find_by_id(str(typed), library.agents, lambda a: a.aliases)  # any case, or an alias
            if agent is None:
                raise input_error(f"unknown agent '{notation.excerpt(str(typed))}'", doc.where(key),
                                  code="unknown-agent", hint=notation.near_miss(str(typed), list(library.agents)))
            agent_id = agent.id
            if agent_id in doses:
                raise input_error(f"agent '{agent_id}' given twice", doc.where(key), code="bad-history")
            if agent_id not in present:
                raise input_error(f"agent '{agent_id}' is not in this cocktail ({', '.join(sorted(present))})",
                                  doc.where(key), code="bad-history")
            doses[agent_id] = u.parse_quantity(amount, u.AMOUNT, doc.where(key), minimum="non-negative")
    phase = item.get("phase")
    return GivenSession(when, volume, doses, str(phase) if phase is not None else None, where)


@dataclass(frozen=True)
class CourseInputs:
    """A course request after parsing: the phases in order, the first new date, the sessions already given."""

    phases: tuple[m.Phase, ...]
    start: date | None
    history: list[GivenSession]


def resolve_course(cocktail: m.Cocktail, library: m.Library, phases: Sequence[str | m.Phase] | None = None,
                   start: str | date | None = None,
                   history: str | Path | Sequence[GivenSession] | None = None) -> CourseInputs:
    """`--phase` (replacing the cocktail's protocol), `--start` and `--history`, as typed or already parsed."""
    first = parse_date(start, Location(key="--start")) if start is not None else None
    if history is None or isinstance(history, str | Path):
        given = read_history(Path(history), cocktail, library) if history else []
    else:
        given = list(history)
    # --phase plans exactly what it says; the protocol, less what the history already gave
    chosen = (tuple(p if isinstance(p, m.Phase) else parse_phase(p) for p in phases) if phases
              else remaining_protocol(cocktail.protocol, len(given), cocktail.id) if given and cocktail.protocol
              else cocktail.protocol)
    return CourseInputs(chosen, first, given)


def remaining_protocol(phases: tuple[m.Phase, ...], given: int, cocktail_id: str) -> tuple[m.Phase, ...]:
    """The protocol less the `given` sessions already in the history, taken from its first phases on.

    README: 2 sessions given of a 6-session protocol leave 4 to plan (not 6 more, 8 of 6).
    """
    left: list[m.Phase] = []
    for phase in phases:
        used = min(given, phase.sessions)
        given -= used
        if phase.sessions > used:
            left.append(replace(phase, sessions=phase.sessions - used))
    if not left:
        total = sum(p.sessions for p in phases)
        raise input_error(f"the history already holds all {total} sessions of the protocol of '{cocktail_id}'",
                          Location(key="--history"), code="course-complete",
                          hint="give --phase NAME:COUNT every INTERVAL to plan sessions beyond the protocol")
    return tuple(left)

