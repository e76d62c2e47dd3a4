"""Recording a session, voiding one, and reading sessions back.

A recording is refused, with nothing written, when:
- the plan or visit was not OK and no --override reason is given;
- a lot's expiry is before the date given (exit 2);
- a lot names an agent, stock or product that is not in the session (exit 2);
- it would break a hard course rule of the patient's course in the ledger (course caps, max_sessions,
  min_interval: see course.py) and no --override reason is given;
- the same patient already has a session with the same content (items and doses) within
  DUPLICATE_WINDOW_HOURS of the date given (a possible duplicate) and --again is not given.
The checks that read the ledger run inside the write transaction, so two recorders cannot both pass them.
"""

from __future__ import annotations

import json
import sqlite3
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from mesocalc import units as u
from mesocalc.core import checks as c
from mesocalc.core import model as m
from mesocalc.errors import Location, did_you_mean, input_error
from mesocalc.ledger import content as ct
from mesocalc.ledger.db import item_rows, write_transaction
from mesocalc.record import Record


@dataclass(frozen=True, eq=False, repr=False)
class Void(Record):
    uuid: str
    session: str
    reason: str
    voided_at: datetime
    by: str | None


@dataclass(frozen=True, eq=False, repr=False)
class StoredSession(Record):
    """One session as the ledger holds it."""

    uuid: str
    patient: str
    given_at: datetime
    recorded_at: datetime
    source: str
    content: ct.Content
    ok: bool
    override: str | None
    by: str | None
    note: str | None
    lots: tuple[ct.Lot, ...] = ()
    voids: tuple[Void, ...] = ()
    document: str | None = field(default=None, compare=False)

    @property
    def voided(self) -> bool:
        return bool(self.voids)

    @property
    def doses(self) -> dict[str, u.Q]:
        return dict(self.content.doses)


@dataclass(frozen=True, eq=False, repr=False)
class Recording(Record):
    """A session to record, as given."""

    patient: str
    given_at: datetime
    content: ct.Content
    ok: bool
    document: str | None = None
    lots: tuple[ct.Lot, ...] = ()
    override: str | None = None
    by: str | None = None
    note: str | None = None
    again: bool = False


@dataclass(frozen=True, eq=False, repr=False)
class Outcome(Record):
    """What happened to a recording: the stored session, or why it was refused (nothing written)."""

    session: StoredSession | None
    warnings: tuple[c.Warning, ...] = ()
    refused: str | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.session is not None else 1


# ---- reading ----------------------------------------------------------------------------------

_SESSION_COLUMNS = "id, uuid, patient, given_at, recorded_at, source, content, ok, override, given_by, note, "


def _sessions(con: sqlite3.Connection, where: str, args: tuple[Any, ...],
              documents: bool = False) -> list[StoredSession]:
    """Sessions with their lots and voids; the source documents (a few kB each) only when asked for."""
    columns = _SESSION_COLUMNS + ("document" if documents else "NULL")
    rows = con.execute(f"SELECT {columns} FROM sessions WHERE {where} ORDER BY given_at, id", args).fetchall()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    lots: dict[int, list[ct.Lot]] = {}
    voids: dict[str, list[Void]] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        marks = ",".join("?" * len(part))
        lot_rows = con.execute(
            f"SELECT session_id, target, lot, expiry FROM lots WHERE session_id IN ({marks}) ORDER BY target", part)
        for session_id, target, lot, expiry in lot_rows:
            lots.setdefault(session_id, []).append(
                ct.Lot(target, lot, date.fromisoformat(expiry) if expiry else None))
        for void_uuid, session_uuid, reason, voided_at, by in con.execute(
                "SELECT v.uuid, v.session_uuid, v.reason, v.voided_at, v.voided_by FROM voids v JOIN sessions s "
                f"ON s.uuid = v.session_uuid WHERE s.id IN ({marks}) ORDER BY v.id", part):
            voids.setdefault(session_uuid, []).append(
                Void(void_uuid, session_uuid, reason, datetime.fromisoformat(voided_at), by))
    return [StoredSession(row[1], row[2], datetime.fromisoformat(row[3]), datetime.fromisoformat(row[4]), row[5],
                          ct.from_stored(json.loads(row[6])), bool(row[7]), row[8], row[9], row[10],
                          tuple(lots.get(row[0], ())), tuple(voids.get(row[1], ())), row[11])
            for row in rows]


def patient_sessions(con: sqlite3.Connection, patient: str, documents: bool = False) -> list[StoredSession]:
    """Every session of a patient (voided ones too), by date given; patient ids compare without case."""
    return _sessions(con, "patient = ? COLLATE NOCASE", (patient,), documents)


def all_sessions(con: sqlite3.Connection, documents: bool = False) -> list[StoredSession]:
    return _sessions(con, "1", (), documents)


def session_by_uuid(con: sqlite3.Connection, uuid: str) -> StoredSession | None:
    found = _sessions(con, "uuid = ?", (uuid,))
    return found[0] if found else None


def find_session(con: sqlite3.Connection, text: str, option: str = "--void") -> StoredSession:
    """A session by its UUID or a unique prefix of it (at least 8 characters)."""
    key = text.strip().lower()
    where = Location(key=option)
    if len(key) < 8 or any(ch not in "0123456789abcdef-" for ch in key):
        raise input_error(f"'{text[:40]}' is not a session id: give the session UUID (or its first 8 or more "
                          "characters) as history prints it", where, code="bad-session")
    found = _sessions(con, "uuid LIKE ? ESCAPE '\\'", (key.replace("_", "\\_") + "%",))
    if not found:
        raise input_error(f"no session '{key}' in this ledger", where, code="unknown-session")
    if len(found) > 1:
        raise input_error(f"'{key}' matches {len(found)} sessions: give more of the UUID", where,
                          code="ambiguous-session")
    return found[0]


def lot_sessions(con: sqlite3.Connection, lot: str) -> list[tuple[StoredSession, ct.Lot]]:
    """Every session that received a lot (compared without case), with the lot entry that matched."""
    ids = [row[0] for row in con.execute("SELECT DISTINCT session_id FROM lots WHERE lot = ? COLLATE NOCASE",
                                         (lot,))]
    out: list[tuple[StoredSession, ct.Lot]] = []
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        for session in _sessions(con, f"id IN ({','.join('?' * len(part))})", tuple(part)):
            out += [(session, entry) for entry in session.lots if entry.lot.lower() == lot.lower()]
    return sorted(out, key=lambda pair: (pair[0].given_at, pair[0].uuid))


def known_lots(con: sqlite3.Connection) -> list[str]:
    return [row[0] for row in con.execute("SELECT DISTINCT lot FROM lots")]


# ---- writing ----------------------------------------------------------------------------------

def resolve_lots(lots: tuple[ct.Lot, ...], content: ct.Content, library: m.Library,
                 given_at: datetime) -> tuple[ct.Lot, ...]:
    """Each lot's target as an agent id (aliases accepted), a stock id of a session agent, or an item id;
    an expired lot (expiry before the date given) is refused."""
    agents = set(content.doses)
    names: dict[str, str] = {}
    for agent_id in agents:
        names[agent_id] = agent_id
        agent = library.agents.get(agent_id)
        if agent is not None:
            names.update({alias.lower(): agent_id for alias in agent.aliases})
            names.update({stock.id.lower(): stock.id for stock in agent.stocks})
    for item in content.items:
        names[item.ref] = item.ref
    out: list[ct.Lot] = []
    seen: set[str] = set()
    for lot in lots:
        target = names.get(lot.target)
        if target is None:
            raise input_error(f"'{lot.target}' is not an agent, stock or product of this session",
                              Location(key="--lot"), code="unknown-lot-target",
                              hint=did_you_mean(lot.target, list(names)) or f"one of: {', '.join(sorted(names))}")
        if target in seen:
            raise input_error(f"two lots given for '{target}'", Location(key="--lot"), code="bad-lot")
        seen.add(target)
        if lot.expiry is not None and lot.expiry < given_at.date():
            raise input_error(f"lot {lot.lot} of {target} expired on {lot.expiry.isoformat()}, before the session "
                              f"date {given_at.date().isoformat()}: nothing was recorded", Location(key="--lot"),
                              code="lot-expired")
        out.append(ct.Lot(target, lot.lot, lot.expiry))
    return tuple(out)


def record(con: sqlite3.Connection, recording: Recording, library: m.Library) -> Outcome:
    """Record one session in one transaction, or refuse it with nothing written."""
    from mesocalc.ledger.course import judge_new_session

    if not recording.ok and not recording.override:
        what = recording.content.source  # plan | visit
        return Outcome(None, refused=f"the {what} was not OK (a hard cap or rule is broken): it is recorded only "
                                     "with --override \"REASON\"")
    with write_transaction(con):
        history = [s for s in patient_sessions(con, recording.patient) if not s.voided]
        if not recording.again:
            key = ct.duplicate_key(recording.content)
            window = timedelta(hours=ct.DUPLICATE_WINDOW_HOURS)
            for previous in history:
                if abs(previous.given_at - recording.given_at) <= window and ct.duplicate_key(previous.content) == key:
                    message = (f"possible duplicate: session {previous.uuid} of this patient, given "
                               f"{previous.given_at.isoformat(sep=' ', timespec='minutes')}, has the same items and "
                               f"doses (within {ct.DUPLICATE_WINDOW_HOURS} h); give --again to record it anyway")
                    return Outcome(None, (c.Warning("possible-duplicate", m.Severity.HARD, message),), refused=message)
        warnings = judge_new_session(history, recording, library)
        if recording.given_at > datetime.now() + timedelta(hours=1):
            warnings.append(c.Warning("future-date", m.Severity.SOFT, f"the session is dated "
                                      f"{recording.given_at.isoformat(sep=' ', timespec='minutes')}, in the future: "
                                      "the ledger is for sessions already given (check --date)"))
        hard = [w for w in warnings if w.severity == m.Severity.HARD]
        if hard and not recording.override:
            return Outcome(None, tuple(warnings), refused="this session breaks a hard course rule of the patient's "
                                                          "course in the ledger: it is recorded only with --override "
                                                          "\"REASON\"")
        session_uuid = str(uuidlib.uuid4())
        recorded_at = datetime.now().replace(microsecond=0)
        stored = StoredSession(session_uuid, recording.patient, recording.given_at, recorded_at,
                               recording.content.source, recording.content, recording.ok, recording.override,
                               recording.by, recording.note, recording.lots, (), recording.document)
        insert_session(con, stored)
    return Outcome(stored, tuple(warnings))


def insert_session(con: sqlite3.Connection, s: StoredSession) -> None:
    """The rows of one session (inside the caller's transaction)."""
    text = ct.canonical(s.content)
    cursor = con.execute(
        "INSERT INTO sessions (uuid, patient, given_at, recorded_at, source, content, content_hash, document, ok, "
        "override, given_by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (s.uuid, s.patient, s.given_at.isoformat(), s.recorded_at.isoformat(), s.source, text, ct.content_hash(text),
         s.document, int(s.ok), s.override, s.by, s.note))
    session_id = cursor.lastrowid
    solution = s.content.solution
    con.executemany("INSERT INTO doses VALUES (?, ?, ?, ?, ?)",
                    [(session_id, agent, q.value, u.unit_string(q.dims), solution.get(agent))
                     for agent, q in s.content.doses.items()])
    con.executemany("INSERT INTO lots VALUES (?, ?, ?, ?)",
                    [(session_id, lot.target, lot.lot, lot.expiry.isoformat() if lot.expiry else None)
                     for lot in s.lots])
    con.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?)",
                    item_rows(int(session_id or 0), ct.stored(s.content)))


def insert_void(con: sqlite3.Connection, v: Void) -> None:
    con.execute("INSERT INTO voids (uuid, session_uuid, reason, voided_at, voided_by) VALUES (?, ?, ?, ?, ?)",
                (v.uuid, v.session, v.reason, v.voided_at.isoformat(), v.by))


def void(con: sqlite3.Connection, session_text: str, reason: str, by: str | None,
         patient: str | None = None) -> tuple[StoredSession, Void]:
    """Mark a session void (a new row; the session itself is never changed)."""
    with write_transaction(con):
        session = find_session(con, session_text)
        if patient is not None and session.patient.lower() != patient.lower():
            raise input_error(f"session {session.uuid} is not a session of patient {patient}",
                              Location(key="--void"), code="wrong-patient")
        if session.voided:
            raise input_error(f"session {session.uuid} is already void (since "
                              f"{session.voids[0].voided_at.isoformat(sep=' ', timespec='minutes')})",
                              Location(key="--void"), code="already-void")
        entry = Void(str(uuidlib.uuid4()), session.uuid, reason, datetime.now().replace(microsecond=0), by)
        insert_void(con, entry)
    return session, entry
