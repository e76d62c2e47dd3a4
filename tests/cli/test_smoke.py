"""The label case end to end (KYBELLA PI: 0.2 mL per point of 10 mg/mL on a 1 cm grid)."""


def test_label_25_cm2_gives_25_points_5_ml_50_mg(cli):
    run = cli("plan", "submental-dca", "--area", "25 cm^2", "--json")
    assert run.exit_code == 0, run.stderr
    doc = run.json
    assert doc["kind"] == "plan" and doc["version"] == 1
    assert doc["points"] == 25  # 25 cm² / (1 cm)² = 25 points
    assert doc["total_volume"] == {"value": 5.0, "unit": "mL"}  # 25 × 0.2 mL
    assert doc["components"][0]["dose"] == {"value": 50.0, "unit": "mg"}  # 10 mg/mL × 5 mL
    assert doc["capacity"]["max_points"] == 50  # 100 mg / 2 mg per point
