"""`mesocalc schedule`: course dates, cumulative doses, course caps, intervals and history (SPEC §3-6).

Label facts (KYBELLA PI, REFERENCE §1.1): 10 mg/mL, 0.2 mL per injection on a 1 cm grid, up to
6 treatments no less than 1 month apart; course cap 600 mg = 6 × 100 mg (derived, in the library).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from conftest import validate_output
from mesocalc.core import model as m
from mesocalc.core.schedule import add_interval, phase_dates

MONTH = m.Interval(1, "month")


def valid(doc: dict[str, Any]) -> dict[str, Any]:
    validate_output(doc)  # against schemas/schedule.json (conftest: one validator per kind)
    return doc


def codes(doc: dict[str, Any]) -> list[str]:
    return [w["code"] for w in doc["warnings"]]


def dca(doc: dict[str, Any], number: int) -> dict[str, Any]:
    return doc["sessions"][number - 1]["doses"]["deoxycholic-acid"]  # type: ignore[no-any-return]


# ---- calendar arithmetic (SPEC §4) -----------------------------------------------------------

def test_monthly_from_31_january_clamps_to_month_end_anchored_to_the_first_date() -> None:
    # SPEC §4: Jan 31 monthly -> Feb 28, Mar 31, Apr 30 (anchored, so March is the 31st, not the 28th)
    dates = [d for d, _ in phase_dates(date(2027, 1, 31), (m.Phase("t", 6, MONTH),))]
    assert dates == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30),
                     date(2027, 5, 31), date(2027, 6, 30)]


def test_month_end_in_a_leap_year_is_29_february() -> None:
    assert add_interval(date(2028, 1, 31), MONTH) == date(2028, 2, 29)


def test_weeks_and_days_are_counted_in_days_and_months_cross_the_year() -> None:
    assert add_interval(date(2026, 12, 29), m.Interval(1, "week")) == date(2027, 1, 5)
    assert add_interval(date(2026, 12, 31), m.Interval(3, "month")) == date(2027, 3, 31)
    assert add_interval(date(2026, 11, 30), m.Interval(10, "day"), 2) == date(2026, 12, 20)


# ---- the label course ------------------------------------------------------------------------

def test_label_course_25_cm2_is_50_mg_per_session_and_300_mg_at_the_sixth(cli: Any) -> None:
    run = cli("schedule", "submental-dca", "--start", "2027-01-31", "--area", "25 cm^2", "--json")
    assert run.exit_code == 0, run.stderr
    doc = valid(run.json)
    assert doc["kind"] == "schedule" and doc["version"] == 1 and doc["ok"] is True
    assert [s["date"] for s in doc["sessions"]] == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30",
                                                    "2027-05-31", "2027-06-30"]
    assert all(s["phase"] == "treatment" and s["source"] == "planned" for s in doc["sessions"])
    # 25 points × 0.2 mL × 10 mg/mL = 50 mg per session; 6 × 50 mg = 300 mg
    assert dca(doc, 1)["dose"] == {"value": 50.0, "unit": "mg"}
    assert dca(doc, 6)["cumulative"] == {"value": 300.0, "unit": "mg"}
    cap = next(c for c in doc["checks"] if c["rule"] == "limit")
    assert cap["max"] == {"value": 600.0, "unit": "mg"} and cap["status"] == "ok" and cap["fraction"] == 0.5
    rules = {c["rule"]: c for c in doc["checks"]}
    assert rules["max_sessions"]["actual"] == 6 and rules["max_sessions"]["status"] == "ok"
    assert rules["min_interval"]["min_interval"] == "1 month" and rules["min_interval"]["status"] == "ok"


def test_label_course_table_shows_dates_cumulative_dose_and_percent_of_the_course_cap(cli: Any) -> None:
    run = cli("schedule", "submental-dca", "--start", "2027-01-31", "--area", "25 cm^2")
    assert run.exit_code == 0, run.stderr
    assert "Cumulative / cap 600 mg" in run.stdout
    assert "2027-02-28" in run.stdout and "300 mg (50 %)" in run.stdout
    assert "OK" in run.stdout


def test_exactly_600_mg_over_six_sessions_is_at_the_cap_not_over(cli: Any) -> None:
    # 50 cm² -> 50 points -> 100 mg per session (label maximum); 6 × 100 mg = 600 mg = the course cap
    doc = valid(cli("schedule", "submental-dca", "--start", "2027-01-01", "--area", "50 cm^2", "--json").json)
    assert doc["exit_code"] == 0 and dca(doc, 6)["cumulative"]["value"] == 600.0


def test_seven_sessions_over_the_labels_six_is_course_over_exit_1(cli: Any) -> None:
    run = cli("schedule", "submental-dca", "--start", "2027-01-31", "--area", "25 cm^2",
              "--phase", "treatment:7 every 1 month", "--json")
    assert run.exit_code == 1
    doc = valid(run.json)
    rule = next(c for c in doc["checks"] if c["rule"] == "max_sessions")
    assert rule["status"] == "over" and rule["actual"] == 7 and rule["max"] == 6 and rule["first_over"] == 7
    assert "course-over" in codes(doc) and doc["ok"] is False
    assert doc["sessions"][6]["status"] == "not ok" and doc["sessions"][5]["status"] == "ok"


def test_three_week_intervals_are_under_one_month_interval_warning_exit_1(cli: Any) -> None:
    run = cli("schedule", "submental-dca", "--start", "2027-01-01", "--area", "25 cm^2",
              "--phase", "treatment:3 every 3 weeks", "--json")
    assert run.exit_code == 1
    doc = valid(run.json)
    assert [s["date"] for s in doc["sessions"]] == ["2027-01-01", "2027-01-22", "2027-02-12"]
    rule = next(c for c in doc["checks"] if c["rule"] == "min_interval")
    # Jan 1 + 1 calendar month = Feb 1: Jan 22 is too early; Jan 22 + 1 month = Feb 22: Feb 12 too early
    assert rule["too_early"] == [
        {"number": 2, "date": "2027-01-22", "previous": "2027-01-01", "earliest": "2027-02-01"},
        {"number": 3, "date": "2027-02-12", "previous": "2027-01-22", "earliest": "2027-02-22"}]
    interval = [w for w in doc["warnings"] if w["code"] == "interval"]
    assert len(interval) == 2 and all(w["severity"] == "hard" for w in interval)


def test_a_calendar_month_from_31_january_allows_28_february(cli: Any) -> None:
    # the label's "no less than 1 month": same day next month, clamped (Feb 28), not 30 or 31 days
    doc = valid(cli("schedule", "submental-dca", "--start", "2027-01-31", "--phase", "t:2 every 4 weeks",
                    "--area", "25 cm^2", "--json").json)
    assert doc["sessions"][1]["date"] == "2027-02-28" and doc["exit_code"] == 0


def test_two_phases_have_their_names_and_the_second_starts_one_of_its_intervals_later(cli: Any) -> None:
    run = cli("schedule", "mesohair-minoxidil", "--start", "2026-01-01",
              "--phase", "intensive:4 every 1 week", "--phase", "maintenance:3 every 1 month", "--json")
    assert run.exit_code == 0, run.stderr
    doc = valid(run.json)
    assert [(s["date"], s["phase"]) for s in doc["sessions"]] == [
        ("2026-01-01", "intensive"), ("2026-01-08", "intensive"), ("2026-01-15", "intensive"),
        ("2026-01-22", "intensive"),
        # last intensive session Jan 22 + 1 month = Feb 22, then anchored monthly
        ("2026-02-22", "maintenance"), ("2026-03-22", "maintenance"), ("2026-04-22", "maintenance")]
    assert [p["phase"] for p in doc["phases"]] == ["intensive", "maintenance"]
    # the default is the published session (NCT01655108): 2 mL × 5 mg/mL = 10 mg; 7 sessions = 70 mg
    minox = doc["sessions"][-1]["doses"]["minoxidil"]
    assert minox["dose"]["value"] == pytest.approx(10.0) and minox["cumulative"]["value"] == pytest.approx(70.0)


def test_the_cocktail_protocol_is_used_without_phase(cli: Any) -> None:
    doc = valid(cli("schedule", "mesohair-dutasteride", "--start", "2026-01-15", "--points", "20", "--json").json)
    # protocol: 4 sessions every 3 months (Saceda-Corralo); 20 points × 0.05 mL × 0.1 mg/mL = 0.1 mg
    assert [s["date"] for s in doc["sessions"]] == ["2026-01-15", "2026-04-15", "2026-07-15", "2026-10-15"]
    assert doc["sessions"][3]["doses"]["dutasteride"]["cumulative"]["value"] == pytest.approx(0.4)


# ---- history ---------------------------------------------------------------------------------

def test_history_makes_the_next_date_too_early(cli: Any, write: Any) -> None:
    history = write("history.yaml", "- {date: 2026-01-15, volume: 10 mL}\n"
                                    "- {date: 2026-02-16, doses: {deoxycholic-acid: 80 mg}}\n")
    run = cli("schedule", "submental-dca", "--start", "2026-03-10", "--phase", "t:1 every 1 month",
              "--history", str(history), "--area", "25 cm^2", "--json")
    assert run.exit_code == 1
    doc = valid(run.json)
    assert [s["source"] for s in doc["sessions"]] == ["history", "history", "planned"]
    # 10 mL × 10 mg/mL = 100 mg; then 80 mg; then 50 mg planned: 230 mg in all
    assert dca(doc, 1)["dose"]["value"] == 100.0 and dca(doc, 3)["cumulative"]["value"] == 230.0
    rule = next(c for c in doc["checks"] if c["rule"] == "min_interval")
    assert rule["too_early"] == [{"number": 3, "date": "2026-03-10", "previous": "2026-02-16",
                                  "earliest": "2026-03-16"}]


def test_history_plans_only_what_remains_of_the_protocol(cli: Any, write: Any) -> None:
    # KYBELLA label protocol: up to 6 sessions; 2 given leave 4 to plan (README's example), 6 in all
    history = write("given.yaml", "- {date: 2026-01-15, volume: 5 mL}\n- {date: 2026-02-16, volume: 5 mL}\n")
    run = cli("schedule", "submental-dca", "--history", str(history), "--area", "25 cm^2", "--json")
    assert run.exit_code == 0, run.stderr
    doc = valid(run.json)
    assert [s["source"] for s in doc["sessions"]] == ["history"] * 2 + ["planned"] * 4
    assert dca(doc, 6)["cumulative"]["value"] == 300.0  # 6 × 5 mL × 10 mg/mL


def test_a_history_holding_the_whole_protocol_asks_for_phases(cli: Any, write: Any) -> None:
    history = write("given.yaml", "".join(f"- {{date: 2026-0{m}-01, volume: 5 mL}}\n" for m in range(1, 7)))
    run = cli("schedule", "submental-dca", "--history", str(history), "--area", "25 cm^2")
    assert run.exit_code == 2
    assert "all 6 sessions" in run.stderr and "--phase" in run.stderr


def test_history_makes_a_seventh_session(cli: Any, write: Any) -> None:
    # --phase plans exactly what it says: 6 more after the one given is a seventh session
    history = write("history.json", '[{"date": "2026-01-05", "volume": "5 mL"}]')
    run = cli("schedule", "submental-dca", "--start", "2026-02-05", "--history", str(history),
              "--phase", "treatment:6 every 1 month", "--area", "25 cm^2", "--json")
    assert run.exit_code == 1
    doc = valid(run.json)
    assert len(doc["sessions"]) == 7
    rule = next(c for c in doc["checks"] if c["rule"] == "max_sessions")
    assert rule["actual"] == 7 and rule["first_over"] == 7 and "course-over" in codes(doc)
    assert dca(doc, 7)["cumulative"]["value"] == 350.0  # 7 × 50 mg, under 600 mg: only the count is over


def test_history_without_start_continues_one_interval_after_the_last_session(cli: Any, write: Any) -> None:
    history = write("h.yaml", "- {date: 2026-01-31, volume: 5 mL}\n")
    doc = valid(cli("schedule", "submental-dca", "--history", str(history), "--phase", "t:2 every 1 month",
                    "--area", "25 cm^2", "--json").json)
    assert [s["date"] for s in doc["sessions"]] == ["2026-01-31", "2026-02-28", "2026-03-28"]
    assert doc["exit_code"] == 0


@pytest.mark.parametrize(("text", "message"), [
    ("- {date: 2026-02-01, volume: 5 mL}\n- {date: 2026-01-01, volume: 5 mL}\n", "in order"),
    ("- {date: 2026-01-01, volum: 5 mL}\n", "did you mean 'volume'"),
    ("- {date: 2026-01-01}\n", "either 'volume'"),
    ("- {date: 2026-01-01, volume: 5}\n", "no unit"),
    ("- {date: 2026-13-01, volume: 5 mL}\n", "not a date"),
    ("- {date: 2026-01-01, doses: {kybela: 5 mg}}\n", "unknown agent"),
    ("- {date: 2026-01-01, doses: {lidocaine: 5 mg}}\n", "not in this cocktail"),
    ("- {date: 2027-06-01, volume: 5 mL}\n", "not before the first new session"),
    ("date: 2026-01-01\n", "one list"),
    ("- {date: 2026-01-01, doses: {deoxycholic-acid: 5 particles}}\n", "[0].doses.deoxycholic-acid"),
])
def test_bad_history_is_an_input_error_with_file_and_line(cli: Any, write: Any, text: str, message: str) -> None:
    history = write("bad.yaml", text)
    run = cli("schedule", "submental-dca", "--start", "2027-01-01", "--history", str(history))
    assert run.exit_code == 2
    assert message in run.stderr and "bad.yaml:" in run.stderr and "Traceback" not in run.stderr


# ---- usage errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("phase", ["intensive", "intensive:4 every fortnight", "x:0 every 1 week", ":4 every"])
def test_a_bad_phase_string_is_exit_2_with_a_clear_message(cli: Any, phase: str) -> None:
    run = cli("schedule", "submental-dca", "--start", "2027-01-01", "--phase", phase, "--json")
    assert run.exit_code == 2
    assert run.json["kind"] == "error" and "--phase" in run.stderr


def test_a_bad_start_date_is_exit_2(cli: Any) -> None:
    run = cli("schedule", "submental-dca", "--start", "31/01/2027")
    assert run.exit_code == 2 and "YYYY-MM-DD" in run.stderr


def test_no_start_and_no_history_is_exit_2(cli: Any) -> None:
    run = cli("schedule", "submental-dca")
    assert run.exit_code == 2 and "--start" in run.stderr


TEST_LIBRARY = """\
kind: source
id: test-source
title: Test source (arithmetic for tests)
confidence: low
---
kind: agent
id: test-lipolytic
name: Test lipolytic
classes: [lipolytic]
regulatory: {status: approved, approved_areas: [submental], source: test-source}
limits:
  - {scope: course, max: 250 mg, severity: hard, source: test-source}
  - {scope: course, max: 4 mg/kg, severity: soft, source: test-source}
  - {scope: course, max: 30 mL, severity: hard, source: test-source}
contraindications:
  - {condition: keloid-history, severity: hard, source: test-source}
cautions:
  - {condition: anticoagulant-therapy, note: bruising, source: test-source}
---
kind: cocktail
id: test-course
name: Test course cocktail
area: submental
technique: {grid: square, spacing: 1 cm, volume_per_point: 0.2 mL}
components:
  - {agent: test-lipolytic, concentration: 10 mg/mL}
protocol:
  - {phase: treatment, sessions: 6, every: 1 month}
---
kind: cocktail
id: test-no-protocol
name: Test cocktail without protocol
area: submental
technique: {grid: square, spacing: 1 cm, volume_per_point: 0.2 mL}
components:
  - {agent: test-lipolytic, concentration: 10 mg/mL}
---
kind: cocktail
id: exosome-scalp
name: Exosome scalp test cocktail
area: scalp
technique: {grid: square, spacing: 1 cm, volume_per_point: 0.05 mL}
components:
  - {agent: exosomes, concentration: "1e9 particles/mL"}
protocol:
  - {phase: treatment, sessions: 3, every: 1 month}
"""


@pytest.fixture
def test_library(write: Any) -> str:
    return str(write("lib/test.yaml", TEST_LIBRARY).parent)


def test_a_course_cap_is_reached_by_cumulative_dose(cli: Any, test_library: str) -> None:
    # 25 points × 0.2 mL × 10 mg/mL = 50 mg per session: 250 mg at the 5th (exactly at the cap), 300 mg at the 6th
    run = cli("schedule", "test-course", "-L", test_library, "--start", "2026-01-01", "--area", "25 cm^2",
              "--weight", "70 kg", "--json")
    assert run.exit_code == 1
    doc = valid(run.json)
    by_max = {c["max"]["unit"]: c for c in doc["checks"] if c["rule"] == "limit"}
    assert by_max["mg"]["status"] == "over" and by_max["mg"]["first_over"] == 6
    assert by_max["mg"]["actual"] == {"value": 300.0, "unit": "mg"}
    # per kg: 4 mg/kg × 70 kg = 280 mg, soft; 300 mg / 70 kg = 4.29 mg/kg, over at the 6th session
    assert by_max["mg/kg"]["status"] == "over" and by_max["mg/kg"]["severity"] == "soft"
    assert by_max["mg/kg"]["actual"]["value"] == pytest.approx(300 / 70)
    # volume: 6 × 5 mL = 30 mL, exactly at the 30 mL cap
    assert by_max["mL"]["status"] == "ok" and by_max["mL"]["actual"]["value"] == pytest.approx(30.0)
    over = [w for w in doc["warnings"] if w["code"] == "course-over"]
    assert {w["severity"] for w in over} == {"hard", "soft"}
    assert doc["sessions"][4]["status"] == "ok" and doc["sessions"][5]["status"] == "not ok"


def test_a_per_kg_course_cap_without_a_weight_is_unchecked(cli: Any, test_library: str) -> None:
    doc = valid(cli("schedule", "test-course", "-L", test_library, "--start", "2026-01-01", "--points", "5",
                    "--json").json)
    per_kg = next(c for c in doc["checks"] if c["rule"] == "limit" and c["max"]["unit"] == "mg/kg")
    assert per_kg["status"] == "unchecked" and "weight" in per_kg["reason"]
    assert "limit-unchecked" in codes(doc)


def test_a_cocktail_without_protocol_and_no_phase_is_exit_2(cli: Any, test_library: str) -> None:
    run = cli("schedule", "test-no-protocol", "-L", test_library, "--start", "2026-01-01")
    assert run.exit_code == 2 and "no protocol" in run.stderr and "--phase" in run.stderr


def test_exosome_doses_are_particles_with_a_regulatory_warning(cli: Any, test_library: str) -> None:
    run = cli("schedule", "exosome-scalp", "-L", test_library, "--start", "2026-01-01", "--points", "20", "--json")
    assert run.exit_code == 0, run.stderr
    doc = valid(run.json)
    # 20 points × 0.05 mL × 1e9 particles/mL = 1e9 particles per session; 3e9 over three sessions
    exo = doc["sessions"][2]["doses"]["exosomes"]
    assert exo["dose"] == {"value": pytest.approx(1e9), "unit": "particles"}
    assert exo["cumulative"]["value"] == pytest.approx(3e9) and exo["cumulative"]["unit"] == "particles"
    regulatory = next(w for w in doc["warnings"] if w["code"] == "regulatory")
    assert "no FDA-approved exosome products" in regulatory["message"]
    table = cli("schedule", "exosome-scalp", "-L", test_library, "--start", "2026-01-01", "--points", "20")
    assert "3,000,000,000 particles" in table.stdout  # ISMP: thousands separators, never converted to mg


def test_strict_fails_the_course_on_a_soft_warning(cli: Any) -> None:
    # the default submental area is an assumption (soft warning): exit 0, but 1 with --strict
    assert cli("schedule", "submental-dca", "--start", "2027-01-01").exit_code == 0
    assert cli("schedule", "submental-dca", "--start", "2027-01-01", "--strict").exit_code == 1
