"""The visit and the course ledger joined (SPEC §5): `visit --patient-id` checks the patient's course
from the ledger, `visit --record` records the visit, `record` reads what `visit --json` writes, a visit
file's `patient:` may be a ledger patient id; and a protocol phase's `max_interval` in `schedule`.

Label facts (KYBELLA PI, REFERENCE §1.1): 10 mg/mL, 0.2 mL per injection on a 1 cm grid, up to 6
treatments no less than 1 month apart; course cap 600 mg = 6 × 100 mg (derived, in the library).
Lidocaine 1 % is 10 mg/mL, so a 5 mL ring block is 50 mg.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "ledger.sqlite3"
    monkeypatch.setenv("MESOCALC_LEDGER", str(path))
    return path


def submental_visit(write: Any, date: str, patient: str | None = None) -> Path:
    """A submental session: a lidocaine ring block (5 mL of 1 % = 50 mg) and KYBELLA on 5 cm × 5 cm
    (25 points × 0.2 mL × 10 mg/mL = 50 mg deoxycholic acid), at 60 kg."""
    head = f"patient: {patient}\n" if patient else ""
    return write(f"visit-{date}.yaml", f"kind: visit\n{head}weight: 60 kg\ndate: {date}\nitems:\n"
                 "  - {cocktail: lidocaine-1-percent, volume: 5 mL, site: submental, note: ring block}\n"
                 "  - {cocktail: submental-dca, area: 5 cm x 5 cm}\n")


def kybella_session(cli: Any, patient: str, date: str) -> None:
    """One earlier KYBELLA session (50 mg) recorded from `plan --record`."""
    run = cli("plan", "submental-dca", "--area", "5 cm x 5 cm", "--record", "--patient-id", patient,
              "--date", date, "--json")
    assert run.exit_code == 0 and run.json["ledger"]["recorded"], run.stderr


def totals(history: dict[str, Any]) -> dict[str, str]:
    return {a["agent"]: f"{a['total']['value']:g} {a['total']['unit']}" for a in history["agents"]}


def test_visit_json_piped_to_record_gives_the_agents_totals_in_the_history(cli, ledger, write):
    """`visit --json | record --patient X -`: the document visit writes is the one record reads. The
    session's doses are the visit's totals: lidocaine 50 mg (ring block) + 3 mg (1 mL of a 0.3 % filler,
    3 mg/mL) = 53 mg; EMLA's 125 mg (5 g × 25 mg/g) is applied, shown beside the total and not added
    (REFERENCE §10.3.2), so it is kept on its item and not in the course total; deoxycholic acid 50 mg."""
    path = write("session.yaml", "kind: visit\nweight: 60 kg\ndate: 2026-06-15\nitems:\n"
                 "  - {product: emla-cream, mass: 5 g, area: 50 cm^2}\n"
                 "  - {cocktail: lidocaine-1-percent, volume: 5 mL, site: submental, note: ring block}\n"
                 "  - {cocktail: submental-dca, area: 5 cm x 5 cm}\n"
                 "  - {product: ha-filler-lidocaine, volume: 1 mL}\n")
    visit = cli("visit", str(path), "--json")
    assert visit.exit_code == 0
    run = cli("record", "--patient", "P-31", "-", "--json", input=visit.stdout)
    assert run.exit_code == 0, run.stderr
    session = run.json["session"]
    assert session["given_at"] == "2026-06-15T00:00:00"  # the visit's own date
    assert [(i["what"], i["ref"]) for i in session["items"]] == [
        ("product", "emla-cream"), ("cocktail", "lidocaine-1-percent"), ("cocktail", "submental-dca"),
        ("product", "ha-filler-lidocaine")]
    assert session["items"][0]["doses"]["prilocaine"] == {"value": 125.0, "unit": "mg"}  # applied, on its item
    assert session["items"][2]["points"] == 25 and session["items"][2]["volume"] == {"value": 5.0, "unit": "mL"}
    history = cli("history", "P-31", "--json").json
    assert totals(history) == {"deoxycholic-acid": "50 mg", "lidocaine": "53 mg"}
    assert history["sessions_given"] == 1


def test_a_document_that_is_not_what_visit_writes_is_refused_with_its_key(cli, ledger, write):
    bad = write("v.json", '{"kind": "visit", "ok": true, "items": [{"cocktail": "submental-dca"}], "totals": []}')
    run = cli("record", str(bad), "--patient", "P-1")
    assert run.exit_code == 2 and "items[0]" in run.stderr and "visit --json" in run.stderr


def test_visit_patient_id_refuses_a_kybella_session_three_weeks_after_the_last(cli, ledger, write):
    """KYBELLA: no less than 1 month apart. Last session 2026-03-01; a visit on 2026-03-22 is 3 weeks
    later (earliest allowed 2026-04-01): a hard `interval` warning from the ledger, exit 1, and it names
    the visit's item that gave deoxycholic acid (item 2). Nothing is written without --record."""
    kybella_session(cli, "P-40", "2026-03-01")
    run = cli("visit", str(submental_visit(write, "2026-03-22")), "--patient-id", "P-40", "--json")
    assert run.exit_code == 1
    [late] = [w for w in run.json["warnings"] if w["code"] == "interval"]
    assert "earliest allowed 2026-04-01" in late["message"] and late["items"] == [2]
    assert late["message"].startswith("item 2: Deoxycholic acid: session 2 on 2026-03-22")
    assert run.json["ledger"]["sessions_given"] == 1 and run.json["ledger"]["last_given"] == "2026-03-01"
    assert not run.json["ok"]
    assert cli("history", "P-40", "--json").json["sessions_given"] == 1
    human = cli("visit", str(submental_visit(write, "2026-03-22")), "--patient-id", "P-40")
    assert human.exit_code == 1 and "Ledger    patient P-40: 1 earlier session(s)" in human.stdout
    # a month later (2026-04-01) the same visit is on time
    assert cli("visit", str(submental_visit(write, "2026-04-01")), "--patient-id", "P-40").exit_code == 0


def test_visit_patient_id_counts_max_sessions_and_the_course_cap(cli, ledger, write):
    """Six monthly KYBELLA sessions of 50 mg are recorded (300 mg of the 600 mg course cap); a seventh
    session in a visit is over max_sessions (6): exit 1, `course-over`."""
    for month in range(1, 7):
        kybella_session(cli, "P-41", f"2026-{month:02d}-01")
    run = cli("visit", str(submental_visit(write, "2026-07-01")), "--patient-id", "P-41", "--json")
    assert run.exit_code == 1
    [over] = [w for w in run.json["warnings"] if w["code"] == "course-over"]
    assert "7 sessions in the course, over the maximum of 6" in over["message"]
    checks = {c["rule"]: c for c in run.json["ledger"]["course_checks"]}
    assert checks["limit"]["actual"] == {"value": 350.0, "unit": "mg"}  # 6 × 50 + 50, under 600 mg
    assert checks["max_sessions"]["actual"] == 7


def test_visit_record_records_the_visit_like_plan_record(cli, ledger, write):
    """`visit --record --patient-id ID --lot ... --by ... --note ...` records the visit; a visit that
    breaks the course (3 weeks after the last KYBELLA session) is recorded only with --override, and the
    same visit again within 12 h needs --again."""
    kybella_session(cli, "P-42", "2026-03-01")
    early = submental_visit(write, "2026-03-22")
    refused = cli("visit", str(early), "--patient-id", "P-42", "--record", "--json")
    assert refused.exit_code == 1 and not refused.json["ledger"]["recorded"]
    why = refused.json["ledger"]["refused"]
    assert "the visit was not OK" in why and "--override" in why
    forced = cli("visit", str(early), "--patient-id", "P-42", "--record", "--override", "patient travelling",
                 "--lot", "kybella-10=C777:2027-03", "--by", "Dr Lee", "--note", "ring block first", "--json")
    # recorded with the reason; the visit itself is still not OK (exit 1), as with plan --record --override
    assert forced.exit_code == 1 and forced.json["ledger"]["recorded"], forced.stderr
    session = forced.json["ledger"]["session"]
    assert session["source"] == "visit" and session["by"] == "Dr Lee" and session["override"] == "patient travelling"
    assert cli("lots", "C777", "--json").json["patients"] == ["P-42"]
    history = cli("history", "P-42", "--json").json
    assert history["sessions_given"] == 2
    assert totals(history) == {"deoxycholic-acid": "100 mg", "lidocaine": "50 mg"}  # 50 + 50; 5 mL of 1 %
    again = cli("visit", str(early), "--patient-id", "P-42", "--record", "--override", "patient travelling")
    assert again.exit_code != 0 and "--again" in again.stdout + again.stderr


def test_record_options_go_with_record_and_record_needs_a_patient(cli, ledger, write):
    path = str(submental_visit(write, "2026-03-22"))
    lonely = cli("visit", path, "--lot", "kybella-10=C1")
    assert lonely.exit_code == 2 and "--lot goes with --record --patient-id ID" in lonely.stderr
    nobody = cli("visit", path, "--record")
    assert nobody.exit_code == 2 and "--record needs --patient-id" in nobody.stderr


def test_a_visit_file_may_name_a_patient_id_known_to_the_ledger(cli, ledger, write):
    """SPEC §5: `patient:` is a patient file, or a patient id known to the ledger. P-43 is not a file;
    the ledger has a KYBELLA session for it (2026-03-01), so the visit on 2026-03-22 is judged against it
    (ids compared without regard to case) as with --patient-id."""
    kybella_session(cli, "P-43", "2026-03-01")
    run = cli("visit", str(submental_visit(write, "2026-03-22", patient="p-43")), "--json")
    assert run.exit_code == 1 and run.json["patient"] == "P-43"
    assert "interval" in [w["code"] for w in run.json["warnings"]]
    unknown = cli("visit", str(submental_visit(write, "2026-03-22", patient="P-99")))
    assert unknown.exit_code == 2 and "P-99" in unknown.stderr
    clash = cli("visit", str(submental_visit(write, "2026-03-22", patient="P-43")), "--patient-id", "P-1")
    assert clash.exit_code == 2 and "--patient-id" in clash.stderr


# ---- schedule: a phase's max_interval ------------------------------------------------------------

HAIR = """kind: cocktail
id: test-hair-course
name: Test hair course (made up for the test)
area: scalp-midscalp
technique: {grid: square, spacing: 1 cm, volume_per_point: 0.05 mL}
components:
  - {agent: minoxidil, concentration: "0.5 %"}
protocol:
  - {phase: intensive, sessions: 4, every: 1 week, max_interval: 2 weeks}
  - {phase: maintenance, sessions: 2, every: 1 month}
"""


def test_a_gap_longer_than_the_phase_max_interval_is_a_soft_interval_late_warning(cli, write):
    """An intensive phase weekly, at most 2 weeks apart (a protocol made up for the test: §10.10 gives
    no sourced maximum for the built-in hair cocktails). One session given on 2026-01-05; the course
    continues on 2026-01-26, 3 weeks later: later than 2026-01-05 + 2 weeks = 2026-01-19, so a soft
    `interval-late` (exit 0, exit 1 with --strict). Starting on 2026-01-19 itself is on time."""
    cocktail = str(write("hair.yaml", HAIR))
    history = str(write("given.yaml", "- {date: 2026-01-05, volume: 2 mL}\n"))
    late = cli("schedule", cocktail, "--history", history, "--start", "2026-01-26", "--json")
    assert late.exit_code == 0
    [warning] = [w for w in late.json["warnings"] if w["code"] == "interval-late"]
    assert warning["severity"] == "soft"
    assert "session 2 on 2026-01-26 (intensive) is more than 2 weeks after the previous one on 2026-01-05" \
        in warning["message"] and "latest on time 2026-01-19" in warning["message"]
    assert cli("schedule", cocktail, "--history", history, "--start", "2026-01-26", "--strict").exit_code == 1
    on_time = cli("schedule", cocktail, "--history", history, "--start", "2026-01-19", "--json")
    assert "interval-late" not in [w["code"] for w in on_time.json["warnings"]]


def test_max_interval_is_calendar_arithmetic_and_only_within_its_phase(cli, write):
    """A 1-month max_interval from 31 January ends on 28 February (the month's last day, as min_interval
    and the phase dates); a session on 1 March is late. The maintenance phase has no max_interval, so
    its monthly sessions are never late, and the step from intensive to maintenance is not judged by
    the intensive phase's bound."""
    cocktail = str(write("hair.yaml", HAIR.replace("max_interval: 2 weeks", "max_interval: 1 month")))
    history = str(write("given.yaml", "- {date: 2026-01-31, volume: 2 mL}\n"))
    late = cli("schedule", cocktail, "--history", history, "--start", "2026-03-01", "--json")
    messages = [w["message"] for w in late.json["warnings"] if w["code"] == "interval-late"]
    assert messages == ["session 2 on 2026-03-01 (intensive) is more than 1 month after the previous one on "
                        "2026-01-31 (latest on time 2026-02-28): the phase's max_interval"]
    on_time = cli("schedule", cocktail, "--history", history, "--start", "2026-02-28", "--json")
    assert "interval-late" not in [w["code"] for w in on_time.json["warnings"]]


def test_max_interval_is_checked_from_the_ledger_by_plan_visit_schedule_and_history(cli, ledger, write):
    """Issue 15: plan, visit and schedule with --patient-id check max_interval from the ledger. The test
    cocktail (above, in a library folder) was given once on 2026-01-05 (intensive session 1); session 2
    falls in the intensive phase, on time until 2026-01-05 + 2 weeks = 2026-01-19. On 2026-01-26 each
    command gives the soft `interval-late` (exit 0; 1 with --strict); on 2026-01-19 none does."""
    library = str(write("lib/hair.yaml", HAIR).parent)
    first = cli("plan", "test-hair-course", "--library", library, "--record", "--patient-id", "P-50",
                "--date", "2026-01-05", "--json")
    assert first.exit_code == 0 and first.json["ledger"]["recorded"], first.stderr
    history = cli("history", "P-50", "--library", library, "--json")
    assert history.json["latest_on_time"] == "2026-01-19"
    visit = write("hair-visit.yaml", "kind: visit\ndate: 2026-01-26\nitems:\n  - {cocktail: test-hair-course}\n")
    late = {
        "plan": cli("plan", "test-hair-course", "--library", library, "--patient-id", "P-50", "--date",
                    "2026-01-26", "--json"),
        "visit": cli("visit", str(visit), "--library", library, "--patient-id", "P-50", "--json"),
        "schedule": cli("schedule", "test-hair-course", "--library", library, "--patient-id", "P-50", "--start",
                        "2026-01-26", "--json"),
    }
    for command, run in late.items():
        assert run.exit_code == 0, command
        [warning] = [w for w in run.json["warnings"] if w["code"] == "interval-late"]
        assert "on 2026-01-26 (intensive) is more than 2 weeks after the previous one on 2026-01-05 (latest on " \
               "time 2026-01-19)" in warning["message"], command
    assert late["visit"].json["warnings"][-1]["items"] == [1]  # the visit names the item
    strict = cli("plan", "test-hair-course", "--library", library, "--patient-id", "P-50", "--date", "2026-01-26",
                 "--strict")
    assert strict.exit_code == 1
    on_time = cli("plan", "test-hair-course", "--library", library, "--patient-id", "P-50", "--date", "2026-01-19",
                  "--json")
    assert "interval-late" not in [w["code"] for w in on_time.json["warnings"]]


def test_a_recorded_visit_is_exported_and_imported_as_it_was(cli, ledger, write, tmp_path):
    """A visit recorded with --record travels in the portable record (ledger export, schema
    ledger-export) and reads back the same in an empty ledger, once however often it is imported."""
    recorded = cli("visit", str(submental_visit(write, "2026-02-01")), "--patient-id", "P-60", "--record",
                   "--lot", "lidocaine=L9:2027-01", "--json")
    assert recorded.exit_code == 0 and recorded.json["ledger"]["recorded"], recorded.stderr
    export = tmp_path / "P-60.json"
    assert cli("ledger", "export", "--patient", "P-60", "-o", str(export)).exit_code == 0
    other = str(tmp_path / "other.sqlite3")
    for added in (1, 0):
        assert cli("ledger", "import", str(export), "--ledger", other, "--json").json["added"] == added
    before = cli("history", "P-60", "--json").json
    after = cli("history", "P-60", "--ledger", other, "--json").json
    assert totals(after) == totals(before) == {"deoxycholic-acid": "50 mg", "lidocaine": "50 mg"}
    assert after["sessions"] == before["sessions"]
