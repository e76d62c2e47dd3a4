"""Patient profiles (`--patient`, kind: patient), regulatory and off-label flags (SPEC §3, §5; issue 4).

Facts: finasteride/dutasteride labels (women who are or may become pregnant must not be exposed);
lidocaine label (4.5 mg/kg and 300 mg without epinephrine, REFERENCE §0); KYBELLA label (approved for
submental fat only; infection at the injection site is the contraindication; FDA exosome notice 2019).
"""

from __future__ import annotations

from typing import Any

import pytest


def codes(doc: dict[str, Any]) -> list[str]:
    return [w["code"] for w in doc["warnings"]]


def patient(write: Any, body: str, name: str = "patient.yaml") -> str:
    return str(write(name, "kind: patient\nid: test-patient\n" + body))


@pytest.mark.parametrize("condition", ["pregnant", "pregnancy-possible"])
def test_pregnancy_with_dutasteride_is_a_hard_contraindication(cli: Any, write: Any, condition: str) -> None:
    path = patient(write, f"weight: 62 kg\nsex: female\nconditions: [{condition}]\n")
    run = cli("plan", "mesohair-dutasteride", "--patient", path, "--json")
    assert run.exit_code == 1
    hit = [w for w in run.json["warnings"] if w["code"] == "contraindication"]
    assert len(hit) == 1 and hit[0]["severity"] == "hard" and hit[0]["agent"] == "dutasteride"
    assert hit[0]["source"] == "avodart-patient-info"
    # the course says the same, once
    course = cli("schedule", "mesohair-dutasteride", "--start", "2026-01-01", "--patient", path, "--json")
    assert course.exit_code == 1 and codes(course.json).count("contraindication") == 1


def test_finasteride_is_contraindicated_in_pregnancy_in_the_built_in_library(library: Any) -> None:
    rules = {r.condition: r.severity for r in library.agents["finasteride"].contraindications}
    assert rules == {"pregnant": "hard", "pregnancy-possible": "hard"}


def test_an_amide_local_anesthetic_allergy_rules_out_lidocaine(cli: Any, write: Any) -> None:
    path = patient(write, "weight: 70 kg\nallergies: [amide-local-anesthetic]\n")
    run = cli("plan", "submental-dca-lidocaine", "--patient", path, "--json")
    assert run.exit_code == 1
    hit = [w for w in run.json["warnings"] if w["code"] == "contraindication"]
    assert [w["agent"] for w in hit] == ["lidocaine"] and "amide-local-anesthetic" in hit[0]["message"]
    # without lidocaine in the syringe the same patient is fine
    assert cli("plan", "submental-dca", "--area", "25 cm^2", "--patient", path).exit_code == 0


def test_injection_site_infection_contraindicates_deoxycholic_acid_and_dysphagia_is_a_caution(
        cli: Any, write: Any) -> None:
    infected = patient(write, "conditions: [injection-site-infection]\n", "infected.yaml")
    run = cli("plan", "submental-dca", "--area", "25 cm^2", "--patient", infected, "--json")
    assert run.exit_code == 1 and "contraindication" in codes(run.json)
    dysphagia = patient(write, "conditions: [dysphagia]\n", "dysphagia.yaml")
    run = cli("plan", "submental-dca", "--area", "25 cm^2", "--patient", dysphagia, "--json")
    caution = [w for w in run.json["warnings"] if w["code"] == "caution"]
    assert run.exit_code == 0 and caution and caution[0]["severity"] == "soft"
    assert cli("plan", "submental-dca", "--area", "25 cm^2", "--patient", dysphagia, "--strict").exit_code == 1


LIBRARY = """\
kind: source
id: test-source
title: Test source
confidence: low
---
kind: agent
id: test-peptide
name: Test peptide
classes: [peptide]
contraindications:
  - {condition: keloid-history, severity: hard, source: test-source}
---
kind: cocktail
id: test-peptide-face
name: Test peptide cocktail
area: submental
technique: {grid: square, spacing: 1 cm, volume_per_point: 0.1 mL}
components:
  - {agent: test-peptide, concentration: 1 mg/mL}
protocol:
  - {phase: treatment, sessions: 2, every: 2 weeks}
"""


def test_a_library_defined_contraindication_applies(cli: Any, write: Any) -> None:
    lib = str(write("lib/peptide.yaml", LIBRARY).parent)
    path = patient(write, "conditions: [keloid-history]\n")
    for command in (["plan"], ["schedule", "--start", "2026-01-01"]):
        run = cli(*command, "test-peptide-face", "-L", lib, "--patient", path, "--points", "10", "--json")
        assert run.exit_code == 1, run.stdout
        assert any(w["code"] == "contraindication" and w["agent"] == "test-peptide" for w in run.json["warnings"])
    allergic = patient(write, "allergies: [peptide]\n", "allergic.yaml")
    run = cli("plan", "test-peptide-face", "-L", lib, "--patient", allergic, "--points", "10", "--json")
    assert run.exit_code == 1 and "contraindication" in codes(run.json)


LIDOCAINE = """\
kind: cocktail
id: lidocaine-only
name: Lidocaine 1 % alone
technique: {grid: square, spacing: 1 cm, volume_per_point: 0.2 mL}
components:
  - {agent: lidocaine, concentration: 1 %}
protocol:
  - {phase: treatment, sessions: 1, every: 1 month}
"""


@pytest.mark.parametrize(("weight", "max_points", "basis"), [
    ("60 kg", 135, "per-kg"),   # 4.5 mg/kg × 60 kg = 270 mg < 300 mg; 270 mg / 2 mg per point = 135 points
    ("80 kg", 150, "amount"),   # 4.5 mg/kg × 80 kg = 360 mg > 300 mg: the 300 mg cap binds; 300 / 2 = 150
    # 120 lb × 0.45359237 = 54.43 kg; × 4.5 mg/kg = 244.9 mg; / 2 mg per point = 122.5 -> 122 points
    ("120 lb", 122, "per-kg"),
])
def test_the_patients_weight_sets_the_lidocaine_cap(cli: Any, write: Any, weight: str, max_points: int,
                                                     basis: str) -> None:
    cocktail = str(write("lidocaine.yaml", LIDOCAINE))
    path = patient(write, f"weight: {weight}\n")
    # 1 % = 10 mg/mL; 0.2 mL per point = 2 mg per point
    run = cli("plan", cocktail, "--points", str(max_points), "--patient", path, "--json")
    assert run.exit_code == 0, run.stdout
    capacity = run.json["capacity"]
    assert capacity["max_points"] == max_points and capacity["limited_by"]["basis"] == basis
    over = cli("plan", cocktail, "--points", str(max_points + 1), "--patient", path, "--json")
    assert over.exit_code == 1 and "limit-over" in codes(over.json)


def test_weight_option_overrides_the_patients_weight(cli: Any, write: Any) -> None:
    cocktail = str(write("lidocaine.yaml", LIDOCAINE))
    path = patient(write, "weight: 60 kg\n")
    run = cli("plan", cocktail, "--points", "150", "--patient", path, "--weight", "80 kg", "--json")
    assert run.exit_code == 0 and run.json["weight"] == {"value": 80.0, "unit": "kg"}


def test_a_bad_patient_file_is_exit_2_with_file_and_key(cli: Any, write: Any) -> None:
    path = patient(write, "weigth: 60 kg\n")
    run = cli("plan", "submental-dca", "--patient", path)
    assert run.exit_code == 2 and "weigth" in run.stderr and "patient.yaml:" in run.stderr
    missing = cli("schedule", "submental-dca", "--start", "2026-01-01", "--patient", "nobody.yaml")
    assert missing.exit_code == 2 and "Traceback" not in missing.stderr


# ---- regulatory, off-label, assumption ---------------------------------------------------------

def test_deoxycholic_acid_outside_the_submental_area_is_off_label(cli: Any) -> None:
    run = cli("plan", "submental-dca", "--area", "abdomen", "--json")
    off = [w for w in run.json["warnings"] if w["code"] == "off-label"]
    assert off and off[0]["agent"] == "deoxycholic-acid" and "submental" in off[0]["message"]
    # a measured area counts as the cocktail's default site (submental): on label
    assert "off-label" not in codes(cli("plan", "submental-dca", "--area", "25 cm^2", "--json").json)


def test_pcdc_is_flagged_regulatory_and_off_label_in_plan_and_once_in_schedule(cli: Any) -> None:
    plan = cli("plan", "pcdc-abdomen", "--points", "10", "--json").json
    regulatory = [w for w in plan["warnings"] if w["code"] == "regulatory"]
    assert any(w["agent"] == "phosphatidylcholine" and "not approved" in w["message"].lower() for w in regulatory)
    assert "off-label" in codes(plan)  # deoxycholic acid (approved for submental) used on the abdomen
    course = cli("schedule", "pcdc-abdomen", "--start", "2026-01-01", "--points", "10", "--json").json
    assert codes(course).count("off-label") == 1


def test_an_assumed_area_preset_gives_an_assumption_note(cli: Any) -> None:
    doc = cli("plan", "mesohair-minoxidil", "--json").json
    assert any(w["code"] == "assumption" and "measure" in w["message"] for w in doc["warnings"])
    assert "assumption" not in codes(cli("plan", "mesohair-minoxidil", "--area", "40 cm^2", "--json").json)
