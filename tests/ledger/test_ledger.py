"""The course ledger, in the words of a KYBELLA course (REFERENCE §1.1, KYBELLA prescribing information):
0.2 mL per injection of 10 mg/mL on a 1 cm grid, "up to 6 single treatments", "at intervals no less than
1 month apart". A 5 cm × 5 cm submental area is 25 points, 25 × 0.2 mL = 5 mL, 5 mL × 10 mg/mL = 50 mg
a session; the library's derived course cap is 6 × 100 mg = 600 mg.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import validate_output

MONTHLY = ("2025-01-15", "2025-02-15", "2025-03-15", "2025-04-15", "2025-05-15", "2025-06-15")


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ledger location (not yet created) in a fresh data folder."""
    path = tmp_path / "data" / "mesocalc" / "ledger.sqlite3"
    monkeypatch.setenv("MESOCALC_LEDGER", str(path))
    return path


@pytest.fixture
def kybella_plan(cli: Any, tmp_path: Path) -> Path:
    run = cli("plan", "submental-dca", "--area", "5 cm x 5 cm", "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json["components"][0]["dose"] == {"value": 50.0, "unit": "mg"}  # 25 × 0.2 mL × 10 mg/mL
    path = tmp_path / "kybella-plan.json"
    path.write_text(run.stdout, encoding="utf-8")
    return path


def record(cli: Any, plan: Path, patient: str, when: str, *extra: str) -> Any:
    return cli("record", str(plan), "--patient", patient, "--date", when, "--json", *extra)


def test_a_kybella_course_of_six_monthly_sessions_is_recorded_and_read_back(cli, ledger, kybella_plan):
    for number, when in enumerate(MONTHLY, start=1):
        run = record(cli, kybella_plan, "P-0042", when, "--lot", f"kybella-10=C{number}:2025-12", "--by", "Dr Lee")
        assert run.exit_code == 0, run.stderr
        assert run.json["recorded"] is True
    run = cli("history", "P-0042", "--json")
    assert run.exit_code == 0, run.stderr
    doc = run.json
    assert doc["sessions_given"] == 6
    assert [s["given_at"][:10] for s in doc["sessions"]] == list(MONTHLY)
    [dca] = doc["agents"]
    assert dca["agent"] == "deoxycholic-acid"
    assert dca["total"] == {"value": 300.0, "unit": "mg"}  # 6 × 50 mg
    assert (dca["sessions"], dca["max_sessions"]) == (6, 6)  # label: up to 6 single treatments
    assert dca["course_complete"] is True and dca["next_allowed"] is None
    cap = next(ch for ch in dca["checks"] if ch["rule"] == "limit")
    assert cap["max"] == {"value": 600.0, "unit": "mg"} and cap["fraction"] == pytest.approx(0.5)  # 300 / 600
    assert doc["sessions"][0]["lots"] == [{"target": "kybella-10", "lot": "C1", "expiry": "2025-12-31"}]
    human = cli("history", "P-0042")
    assert "6 of 6" in human.stdout and "course complete" in human.stdout and "300 mg" in human.stdout


def test_a_seventh_kybella_session_is_refused_by_max_sessions(cli, ledger, kybella_plan):
    for when in MONTHLY:
        assert record(cli, kybella_plan, "P-0042", when).exit_code == 0
    run = record(cli, kybella_plan, "P-0042", "2025-07-15")
    assert run.exit_code == 1
    assert run.json["recorded"] is False
    assert any(w["code"] == "course-over" and "over the maximum of 6" in w["message"] for w in run.json["warnings"])
    assert cli("history", "P-0042", "--json").json["sessions_given"] == 6
    # plan and schedule read the same course from the ledger, with no history file
    plan = cli("plan", "submental-dca", "--area", "5 cm x 5 cm", "--patient-id", "P-0042", "--date", "2025-07-15",
               "--json")
    assert plan.exit_code == 1
    assert plan.json["ledger"]["sessions_given"] == 6
    assert any(w["code"] == "course-over" for w in plan.json["warnings"])
    schedule = cli("schedule", "submental-dca", "--area", "5 cm x 5 cm", "--patient-id", "P-0042",
                   "--phase", "extra:1 every 1 month", "--json")
    assert schedule.exit_code == 1
    assert [s["source"] for s in schedule.json["sessions"]] == ["history"] * 6 + ["planned"]
    assert schedule.json["sessions"][-1]["date"] == "2025-07-15"  # one month after the last given
    # given anyway, with the reason: recorded, and the history says the course is over
    forced = record(cli, kybella_plan, "P-0042", "2025-07-15", "--override", "patient request, informed consent")
    assert forced.exit_code == 0 and forced.json["session"]["override"] == "patient request, informed consent"
    assert cli("history", "P-0042").exit_code == 1


def test_a_session_three_weeks_after_the_last_is_refused_by_min_interval(cli, ledger, kybella_plan):
    assert record(cli, kybella_plan, "P-7", "2025-01-15").exit_code == 0
    assert record(cli, kybella_plan, "P-7", "2025-02-15").exit_code == 0
    # 3 weeks after 15 February is 8 March; the label's 1 month (a calendar month, SPEC §4) ends 15 March
    run = record(cli, kybella_plan, "P-7", "2025-03-08")
    assert run.exit_code == 1 and not run.json["recorded"]
    [warning] = [w for w in run.json["warnings"] if w["code"] == "interval"]
    assert "earliest allowed 2025-03-15" in warning["message"]
    history = cli("history", "P-7", "--json").json
    assert history["next_allowed"] == "2025-03-15"
    plan = cli("plan", "submental-dca", "--area", "5 cm x 5 cm", "--patient-id", "P-7", "--record",
               "--date", "2025-03-08", "--json")
    assert plan.exit_code == 1
    assert plan.json["ledger"]["recorded"] is False
    assert any(w["code"] == "interval" for w in plan.json["warnings"])
    on_time = cli("plan", "submental-dca", "--area", "5 cm x 5 cm", "--patient-id", "P-7", "--record",
                  "--date", "2025-03-15", "--json")
    assert on_time.exit_code == 0, on_time.stderr
    assert on_time.json["ledger"]["recorded"] is True
    assert cli("history", "P-7", "--json").json["sessions_given"] == 3


def test_a_session_recorded_late_that_makes_a_later_one_too_early_is_refused(cli, ledger, kybella_plan):
    """Paper records typed in afterwards: a session dated 1 February, entered after the 15 February one,
    leaves 15 February only 2 weeks after it (the label's minimum is 1 month)."""
    assert record(cli, kybella_plan, "P-11", "2025-02-15").exit_code == 0
    late = record(cli, kybella_plan, "P-11", "2025-02-01")
    assert late.exit_code == 1 and not late.json["recorded"]
    assert any("session 2 on 2025-02-15" in w["message"] for w in late.json["warnings"] if w["code"] == "interval")
    assert record(cli, kybella_plan, "P-11", "2025-01-15").exit_code == 0  # a month before: on time


def test_a_plan_that_was_not_ok_is_recorded_only_with_an_override(cli, ledger, tmp_path):
    # 60 points at 0.2 mL × 10 mg/mL = 120 mg, over the 100 mg session cap (label: up to 10 mL per treatment)
    run = cli("plan", "submental-dca", "--points", "60", "--json")
    assert run.exit_code == 1
    plan = tmp_path / "over.json"
    plan.write_text(run.stdout, encoding="utf-8")
    refused = record(cli, plan, "P-1", "2025-01-15")
    assert refused.exit_code == 1 and "--override" in refused.json["refused"]
    assert record(cli, plan, "P-1", "2025-01-15", "--override", "label exceeded on purpose").exit_code == 0


def test_the_same_session_twice_within_12_hours_is_a_possible_duplicate(cli, ledger, tmp_path):
    run = cli("plan", "mesohair-minoxidil", "--points", "40", "--json")  # no course rules in the library
    plan = tmp_path / "minoxidil.json"
    plan.write_text(run.stdout, encoding="utf-8")
    assert record(cli, plan, "P-3", "2025-01-15T09:00").exit_code == 0
    twice = record(cli, plan, "P-3", "2025-01-15T20:59")  # 11 h 59 min later
    assert twice.exit_code == 1
    assert [w["code"] for w in twice.json["warnings"]] == ["possible-duplicate"]
    assert record(cli, plan, "P-3", "2025-01-15T20:59", "--again").exit_code == 0
    assert record(cli, plan, "P-3", "2025-01-16T09:01").exit_code == 0  # 12 h after the last one: not a duplicate
    assert record(cli, plan, "P-4", "2025-01-15T09:00").exit_code == 0  # another patient


def test_an_expired_lot_is_refused_with_exit_2(cli, ledger, kybella_plan):
    run = cli("record", str(kybella_plan), "--patient", "P-1", "--date", "2025-02-15",
              "--lot", "kybella-10=C999:2025-01")
    assert run.exit_code == 2
    assert "expired on 2025-01-31" in run.stderr and "nothing was recorded" in run.stderr
    assert not ledger.exists() or cli("history", "P-1").exit_code == 2
    unknown = cli("record", str(kybella_plan), "--patient", "P-1", "--lot", "lidocain=X1")
    assert unknown.exit_code == 2 and "not an agent, stock or product of this session" in unknown.stderr
    # an alias of the agent is accepted and stored as its id
    ok = record(cli, kybella_plan, "P-1", "2025-02-15", "--lot", "Kybella=C1:2025-02-15")
    assert ok.exit_code == 0 and ok.json["session"]["lots"][0]["target"] == "deoxycholic-acid"


def test_a_voided_session_stays_in_the_history_and_no_longer_counts(cli, ledger, kybella_plan):
    first = record(cli, kybella_plan, "P-9", "2025-01-15").json["session"]["session"]
    wrong = record(cli, kybella_plan, "P-9", "2025-02-20", "--note", "entered for the wrong patient").json
    void = cli("record", "--void", wrong["session"]["session"][:8], "--reason", "wrong patient", "--json")
    assert void.exit_code == 0 and void.json["void"]["reason"] == "wrong patient"
    again = cli("record", "--void", wrong["session"]["session"], "--reason", "twice")
    assert again.exit_code == 2 and "already void" in again.stderr
    history = cli("history", "P-9", "--json").json
    assert [s["void"] is not None for s in history["sessions"]] == [False, True]
    assert history["sessions_given"] == 1 and history["sessions"][0]["session"] == first
    assert history["agents"][0]["total"] == {"value": 50.0, "unit": "mg"}
    unknown = cli("record", "--void", "deadbeef-0000", "--reason", "x")
    assert unknown.exit_code == 2 and "no session" in unknown.stderr


def test_a_lot_recall_lists_every_session_and_patient(cli, ledger, kybella_plan):
    assert record(cli, kybella_plan, "P-1", "2025-01-15", "--lot", "kybella-10=C777:2025-06").exit_code == 0
    assert record(cli, kybella_plan, "P-2", "2025-01-16", "--lot", "kybella-10=C777:2025-06").exit_code == 0
    assert record(cli, kybella_plan, "P-3", "2025-01-17", "--lot", "kybella-10=C778:2025-06").exit_code == 0
    run = cli("lots", "c777", "--json")
    assert run.exit_code == 0
    assert run.json["patients"] == ["P-1", "P-2"]
    assert [s["given_at"][:10] for s in run.json["sessions"]] == ["2025-01-15", "2025-01-16"]
    assert "P-1" in cli("lots", "C777").stdout
    nobody = cli("lots", "C779", "--json")
    assert nobody.exit_code == 0 and nobody.json["sessions"] == []
    # a recall that finds nothing is an answer (exit 0: exit 1 is only a broken cap or rule, SPEC §6), said in
    # one line naming the lot and the ledger, with the recorded lots that look alike
    said = cli("lots", "C779")
    assert said.exit_code == 0
    assert " ".join(said.stdout.split()) == (f"No dose from lot C779 is recorded in {ledger} "
                                             "(did you mean C778?)")


def test_export_then_import_into_an_empty_ledger_gives_the_same_history_twice_without_duplicates(
        cli, ledger, kybella_plan, tmp_path):
    for when in MONTHLY[:3]:
        assert record(cli, kybella_plan, "P-5", when, "--lot", "kybella-10=C1:2025-12", "--note", "ok").exit_code == 0
    second = record(cli, kybella_plan, "P-6", "2025-01-20").json["session"]["session"]
    assert cli("record", "--void", second, "--reason", "duplicate entry").exit_code == 0
    export = cli("ledger", "export", "--patient", "P-5")
    validate_output(json.loads(export.stdout))
    assert len(json.loads(export.stdout)["sessions"]) == 3
    everything = tmp_path / "all.json"
    assert cli("ledger", "export", "-o", str(everything)).exit_code == 0
    assert stat.S_IMODE(everything.stat().st_mode) == 0o600
    other = tmp_path / "clinic-b" / "ledger.sqlite3"
    first = cli("ledger", "import", str(everything), "--ledger", str(other), "--json")
    assert first.exit_code == 0 and (first.json["added"], first.json["voids_added"]) == (4, 1)
    twice = cli("ledger", "import", str(everything), "--ledger", str(other), "--json")
    assert (twice.json["added"], twice.json["unchanged"], twice.json["voids_added"]) == (0, 4, 0)
    for patient in ("P-5", "P-6"):
        here = cli("history", patient, "--json").json
        there = cli("history", patient, "--json", "--ledger", str(other)).json
        assert [s | {"recorded_at": None} for s in here["sessions"]] == [
            s | {"recorded_at": None} for s in there["sessions"]]
        assert here["agents"] == there["agents"]


def test_a_conflicting_record_is_reported_and_nothing_is_imported(cli, ledger, kybella_plan, tmp_path):
    assert record(cli, kybella_plan, "P-5", "2025-01-15", "--note", "private remark").exit_code == 0
    doc = json.loads(cli("ledger", "export").stdout)
    doc["sessions"][0]["note"] = "changed elsewhere"
    doc["sessions"].append(dict(doc["sessions"][0], uuid="00000000-0000-4000-8000-000000000001", note=None))
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(doc), encoding="utf-8")
    run = cli("ledger", "import", str(changed))
    assert run.exit_code == 2
    assert doc["sessions"][0]["uuid"] in run.stderr and "different note" in run.stderr
    assert "private remark" not in run.stderr and "P-5" not in run.stderr  # no patient data in errors
    assert cli("history", "P-5", "--json").json["sessions_given"] == 1  # the new one was not imported either
    doc["sessions"] = [dict(doc["sessions"][1], note="\x1b]52;c;evil\x07")]  # a terminal escape in a note
    changed.write_text(json.dumps(doc), encoding="utf-8")
    hostile = cli("ledger", "import", str(changed))
    assert hostile.exit_code == 2 and "sessions[0].note" in hostile.stderr and "\x1b" not in hostile.stderr


def test_bad_input_gives_exit_2_and_one_clear_message(cli, ledger, kybella_plan, tmp_path):
    assert record(cli, kybella_plan, "P-1", "2025-01-15", "--note", "allergic to X").exit_code == 0
    unknown = cli("history", "P-404")
    assert unknown.exit_code == 2 and "P-404" in unknown.stderr and "P-1" not in unknown.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "plan",\n "ok": tru}', encoding="utf-8")
    malformed = cli("record", str(bad), "--patient", "P-1")
    assert malformed.exit_code == 2 and f"{bad}:2" in malformed.stderr and "Traceback" not in malformed.stderr
    schedule = cli("schedule", "--json", "submental-dca", "--start", "2025-01-01", "--json")
    not_a_plan = tmp_path / "schedule.json"
    not_a_plan.write_text(schedule.stdout, encoding="utf-8")
    assert cli("record", str(not_a_plan), "--patient", "P-1").exit_code == 2
    no_patient = cli("record", str(kybella_plan))
    assert no_patient.exit_code == 2 and "--patient" in no_patient.stderr
    wrong = cli("record", "--void", cli("history", "P-1", "--json").json["sessions"][0]["session"],
                "--reason", "x", "--patient", "P-2")
    assert wrong.exit_code == 2 and "P-2" in wrong.stderr and "P-1" not in wrong.stderr
    assert "allergic" not in wrong.stderr
    assert cli("record", str(kybella_plan), "--patient", "P-1", "--date", "15/01/2027").exit_code == 2
    assert cli("lots", "X", "--ledger", str(tmp_path / "none.sqlite3")).exit_code == 2  # no ledger there


def test_the_ledger_is_created_owner_only_at_the_xdg_path(cli, tmp_path, monkeypatch, kybella_plan):
    monkeypatch.delenv("MESOCALC_LEDGER", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    old = os.umask(0o022)
    try:
        assert record(cli, kybella_plan, "P-1", "2025-01-15").exit_code == 0
    finally:
        os.umask(old)
    path = tmp_path / "xdg" / "mesocalc" / "ledger.sqlite3"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    from mesocalc.ledger.db import default_path, open_ledger

    assert default_path() == path
    with open_ledger(path) as con:  # while open, the WAL and shared-memory files are owner-only too
        con.execute("SELECT count(*) FROM sessions").fetchone()
        for suffix in ("-wal", "-shm"):
            extra = Path(f"{path}{suffix}")
            assert extra.exists() and stat.S_IMODE(extra.stat().st_mode) == 0o600, suffix
    check = cli("ledger", "check", "--json")
    assert check.exit_code == 0 and check.json["ok"] and check.json["sessions"] == 1


def test_ledger_check_and_backup(cli, ledger, kybella_plan, tmp_path):
    for when in MONTHLY[:2]:
        assert record(cli, kybella_plan, "P-1", when).exit_code == 0
    copy = tmp_path / "backup.sqlite3"
    run = cli("ledger", "backup", str(copy), "--json")
    assert run.exit_code == 0 and run.json["sessions"] == 2
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert cli("history", "P-1", "--ledger", str(copy), "--json").json["sessions_given"] == 2
    assert cli("ledger", "backup", str(ledger)).exit_code == 2  # never over the ledger itself
    ledger.chmod(0o644)
    loose = cli("ledger", "check")
    assert loose.exit_code == 1 and "readable by others" in loose.stdout


VISIT = ("kind: visit\nweight: 70 kg\ndate: {date}\nitems:\n"
         "  - {{cocktail: submental-dca, area: 5 cm x 5 cm}}\n"
         "  - {{cocktail: lidocaine-1-percent, volume: 5 mL, site: submental, note: ring block}}\n")


def visit_json(cli: Any, tmp_path: Path, date: str) -> dict[str, Any]:
    """What `mesocalc visit --json` writes for a submental visit: deoxycholic acid 50 mg (25 points ×
    0.2 mL × 10 mg/mL) and a lidocaine ring block of 5 mL of 1 % = 50 mg."""
    path = tmp_path / f"visit-{date}.yaml"
    path.write_text(VISIT.format(date=date), encoding="utf-8")
    run = cli("visit", str(path), "--json")
    assert run.exit_code == 0, run.stderr
    return run.json  # type: ignore[no-any-return]


def test_a_visit_document_is_recorded_with_its_items_and_agent_totals(cli, ledger, tmp_path):
    """`mesocalc visit --json` (schemas/visit.json) is what record reads: each item by its type and id,
    the agents' totals as the session's doses."""
    visit = visit_json(cli, tmp_path, "2025-01-15")
    path = tmp_path / "visit.json"
    path.write_text(json.dumps(visit), encoding="utf-8")
    run = cli("record", str(path), "--patient", "P-8", "--lot", "lidocaine=L55:2025-06", "--json")
    assert run.exit_code == 0, run.stderr
    session = run.json["session"]
    assert session["given_at"] == "2025-01-15T00:00:00"  # the visit's own date
    assert [i["ref"] for i in session["items"]] == ["submental-dca", "lidocaine-1-percent"]
    assert session["doses"] == {"deoxycholic-acid": {"value": 50.0, "unit": "mg"},
                                "lidocaine": {"value": 50.0, "unit": "mg"}}
    history = cli("history", "P-8", "--json").json
    assert {a["agent"] for a in history["agents"]} == {"deoxycholic-acid", "lidocaine"}
    assert cli("lots", "L55", "--json").json["patients"] == ["P-8"]
    visit.pop("totals")
    path.write_text(json.dumps(visit), encoding="utf-8")
    missing = cli("record", str(path), "--patient", "P-8")
    assert missing.exit_code == 2 and "totals" in missing.stderr


def test_a_session_dated_in_the_future_is_recorded_with_a_warning(cli, ledger, kybella_plan):
    """The ledger records what was given, never what was only planned (SPEC §5): a date in the future is
    most likely a typo, so it is flagged; it is not refused (clocks and records entered ahead differ)."""
    run = record(cli, kybella_plan, "P-1", "2099-01-15")
    assert run.exit_code == 0 and [w["code"] for w in run.json["warnings"]] == ["future-date"]
    # a plan may still be checked against the course for a later date, without recording it
    assert cli("plan", "submental-dca", "--area", "5 cm x 5 cm", "--patient-id", "P-1", "--date", "2099-03-15",
               "--json").exit_code == 0


def test_course_warnings_for_a_visit_are_read_from_the_ledger_without_recording(cli, ledger, kybella_plan, library):
    """What `visit --patient-id` calls: a visit with deoxycholic acid 3 weeks after the last KYBELLA session
    breaks the label's 1-month minimum interval; nothing is written."""
    from mesocalc.ledger import api

    assert record(cli, kybella_plan, "P-2", "2025-02-15").exit_code == 0
    visit = visit_json(cli, ledger.parent.parent, "2025-03-08")
    entry = api.recording(visit, "visit.json", api.RecordOptions("P-2", "2025-03-08"), library)
    [warning] = api.course_warnings(ledger, entry, library)
    assert warning.code == "interval" and "earliest allowed 2025-03-15" in warning.message
    assert cli("history", "P-2", "--json").json["sessions_given"] == 1


def test_the_latest_on_time_date_follows_the_protocol_phase_max_interval(library):
    """A protocol phase may give max_interval (SPEC §5; hair mesotherapy's weekly intensive phases). This
    protocol is made up for the test: 4 sessions every week, at most 2 weeks apart, then monthly. After 2
    intensive sessions (1 and 8 January) the third is on time until
    8 + 14 = 22 January; minoxidil has no min_interval, so no next-allowed date is set."""
    from dataclasses import replace
    from datetime import date

    from mesocalc import units as u
    from mesocalc.core import model as m
    from mesocalc.ledger.course import Given, course

    cocktail = replace(library.cocktails["mesohair-minoxidil"], protocol=(
        m.Phase("intensive", 4, m.Interval(1, "week"), m.Interval(2, "week")),
        m.Phase("maintenance", 6, m.Interval(1, "month"), None)))
    with_phase = replace(library, cocktails={**library.cocktails, "mesohair-minoxidil": cocktail})
    dose = {"minoxidil": u.Q(10.0, u.MASS)}
    sessions = [Given(date(2025, 1, day), dose, {}, ("mesohair-minoxidil",), None, f"s{day}") for day in (1, 8)]
    result = course(sessions, with_phase)
    assert result.latest_on_time == date(2025, 1, 22)
    assert result.next_allowed is None
    four = [Given(date(2025, 1, 1 + 7 * k), dose, {}, ("mesohair-minoxidil",), None, f"s{k}") for k in range(4)]
    maintenance = course(four, with_phase)  # the next session is the first of maintenance: no max_interval
    assert maintenance.latest_on_time is None and "max_interval" in (maintenance.latest_reason or "")
