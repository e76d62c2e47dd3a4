"""Output without noise: JSON numbers without binary float noise, ISMP numbers a person can add up."""

from __future__ import annotations

import json

from mesocalc import units as u
from mesocalc.render.jsondoc import dumps


def test_json_numbers_are_the_shortest_form_rounded_to_15_significant_digits():
    # SPEC §6: 0.1 × 0.05 is 0.005000000000000001 in binary; 5.4 × 2 is 10.799999999999999... and back
    doc = {"kind": "x", "a": 0.1 * 0.05, "b": [10.8 - 1e-15], "c": {"d": 1 / 3}, "n": 7, "t": True}
    text = dumps(doc)
    assert '"a": 0.005' in text and "0.005000000000000001" not in text
    assert json.loads(text)["b"] == [10.8]
    assert json.loads(text)["c"]["d"] == 0.333333333333333  # 15 significant digits, not fewer
    assert '"n": 7' in text and '"t": true' in text


def test_plan_json_has_no_binary_noise(cli):
    # pcdc-abdomen: 267 points × 0.3 mL = 80.1 mL (0.3 × 267 = 80.10000000000001 in binary)
    run = cli("plan", "pcdc-abdomen", "--weight", "70 kg", "--json")
    assert run.json["total_volume"] == {"value": 80.1, "unit": "mL"}
    assert "0000000000" not in run.stdout and "9999999999" not in run.stdout


def test_particle_counts_have_3_significant_figures():
    # a vendor-declared nanoparticle-tracking count is not known to 9 digits
    assert u.format_quantity(u.parse_quantity("123456789 particles", u.ANY_KIND)) == "123,000,000 particles"
    assert u.format_quantity(u.parse_quantity("950 particles", u.ANY_KIND)) == "950 particles"


def test_a_share_used_above_999_percent_is_grouped_as_the_doses_beside_it(cli):
    # 4,000 points × 0.2 mL × 4 mg/mL lidocaine = 3,200 mg against the 300 mg label cap: 1067 %. A share, like a
    # dose, gets a thousands comma only where it cannot be read as a decimal comma (SPEC §2): 3,200 but 1067
    out = cli("plan", "submental-dca-lidocaine", "--points", "4000").stdout
    assert "3,200 mg" in out and "1067 %" in out and "1,067" not in out


def test_compound_batch_line_and_beyond_use_times_without_noise(cli):
    out = cli("compound", "submental-dca", "--volume", "5 mL", "--category", "1", "--storage", "fridge",
              "--prepared", "2026-03-01T09:00:30+00:00").stdout
    assert "5 mL = 5 mL" not in out and "Batch     5 mL to prepare" in out
    # USP <797> category 1, refrigerated: 24 h; shown to the minute, without seconds or UTC offset
    assert "Beyond use 2026-03-02 09:00 " in out and "09:00:30" not in out and "+00:00" not in out


def test_a_missing_beyond_use_date_is_a_warning_not_a_note(cli):
    run = cli("compound", "submental-dca", "--volume", "5 mL", "--json")
    warning = next(w for w in run.json["warnings"] if w["code"] == "beyond-use")
    assert warning["severity"] == "soft" and "Beyond use ______" in warning["message"]


def test_the_cumulative_dose_adds_up_to_the_eye(cli):
    # 7 points × 0.25 mL × 10 mg/mL = 17.5 mg a session; after 7 sessions 122.5 mg, not "123 mg"
    out = cli("schedule", "submental-dca", "--start", "2027-01-31", "--points", "7", "--volume-per-point",
              "0.25 mL", "--phase", "t:7 every 1 month").stdout
    assert "52.5 mg" in out and "122.5 mg" in out


def test_a_count_of_injections_reads_as_injections_in_the_visit_and_the_explain(cli, write):
    # KYBELLA label: "up to 50 injections per treatment"; 5 cm x 5 cm at a 1 cm grid is 25 injections.
    # A count has no unit, and "50 1 / 1 1 per point" or "50 1" in a caps table is noise a reader must decode.
    visit = write("v.yaml", "kind: visit\nitems:\n  - {cocktail: submental-dca, area: \"5 cm x 5 cm\"}\n")
    out = cli("visit", str(visit)).stdout
    assert "50 injections" in out and "25 injections" in out and " 50 1 " not in out
    explain = cli("plan", "submental-dca", "--area", "5 cm x 5 cm", "--explain").stdout
    # capacity: one injection per point, so 50 injections allow 50 points (as do 100 mg / 2 mg per point)
    assert "50 injections, one per point = 50" in explain and "50 1" not in explain


def test_the_beyond_use_line_wraps_under_its_date(cli, monkeypatch):
    # USP <797> category 1, refrigerated: 24 h after 2026-03-01 09:00. At 60 columns the rule wraps; the
    # continuation starts under the date (column 11, after "Beyond use "), as the other labelled lines do.
    monkeypatch.setenv("COLUMNS", "60")
    lines = cli("compound", "submental-dca", "--volume", "5 mL", "--category", "1", "--storage", "fridge",
                "--prepared", "2026-03-01T09:00").stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Beyond use 2026-03-02 09:00"))
    assert lines[first + 1].startswith(" " * 11) and not lines[first + 1].startswith(" " * 12)
