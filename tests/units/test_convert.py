"""`mesocalc convert`: pharmacy conversions (REFERENCE §8.1: 1 % w/v = 10 mg/mL; 1:N = 1000/N mg/mL)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import validate_output


@pytest.mark.parametrize(("given", "unit", "value", "shown"), [
    ("1:100000", "mg/mL", 0.01, "0.01 mg/mL"),  # 1 g / 100,000 mL = 1000 mg / 100,000 mL
    ("1:100,000", "mcg/mL", 10.0, "10 mcg/mL"),  # 0.01 mg/mL × 1000
    ("2 %", "mg/mL", 20.0, "20 mg/mL"),  # 2 g / 100 mL = 2000 mg / 100 mL
    ("0.2 mg", "mcg", 200.0, "200 mcg"),  # 0.2 × 1000
    ("5 mg/mL", "mcg/mL", 5000.0, "5,000 mcg/mL"),  # ISMP: thousands separator
    ("20 mg/mL", "%", 2.0, "2 %"),
    ("1 L", "mL", 1000.0, "1,000 mL"),
    ("100 IU", "units", 100.0, "100 units"),  # ISMP: never IU on output
])
def test_conversions(cli: Any, given: str, unit: str, value: float, shown: str) -> None:
    run = cli("convert", given, unit, "--json")
    assert run.exit_code == 0, run.stderr
    doc = run.json
    validate_output(doc)
    assert doc["kind"] == "conversion" and doc["version"] == 1
    assert doc["to"]["value"] == pytest.approx(value, rel=1e-12)
    assert doc["to"]["text"] == shown
    human = cli("convert", given, unit)
    assert shown in human.stdout


def test_ratio_strength_output_is_1_to_n(cli: Any) -> None:
    # 0.01 mg/mL: N = 1000 / 0.01 = 100,000
    run = cli("convert", "0.01 mg/mL", "ratio", "--json")
    assert run.exit_code == 0
    assert run.json["to"]["text"] == "1:100,000"
    assert run.json["to"]["denominator"] == 100000
    validate_output(run.json)


@pytest.mark.parametrize(("given", "unit", "says"), [
    ("5 mL", "mg", "volume"),  # a dimension mismatch
    ("100 units", "mg", "never convert to mass"),  # activity is not mass
    ("1:0", "mg/mL", "greater than zero"),
    ("5 mL", "ratio", "ratio strength"),
])
def test_refusals_exit_2_with_a_reason(cli: Any, given: str, unit: str, says: str) -> None:
    run = cli("convert", given, unit)
    assert run.exit_code == 2
    assert says in run.stderr
    assert "Traceback" not in run.stderr
    run = cli("convert", given, unit, "--json")
    assert run.exit_code == 2 and run.json["kind"] == "error"


@pytest.mark.parametrize(("given", "unit", "echo"), [
    ("250 µg", "mcg", "250 mcg = 250 mcg"),  # ISMP: never the micro sign
    ("2 cc", "mL", "2 mL = 2 mL"),           # ISMP: mL, not cc
    ("5 IU", "units", "5 units = 5 units"),  # ISMP: units, not IU
])
def test_the_echoed_input_is_written_ismp_safe(cli, given, unit, echo):
    assert cli("convert", given, unit).stdout.splitlines()[0] == echo


@pytest.mark.parametrize(("given", "unit", "shown"), [
    ("1,000.5 mg", "mg", "1,000.5 mg"),    # 5 significant figures given: none rounded away (was 1,001 mg)
    ("1000.5 mg", "g", "1.0005 g"),        # the same figures in another unit
    ("0.12345 mg", "mcg", "123.45 mcg"),   # 5 figures: 123.45, not 123
    ("2.5 mg", "mcg", "2,500 mcg"),        # fewer than 3 given: 3 as everywhere (SPEC §2), no trailing zero
    ("1.682 g", "mg", "1682 mg"),          # 4 figures; no comma that could read as a decimal comma
])
def test_a_converted_value_keeps_the_precision_it_was_given_with(cli: Any, given: str, unit: str,
                                                                 shown: str) -> None:
    run = cli("convert", given, unit)
    assert run.exit_code == 0 and run.stdout.splitlines()[0].endswith(f"= {shown}"), run.stdout
    assert cli("convert", shown, unit).exit_code == 0  # and what it printed reads back
