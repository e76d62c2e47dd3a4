"""Where the ledger lives, how it is opened, its schema and the in-place upgrades between versions.

- Location: `--ledger PATH`, else `MESOCALC_LEDGER`, else `$XDG_DATA_HOME/mesocalc/ledger.sqlite3`, else
  `~/.local/share/mesocalc/ledger.sqlite3` (the XDG base directory default).
- Created on first use readable by its owner only: folder 0700, file 0600. The umask is 077 while the
  ledger is open, so SQLite's `-wal` and `-shm` files are owner-only too (SQLite also copies the
  database file's mode onto them).
- WAL journal with `synchronous=FULL` (a committed session survives a crash of the process or the
  machine) and a busy timeout, so two terminals recording at once both succeed: the second waits.
- Every write is one `BEGIN IMMEDIATE` transaction: all of it is committed, or none of it.
- `PRAGMA user_version` is the schema version. Opening an older ledger upgrades it in place, in one
  transaction per step (MIGRATIONS[n] takes version n to n + 1); a newer one is refused, never written.
- Nothing is deleted or rewritten: triggers refuse UPDATE and DELETE on every table; a session is
  voided by adding a row to `voids`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from mesocalc.errors import Location, MesocalcError, input_error

SCHEMA_VERSION = 2
BUSY_TIMEOUT_S = 30.0
TABLES = ("sessions", "doses", "lots", "voids", "items")


def default_path() -> Path:
    """$XDG_DATA_HOME/mesocalc/ledger.sqlite3, else ~/.local/share/mesocalc/ledger.sqlite3."""
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "share"
    return root / "mesocalc" / "ledger.sqlite3"


def ledger_path(option: str | None = None) -> Path:
    """The ledger file: the --ledger option, else MESOCALC_LEDGER, else the XDG default."""
    if option:
        return Path(option)
    env = os.environ.get("MESOCALC_LEDGER", "")
    return Path(env) if env else default_path()


# ---- the schema -------------------------------------------------------------------------------

def _append_only(table: str) -> str:
    return (f"CREATE TRIGGER {table}_never_updated BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: {table} rows are never rewritten'); END;\n"
            f"CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: {table} rows are never deleted'); END;\n")


# Version 1: sessions with their content (JSON), per-agent doses, lots, voids.
V1 = """
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    patient TEXT NOT NULL,
    given_at TEXT NOT NULL,            -- local date and time given, YYYY-MM-DDTHH:MM:SS
    recorded_at TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('plan', 'visit')),
    content TEXT NOT NULL,             -- what was given (items, doses), canonical JSON
    content_hash TEXT NOT NULL,        -- sha256 of content: duplicates and the integrity check
    document TEXT,                     -- the plan or visit JSON it was recorded from
    ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
    override TEXT,                     -- why a plan that was not OK was given anyway
    given_by TEXT,
    note TEXT,
    CHECK (ok = 1 OR override IS NOT NULL)
);
CREATE INDEX sessions_by_patient ON sessions (patient COLLATE NOCASE, given_at);
CREATE TABLE doses (
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    agent TEXT NOT NULL,
    value REAL NOT NULL CHECK (value >= 0),
    unit TEXT NOT NULL,
    solution_ml REAL,                  -- this agent's solution injected, for course volume caps
    PRIMARY KEY (session_id, agent)
);
CREATE TABLE lots (
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    target TEXT NOT NULL,              -- an agent, stock or product id
    lot TEXT NOT NULL CHECK (length(lot) > 0),
    expiry TEXT,                       -- YYYY-MM-DD
    PRIMARY KEY (session_id, target)
);
CREATE TABLE voids (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    session_uuid TEXT NOT NULL REFERENCES sessions (uuid),
    reason TEXT NOT NULL CHECK (length(reason) > 0),
    voided_at TEXT NOT NULL,
    voided_by TEXT
);
""" + "".join(_append_only(t) for t in ("sessions", "doses", "lots", "voids"))

# Version 2: one row per item given (cocktail or product, points, volume), backfilled from each
# session's content, and an index for lot recalls.
V2 = """
CREATE TABLE items (
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    position INTEGER NOT NULL,
    what TEXT NOT NULL CHECK (what IN ('cocktail', 'product')),
    ref TEXT NOT NULL,
    points INTEGER,
    volume_ml REAL,
    PRIMARY KEY (session_id, position)
);
CREATE INDEX lots_by_lot ON lots (lot COLLATE NOCASE);
""" + _append_only("items")


def item_rows(session_id: int, content: dict[str, object]) -> list[tuple[object, ...]]:
    """The `items` rows of one session, from its content."""
    rows: list[tuple[object, ...]] = []
    items = content.get("items")
    for position, item in enumerate(items if isinstance(items, list) else []):
        volume = item.get("volume") if isinstance(item, dict) else None
        rows.append((session_id, position, item["what"], item["ref"], item.get("points"),
                     volume["value"] if isinstance(volume, dict) else None))
    return rows


def _to_v1(con: sqlite3.Connection) -> None:
    for statement in _statements(V1):
        con.execute(statement)


def _to_v2(con: sqlite3.Connection) -> None:
    for statement in _statements(V2):
        con.execute(statement)
    for session_id, content in con.execute("SELECT id, content FROM sessions ORDER BY id").fetchall():
        con.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?)", item_rows(session_id, json.loads(content)))


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_to_v1, _to_v2)
assert len(MIGRATIONS) == SCHEMA_VERSION


def _statements(script: str) -> list[str]:
    """A schema script split into statements (triggers keep their inner `;`)."""
    out: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                out.append(current.strip())
            current = ""
    return out


def upgrade(con: sqlite3.Connection, path: Path, target: int = SCHEMA_VERSION) -> int:
    """Bring the ledger to `target` in place, one transaction per version; returns the version found."""
    found = int(con.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise input_error(f"the ledger {path} has schema version {found}, newer than this mesocalc knows "
                          f"({SCHEMA_VERSION}): nothing was read or written", Location(key="--ledger"),
                          code="ledger-too-new", hint="upgrade mesocalc")
    version = found
    while version < target:
        with write_transaction(con):
            version = int(con.execute("PRAGMA user_version").fetchone()[0])  # another process may have done it
            if version >= target:
                break
            MIGRATIONS[version](con)
            version += 1
            con.execute(f"PRAGMA user_version = {version}")
    return found


# ---- opening ----------------------------------------------------------------------------------

@contextlib.contextmanager
def open_ledger(path: Path, *, create: bool = False, target: int = SCHEMA_VERSION) -> Iterator[sqlite3.Connection]:
    """The ledger at `path`, upgraded to the current schema; created (owner-only) when `create`.

    Any SQLite failure inside the block (read-only, full, locked, damaged) becomes one input error
    that names the ledger file (exit 2); the open transaction is rolled back, so nothing is half-written.
    """
    old_umask = os.umask(0o077)
    try:
        if not path.exists():
            if not create:
                raise input_error(f"no ledger at {path}: nothing has been recorded there yet",
                                  Location(key="--ledger"), code="no-ledger",
                                  hint="record a session first (mesocalc record), or give --ledger PATH")
            _create(path)
        elif path.is_dir():
            raise input_error(f"the ledger {path} is a folder, not a file", Location(key="--ledger"),
                              code="ledger-unreadable")
        con = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            con.execute("PRAGMA foreign_keys = ON")
            if os.access(path, os.W_OK):  # a read-only ledger can still be read, in the mode it has
                con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = FULL")
            upgrade(con, path, target)
            yield con
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise sqlite_error(exc, path) from None
    except OSError as exc:
        raise input_error(f"cannot open the ledger {path}: {exc.strerror}", Location(key="--ledger"),
                          code="ledger-unreadable") from None
    finally:
        os.umask(old_umask)


def _create(path: Path) -> None:
    """The folder (0700) and an empty file (0600), before SQLite writes a byte into it."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
        folder.chmod(0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it first
    os.close(fd)


@contextlib.contextmanager
def write_transaction(con: sqlite3.Connection) -> Iterator[None]:
    """One BEGIN IMMEDIATE transaction: the write lock is taken first, so a concurrent recorder waits
    (up to the busy timeout) instead of failing half-way; an error rolls everything back."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def sqlite_error(exc: sqlite3.Error, path: Path) -> MesocalcError:
    """A SQLite failure as one clear message naming the ledger file (never the data in it)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    where = Location(key="--ledger")
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return input_error(f"the ledger {path} is read-only: nothing was written", where, code="ledger-read-only",
                           hint="check the file's and its folder's permissions, or give --ledger PATH")
    if name.startswith("SQLITE_FULL") or "full" in text:
        return input_error(f"the ledger {path} is full (no space left on the disk, or at its size limit): "
                           "nothing was written", where, code="ledger-full", hint="free some space and record again")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        return input_error(f"the ledger {path} stayed locked by another process for {BUSY_TIMEOUT_S:.0f} s: "
                           "nothing was written", where, code="ledger-busy", hint="try again")
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in text or "malformed" in text:
        return input_error(f"{path} is not a mesocalc ledger, or it is damaged: nothing was written", where,
                           code="ledger-corrupt", hint="run mesocalc ledger check; restore from a backup")
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return input_error(f"cannot open the ledger {path}", where, code="ledger-unreadable",
                           hint="check the file's and its folder's permissions")
    if name.startswith("SQLITE_IOERR"):
        return input_error(f"input/output error on the ledger {path}: nothing was written", where,
                           code="ledger-io-error")
    if name.startswith("SQLITE_CONSTRAINT"):
        return input_error(f"the ledger {path} refused the write ({name.lower()}): nothing was written", where,
                           code="ledger-refused")
    return input_error(f"ledger error on {path} ({name or type(exc).__name__}): nothing was written", where,
                       code="ledger-error")
