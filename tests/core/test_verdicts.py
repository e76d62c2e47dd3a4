"""No silent OK (issue 10): conditional caps with thresholds, caps never switched off silently, DCA in PC/DC.

Facts: lidocaine label maxima 4.5 mg/kg and 300 mg without epinephrine, 7 mg/kg and 500 mg with it, and the
weakest marketed with-epinephrine strength is 1:200,000 = 5 mcg/mL (REFERENCE §3.1, §10.5: no label defines a
weaker one, so below it the plain caps apply); KYBELLA: up to 50 injections and 10 mL (100 mg) per treatment
(PI §2.1, REFERENCE §1.1), maximum recommended human dose 100 mg per treatment (PI §8.1); PC/DC compositions
PC 25 mg/mL + DC 21 mg/mL (Mahmud & Crutchfield 2012, REFERENCE §2); epinephrine 0.2 mg per appointment and
3 mcg/kg (dental norms, REFERENCE §3.3, §10.5).
"""

from __future__ import annotations

from typing import Any

import pytest


def component(doc: dict[str, Any], agent: str) -> dict[str, Any]:
    return next(c for c in doc["components"] if c["agent"] == agent)


def codes(doc: dict[str, Any]) -> list[str]:
    return [w["code"] for w in doc["warnings"]]


def lidocaine_with_epinephrine(write: Any, epinephrine: str) -> str:
    return str(write("lido.yaml", f"""\
kind: cocktail
id: lido-epi-test
name: Lidocaine 1 % with epinephrine {epinephrine}
technique: {{grid: square, spacing: 1 cm, volume_per_point: 1 mL}}
components:
  - {{agent: lidocaine, concentration: 1 %}}
  - {{agent: epinephrine, concentration: "{epinephrine}"}}
"""))


def test_a_trace_of_epinephrine_leaves_the_plain_lidocaine_caps(cli: Any, write: Any) -> None:
    # 40 points × 1 mL × 10 mg/mL = 400 mg; for 70 kg 400 / 70 = 5.71 mg/kg: over 4.5 mg/kg and over 300 mg
    cocktail = lidocaine_with_epinephrine(write, "1:100,000,000")
    run = cli("plan", cocktail, "--points", "40", "--weight", "70 kg", "--json")
    assert run.exit_code == 1
    checks = component(run.json, "lidocaine")["checks"]
    over = {(c["max"]["value"], c["max"]["unit"]) for c in checks if c["status"] == "over"}
    assert over == {(4.5, "mg/kg"), (300.0, "mg")}
    set_aside = [c for c in checks if c["status"] == "not-applicable"]
    assert {(c["max"]["value"], c["max"]["unit"]) for c in set_aside} == {(7.0, "mg/kg"), (500.0, "mg")}
    assert all("5 mcg/mL or more" in c["reason"] and "0.01 mcg/mL" in c["reason"] for c in set_aside)


@pytest.mark.parametrize(("epinephrine", "within"), [
    ("1:200,000", True),    # exactly the weakest labelled strength: with-epinephrine caps, 400 mg ≤ 490 mg
    ("1:100,000", True),
    ("1:400,000", False),   # a 1:200,000 vial diluted 1:1 in a cocktail: plain caps, 400 mg > 300 mg
])
def test_the_with_epinephrine_caps_need_at_least_1_to_200000(cli: Any, write: Any, epinephrine: str,
                                                            within: bool) -> None:
    cocktail = lidocaine_with_epinephrine(write, epinephrine)
    run = cli("plan", cocktail, "--points", "40", "--weight", "70 kg", "--json")
    lidocaine = component(run.json, "lidocaine")["checks"]
    assert all(c["status"] == "ok" for c in lidocaine if c["status"] != "not-applicable") is within


def test_kybella_strength_dca_with_a_trace_of_pc_is_held_to_the_label(cli: Any, write: Any) -> None:
    # 200 cm² at 1 cm, 0.2 mL per point: 200 points × 2 mg = 400 mg, four times the 100 mg label maximum,
    # and 200 injections over the label's 50
    cocktail = str(write("trace.yaml", """\
kind: cocktail
id: dca-trace-pc
name: KYBELLA strength with a trace of PC
technique: {grid: square, spacing: 1 cm, volume_per_point: 0.2 mL}
components:
  - {agent: deoxycholic-acid, concentration: 10 mg/mL}
  - {agent: phosphatidylcholine, concentration: 0.01 mg/mL}
"""))
    run = cli("plan", cocktail, "--area", "200 cm^2", "--json")
    assert run.exit_code == 1
    over = [c for c in component(run.json, "deoxycholic-acid")["checks"] if c["status"] == "over"]
    assert {(c["max"]["value"], c["max"]["unit"]) for c in over} >= {(100.0, "mg"), (50.0, "injections")}
    assert run.json["capacity"]["max_points"] == 50


def test_pcdc_at_its_default_keeps_the_kybella_maximum_in_view(cli: Any) -> None:
    # pcdc-abdomen: 600 cm² at 1.5 cm → ceil(600 / 2.25) = 267 points × 0.3 mL = 80.1 mL × 21 mg/mL = 1,682.1 mg
    run = cli("plan", "pcdc-abdomen", "--json")
    dca = component(run.json, "deoxycholic-acid")
    assert dca["dose"]["value"] == pytest.approx(1682.1)
    assert "limits_note" not in dca and "no established dose limits" not in run.stdout
    mrhd = [c for c in dca["checks"] if c["status"] != "not-applicable"]
    assert [(c["max"]["value"], c["severity"], c["status"]) for c in mrhd] == [(100.0, "soft", "over")]
    assert all("this cocktail has 25 mg/mL" in c["reason"] for c in dca["checks"] if c["status"] == "not-applicable")
    human = cli("plan", "pcdc-abdomen")
    assert "not-applicable" in human.stdout and "no established dose limits" not in human.stdout


def test_an_agent_whose_caps_all_fail_their_condition_gets_caps_not_applied(cli: Any, write: Any) -> None:
    lib = str(write("lib/a.yaml", """\
kind: source
id: s
title: S
confidence: low
---
kind: agent
id: agent-a
name: Agent A
limits:
  - {scope: session, max: 10 mg, source: s, when: {with: {agent: agent-b, min: 1 mg/mL}}}
---
kind: agent
id: agent-b
name: Agent B
---
kind: cocktail
id: a-with-trace-b
name: A with a trace of B
technique: {grid: square, spacing: 1 cm, volume_per_point: 1 mL}
components:
  - {agent: agent-a, concentration: 5 mg/mL}
  - {agent: agent-b, concentration: 0.1 mg/mL}
""").parent)
    run = cli("plan", "a-with-trace-b", "-L", lib, "--points", "10", "--json")
    warning = [w for w in run.json["warnings"] if w["code"] == "caps-not-applied"]
    assert warning and warning[0]["agent"] == "agent-a" and warning[0]["severity"] == "soft"
    assert component(run.json, "agent-a")["checks"][0]["status"] == "not-applicable"
    assert "limits_note" not in component(run.json, "agent-a")
    assert component(run.json, "agent-b")["limits_note"] == "no established dose limits"


def test_epinephrine_has_its_own_limits(library: Any) -> None:
    caps = {(lim.max.value, lim.basis, lim.severity) for lim in library.agents["epinephrine"].limits}
    # 0.2 mg per appointment (dentalcare ce547) and 3 mcg/kg = 0.003 mg/kg (Lexicomp), both dental norms: soft
    assert caps == {(0.2, "amount", "soft"), (0.003, "per-kg", "soft")}


def test_derived_limits_are_marked_and_shown_as_derived(cli: Any) -> None:
    # 2 mg per point = 0.2 mL × 10 mg/mL and 100 mg = 10 mL × 10 mg/mL are arithmetic on the label
    run = cli("plan", "submental-dca", "--json")
    derived = {(c["scope"], c["max"]["value"]) for c in component(run.json, "deoxycholic-acid")["checks"]
               if c.get("derived")}
    assert derived == {("point", 2.0), ("session", 100.0)}
    assert "derived from kybella-pi" in cli("plan", "submental-dca").stdout


# ---- published sessions and technique ranges (issue 10 items 4, 5) ---------------------------------------


@pytest.mark.parametrize(("cocktail", "volume", "agent", "dose"), [
    # Saceda-Corralo 2017: 1 mL of dutasteride 0.01 % (0.1 mg/mL) = 0.1 mg per session (REFERENCE §4.2)
    ("mesohair-dutasteride", 1.0, "dutasteride", 0.1),
    # NCT01655108: 2 mL of minoxidil 0.5 % (5 mg/mL) = 10 mg per session (REFERENCE §4.2)
    ("mesohair-minoxidil", 2.0, "minoxidil", 10.0),
])
def test_a_regimen_cocktails_default_plan_is_its_published_session(cli: Any, cocktail: str, volume: float,
                                                                   agent: str, dose: float) -> None:
    run = cli("plan", cocktail, "--json")
    assert run.json["total_volume"]["value"] == pytest.approx(volume)
    assert run.json["points_from"] == "reference"
    assert component(run.json, agent)["dose"]["value"] == pytest.approx(dose)
    assert run.json["reference"]["share"] == pytest.approx(1.0)
    assert "above-reference" not in codes(run.json)
    assert "this session is 100 % of it" in cli("plan", cocktail).stdout


def test_a_plan_above_the_published_session_says_by_how_much(cli: Any) -> None:
    # the whole 500 cm² scalp at 1 cm and 0.05 mL: 500 points = 25 mL, 25 times the 1 mL session (2,500 %)
    run = cli("plan", "mesohair-dutasteride", "--scalp", "whole", "--json")
    assert run.json["reference"]["share"] == pytest.approx(25.0)
    above = [w for w in run.json["warnings"] if w["code"] == "above-reference"]
    assert above and above[0]["severity"] == "soft" and "2,500 %" in above[0]["message"]
    assert run.exit_code == 0 and cli("plan", "mesohair-dutasteride", "--scalp", "whole", "--strict").exit_code == 1


def test_5_ml_typed_for_0_05_ml_is_caught_on_the_minoxidil_cocktail(cli: Any) -> None:
    # 40 points × 5 mL × 5 mg/mL = 1,000 mg, 100 times the published 10 mg; minoxidil has no caps, so the
    # technique range (scalp 0.02-0.2 mL per point, an assumption in regions.yaml) and the reference catch it
    run = cli("plan", "mesohair-minoxidil", "--volume-per-point", "5 mL", "--json")
    unusual = [w for w in run.json["warnings"] if w["code"] == "technique-unusual"]
    assert unusual and "5 mL" in unusual[0]["message"] and unusual[0]["severity"] == "soft"
    assert "above-reference" in codes(run.json)
    assert cli("plan", "mesohair-minoxidil", "--volume-per-point", "5 mL", "--strict").exit_code == 1
    # the usual technique raises nothing
    assert "technique-unusual" not in codes(cli("plan", "mesohair-minoxidil", "--json").json)


def test_the_kybella_label_technique_is_the_usual_range_of_submental_dca(cli: Any) -> None:
    # label: 0.2 mL per injection, 1 cm apart (PI §2.1); 2 cm spacing is outside it
    run = cli("plan", "submental-dca", "--spacing", "2 cm", "--json")
    unusual = [w for w in run.json["warnings"] if w["code"] == "technique-unusual"]
    assert unusual and unusual[0]["source"] == "kybella-pi" and "spacing" in unusual[0]["message"]


def test_the_table_says_why_a_cap_is_not_applicable(cli: Any, write: Any) -> None:
    cocktail = lidocaine_with_epinephrine(write, "1:100,000,000")
    out = cli("plan", cocktail, "--points", "10", "--weight", "70 kg").stdout
    flat = " ".join(out.split())  # the notes under the caps table wrap at the width
    # the 7 mg/kg and 500 mg with-epinephrine caps, each listed as a row with the short status word
    rows = [line.split() for line in out.splitlines() if "n/a" in line.split()]  # session [2] 7 mg/kg — — n/a
    assert [row[2:4] for row in rows] == [["7", "mg/kg"], ["500", "mg"]]
    assert "n/a: not-applicable here" in flat
    assert ("applies with epinephrine at 5 mcg/mL or more; this cocktail has 0.01 mcg/mL epinephrine") in flat


def test_a_course_cap_set_aside_in_pcdc_is_listed_with_its_reason(cli: Any) -> None:
    # the derived 600 mg KYBELLA course total (6 × 100 mg) is set aside in PC/DC (PC 25 mg/mL): said, not dropped
    run = cli("schedule", "pcdc-abdomen", "--start", "2026-01-01", "--points", "10", "--json")
    course = [c for c in run.json["checks"] if c["rule"] == "limit" and c["agent"] == "deoxycholic-acid"]
    assert [(c["status"], c["max"]["value"], c.get("derived")) for c in course] == [("not-applicable", 600.0, True)]
    human = cli("schedule", "pcdc-abdomen", "--start", "2026-01-01", "--points", "10").stdout
    assert "Not applicable: deoxycholic-acid course 600 mg: applies unless phosphatidylcholine is 25 mg/mL" in human


def test_an_areas_own_technique_range_comes_before_its_regions(cli: Any, write: Any) -> None:
    # a clinic measures a small face patch and writes its own usual range (an assumption); 0.2 mL per point
    # is within the face region's 0.01-0.2 mL but outside this area's 0.01-0.05 mL
    lib = str(write("lib/patch.yaml", """\
kind: area
id: tear-trough
name: Tear trough, one side
region: face
surface: 3 cm^2
basis: assumption
technique_range: {volume_per_point: [0.01 mL, 0.05 mL], basis: assumption}
""").parent)
    run = cli("plan", "submental-dca", "-L", lib, "--area", "tear-trough", "--spacing", "1 cm", "--json")
    # the cocktail's own range (the KYBELLA label technique) governs first: 0.2 mL at 1 cm is usual for it
    assert "technique-unusual" not in codes(run.json)
    cocktail = str(write("face.yaml", """\
kind: cocktail
id: face-test
name: Face test
area: tear-trough
technique: {grid: square, spacing: 1 cm, volume_per_point: 0.2 mL}
components:
  - {agent: hyaluronic-acid, concentration: 10 mg/mL}
"""))
    run = cli("plan", cocktail, "-L", lib, "--json")
    unusual = [w for w in run.json["warnings"] if w["code"] == "technique-unusual"]
    assert unusual and "area 'tear-trough'" in unusual[0]["message"]


def test_check_names_a_condition_the_vocabulary_lacks(cli: Any, write: Any) -> None:
    lib = str(write("lib/agent.yaml", """\
kind: agent
id: test-peptide
name: Test peptide
sources: [{id: s, title: S, confidence: low}]
contraindications:
  - {condition: keloid-history, source: s}
""").parent)
    run = cli("check", "-L", lib, "--strict")
    assert run.exit_code == 1 and "keloid-history" in run.stdout and "patient vocabulary" in run.stdout
    assert cli("check", "-L", lib).exit_code == 0  # a warning, like a missing source: fails only with --strict


def test_explain_shows_the_share_of_the_published_session(cli: Any) -> None:
    # whole scalp: 500 points × 0.05 mL = 25 mL against NCT01655108's 2 mL per session = 1250 % (no comma:
    # "1,250" could be read as 1.25, SPEC §2)
    run = cli("plan", "mesohair-minoxidil", "--scalp", "whole", "--explain", "--json")
    texts = [step["text"] for step in run.json["explain"]]
    assert "Published session (nct01655108): share = session volume / published volume = 25 mL / 2 mL = 1250 %" \
        in texts
