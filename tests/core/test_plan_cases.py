"""`mesocalc plan`, case by case, with the expected numbers worked out from the label or by hand.

KYBELLA PI: 10 mg/mL, 0.2 mL per injection, 1 cm grid (so 2 mg/cm²), up to 50 injections and 10 mL
(= 100 mg) per treatment. Xylocaine label: lidocaine ≤ 4.5 mg/kg and ≤ 300 mg without epinephrine,
≤ 7 mg/kg and ≤ 500 mg with it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

TEST_LIBRARY = """
kind: source
id: test-label
title: A test label
confidence: high
---
kind: agent
id: lidocaine
name: Lidocaine
classes: [amide-local-anesthetic]
regulatory: {status: approved}
stocks:
  - {id: lido-1, concentration: 1 %, volume: 10 mL}
  - {id: lido-2, concentration: 2 %, volume: 5 mL}
limits:
  - {scope: session, max: 4.5 mg/kg, severity: hard, source: test-label, when: {without: epinephrine}}
  - {scope: session, max: 300 mg, severity: hard, source: test-label, when: {without: epinephrine}}
  - {scope: session, max: 7 mg/kg, severity: hard, source: test-label, when: {with: epinephrine}}
  - {scope: session, max: 500 mg, severity: hard, source: test-label, when: {with: epinephrine}}
---
kind: agent
id: epinephrine
name: Epinephrine
regulatory: {status: approved}
stocks: [{id: epi-100k, concentration: "1:100,000"}]
---
kind: agent
id: toy-enzyme
name: Toy enzyme
regulatory: {status: investigational, note: test agent}
limits:
  - {scope: point, max: 15 units, severity: hard, source: test-label}
  - {scope: session, max: "1,000 units", severity: hard, source: test-label}
---
kind: agent
id: toy-vitamin
name: Toy vitamin
---
kind: cocktail
id: lido-plain
name: Lidocaine 1 %
technique: {grid: square, spacing: 1 cm, volume_per_point: 1 mL}
components: [{agent: lidocaine, concentration: 10 mg/mL}]
---
kind: cocktail
id: lido-epi
name: Lidocaine 1 % with epinephrine 1:100,000
technique: {grid: square, spacing: 1 cm, volume_per_point: 1 mL}
components:
  - {agent: lidocaine, concentration: 10 mg/mL}
  - {agent: epinephrine, concentration: "1:100,000"}
---
kind: cocktail
id: vial-mix
name: Lidocaine 2 % 1 mL + enzyme 100 units/mL 2 mL + saline 1 mL
technique: {grid: square, spacing: 1 cm, volume_per_point: 0.1 mL}
components:
  - {agent: lidocaine, stock: lido-2, volume: 1 mL}
  - {agent: toy-enzyme, stock: 100 units/mL, volume: 2 mL}
diluent: {name: sodium chloride 0.9 %, volume: 1 mL}
---
kind: cocktail
id: vitamin-only
name: No caps
technique: {grid: hex, spacing: 2 cm, volume_per_point: 0.1 mL}
components: [{agent: toy-vitamin, concentration: 5 mg/mL}]
"""


@pytest.fixture
def lib(tmp_path: Path) -> str:
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "test.yaml").write_text(TEST_LIBRARY, encoding="utf-8")
    return str(folder)


def comp(doc: dict[str, Any], agent: str) -> dict[str, Any]:
    return next(c for c in doc["components"] if c["agent"] == agent)


def check(component: dict[str, Any], scope: str, unit: str, value: float) -> dict[str, Any]:
    return next(ch for ch in component["checks"] if ch["scope"] == scope and ch["max"]["unit"] == unit
                and math.isclose(ch["max"]["value"], value))


# ---- the deoxycholic acid label ------------------------------------------------------------------


def test_label_25_cm2(cli: Any) -> None:
    doc = cli("plan", "submental-dca", "--area", "25 cm^2", "--json").json
    dca = comp(doc, "deoxycholic-acid")
    assert doc["points"] == 25  # 25 cm² / 1 cm² per point
    assert doc["total_volume"]["value"] == pytest.approx(5.0)  # 25 × 0.2 mL
    assert dca["dose"] == {"value": 50.0, "unit": "mg"}  # 5 mL × 10 mg/mL
    assert dca["dose_per_point"]["value"] == pytest.approx(2.0)  # 0.2 mL × 10 mg/mL
    assert dca["dose_per_area"] == {"value": 2.0, "unit": "mg/cm^2"}  # the label's 2 mg/cm²
    session_cap = check(dca, "session", "mg", 100)
    assert session_cap["fraction"] == pytest.approx(0.5) and session_cap["status"] == "ok"
    assert session_cap["source"] == "kybella-pi"
    assert doc["capacity"]["max_points"] == 50  # 100 mg / 2 mg per point = 50 = the 50-injection cap
    assert doc["capacity"]["max_area"] == {"value": 50.0, "unit": "cm^2"}
    assert doc["ok"] is True


def test_label_60_cm2_fails_on_the_session_cap(cli: Any) -> None:
    run = cli("plan", "submental-dca", "--area", "60 cm^2", "--json")
    assert run.exit_code == 1
    doc = run.json
    dca = comp(doc, "deoxycholic-acid")
    assert dca["dose"]["value"] == pytest.approx(120.0)  # 60 × 2 mg > 100 mg
    assert check(dca, "session", "mg", 100)["status"] == "over"
    codes = {w["code"] for w in doc["warnings"]}
    assert {"limit-over", "technique-over"} <= codes  # 60 points > 50 injections
    assert doc["ok"] is False


def test_label_50_cm2_is_exactly_at_the_cap_and_within_it(cli: Any) -> None:
    run = cli("plan", "submental-dca", "--area", "50 cm^2", "--json")
    assert run.exit_code == 0
    assert check(comp(run.json, "deoxycholic-acid"), "session", "mg", 100)["fraction"] == pytest.approx(1.0)


def test_hex_grid_40_cm2_gives_47_points_and_is_over_2_mg_per_cm2(cli: Any) -> None:
    run = cli("plan", "submental-dca", "--area", "40 cm^2", "--grid", "hex", "--json")
    doc = run.json
    # hex: ceil(40 × 2 / √3) = ceil(46.19) = 47 points
    assert doc["points"] == 47
    dca = comp(doc, "deoxycholic-acid")
    assert dca["dose"]["value"] == pytest.approx(94.0)  # 47 × 2 mg
    per_area = check(dca, "session", "mg/cm^2", 2)
    assert per_area["actual"]["value"] == pytest.approx(94 / 40)  # 2.35 mg/cm² > 2
    assert per_area["status"] == "over" and per_area["severity"] == "soft"
    assert run.exit_code == 0  # soft cap: a warning only
    assert cli("plan", "submental-dca", "--area", "40 cm^2", "--grid", "hex", "--strict").exit_code == 1


def test_dimensions_and_summed_areas(cli: Any) -> None:
    doc = cli("plan", "submental-dca", "--area", "5 cm x 4 cm", "--area", "3 cm^2", "--json").json
    assert doc["area"]["value"] == pytest.approx(23.0)  # 5 × 4 + 3
    assert doc["points"] == 23


def test_points_override_the_grid(cli: Any) -> None:
    doc = cli("plan", "submental-dca", "--points", "10", "--json").json
    assert doc["points"] == 10 and doc["points_from"] == "option"
    assert comp(doc, "deoxycholic-acid")["dose"]["value"] == pytest.approx(20.0)  # 10 × 2 mg


def test_default_area_is_an_assumption(cli: Any) -> None:
    doc = cli("plan", "submental-dca", "--json").json
    assert doc["areas"][0]["id"] == "submental" and doc["areas"][0]["basis"] == "assumption"
    assert any(w["code"] == "assumption" for w in doc["warnings"])


def test_spacing_and_volume_overrides(cli: Any) -> None:
    doc = cli("plan", "submental-dca", "--area", "36 cm^2", "--spacing", "1.5 cm", "--volume-per-point",
              "100 µL", "--json").json
    assert doc["points"] == 16  # 36 / 2.25 = 16 exactly
    assert doc["total_volume"]["value"] == pytest.approx(1.6)


# ---- the scalp ----------------------------------------------------------------------------------


def test_whole_scalp_and_40_percent(cli: Any) -> None:
    whole = cli("plan", "mesohair-dutasteride", "--scalp", "whole", "--json").json
    assert whole["area"]["value"] == pytest.approx(500.0)  # Bernstein & Rassman 1997
    assert whole["points"] == 500  # 1 cm square grid
    share = cli("plan", "mesohair-dutasteride", "--scalp", "40%", "--json").json
    assert share["area"]["value"] == pytest.approx(200.0)  # 40 % of 500 cm²
    assert share["points"] == 200
    dut = comp(share, "dutasteride")
    # 0.01 % = 0.1 mg/mL; 200 points × 0.05 mL = 10 mL → 1 mg
    assert dut["dose"]["value"] == pytest.approx(1.0)
    assert dut["limits_note"] == "no established dose limits"
    assert any(w["code"] == "regulatory" for w in share["warnings"])


def test_scalp_region_and_stage_presets_are_assumptions(cli: Any) -> None:
    for preset in ("vertex", "scalp-frontal", "norwood-5"):
        doc = cli("plan", "mesohair-minoxidil", "--scalp", preset, "--json").json
        assert doc["areas"][0]["basis"] == "assumption", preset


# ---- lidocaine with and without epinephrine ---------------------------------------------------


def test_lidocaine_60_kg_cap_is_270_mg(cli: Any, lib: str) -> None:
    # min(4.5 mg/kg × 60 kg, 300 mg) = 270 mg = 27 mL of 1 %
    at = cli("plan", "lido-plain", "-L", lib, "--points", "27", "--weight", "60 kg", "--json")
    assert at.exit_code == 0
    per_kg = check(comp(at.json, "lidocaine"), "session", "mg/kg", 4.5)
    assert per_kg["actual"]["value"] == pytest.approx(4.5) and per_kg["status"] == "ok"
    assert at.json["capacity"]["max_points"] == 27
    assert at.json["capacity"]["limited_by"]["basis"] == "per-kg"
    over = cli("plan", "lido-plain", "-L", lib, "--points", "28", "--weight", "60 kg", "--json")
    assert over.exit_code == 1


def test_lidocaine_80_kg_absolute_cap_binds(cli: Any, lib: str) -> None:
    # min(4.5 × 80 = 360, 300) = 300 mg → 30 points of 1 mL of 1 %
    doc = cli("plan", "lido-plain", "-L", lib, "--points", "10", "--weight", "80 kg", "--json").json
    assert doc["capacity"]["max_points"] == 30
    assert doc["capacity"]["limited_by"]["max"] == {"value": 300.0, "unit": "mg"}


def test_lidocaine_with_epinephrine_80_kg_is_500_mg(cli: Any, lib: str) -> None:
    # with epinephrine: min(7 × 80 = 560, 500) = 500 mg → 50 points; the plain caps do not apply
    doc = cli("plan", "lido-epi", "-L", lib, "--points", "10", "--weight", "80 kg", "--json").json
    lido = comp(doc, "lidocaine")
    applied = {(c["max"]["value"], c["max"]["unit"]) for c in lido["checks"] if c["status"] != "not-applicable"}
    assert applied == {(7.0, "mg/kg"), (500.0, "mg")}
    set_aside = {(c["max"]["value"], c["max"]["unit"]) for c in lido["checks"] if c["status"] == "not-applicable"}
    assert set_aside == {(4.5, "mg/kg"), (300.0, "mg")}
    assert doc["capacity"]["max_points"] == 50
    epi = comp(doc, "epinephrine")
    assert epi["concentration"]["value"] == pytest.approx(0.01)  # 1:100,000
    assert epi["dose"]["value"] == pytest.approx(0.1)  # 10 mL × 0.01 mg/mL


def test_weight_in_pounds(cli: Any, lib: str) -> None:
    # 132.277 lb = 60 kg → the 270 mg cap again
    doc = cli("plan", "lido-plain", "-L", lib, "--points", "27", "--weight", "132.27735731 lb", "--json").json
    assert doc["weight"]["value"] == pytest.approx(60.0, rel=1e-8)
    assert check(comp(doc, "lidocaine"), "session", "mg/kg", 4.5)["status"] == "ok"


def test_per_kg_cap_without_weight_is_unchecked(cli: Any, lib: str) -> None:
    run = cli("plan", "lido-plain", "-L", lib, "--points", "10", "--json")
    assert run.exit_code == 0
    per_kg = check(comp(run.json, "lidocaine"), "session", "mg/kg", 4.5)
    assert per_kg["status"] == "unchecked" and per_kg["actual"] is None
    assert any(w["code"] == "limit-unchecked" for w in run.json["warnings"])
    assert cli("plan", "lido-plain", "-L", lib, "--points", "10", "--strict").exit_code == 1


# ---- vial mixtures and activity units ---------------------------------------------------------


def test_vial_mixture_final_concentrations(cli: Any, lib: str) -> None:
    doc = cli("plan", "vial-mix", "-L", lib, "--points", "10", "--json").json
    # total 1 + 2 + 1 = 4 mL; lidocaine 20 mg/mL × 1/4 = 5 mg/mL; enzyme 100 units/mL × 2/4 = 50 units/mL
    assert comp(doc, "lidocaine")["concentration"] == {"value": 5.0, "unit": "mg/mL"}
    enzyme = comp(doc, "toy-enzyme")
    assert enzyme["concentration"] == {"value": 50.0, "unit": "units/mL"}
    assert enzyme["dose_per_point"] == {"value": 5.0, "unit": "units"}  # 0.1 mL × 50 units/mL
    assert enzyme["dose"]["value"] == pytest.approx(50.0)  # 10 points
    # capacity: 1,000 units / 5 units per point = 200 points
    assert doc["capacity"]["max_points"] == 200
    assert doc["mix_volume"] == {"value": 4.0, "unit": "mL"}


def test_activity_point_cap(cli: Any, lib: str) -> None:
    run = cli("plan", "vial-mix", "-L", lib, "--points", "10", "--volume-per-point", "0.4 mL", "--json")
    # 0.4 mL × 50 units/mL = 20 units per point > 15 units
    assert run.exit_code == 1
    assert run.json["capacity"]["max_points"] == 0


def test_agent_without_caps_says_so(cli: Any, lib: str) -> None:
    run = cli("plan", "vitamin-only", "-L", lib, "--area", "100 cm^2")
    assert run.exit_code == 0
    assert "no established dose limits" in run.stdout
    doc = cli("plan", "vitamin-only", "-L", lib, "--area", "100 cm^2", "--json").json
    # hex at 2 cm: ceil(100 × 2 / (√3 × 4)) = ceil(28.87) = 29
    assert doc["points"] == 29
    assert doc["capacity"]["max_points"] is None


# ---- warnings about the context -----------------------------------------------------------------


def test_off_label_area_for_an_approved_agent(cli: Any) -> None:
    doc = cli("plan", "submental-dca", "--area", "abdomen", "--json").json
    assert any(w["code"] == "off-label" for w in doc["warnings"])


def test_investigational_agent_gets_a_regulatory_warning(cli: Any, lib: str) -> None:
    doc = cli("plan", "vial-mix", "-L", lib, "--points", "1", "--json").json
    assert any(w["code"] == "regulatory" and w["agent"] == "toy-enzyme" for w in doc["warnings"])


# ---- input errors: exit 2, one message, no traceback ------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["plan", "submental-dcx"], "did you mean 'submental-dca'"),
        (["plan", "submental-dca", "--area", "25 mL"], "is a volume; expected an area"),
        (["plan", "submental-dca", "--area", "-25 cm^2"], "greater than zero"),
        (["plan", "submental-dca", "--area", "25"], "has no unit"),
        (["plan", "submental-dca", "--area", "submentl"], "did you mean 'submental'"),
        (["plan", "submental-dca", "--weight", "70"], "has no unit"),
        (["plan", "submental-dca", "--weight", "70 mL"], "expected a body weight"),
        (["plan", "submental-dca", "--grid", "hexagon"], "square or hex"),
        (["plan", "submental-dca", "--scalp", "150%"], "at most 100 %"),
        (["plan", "submental-dca", "--spacing", "0 cm"], "greater than zero"),
        (["plan", "submental-dca", "--points", "0"], "whole number"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(cli: Any, args: list[str], fragment: str) -> None:
    run = cli(*args)
    assert run.exit_code == 2
    assert fragment in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    with_json = cli(*args, "--json")
    assert with_json.exit_code == 2
    assert with_json.json["kind"] == "error"


@pytest.mark.parametrize("text", ["20 cm^2", "20 cm**2", "5 cm x 4 cm", "5 x 4 cm", "5cm×4cm", "50 mm x 4 cm"])
def test_the_same_area_written_many_ways(cli: Any, text: str) -> None:
    doc = cli("plan", "submental-dca", "--area", text, "--json").json
    assert doc["area"]["value"] == pytest.approx(20.0) and doc["points"] == 20


def test_dimensions_without_any_unit_are_refused(cli: Any) -> None:
    run = cli("plan", "submental-dca", "--area", "5 x 4")
    assert run.exit_code == 2 and "has no unit" in run.stderr


def test_just_over_a_cap_shows_enough_digits_to_see_it(cli: Any, lib: str) -> None:
    # 27.0001 mL of 10 mg/mL = 270.001 mg at 60 kg = 4.500017 mg/kg, over 4.5 mg/kg by 0.0004 %
    run = cli("plan", "lido-plain", "-L", lib, "--points", "1", "--volume-per-point", "27.0001 mL",
              "--weight", "60 kg", "--json")
    assert run.exit_code == 1
    message = next(w["message"] for w in run.json["warnings"] if w["code"] == "limit-over")
    assert "4.50002 mg/kg is over the hard cap of 4.5 mg/kg" in message
