"""Safety of the ledger's data: killed recorders, concurrent recorders, read-only, full and damaged
databases, schema upgrades, and imports that stay cheap (plan without --patient-id never loads sqlite3).

MESOCALC_LEDGER_SOAK=N runs the kill test over N × 1,000 recordings instead of 1,000.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from mesocalc.errors import MesocalcError

ROOT = Path(__file__).resolve().parents[2]
RECORDER = ROOT / "tests" / "helpers" / "ledger_recorder.py"


@pytest.fixture
def minoxidil_plan(cli: Any, tmp_path: Path) -> Path:
    """A plan with no course rules (minoxidil has none in the library), so every recording is accepted."""
    run = cli("plan", "mesohair-minoxidil", "--points", "40", "--json")
    assert run.exit_code == 0, run.stderr
    path = tmp_path / "plan.json"
    path.write_text(run.stdout, encoding="utf-8")
    return path


def recorder(ledger: Path, plan: Path, first: int, count: int, prefix: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.Popen([sys.executable, str(RECORDER), str(ledger), str(plan), str(first), str(count), prefix],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def stored_uuids(ledger: Path) -> set[str]:
    con = sqlite3.connect(ledger)
    try:
        return {row[0] for row in con.execute("SELECT uuid FROM sessions")}
    finally:
        con.close()


def ledger_check(ledger: Path) -> Any:
    from mesocalc.ledger.api import check

    return check(ledger)


@pytest.fixture
def fast_dir(tmp_path: Path) -> Any:
    """A folder in memory (/dev/shm) where there is one: a killed process loses nothing the kernel has,
    so fsync (synchronous=FULL, for power loss) only slows these tests down on a busy disk."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="mesocalc-ledger-", dir=shm))
        yield folder
        shutil.rmtree(folder, ignore_errors=True)
    else:
        yield tmp_path


def test_a_recorder_killed_at_random_points_loses_no_committed_session(fast_dir, minoxidil_plan):
    """SIGKILL at random moments during 1,000 recordings: every session reported committed is there,
    and the database passes `ledger check`."""
    total = 1000 * int(os.environ.get("MESOCALC_LEDGER_SOAK", "1"))
    ledger = fast_dir / "ledger.sqlite3"
    rng = random.Random(20270115)
    committed: dict[int, str] = {}
    kills = 0
    while len(committed) < total:
        first = max(committed, default=-1) + 1
        proc = recorder(ledger, minoxidil_plan, first, total - len(committed), "K")
        assert proc.stdout is not None
        # let it commit a random number of sessions, then kill it a random fraction of a session later:
        # the kill lands anywhere in a recording (before, inside or after its transaction)
        kill_after = rng.randint(50, 300)
        for seen, line in enumerate(proc.stdout, start=1):
            index, uuid = line.split()
            committed[int(index)] = uuid
            if seen == kill_after:
                time.sleep(rng.uniform(0, 0.004))
                proc.send_signal(signal.SIGKILL)
                kills += 1
                break
        proc.wait()
        for line in proc.stdout.read().splitlines():  # reported before the kill, still in the pipe
            index, uuid = line.split()
            committed[int(index)] = uuid
        if proc.returncode not in (0, -signal.SIGKILL):
            pytest.fail(proc.stderr.read() if proc.stderr else f"recorder failed: {proc.returncode}")
    stored = stored_uuids(ledger)
    assert set(committed.values()) <= stored  # no committed session lost
    assert len(stored) <= len(committed) + kills  # at most one committed-but-unreported session per kill
    result = ledger_check(ledger)
    assert result.problems == ()
    assert kills >= 1


def test_four_recorders_at_once_end_with_exactly_1000_sessions(fast_dir, minoxidil_plan):
    ledger = fast_dir / "ledger.sqlite3"
    procs = [recorder(ledger, minoxidil_plan, n * 250, 250, f"C{n}") for n in range(4)]
    outputs = [proc.communicate(timeout=600) for proc in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    reported = [line.split()[1] for out, _ in outputs for line in out.splitlines()]
    assert len(reported) == 1000 and set(reported) == stored_uuids(ledger)
    assert ledger_check(ledger).problems == ()


def test_a_full_database_is_a_clear_error_and_never_a_partial_write(tmp_path, minoxidil_plan, library):
    """max_page_count stands in for a full disk: SQLite answers SQLITE_FULL as it would on ENOSPC."""
    from mesocalc.ledger import content as ct
    from mesocalc.ledger.db import open_ledger
    from mesocalc.ledger.store import Recording, record

    ledger = tmp_path / "ledger.sqlite3"
    content = ct.content_from_document(json.loads(minoxidil_plan.read_text(encoding="utf-8")), "plan")
    recorded = 0
    with pytest.raises(MesocalcError) as caught, open_ledger(ledger, create=True) as con:
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        con.execute(f"PRAGMA max_page_count = {pages + 2}")
        for i in range(200):
            entry = Recording("P-1", ct.parse_given_at("2020-01-01T09:00") + timedelta(days=i), content, True,
                              json.dumps({"padding": "x" * 3000}), note="n" * 400, again=True)
            assert record(con, entry, library).session is not None
            recorded += 1
    problem = caught.value.problems[0]
    assert problem.code == "ledger-full" and "nothing was written" in problem.message
    assert "P-1" not in problem.message
    assert len(stored_uuids(ledger)) == recorded  # every session before the full one, and none half-written
    assert ledger_check(ledger).problems == ()


def test_a_damaged_or_foreign_file_is_a_clear_error_and_is_left_untouched(cli, tmp_path, minoxidil_plan):
    foreign = tmp_path / "notes.sqlite3"
    foreign.write_bytes(b"this is not a database, it is somebody's notes\n" * 100)
    before = foreign.read_bytes()
    run = cli("record", str(minoxidil_plan), "--patient", "P-1", "--ledger", str(foreign))
    assert run.exit_code == 2
    assert "is not a mesocalc ledger, or it is damaged" in run.stderr and "Traceback" not in run.stderr
    assert foreign.read_bytes() == before
    for command in (("history", "P-1"), ("lots", "L1"), ("ledger", "check"), ("ledger", "export")):
        assert cli(*command, "--ledger", str(foreign)).exit_code == 2, command
    # a real ledger with a damaged page: the integrity check finds it
    ledger = tmp_path / "ledger.sqlite3"
    for day in range(1, 30):
        assert cli("record", str(minoxidil_plan), "--patient", f"P-{day}", "--ledger", str(ledger),
                   "--date", f"2020-01-{day:02d}", "--note", "x" * 400).exit_code == 0
    con = sqlite3.connect(ledger)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'sessions'").fetchone()[0]
    con.close()
    data = bytearray(ledger.read_bytes())
    start = (root - 1) * page_size
    data[start:start + 12] = b"\xff" * 12  # the sessions table's root page header
    ledger.write_bytes(bytes(data))
    check = cli("ledger", "check", "--ledger", str(ledger))
    assert check.exit_code in (1, 2) and "Traceback" not in check.stderr


def test_a_read_only_ledger_is_read_but_never_written(cli, tmp_path, minoxidil_plan):
    ledger = tmp_path / "ledger.sqlite3"
    assert cli("record", str(minoxidil_plan), "--patient", "P-1", "--ledger", str(ledger),
               "--date", "2020-01-01").exit_code == 0
    before = ledger.read_bytes()
    immutable = os.geteuid() == 0  # root ignores permission bits: make the file immutable instead
    if immutable:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(ledger)]).returncode != 0:
            pytest.skip("running as root without chattr: cannot make the ledger read-only")
    else:
        ledger.chmod(0o400)
    try:
        run = cli("record", str(minoxidil_plan), "--patient", "P-1", "--ledger", str(ledger), "--date", "2020-02-01")
        assert run.exit_code == 2 and "read-only" in run.stderr and "nothing was written" in run.stderr
        assert cli("history", "P-1", "--ledger", str(ledger), "--json").json["sessions_given"] == 1
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(ledger)], check=True)
        else:
            ledger.chmod(0o600)
    assert ledger.read_bytes() == before


def test_a_version_1_ledger_is_upgraded_in_place(cli, tmp_path, minoxidil_plan, library):
    """Schema 1 had no `items` table: opening a version-1 file adds it, filled from each session's content."""
    from mesocalc.ledger import content as ct
    from mesocalc.ledger.db import SCHEMA_VERSION, open_ledger

    ledger = tmp_path / "v1.sqlite3"
    with open_ledger(ledger, create=True, target=1) as con:  # exactly what mesocalc with schema 1 created
        content = ct.content_from_document(json.loads(minoxidil_plan.read_text(encoding="utf-8")), "plan")
        text = ct.canonical(content)
        con.execute("INSERT INTO sessions (uuid, patient, given_at, recorded_at, source, content, content_hash, ok) "
                    "VALUES ('0d6f2a3e-7c1b-4d2a-9e8f-3a2b1c0d9e8f', 'P-1', '2020-01-01T09:00:00', "
                    "'2020-01-01T09:05:00', 'plan', ?, ?, 1)", (text, ct.content_hash(text)))
        dose = content.doses["minoxidil"].value
        con.execute("INSERT INTO doses VALUES (1, 'minoxidil', ?, 'mg', NULL)", (dose,))
        assert con.execute("PRAGMA user_version").fetchone()[0] == 1
        assert not con.execute("SELECT name FROM sqlite_master WHERE name = 'items'").fetchall()
    history = cli("history", "P-1", "--ledger", str(ledger), "--json")
    assert history.exit_code == 0 and history.json["sessions_given"] == 1
    con = sqlite3.connect(ledger)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert con.execute("SELECT what, ref, points FROM items").fetchall() == [("cocktail", "mesohair-minoxidil", 40)]
    finally:
        con.close()
    assert cli("ledger", "check", "--ledger", str(ledger)).exit_code == 0


def test_a_ledger_from_a_newer_mesocalc_is_refused_untouched(cli, tmp_path, minoxidil_plan):
    ledger = tmp_path / "future.sqlite3"
    assert cli("record", str(minoxidil_plan), "--patient", "P-1", "--ledger", str(ledger)).exit_code == 0
    con = sqlite3.connect(ledger)
    con.execute("PRAGMA user_version = 99")
    con.close()
    run = cli("record", str(minoxidil_plan), "--patient", "P-2", "--ledger", str(ledger))
    assert run.exit_code == 2 and "newer than this mesocalc knows" in run.stderr


def test_the_ledger_is_append_only(tmp_path, cli, minoxidil_plan):
    ledger = tmp_path / "ledger.sqlite3"
    assert cli("record", str(minoxidil_plan), "--patient", "P-1", "--ledger", str(ledger)).exit_code == 0
    con = sqlite3.connect(ledger)
    try:
        for statement in ("UPDATE sessions SET note = 'x'", "DELETE FROM sessions", "DELETE FROM doses"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(statement)
    finally:
        con.close()


def test_plan_without_patient_id_never_imports_sqlite3(tmp_path):
    code = ("import sys\nfrom mesocalc.cli.app import run\n"
            "code = run(['plan', 'submental-dca', '--area', '25 cm^2', '--json'])\n"
            "assert 'sqlite3' not in sys.modules and '_sqlite3' not in sys.modules, 'sqlite3 imported'\n"
            "sys.exit(code)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), MESOCALC_CACHE_DIR=str(tmp_path))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr


def test_ledger_check_finds_a_record_changed_outside_mesocalc(cli, tmp_path, minoxidil_plan):
    """Someone drops the append-only trigger and edits a dose with the sqlite3 shell: check says so."""
    ledger = tmp_path / "ledger.sqlite3"
    assert cli("record", str(minoxidil_plan), "--patient", "P-1", "--ledger", str(ledger)).exit_code == 0
    con = sqlite3.connect(ledger)
    con.execute("DROP TRIGGER sessions_never_updated")
    con.execute("UPDATE sessions SET content = replace(content, '\"value\":10.0', '\"value\":1.0')")
    con.commit()
    con.close()
    run = cli("ledger", "check", "--ledger", str(ledger), "--json")
    assert run.exit_code == 1 and not run.json["ok"]
    problems = " ".join(run.json["problems"])
    assert "sessions_never_updated is missing" in problems
    assert "does not match its hash" in problems
    assert "P-1" not in problems


def test_a_backup_taken_while_another_process_records_is_a_consistent_ledger(fast_dir, minoxidil_plan):
    from mesocalc.ledger.api import backup

    ledger = fast_dir / "ledger.sqlite3"
    proc = recorder(ledger, minoxidil_plan, 0, 400, "B")
    assert proc.stdout is not None
    for seen, _line in enumerate(proc.stdout, start=1):
        if seen == 100:
            break
    copies = [backup(ledger, fast_dir / f"copy-{n}.sqlite3") for n in range(3)]
    _rest, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    for copy in copies:
        assert copy.sessions >= 100
        assert ledger_check(Path(copy.backup)).problems == ()  # whole sessions only, every invariant holds
    assert len(stored_uuids(ledger)) == 400
