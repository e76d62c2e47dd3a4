"""`mesocalc compound`: recipes from stock vials (C1·V1 = C2·V2, REFERENCE §8.1), checks, beyond-use dates
(USP <797> 2023, REFERENCE §8.2) and the compounding worksheet."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import validate_output

LIDOCAINE_HALF_PERCENT = """
kind: cocktail
id: lidocaine-half-percent
name: Lidocaine 0.5 % for infiltration
technique: {spacing: 1 cm, volume_per_point: 0.1 mL}
components:
  - {agent: lidocaine, concentration: "0.5 %"}
"""


def compound(cli: Any, *args: str) -> Any:
    run = cli("compound", *args, "--json")
    assert run.exit_code in (0, 1), run.stderr
    validate_output(run.json)  # against schemas/compound.json (conftest: one validator per kind)
    return run.json


def by_agent(doc: Any, agent: str) -> Any:
    return next(i for i in doc["ingredients"] if i["agent"] == agent)


def test_2_percent_lidocaine_to_10_ml_of_half_percent(cli: Any, write: Any) -> None:
    # V1 = C2·V2 / C1 = 5 mg/mL × 10 mL / 20 mg/mL = 2.5 mL; diluent 10 − 2.5 = 7.5 mL
    path = write("lido.yaml", LIDOCAINE_HALF_PERCENT)
    for stock in ("lidocaine=lidocaine-2-percent", "lidocaine=2 %"):
        doc = compound(cli, str(path), "--volume", "10 mL", "--stock", stock)
        lido = by_agent(doc, "lidocaine")
        assert lido["volume"]["value"] == pytest.approx(2.5)
        assert lido["stock_concentration"] == {"value": 20.0, "unit": "mg/mL"}
        assert lido["amount"]["value"] == pytest.approx(50.0)  # 20 mg/mL × 2.5 mL
        assert doc["diluent"]["volume"]["value"] == pytest.approx(7.5)
        assert doc["total_volume"]["value"] == pytest.approx(10.0)
        assert doc["final"][0]["concentration"]["value"] == pytest.approx(5.0)


def test_overfill_adds_to_what_is_prepared(cli: Any, write: Any) -> None:
    # 10 mL + 0.5 mL overfill = 10.5 mL: V1 = 5 × 10.5 / 20 = 2.625 mL, diluent 7.875 mL
    path = write("lido.yaml", LIDOCAINE_HALF_PERCENT)
    doc = compound(cli, str(path), "--volume", "10 mL", "--overfill", "0.5 mL", "--stock",
                   "lidocaine=lidocaine-2-percent")
    assert doc["total_volume"]["value"] == pytest.approx(10.5)
    assert by_agent(doc, "lidocaine")["volume"]["value"] == pytest.approx(2.625)
    assert doc["diluent"]["volume"]["value"] == pytest.approx(7.875)


def test_dca_with_lidocaine_parts_give_8_and_4_mg_per_ml_with_admixture_warning(cli: Any) -> None:
    # submental-dca-lidocaine: 2 mL of 10 mg/mL DCA + 0.5 mL of 2 % (20 mg/mL) lidocaine = 2.5 mL
    # DCA 10 × 2 / 2.5 = 8 mg/mL; lidocaine 20 × 0.5 / 2.5 = 4 mg/mL
    doc = compound(cli, "submental-dca-lidocaine", "--volume", "2.5 mL")
    finals = {f["agent"]: f["concentration"]["value"] for f in doc["final"]}
    assert finals["deoxycholic-acid"] == pytest.approx(8.0)
    assert finals["lidocaine"] == pytest.approx(4.0)
    assert by_agent(doc, "deoxycholic-acid")["volume"]["value"] == pytest.approx(2.0)
    assert by_agent(doc, "lidocaine")["volume"]["value"] == pytest.approx(0.5)
    assert by_agent(doc, "deoxycholic-acid")["vials"] == 1  # 2 mL / 2 mL vial
    admixture = [w for w in doc["warnings"] if w["code"] == "admixture"]
    assert admixture and admixture[0]["agent"] == "deoxycholic-acid"


def test_parts_scale_to_the_batch(cli: Any) -> None:
    # 10 mL from a 2.5 mL recipe: × 4 → 8 mL DCA (4 vials of 2 mL, none left), 2 mL lidocaine
    doc = compound(cli, "submental-dca-lidocaine", "--volume", "10 mL")
    assert doc["scale"] == pytest.approx(4.0)
    dca = by_agent(doc, "deoxycholic-acid")
    assert dca["volume"]["value"] == pytest.approx(8.0)
    assert dca["vials"] == 4 and dca["left_over"]["value"] == pytest.approx(0.0)
    assert by_agent(doc, "lidocaine")["volume"]["value"] == pytest.approx(2.0)
    # 3 mL: DCA 2.4 mL needs 2 vials, 1.6 mL left over
    dca = by_agent(compound(cli, "submental-dca-lidocaine", "--volume", "3 mL"), "deoxycholic-acid")
    assert dca["vials"] == 2 and dca["left_over"]["value"] == pytest.approx(1.6)


def test_plan_warns_about_admixture_too(cli: Any) -> None:
    run = cli("plan", "submental-dca-lidocaine", "--area", "10 cm^2", "--weight", "70 kg", "--json")
    assert any(w["code"] == "admixture" for w in run.json["warnings"])


def test_target_above_its_stock_is_refused(cli: Any, write: Any) -> None:
    # 0.5 % cannot be made from a 0.5 % ... but 1 % cannot be made from 0.5 %
    path = write("lido1.yaml", LIDOCAINE_HALF_PERCENT.replace('"0.5 %"', '"1 %"'))
    run = cli("compound", str(path), "--volume", "10 mL", "--stock", "lidocaine=lidocaine-0-5-percent")
    assert run.exit_code == 2
    assert "above the stock" in run.stderr


def test_stocks_adding_up_to_more_than_the_batch_are_refused(cli: Any, write: Any) -> None:
    # DCA 8 mg/mL from 10 mg/mL is 8 mL of 10; lidocaine 4 mg/mL from 1 % is 4 mL: 12 mL > 10 mL
    path = write("mix.yaml", """
kind: cocktail
id: too-much
name: Too much stock
technique: {spacing: 1 cm, volume_per_point: 0.2 mL}
components:
  - {agent: deoxycholic-acid, concentration: 8 mg/mL}
  - {agent: lidocaine, concentration: 4 mg/mL}
""")
    run = cli("compound", str(path), "--volume", "10 mL", "--stock", "lidocaine=lidocaine-1-percent")
    assert run.exit_code == 2 and "more than" in run.stderr
    # with 2 % lidocaine it fits: 8 mL + 2 mL = 10 mL, no diluent
    doc = compound(cli, str(path), "--volume", "10 mL", "--stock", "lidocaine=lidocaine-2-percent")
    assert doc["diluent"]["volume"]["value"] == pytest.approx(0.0)


def test_agent_without_a_stock_is_refused(cli: Any, write: Any) -> None:
    path = write("fin.yaml", """
kind: cocktail
id: fin
name: Finasteride
technique: {spacing: 1 cm, volume_per_point: 0.05 mL}
components:
  - {agent: finasteride, concentration: 0.5 mg/mL}
""")
    run = cli("compound", str(path), "--volume", "5 mL")
    assert run.exit_code == 2 and "no stock" in run.stderr


def test_small_draw_gets_a_measurability_warning(cli: Any, write: Any) -> None:
    # 1 mL of 0.5 % from 2 %: 0.25 mL, fine; 0.2 mL batch: 0.05 mL, below the 0.1 mL assumption
    path = write("lido.yaml", LIDOCAINE_HALF_PERCENT)
    doc = compound(cli, str(path), "--volume", "0.2 mL", "--stock", "lidocaine=lidocaine-2-percent")
    assert any(w["code"] == "measurability" and w.get("agent") == "lidocaine" for w in doc["warnings"])
    doc = compound(cli, str(path), "--volume", "1 mL", "--stock", "lidocaine=lidocaine-2-percent")
    assert not any(w["code"] == "measurability" for w in doc["warnings"])


PREPARED = "2026-03-01T09:00:00"


@pytest.mark.parametrize(("args", "hours"), [
    (("--category", "1", "--storage", "fridge"), 24),  # USP <797> Category 1 refrigerated ≤ 24 h
    (("--category", "1", "--storage", "room"), 12),  # Category 1 controlled room temperature ≤ 12 h
    (("--immediate-use",), 4),  # immediate use: begin administration within 4 h
])
def test_beyond_use_dates(cli: Any, args: tuple[str, ...], hours: int) -> None:
    doc = compound(cli, "submental-dca", "--volume", "10 mL", "--prepared", PREPARED, *args)
    expected = datetime.fromisoformat(PREPARED) + timedelta(hours=hours)
    assert datetime.fromisoformat(doc["beyond_use"]) == expected
    assert doc["beyond_use_rule"]["confirmed"] is True
    assert doc["beyond_use_rule"]["hours"] == hours


def test_category_2_is_marked_unconfirmed(cli: Any) -> None:
    run = cli("compound", "submental-dca", "--volume", "10 mL", "--prepared", PREPARED, "--category", "2",
              "--storage", "fridge", "--json")
    doc = run.json
    assert doc["beyond_use_rule"]["confirmed"] is False
    assert any(w["code"] == "beyond-use-unconfirmed" for w in doc["warnings"])
    human = cli("compound", "submental-dca", "--volume", "10 mL", "--category", "2", "--storage", "fridge")
    assert "UNCONFIRMED" in human.stdout


def test_category_1_frozen_is_refused(cli: Any) -> None:
    run = cli("compound", "submental-dca", "--volume", "10 mL", "--category", "1", "--storage", "freezer")
    assert run.exit_code == 2 and "no limit" in run.stderr


def test_bad_prepared_datetime_is_an_input_error(cli: Any) -> None:
    run = cli("compound", "submental-dca", "--volume", "10 mL", "--prepared", "yesterday", "--immediate-use")
    assert run.exit_code == 2 and "ISO 8601" in run.stderr


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_worksheet_has_ingredients_volumes_and_a_verification_line(cli: Any, tmp_path: Path, suffix: str) -> None:
    sheet = tmp_path / f"record{suffix}"
    run = cli("compound", "submental-dca-lidocaine", "--volume", "5 mL", "--category", "1", "--storage", "fridge",
              "--prepared", PREPARED, "--worksheet", str(sheet))
    assert run.exit_code == 0, run.stderr
    # a number and its unit are joined by a no-break space in HTML, so a printed line never splits them
    text = sheet.read_text(encoding="utf-8").replace("&nbsp;", " ")
    for expected in ("Deoxycholic acid", "Lidocaine", "4 mL", "1 mL",  # 2 and 0.5 mL × 2
                     "8 mg/mL", "4 mg/mL", "Lot", "Expiry", "Verified by", "Prepared by",
                     "2026-03-02 09:00"):  # prepared + 24 h
        assert expected in text, expected


def test_html_worksheet_escapes_user_strings(cli: Any, tmp_path: Path) -> None:
    sheet = tmp_path / "record.html"
    run = cli("compound", "submental-dca", "--volume", "5 mL", "--diluent", "<script>alert(1)</script>",
              "--worksheet", str(sheet))
    assert run.exit_code == 0, run.stderr
    text = sheet.read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_patient_contraindication_fails_the_recipe(cli: Any, write: Any) -> None:
    patient = write("p.yaml", "kind: patient\nid: p1\nallergies: [amide-local-anesthetic]\n")
    run = cli("compound", "submental-dca-lidocaine", "--volume", "2.5 mL", "--patient", str(patient), "--json")
    assert run.exit_code == 1
    assert any(w["code"] == "contraindication" for w in run.json["warnings"])
