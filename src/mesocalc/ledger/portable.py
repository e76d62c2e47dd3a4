"""The ledger outside the database: import, check and backup (the export file's format: codec.py).

- Import: idempotent by session UUID. A session already present with the same fields adds nothing; one
  present with different fields is a conflict: reported by UUID and field names, and nothing at all is
  imported. Voids are added by their own UUID (a void made elsewhere reaches this ledger too).
- Check: SQLite's integrity and foreign-key checks, then the ledger's own invariants (schema version,
  append-only triggers, content hashes, doses matching content, overrides on sessions that were not
  OK, valid dates, owner-only file permissions). Problems name sessions by UUID only.
- Backup: SQLite's online backup API (a consistent copy while others record), written to a temporary
  file beside the destination and renamed into place, owner-only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mesocalc.errors import Location, MesocalcError, Problem, input_error
from mesocalc.ledger import content as ct
from mesocalc.ledger import db
from mesocalc.ledger.codec import UUID
from mesocalc.ledger.store import StoredSession, insert_session, insert_void, session_by_uuid
from mesocalc.record import Record

_COMPARED = ("patient", "given_at", "source", "content", "ok", "override", "by", "note", "lots")


# ---- import -----------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class Conflict(Record):
    """A session already in the ledger whose fields differ from the imported record's."""

    session: str
    fields: tuple[str, ...]


@dataclass(frozen=True, eq=False, repr=False)
class ImportResult(Record):
    file: str
    added: int
    unchanged: int
    voids_added: int
    conflicts: tuple[Conflict, ...] = ()


def _differences(mine: StoredSession, theirs: StoredSession) -> list[str]:
    def value(s: StoredSession, name: str) -> Any:
        if name == "content":
            return ct.canonical(s.content)
        if name == "lots":
            return sorted((lot.target, lot.lot, lot.expiry) for lot in s.lots)
        return getattr(s, name)

    return [name for name in _COMPARED if value(mine, name) != value(theirs, name)]


def import_sessions(con: sqlite3.Connection, sessions: list[StoredSession], name: str) -> ImportResult:
    """All the new sessions and voids in one transaction, or nothing when any session conflicts."""
    added = unchanged = voids_added = 0
    conflicts: list[Conflict] = []
    with db.write_transaction(con):
        for incoming in sessions:
            present = session_by_uuid(con, incoming.uuid)
            if present is not None:
                fields = _differences(present, incoming)
                if fields:
                    conflicts.append(Conflict(incoming.uuid, tuple(fields)))
                    continue
                unchanged += 1
            else:
                insert_session(con, StoredSession(incoming.uuid, incoming.patient, incoming.given_at,
                                                  incoming.recorded_at, incoming.source, incoming.content, incoming.ok,
                                                  incoming.override, incoming.by, incoming.note, incoming.lots, (),
                                                  incoming.document))
                added += 1
            for v in incoming.voids:
                row = con.execute("SELECT session_uuid, reason FROM voids WHERE uuid = ?", (v.uuid,)).fetchone()
                if row is None:
                    insert_void(con, v)
                    voids_added += 1
                elif row != (v.session, v.reason):
                    conflicts.append(Conflict(incoming.uuid, ("voids",)))
        if conflicts:
            raise _ConflictError(conflicts)  # rolls the whole import back
    return ImportResult(name, added, unchanged, voids_added)


class _ConflictError(Exception):
    def __init__(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts


def import_file(con: sqlite3.Connection, sessions: list[StoredSession], name: str) -> ImportResult:
    """import_sessions, with conflicts as one input error that lists them (nothing is imported)."""
    try:
        return import_sessions(con, sessions, name)
    except _ConflictError as exc:
        problems = [Problem("import-conflict", f"session {item.session} is already in this ledger with a "
                            f"different {', '.join(item.fields)}: nothing was imported", Location(name),
                            hint="the two records disagree; compare them (mesocalc ledger export) and decide "
                                 "which is right; a record is never merged silently")
                    for item in exc.conflicts]
        raise MesocalcError(problems) from None


# ---- check ------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class CheckResult(Record):
    path: str
    schema_version: int
    sessions: int
    voids: int
    problems: tuple[str, ...] = field(default=())


def check(con: sqlite3.Connection, path: Path) -> CheckResult:
    problems: list[str] = []
    integrity = [row[0] for row in con.execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        problems += [f"SQLite integrity check: {line}" for line in integrity[:20]]
    for table, _rowid, parent, _fk in con.execute("PRAGMA foreign_key_check").fetchall()[:20]:
        problems.append(f"a {table} row refers to a missing {parent} row")
    version = int(con.execute("PRAGMA user_version").fetchone()[0])
    if version != db.SCHEMA_VERSION:
        problems.append(f"schema version {version}, expected {db.SCHEMA_VERSION}")
    triggers = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    for table in db.TABLES:
        for what in ("updated", "deleted"):
            if f"{table}_never_{what}" not in triggers:
                problems.append(f"the append-only trigger {table}_never_{what} is missing")
    doses: dict[int, dict[str, tuple[float, str]]] = {}
    for session_id, agent, value, unit in con.execute("SELECT session_id, agent, value, unit FROM doses"):
        doses.setdefault(session_id, {})[agent] = (value, unit)
    items: dict[int, int] = dict(con.execute("SELECT session_id, count(*) FROM items GROUP BY session_id").fetchall())
    count = 0
    for session_id, uuid, given_at, recorded_at, text, digest, ok, override in con.execute(
            "SELECT id, uuid, given_at, recorded_at, content, content_hash, ok, override FROM sessions"):
        count += 1
        label = f"session {uuid}"
        if not UUID.match(uuid or ""):
            problems.append(f"session #{session_id} has no valid UUID")
        for name, moment in (("given_at", given_at), ("recorded_at", recorded_at)):
            try:
                datetime.fromisoformat(moment)
            except (TypeError, ValueError):
                problems.append(f"{label}: {name} is not a date and time")
        if ct.content_hash(text) != digest:
            problems.append(f"{label}: its content does not match its hash (changed outside mesocalc)")
            continue
        content = json.loads(text)
        stored = {agent: (q["value"], q["unit"]) for agent, q in content.get("doses", {}).items()}
        if doses.get(session_id, {}) != stored:
            problems.append(f"{label}: the doses table does not match the session's content")
        if items.get(session_id, 0) != len(content.get("items", [])):
            problems.append(f"{label}: the items table does not match the session's content")
        if not ok and not override:
            problems.append(f"{label}: not OK and recorded without an override reason")
    for (expiry,) in con.execute("SELECT expiry FROM lots WHERE expiry IS NOT NULL"):
        try:
            date.fromisoformat(expiry)
        except (TypeError, ValueError):
            problems.append("a lot has an expiry that is not a date")
    voids = int(con.execute("SELECT count(*) FROM voids").fetchone()[0])
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            problems.append(f"the ledger file is readable by others (mode {mode:04o}; expected 0600): "
                            f"chmod 600 {path}")
    return CheckResult(str(path), version, count, voids, tuple(problems))


# ---- backup -----------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class BackupResult(Record):
    ledger: str
    backup: str
    sessions: int


def backup(con: sqlite3.Connection, ledger: Path, dest: Path) -> BackupResult:
    """A consistent copy of the open ledger at `dest` (owner-only), replacing it atomically."""
    where = Location(key="PATH")
    if dest.exists() and (dest.is_dir() or (ledger.exists() and os.path.samefile(dest, ledger))):
        raise input_error(f"cannot back up to {dest}: it is {'a folder' if dest.is_dir() else 'the ledger itself'}",
                          where, code="bad-backup")
    if not dest.parent.is_dir():
        raise input_error(f"cannot back up to {dest}: no folder {dest.parent}", where, code="bad-backup")
    temp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.close(fd)
        copy = sqlite3.connect(str(temp))
        try:
            con.backup(copy)
            sessions = int(copy.execute("SELECT count(*) FROM sessions").fetchone()[0])
        finally:
            copy.close()
        os.replace(temp, dest)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise input_error(f"cannot write the backup {dest}: {exc.strerror}", where, code="write-failed") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return BackupResult(str(ledger), str(dest), sessions)
