"""`mesocalc visit`: every item of one session planned, every agent totalled across the items, class limits.

Expected numbers come from the labels in REFERENCE.md, with the arithmetic written out:
- lidocaine (Xylocaine label, REFERENCE 3.1): without epinephrine min(4.5 mg/kg × weight, 300 mg), with
  epinephrine min(7 mg/kg × weight, 500 mg); 1 % = 10 mg/mL, 2 % = 20 mg/mL; 1:100,000 = 0.01 mg/mL epinephrine.
- HA filler with lidocaine 0.3 % (REFERENCE 10.4): 3 mg/mL. EMLA (10.3.2): 25 mg lidocaine + 25 mg prilocaine per g;
  EU adult maximum 60 g and 600 cm².
- procaine (10.1): 200 mg per 2 h on head and neck (German SmPC), 500 mg, min(7 mg/kg, 600 mg) (AAFP).
- additive rule (10.3.1): sum of (dose / binding session cap) at most 1; oracle at 70 kg on the scalp:
  lidocaine 1 % 10 mL = 100 mg / 300 mg = 1/3; procaine 2 % 5 mL = 100 mg / 200 mg = 1/2; sum 5/6.
"""

from __future__ import annotations

import json

import pytest

from mesocalc.core.visit import compute_visit
from mesocalc.request.visit import read_visit


def run_visit(library, text: str):
    return compute_visit(read_visit(text, "visit.yaml", library), library)


def total(result, agent: str):
    return next(t for t in result.totals if t.agent.id == agent)


def status_of(result, agent: str, cap_value: float, unit_dims_kg: bool = False) -> str:
    for check in total(result, agent).checks:
        if abs(check.limit.max.value - cap_value) < 1e-12 and (check.limit.basis == "per-kg") == unit_dims_kg:
            return check.status
    raise AssertionError(f"no {agent} cap of {cap_value}")


# ---- lidocaine from several sources, plain ------------------------------------------------------

FOUR_SOURCES = """
kind: visit
weight: {weight}
items:
  - {{cocktail: lidocaine-1-percent, volume: {ring} mL, note: ring block}}
  - {{cocktail: submental-dca-lidocaine, area: "25 cm^2"}}
  - {{product: ha-filler-lidocaine, volume: 2 mL}}
  - {{product: emla-cream, mass: 5 g, area: "40 cm^2"}}
"""


@pytest.mark.parametrize(("weight", "ring", "binding", "expected_status"), [
    # ring block 10 mL of 1 % = 100 mg; submental-dca-lidocaine: 25 points × 0.2 mL = 5 mL at 4 mg/mL = 20 mg;
    # filler 2 mL × 3 mg/mL = 6 mg: total 126 mg
    (60, 10, 270.0, "ok"),    # min(4.5 × 60, 300) = 270 mg
    (80, 10, 300.0, "ok"),    # min(4.5 × 80 = 360, 300) = 300 mg: the absolute cap binds
    # ring 20 mL = 200 mg: total 226 mg; at 50 kg min(225, 300) = 225 mg: each item alone is within it
    (50, 20, 225.0, "over"),
])
def test_lidocaine_from_four_sources_is_totalled_against_the_plain_caps(library, weight, ring, binding,
                                                                        expected_status):
    result = run_visit(library, FOUR_SOURCES.format(weight=f"{weight} kg", ring=ring))
    lido = total(result, "lidocaine")
    expected_total = ring * 10 + 20 + 6
    assert lido.total is not None and lido.total.value == pytest.approx(expected_total, rel=1e-12)
    assert lido.counted_items == (1, 2, 3)
    assert lido.binding_cap is not None and lido.binding_cap.value == pytest.approx(binding, rel=1e-12)
    # EMLA's 5 g × 25 mg/g = 125 mg is shown beside, not added
    assert lido.beside is not None and lido.beside.value == pytest.approx(125.0)
    assert lido.beside_items == (4,)
    over = [ch for ch in lido.checks if ch.status == "over"]
    assert ("over" if over else "ok") == expected_status
    assert result.exit_code == (1 if expected_status == "over" else 0)
    # the with-epinephrine caps are listed as not applicable, never dropped
    assert {ch.status for ch in lido.checks if ch.limit.when_with == "epinephrine"} == {"not-applicable"}


def test_every_item_within_its_caps_but_the_total_over_exits_1_and_names_the_total(cli, write):
    # 50 kg: ring block 200 mg (200/225 alone), cocktail 20 mg, filler 6 mg: 226 mg > 225 mg
    path = write("visit.yaml", FOUR_SOURCES.format(weight="50 kg", ring=20))
    run = cli("visit", str(path))
    assert run.exit_code == 1, run.stderr
    item_caps = run.stdout.split("Each item's caps")[1].split("Totals across the visit")[0]
    assert " over " not in item_caps
    assert "visit total of Lidocaine hydrochloride (items 1, 2, 3): session per-kg 4.52 mg/kg is over the hard " \
        "cap of 4.5 mg/kg" in run.stdout
    doc = cli("visit", str(path), "--json").json
    assert doc["ok"] is False and doc["exit_code"] == 1
    over = [w for w in doc["warnings"] if w["code"] == "limit-over"]
    assert over and over[0]["items"] == [1, 2, 3] and over[0]["agent"] == "lidocaine"


# ---- with epinephrine ---------------------------------------------------------------------------


def test_lidocaine_all_with_epinephrine_meets_the_with_epinephrine_caps_and_epinephrine_is_totalled(library):
    # 1 % + 1:100,000, 20 mL: lidocaine 200 mg, epinephrine 20 × 0.01 = 0.2 mg
    # 2 % + 1:200,000, 10 mL: lidocaine 200 mg, epinephrine 10 × 0.005 = 0.05 mg
    result = run_visit(library, """
kind: visit
weight: 60 kg
items:
  - {product: lidocaine-1-percent-epinephrine-1-100000, volume: 20 mL}
  - {product: lidocaine-2-percent-epinephrine-1-200000, volume: 10 mL}
""")
    lido = total(result, "lidocaine")
    assert lido.total is not None and lido.total.value == pytest.approx(400.0)
    assert lido.binding_cap is not None and lido.binding_cap.value == pytest.approx(420.0)  # min(7 × 60, 500)
    assert {ch.status for ch in lido.checks if ch.limit.when_without == "epinephrine"} == {"not-applicable"}
    epi = total(result, "epinephrine")
    assert epi.total is not None and epi.total.value == pytest.approx(0.25)
    # epinephrine's own session caps hold against the total: the 0.2 mg per appointment norm (soft)
    assert status_of(result, "epinephrine", 0.2) == "over"
    assert result.exit_code == 0  # a soft cap: a warning
    codes = [(w.warning.code, w.items) for w in result.warnings]
    assert ("limit-over", (1, 2)) in codes


@pytest.mark.parametrize(("weight", "binding", "status"), [(60, 270.0, "ok"), (50, 225.0, "over")])
def test_lidocaine_given_both_plain_and_with_epinephrine_meets_the_lower_plain_caps(library, weight, binding, status):
    # plain ring block 10 mL of 1 % = 100 mg; 1 % + 1:100,000, 15 mL = 150 mg: total 250 mg. Both sets of caps
    # apply to the total and the lower (plain) binds: no label says how to combine them.
    result = run_visit(library, f"""
kind: visit
weight: {weight} kg
items:
  - {{cocktail: lidocaine-1-percent, volume: 10 mL}}
  - {{product: lidocaine-1-percent-epinephrine-1-100000, volume: 15 mL}}
""")
    lido = total(result, "lidocaine")
    assert lido.total is not None and lido.total.value == pytest.approx(250.0)
    assert lido.binding_cap is not None and lido.binding_cap.value == pytest.approx(binding)
    assert "not-applicable" not in {ch.status for ch in lido.checks}
    assert ("over" in {ch.status for ch in lido.checks}) == (status == "over")


# ---- amide + ester, the additive class limit ----------------------------------------------------

SCALP = """
kind: visit
weight: 70 kg
items:
  - {{cocktail: lidocaine-1-percent, volume: 10 mL, site: scalp}}
  - {{cocktail: procaine-2-percent, volume: {procaine} mL, site: scalp}}
"""


def test_amide_plus_ester_shares_and_remainder_against_the_additive_limit(library):
    result = run_visit(library, SCALP.format(procaine=5))
    (cl,) = result.class_limits
    assert cl.limit.id == "local-anesthetic" and cl.limit.derived
    shares = {s.agent.id: s for s in cl.shares}
    # lidocaine 100 mg / min(4.5 × 70 = 315, 300) = 1/3; procaine 100 mg / 200 mg (head and neck) = 1/2
    assert shares["lidocaine"].share == pytest.approx(1 / 3, abs=1e-9)
    assert shares["procaine"].share == pytest.approx(1 / 2, abs=1e-9)
    assert cl.total == pytest.approx(5 / 6, abs=1e-9)
    assert cl.remaining == pytest.approx(1 / 6, abs=1e-9)
    assert cl.status == "ok" and result.exit_code == 0
    # what still fits: remaining 1/6 of each binding cap: lidocaine 300/6 = 50 mg, procaine 200/6 = 33.33 mg
    assert shares["lidocaine"].more is not None and shares["lidocaine"].more.value == pytest.approx(50.0, abs=1e-9)
    assert shares["procaine"].more is not None and shares["procaine"].more.value == pytest.approx(200 / 6, abs=1e-9)
    assert shares["procaine"].limit is not None and shares["procaine"].limit.source == "procaine-de-smpc"
    # and as volumes of the strengths given: 50 mg / 10 mg/mL = 5 mL of 1 %; 33.33 mg / 20 mg/mL = 1.667 mL of 2 %
    assert shares["lidocaine"].more_volume is not None and shares["lidocaine"].more_volume.value == pytest.approx(5.0)
    assert shares["procaine"].more_volume is not None
    assert shares["procaine"].more_volume.value == pytest.approx(200 / 6 / 20, abs=1e-9)


def test_more_procaine_breaks_the_additive_limit_and_the_head_and_neck_cap(library):
    # REFERENCE 10.3.1: 10 mL more of 2 % procaine (+200 mg): 1/3 + 300/200 = 1.8333
    result = run_visit(library, SCALP.format(procaine=15))
    (cl,) = result.class_limits
    assert cl.total == pytest.approx(1 / 3 + 1.5, abs=1e-9)
    assert cl.remaining == 0 and cl.status == "over"
    assert status_of(result, "procaine", 200.0) == "over"
    assert result.exit_code == 1
    assert any("class limit local-anesthetic" in w.warning.message for w in result.warnings)


def test_procaine_on_the_body_does_not_meet_the_head_and_neck_cap(library):
    # on the abdomen: min(500, 7 × 70 = 490, 600) = 490 mg binds; the 200 mg rule is listed as not applicable
    result = run_visit(library, """
kind: visit
weight: 70 kg
items:
  - {cocktail: procaine-2-percent, volume: 15 mL, site: abdomen}
""")
    procaine = total(result, "procaine")
    assert status_of(result, "procaine", 200.0) == "not-applicable"
    assert procaine.binding_cap is not None and procaine.binding_cap.value == pytest.approx(490.0)
    assert result.exit_code == 0


def test_procaine_with_no_known_site_meets_the_head_and_neck_cap_and_says_why(library):
    # a cap is never dropped for want of information: 15 mL of 2 % = 300 mg against 200 mg
    result = run_visit(library, "kind: visit\nweight: 70 kg\nitems:\n"
                                "  - {cocktail: procaine-2-percent, volume: 15 mL}\n")
    assert status_of(result, "procaine", 200.0) == "over"
    assert any(w.warning.code == "region-unknown" and w.items == (1,) for w in result.warnings)


@pytest.mark.parametrize(("weight", "binding", "applies"), [(60, 480.0, 8.0), (80, 600.0, 600.0)])
def test_prilocaine_caps_follow_the_label_weight_bands(library, weight, binding, applies):
    # Citanest: within 2 h, 8 mg/kg under 70 kg (60 kg: 480 mg), 600 mg at 70 kg or more
    result = run_visit(library, f"""
kind: visit
weight: {weight} kg
items:
  - {{cocktail: lidocaine-1-percent, volume: 1 mL}}
  - {{product: emla-cream, mass: 2 g, area: "20 cm^2"}}
""")
    prilocaine = next(t for t in result.totals if t.agent.id == "prilocaine")
    assert prilocaine.total is None and prilocaine.beside is not None  # EMLA's prilocaine: beside
    limits = {lim.max.value: lim for lim in prilocaine.agent.limits}
    assert limits[applies].applies(set(), None, result.request.weight)
    assert len([lim for lim in prilocaine.agent.limits if lim.applies(set(), None, result.request.weight)]) == 1


# ---- topical cream: beside, not inside ----------------------------------------------------------


def test_topical_cream_is_shown_beside_the_injected_total_with_its_own_label_limits(cli, write):
    path = write("visit.yaml", """
kind: visit
weight: 60 kg
items:
  - {cocktail: lidocaine-1-percent, volume: 5 mL}
  - {product: emla-cream, mass: 70 g, area: "700 cm^2"}
""")
    run = cli("visit", str(path), "--json")
    doc = run.json
    lido = next(t for t in doc["totals"] if t["agent"] == "lidocaine")
    assert lido["total"] == {"value": 50, "unit": "mg"}  # the 5 mL ring block only
    assert lido["beside"] == {"value": 1750, "unit": "mg"}  # 70 g × 25 mg/g, applied
    (cl,) = doc["class_limits"]
    assert [s["agent"] for s in cl["shares"]] == ["lidocaine"]
    assert cl["total"] == pytest.approx(50 / 270, abs=1e-9)
    assert {b["agent"] for b in cl["beside"]} == {"lidocaine", "prilocaine"}
    checks = {c["max"]["unit"]: c for c in doc["items"][1]["product_checks"]}
    assert checks["mg"]["status"] == "over" and checks["mg"]["fraction"] == pytest.approx(70 / 60)
    assert checks["cm^2"]["status"] == "over" and checks["cm^2"]["fraction"] == pytest.approx(700 / 600)
    assert run.exit_code == 1  # the EU label maxima (60 g, 600 cm²) are hard
    messages = [w["message"] for w in doc["warnings"]]
    assert any("item 2: EMLA" in m and "70 g is over the label maximum of 60 g" in m for m in messages)
    assert any(w["code"] == "topical-beside" and w["items"] == [2] for w in doc["warnings"])


def test_topical_cream_without_the_area_leaves_its_area_limit_unchecked(library):
    result = run_visit(library, """
kind: visit
items:
  - {product: lmx4-cream, mass: 10 g}
""")
    (item,) = result.items
    assert item.doses[0].amount.value == pytest.approx(400.0)  # 4 % w/w = 40 mg/g × 10 g
    assert [ch.status for ch in item.product_checks] == ["unchecked"]
    assert result.exit_code == 0


# ---- bad visits: exit 2, FILE:LINE: key.path ----------------------------------------------------


@pytest.mark.parametrize(("item", "message"), [
    ("{product: emla-crem, mass: 5 g}",
     "visit.yaml:5: items[1].product: unknown product 'emla-crem' (did you mean 'emla-cream'?)"),
    ('{cocktail: submental-dca, volume: 5 mL, area: "25 cm^2"}',
     "visit.yaml:5: items[1]: this item gives both a 'volume' and 'area'"),
    ("{product: emla-cream, volume: 5 mL}",
     "visit.yaml:5: items[1].volume: product 'emla-cream' is measured by mass (g), not by volume"),
    ("{product: ha-filler-lidocaine, mass: 1 g}",
     "visit.yaml:5: items[1].mass: product 'ha-filler-lidocaine' is measured by volume (mL), not by mass"),
    ("{cocktail: submental-dca, volum: 5 mL}", "visit.yaml:5: items[1].volum: unknown key 'volum' (did you mean "
     "'volume'?)"),
    ("{cocktail: submental-dca, area: 25 mL}", "visit.yaml:5: items[1].area:"),
    ("{cocktail: submental-dca, product: emla-cream}", "names exactly one 'cocktail' or one 'product'"),
    ("{cocktail: emla-cream, volume: 1 mL}", "'emla-cream' is a product, not a cocktail"),
])
def test_a_bad_visit_is_an_input_error_with_file_line_and_key(cli, write, item, message):
    path = write("visit.yaml", f"kind: visit\nweight: 60 kg\nitems:\n  - {{cocktail: lidocaine-1-percent, volume: "
                               f"1 mL}}\n  - {item}\n")
    run = cli("visit", str(path))
    assert run.exit_code == 2
    assert "Traceback" not in run.stderr
    assert message in run.stderr.replace(str(path), "visit.yaml"), run.stderr
    doc = cli("visit", str(path), "--json").json
    assert doc["kind"] == "error"


def test_a_visit_reads_from_stdin_as_json_too(cli):
    visit = {"kind": "visit", "weight": "60 kg", "items": [{"cocktail": "lidocaine-1-percent", "volume": "5 mL"}]}
    run = cli("visit", "-", "--json", input=json.dumps(visit))
    assert run.exit_code == 0, run.stderr
    assert run.json["totals"][0]["total"] == {"value": 50, "unit": "mg"}


def test_visit_batch_streams_one_document_per_line_and_an_error_object_for_a_bad_line(cli):
    good = {"weight": "60 kg", "items": [{"product": "ha-filler-lidocaine", "volume": "1 mL"}]}
    bad = {"weight": "60 kg", "items": [{"product": "nope", "volume": "1 mL"}]}
    run = cli("visit", "--batch", "-", "--json", input=json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [doc["kind"] for doc in lines] == ["visit", "error"]
    assert lines[1]["line"] == 2 and lines[1]["errors"][0]["key"] == "items[0].product"
    assert run.exit_code == 2


def test_explain_shows_the_totals_and_the_shares_step_by_step(cli, write):
    path = write("visit.yaml", SCALP.format(procaine=5))
    run = cli("visit", str(path), "--explain")
    assert "Lidocaine hydrochloride share = 100 mg / 300 mg = 0.333333" in run.stdout
    assert "Procaine hydrochloride share = 100 mg / 200 mg = 0.5" in run.stdout
    assert "Sum of shares = 0.333333 + 0.5 = 0.833333 against 1: within it; remaining share = 1 - 0.833333 = " \
        "0.166667" in run.stdout
    doc = cli("visit", str(path), "--explain", "--json").json
    assert any("Sum of shares" in step["text"] for step in doc["explain"])


def test_export_writes_the_report(cli, write, tmp_path):
    path = write("visit.yaml", SCALP.format(procaine=5))
    out = tmp_path / "visit.txt"
    run = cli("visit", str(path), "--export", str(out))
    assert run.exit_code == 0
    assert "Class limit local-anesthetic" in out.read_text(encoding="utf-8")


# ---- the library: products and class limits -----------------------------------------------------


def test_builtin_products_carry_their_components_in_mg_per_ml_or_mg_per_g(library):
    products = library.products
    emla = products["emla-cream"]
    assert emla.measure == "mass" and emla.session_total == "beside"
    assert [c.strength.value for c in emla.components] == [25.0, 25.0]  # 2.5 % w/w = 25 mg/g
    premix = products["lidocaine-2-percent-epinephrine-1-100000"]
    assert [(c.agent, c.strength.value) for c in premix.components] == [("lidocaine", 20.0), ("epinephrine", 0.01)]
    assert products["ha-filler-lidocaine"].components[0].strength.value == 3.0
    assert library.class_limits["local-anesthetic"].rule == "additive"


@pytest.mark.parametrize(("text", "message"), [
    ("kind: product\nid: gel\nname: Gel\nroute: injected\nmeasure: volume\n"
     "components: [{agent: lidocaine, concentration: '2 % w/w'}]\n",
     "is % w/w, but this product is measured by volume"),
    ("kind: product\nid: cream\nname: Cream\nroute: topical\nmeasure: mass\n"
     "components: [{agent: lidocaine, concentration: '4 % w/w'}]\n", "missing required key 'session_total'"),
    ("kind: product\nid: cream\nname: Cream\nroute: topical\nmeasure: mass\nsession_total: beside\n"
     "components: [{agent: lidocaine, concentration: '4 mg/mL'}]\n", "not a strength for a product measured by mass"),
    ("kind: class-limit\nid: x\nname: X\nclass: local-anaesthetic\nrule: additive\nsource: xylocaine-label\n",
     "unknown class 'local-anaesthetic'"),
])
def test_a_bad_product_or_class_limit_fails_check(cli, write, text, message):
    path = write("lib/bad.yaml", text)
    run = cli("check", str(path))
    assert run.exit_code == 1
    assert message in run.stdout, run.stdout


def test_a_product_with_a_density_turns_percent_w_w_into_mg_per_ml(cli, write):
    write("lib/gel.yaml", "kind: product\nid: gel\nname: Gel\nroute: injected\nmeasure: volume\ndensity: 1 g/mL\n"
          "components: [{agent: lidocaine, concentration: '0.3 % w/w'}]\n")
    visit = write("visit.yaml", "kind: visit\nitems:\n  - {product: gel, volume: 2 mL}\n")
    doc = cli("visit", str(visit), "--library", str(visit.parent / "lib"), "--json").json
    # 0.3 % w/w = 3 mg/g × 1 g/mL = 3 mg/mL; 2 mL = 6 mg
    assert doc["totals"][0]["total"]["value"] == pytest.approx(6.0)


def test_the_python_api_takes_a_file_or_a_mapping_and_returns_frozen_results(library, write):
    import dataclasses

    from mesocalc import visit

    write("patient.yaml", "kind: patient\nweight: 80 kg\nallergies: [ester-local-anesthetic]\n")
    path = write("visit.yaml", "kind: visit\npatient: patient.yaml\nitems:\n"
                               "  - {cocktail: procaine-2-percent, volume: 5 mL, site: scalp}\n")
    from_file = visit(path, library=library)  # the patient file is found next to the visit file
    assert from_file.request.weight is not None and from_file.request.weight.value == pytest.approx(80.0)
    # allergy to the ester class: procaine is a hard contraindication (exit 1)
    assert from_file.exit_code == 1
    assert any(w.warning.code == "contraindication" and w.items == (1,) for w in from_file.warnings)
    from_mapping = visit({"weight": "80 kg", "items": [{"cocktail": "procaine-2-percent", "volume": "5 mL"}]},
                         library=library)
    assert total(from_mapping, "procaine").total is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        from_mapping.exit_code = 0  # type: ignore[misc]


def test_a_product_is_one_amount_so_per_point_caps_are_not_held_against_all_of_it(cli, write):
    # a clinic's procaine 2 % vial as a product: 10 mL = 200 mg in one amount. Procaine's 10 mg per skin wheal
    # (German SmPC) cannot be checked on it (no points); held against the whole 200 mg it would be a false "over".
    write("lib/procaine-vial.yaml", "kind: product\nid: procaine-vial\nname: Procaine 2 % vial\nroute: injected\n"
          "measure: volume\ncomponents: [{agent: procaine, concentration: '2 %'}]\n")
    visit = write("visit.yaml", "kind: visit\nweight: 70 kg\nitems:\n  - {product: procaine-vial, volume: 10 mL, "
                  "site: abdomen}\n")
    doc = cli("visit", str(visit), "--library", str(visit.parent / "lib"), "--json").json
    checks = doc["items"][0]["plan"]["components"][0]["checks"]
    point = [ch for ch in checks if ch["scope"] == "point"]
    assert point and point[0]["status"] == "not-applicable" and "one amount" in point[0]["reason"]
    assert doc["exit_code"] == 0  # 200 mg within min(500, 7 × 70 = 490, 600) on the abdomen


def test_a_visit_from_the_cached_library_is_the_same_visit(cli, write):
    # the first run validates and stores the library (products and class limits included); the second reads it back
    path = write("visit.yaml", SCALP.format(procaine=5))
    first = cli("visit", str(path), "--json").stdout
    second = cli("visit", str(path), "--json").stdout
    assert first == second and json.loads(second)["class_limits"][0]["total"] == pytest.approx(5 / 6, abs=1e-9)


def test_kybella_injections_are_counted_across_the_visit(cli, write):
    # KYBELLA label: up to 50 injections per treatment. 5 cm x 6 cm and 5 cm x 5 cm at the label's 1 cm grid
    # are 30 + 25 = 55 injections (and 110 mg, 11 mL): each item is within the cap, the visit is not.
    path = write("visit.yaml", "kind: visit\nitems:\n  - {cocktail: submental-dca, area: \"5 cm x 6 cm\"}\n"
                 "  - {cocktail: submental-dca, area: \"5 cm x 5 cm\"}\n")
    doc = cli("visit", str(path), "--json").json
    total = next(t for t in doc["totals"] if t["agent"] == "deoxycholic-acid")
    count = next(ch for ch in total["checks"] if ch["max"]["unit"] == "injections")
    assert count["actual"] == {"value": 55, "unit": "injections"} and count["status"] == "over"
    assert doc["exit_code"] == 1


def test_the_visit_caps_are_tables_at_80_columns_with_conditions_as_notes(cli, write, monkeypatch):
    # a practitioner reads the caps at a glance: one row per cap (not one block of 7 lines per cap), the
    # label's condition ("unless epinephrine is 5 mcg/mL or more") a numbered note under the table
    monkeypatch.setenv("COLUMNS", "80")
    path = write("visit.yaml", "kind: visit\nweight: 60 kg\nitems:\n"
                 "  - {cocktail: lidocaine-1-percent, volume: 5 mL, site: submental}\n"
                 "  - {cocktail: submental-dca, area: \"5 cm x 5 cm\"}\n")
    lines = cli("visit", str(path)).stdout.splitlines()
    for title in ("Each item's caps", "Caps on the totals"):
        table = lines[lines.index(title):lines.index("", lines.index(title))]
        assert table[1].split() == ["Scope", "Cap", "Actual" if "item" in title else "Total", "Used", "Status",
                                    "Source"]
        assert any(line.startswith("session") and "300 mg" in line and "50 mg" in line for line in table)
        assert any(line.startswith("[1] applies unless epinephrine is 5 mcg/mL or more") for line in table)
        assert all(len(line) <= 80 for line in table)


def test_the_built_in_ring_block_at_its_nominal_technique_is_not_unusual_but_a_slip_still_is(cli, write):
    # lidocaine-1-percent is sized by volume at a nominal 0.5 mL per point (a ring block is not a grid of
    # micro-injections): no "check the unit" warning at its own default on the scalp or face; 5 mL per
    # point (a factor-10 slip) is still outside its range (0.1-1 mL, an assumption in the YAML)
    for site in ("scalp", "submental"):
        path = write("visit.yaml", f"kind: visit\nitems:\n  - {{cocktail: lidocaine-1-percent, volume: 10 mL, "
                     f"site: {site}}}\n")
        doc = cli("visit", str(path), "--json").json
        assert not [w for w in doc["warnings"] if w["code"] == "technique-unusual"], site
    slip = cli("plan", "lidocaine-1-percent", "--points", "10", "--volume-per-point", "5 mL", "--json").json
    assert [w for w in slip["warnings"] if w["code"] == "technique-unusual"]


def test_when_the_shares_are_over_1_nothing_more_fits_in_words_not_zero_arithmetic(cli, write):
    # lidocaine 100 mg / 300 mg + procaine 300 mg / 200 mg (head and neck) = 1.83 > 1 (REFERENCE 10.3.1):
    # "none" fits, not "0 mg (0 mL of 10 mg/mL)" or "0 × 300 mg = 0 mg = 0 mg / 10 mg/mL = 0 mL"
    path = write("visit.yaml", "kind: visit\nweight: 70 kg\nitems:\n"
                 "  - {cocktail: lidocaine-1-percent, volume: 10 mL, site: scalp}\n"
                 "  - {cocktail: procaine-2-percent, volume: 15 mL, site: scalp}\n")
    run = cli("visit", str(path), "--explain")
    assert run.exit_code == 1
    assert "More Procaine hydrochloride that still fits: none, the shares already reach 1" in run.stdout
    assert "0 mg (0 mL" not in run.stdout and "= 0 mL" not in run.stdout


@pytest.mark.parametrize(("text", "measure", "density", "expected"), [
    ("2.5 % w/w", "mass", None, 25.0),   # 2.5 g per 100 g = 25 mg per g of cream (EMLA, REFERENCE §10.3.2)
    ("2,5 % w/w", "mass", None, 25.0),   # a decimal comma, read by the notation rules (SPEC §2)
    ("2 % w/w", "volume", "1.1 g/mL", 22.0),  # 2 % of 1.1 g (1,100 mg) per mL = 22 mg/mL
])
def test_percent_w_w_is_an_amount_per_gram_through_the_unit_definitions(text, measure, density, expected):
    from mesocalc import units as u
    from mesocalc.errors import Location
    from mesocalc.library.products import parse_strength

    given = u.parse_quantity(density, u.CONCENTRATION, Location()) if density else None
    assert parse_strength(text, measure, given, Location()).value == pytest.approx(expected, rel=1e-12)
