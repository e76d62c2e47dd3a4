"""--explain: every number's derivation, in words (numbered steps) and in JSON (`explain`)."""

from __future__ import annotations

import re
from typing import Any


def _texts(doc: dict[str, Any]) -> list[str]:
    return [step["text"] for step in doc["explain"]]


def test_label_case_explained_in_order_area_points_volume_concentration_dose_caps_capacity(cli):
    # KYBELLA label: 1 cm grid, 0.2 mL of 10 mg/mL per point; 5 cm × 5 cm = 25 cm² -> 25 points, 5 mL, 50 mg
    run = cli("plan", "submental-dca", "--area", "5 cm x 5 cm", "--explain", "--json")
    assert run.exit_code == 0, run.stderr
    steps = run.json["explain"]
    texts = _texts(run.json)
    order = ["Area", "Points", "Session volume", "final concentration", "session dose", "cap", "Capacity"]
    positions = [next(i for i, t in enumerate(texts) if word in t) for word in order]
    assert positions == sorted(positions), texts
    assert "5 cm × 5 cm = 25 cm²" in texts[0]
    points = next(s for s in steps if s["text"].startswith("Points"))
    assert "ceil(area / spacing²) = ceil(25 cm² / (1 cm)²) = ceil(25) = 25" in points["text"]
    assert points["counts"] == {"points": 25}
    assert points["quantities"]["spacing"] == {"value": 1.0, "unit": "cm"}
    volume = next(s for s in steps if s["text"].startswith("Session volume"))
    assert "25 × 0.2 mL = 5 mL" in volume["text"]  # 25 points × 0.2 mL
    assert volume["quantities"]["session_volume"] == {"value": 5.0, "unit": "mL"}
    dose = next(s for s in steps if "session dose" in s["text"])
    assert "10 mg/mL × 5 mL = 50 mg" in dose["text"]
    assert dose["quantities"]["dose"] == {"value": 50.0, "unit": "mg"}
    capacity = steps[-1]
    # 100 mg session cap / 2 mg per point = 50; the 10 mL cap / 0.2 mL = 50; the label's 50 injections
    assert "floor(100 mg / 2 mg per point) = 50" in capacity["text"]
    assert capacity["counts"] == {"max_points": 50}


def test_every_quantity_in_the_explanation_is_value_and_unit(cli):
    run = cli("plan", "submental-dca-lidocaine", "--weight", "60 kg", "--explain", "--json")
    for step in run.json["explain"]:
        assert isinstance(step["text"], str) and step["text"]
        for quantity in step["quantities"].values():
            assert set(quantity) == {"value", "unit"}


def test_vial_mix_shows_stock_times_volume_over_total(cli):
    # 0.5 mL lidocaine 2 % (20 mg/mL) + 2 mL KYBELLA 10 mg/mL: 20 × 0.5 / 2.5 = 4 mg/mL; 10 × 2 / 2.5 = 8 mg/mL
    run = cli("plan", "submental-dca-lidocaine", "--weight", "60 kg", "--explain", "--json")
    texts = _texts(run.json)
    assert any("20 mg/mL × 0.5 mL / 2.5 mL = 4 mg/mL" in t for t in texts), texts
    assert any("10 mg/mL × 2 mL / 2.5 mL = 8 mg/mL" in t for t in texts), texts


def test_per_kg_cap_is_explained_with_the_weight(cli):
    # lidocaine without epinephrine: 4.5 mg/kg (Xylocaine label); for 60 kg that is 270 mg
    run = cli("plan", "submental-dca-lidocaine", "--weight", "60 kg", "--explain", "--json")
    step = next(s for s in run.json["explain"] if "4.5 mg/kg" in s["text"] and "cap" in s["text"])
    assert "4.5 mg/kg × 60 kg = 270 mg" in step["text"]
    assert step["quantities"]["max_for_patient"] == {"value": 270.0, "unit": "mg"}


def test_per_kg_cap_without_weight_says_why_it_was_not_checked(cli):
    run = cli("plan", "submental-dca-lidocaine", "--explain", "--json")
    assert any("not checked" in t and "weight" in t for t in _texts(run.json))


def test_hex_grid_rule_is_shown(cli):
    # hex: ceil(2 × 25 / (√3 × 1²)) = ceil(28.87) = 29
    run = cli("plan", "submental-dca", "--area", "25 cm^2", "--grid", "hex", "--explain", "--json")
    assert any("√3" in t and "= 29" in t for t in _texts(run.json))


def test_points_given_say_the_grid_rule_was_not_used(cli):
    run = cli("plan", "submental-dca", "--points", "10", "--explain", "--json")
    assert any("given with --points" in t for t in _texts(run.json))


def test_explain_field_only_with_the_flag(cli):
    assert "explain" not in cli("plan", "submental-dca", "--json").json


def test_human_output_numbers_the_steps_after_the_tables(cli):
    run = cli("plan", "submental-dca", "--area", "25 cm^2", "--explain")
    assert run.exit_code == 0
    out = run.stdout
    assert out.index("Dose caps") < out.index("How each number was found")
    assert " 1. Area" in out and " 3. Session volume = points × volume per point = 25 × 0.2 mL = 5 mL" in out


def test_agent_without_limits_is_said_so(cli):
    run = cli("plan", "mesohair-minoxidil", "--scalp", "whole", "--explain", "--json")
    texts = _texts(run.json)
    assert run.exit_code in (0, 1)
    assert any("no established dose limits" in t for t in texts) or all(c["checks"] for c in run.json["components"])


def test_caps_that_do_not_apply_in_this_cocktail_are_named(cli):
    # the KYBELLA caps are set aside in PC/DC (phosphatidylcholine 25 mg/mL or more, deoxycholic-acid.yaml);
    # each is still named, with the reason, and the 100 mg maximum recommended dose is compared instead
    run = cli("plan", "pcdc-abdomen", "--area", "10 cm x 8 cm", "--explain", "--json")
    texts = _texts(run.json)
    assert any(t.startswith("Deoxycholic acid point cap 2 mg") and "not applicable" in t
               and "phosphatidylcholine" in t and "this cocktail has 25 mg/mL" in t for t in texts)
    assert any(t.startswith("Deoxycholic acid session cap 100 mg (soft, with phosphatidylcholine") for t in texts)


def test_compound_explain_shows_each_draw_and_the_beyond_use_date(cli) -> None:  # type: ignore[no-untyped-def]
    # Recipe parts 0.5 mL lidocaine 2 % + 2 mL deoxycholic acid 10 mg/mL = 2.5 mL: a 2.5 mL batch is the
    # recipe itself; lidocaine 20 × 0.5 / 2.5 = 4 mg/mL; category 1 in the fridge: 24 h (USP <797>).
    run = cli("compound", "submental-dca-lidocaine", "--volume", "2.5 mL", "--category", "1", "--storage", "fridge",
              "--prepared", "2027-01-15T09:00", "--explain", "--json")
    steps = run.json["explain"]
    texts = [s["text"] for s in steps]
    assert any("20 mg/mL × 0.5 mL / 2.5 mL = 4 mg/mL" in t for t in texts)
    assert any("+ 24 h" in t and "2027-01-16" in t for t in texts)
    human = cli("compound", "submental-dca-lidocaine", "--volume", "2.5 mL", "--explain")
    assert "How each number was found" in human.stdout


def test_a_division_is_written_in_one_unit_converted_first(cli):
    # lidocaine 4 mg/mL × 0.2 mL = 800 mcg per point; 4.5 mg/kg × 60 kg = 270 mg allows floor(270 / 0.8) = 337
    # points: the 800 mcg is written as 0.8 mg before the division, never "270 mg / 800 mcg"
    out = cli("plan", "submental-dca-lidocaine", "--weight", "60 kg", "--points", "10", "--explain").stdout
    text = " ".join(out.split())
    assert "800 mcg = 0.8 mg; floor(270 mg / 0.8 mg per point) = 337" in text
    assert not re.search(r"\d (mg|mL) / [\d.,]+ mcg|\d mcg / [\d.,]+ mg", text)


def test_compound_converts_the_target_to_the_stock_unit_before_c1v1(cli, write):
    # epinephrine 1:200,000 = 5 mcg/mL from a 1:100,000 (10 mcg/mL) stock: both in mcg/mL already; from a
    # 1 mg/mL stock the target 5 mcg/mL is written 0.005 mg/mL first: V1 = 0.005 mg/mL × 10 mL / 1 mg/mL = 0.05 mL
    path = write("epi.yaml", "kind: cocktail\nid: epi\nname: Epinephrine 1:200,000\n"
                             "technique: {spacing: 1 cm, volume_per_point: 0.1 mL}\n"
                             "components:\n  - {agent: epinephrine, concentration: \"1:200000\"}\n")
    out = cli("compound", str(path), "--volume", "10 mL", "--stock", "epinephrine=1 mg/mL", "--explain").stdout
    text = " ".join(out.split())
    assert "5 mcg/mL = 0.005 mg/mL; V1 = C2 × V2 / C1 = 0.005 mg/mL × 10 mL / 1 mg/mL = 0.05 mL" in text
