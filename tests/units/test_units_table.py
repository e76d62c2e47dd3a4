"""Unit strings, table-driven: what each means in canonical units, and the traps that must be refused.

Canonical units: mg, mL (cm^3), cm, cm^2, units, particles, kg of body weight.
Expected values are arithmetic shown beside each row (USP: 1 % w/v = 1 g/100 mL = 10 mg/mL;
ratio strength 1:N = 1 g in N mL = 1000/N mg/mL).
"""

from __future__ import annotations

import math

import pytest

from mesocalc import units as u
from mesocalc.errors import MesocalcError

C, A, V, AR = u.CONCENTRATION, u.AMOUNT, u.VOLUME_KIND, u.AREA_KIND
L, W, LIM = u.LENGTH_KIND, u.WEIGHT_KIND, u.LIMIT_KIND
MG_ML = u.dims_div(u.MASS, u.VOLUME)
PER_KG = u.dims_div(u.MASS, u.BODY_MASS)

GOOD = [
    # text, kind, expected value, expected dims
    ("10 mg/mL", C, 10.0, MG_ML),
    ("10 mg/ml", C, 10.0, MG_ML),  # lower-case l for litre is read, never printed
    ("2 %", C, 20.0, MG_ML),  # 2 g/100 mL = 20 mg/mL
    ("2%", C, 20.0, MG_ML),
    ("0.5 % w/v", C, 5.0, MG_ML),  # 0.5 g/100 mL
    ("0.01 %", C, 0.1, MG_ML),  # dutasteride 0.01 % = 0.1 mg/mL (REFERENCE §4.1)
    ("1:100000", C, 0.01, MG_ML),  # 1000/100000
    ("1:100,000", C, 0.01, MG_ML),
    ("1:200,000", C, 0.005, MG_ML),
    ("1:1000", C, 1.0, MG_ML),
    ("1:1,000,000", C, 0.001, MG_ML),  # tumescent epinephrine
    ("10 mcg/mL", C, 0.01, MG_ML),
    ("10 µg/mL", C, 0.01, MG_ML),  # read on input, printed as mcg
    ("10 ug/mL", C, 0.01, MG_ML),
    ("1 g/L", C, 1.0, MG_ML),
    ("20 mg/cc", C, 20.0, MG_ML),  # cc is read as mL
    ("500 units/mL", C, 500.0, u.dims_div(u.ACTIVITY, u.VOLUME)),
    ("5 IU/mL", C, 5.0, u.dims_div(u.ACTIVITY, u.VOLUME)),  # IU accepted on input only
    ("1e9 particles/mL", C, 1e9, u.dims_div(u.PARTICLES, u.VOLUME)),
    ("0.2 mL", V, 0.2, u.VOLUME),
    ("200 µL", V, 0.2, u.VOLUME),
    ("200 uL", V, 0.2, u.VOLUME),
    ("2 cc", V, 2.0, u.VOLUME),
    ("0.01 L", V, 10.0, u.VOLUME),
    ("25 cm^2", AR, 25.0, u.AREA),
    ("25 cm**2", AR, 25.0, u.AREA),
    ("2500 mm^2", AR, 25.0, u.AREA),  # 100 mm² per cm²
    ("1 in^2", AR, 6.4516, u.AREA),  # 2.54² cm²
    ("1 cm", L, 1.0, u.LENGTH),
    ("10 mm", L, 1.0, u.LENGTH),
    ("70 kg", W, 70e6, u.MASS),  # drug-mass canonical unit is mg
    ("154 lb", W, 154 * 453592.37, u.MASS),  # 1 lb = 453.59237 g
    ("100 mg", A, 100.0, u.MASS),
    ("0.2 mg", A, 0.2, u.MASS),
    ("200 mcg", A, 0.2, u.MASS),
    ("1 g", A, 1000.0, u.MASS),
    ("1,000 mg", A, 1000.0, u.MASS),
    ("100 units", A, 100.0, u.ACTIVITY),
    ("1 unit", A, 1.0, u.ACTIVITY),
    ("100,000 particles", A, 1e5, u.PARTICLES),
    ("7 mg/kg", LIM, 7.0, PER_KG),
    ("3.5 mg/lb", LIM, 3.5 / 0.45359237, PER_KG),  # label: 3.5 mg/lb ≈ 7.7 mg/kg
    ("2 mg/cm^2", LIM, 2.0, u.dims_div(u.MASS, u.AREA)),
    ("10 mL", LIM, 10.0, u.VOLUME),
    ("100 mg", LIM, 100.0, u.MASS),
    (".5 mL", V, 0.5, u.VOLUME),  # a naked decimal is read (never printed)
]


@pytest.mark.parametrize(("text", "kind", "value", "dims"), GOOD, ids=[g[0] for g in GOOD])
def test_unit_string_means(text: str, kind: u.Kind, value: float, dims: u.Dims) -> None:
    q = u.parse_quantity(text, kind)
    assert q.dims == dims
    assert math.isclose(q.value, value, rel_tol=1e-12)


BAD = [
    # text, kind, fragment of the message
    ("10", C, "has no unit"),
    (10, C, "has no unit"),
    (2.5, V, "has no unit"),
    ("", AR, "empty"),
    ("   ", AR, "empty"),
    ("10 mg", C, "is a mass; expected a concentration"),
    ("0.2 mL", AR, "is a volume; expected an area"),
    ("25 cm^2", V, "is an area; expected a volume"),
    ("5 mL", A, "is a volume"),
    ("70 mL", W, "expected a body weight"),
    ("5 U", A, "'U' is an error-prone abbreviation"),
    ("5 U/mL", C, "write 'units'"),
    ("5 u", A, "write 'units'"),
    ("2 % v/v", C, "would need a density"),
    ("2 % w/w", C, "would need a density"),
    ("40 %", AR, "a percent is a concentration"),
    ("1:0", C, "greater than zero"),
    ("1:100000", A, "ratio strength"),
    ("25 cm2", AR, "write cm^2"),
    ("-5 cm^2", AR, "greater than zero"),
    ("0 mL", V, "greater than zero"),
    ("1e999 mg", A, "too large"),
    ("nan mg", A, "not a number with a unit"),
    ("inf mL", V, "not a number with a unit"),
    ("10 furlongs", L, "not a unit mesocalc knows"),
    ("10 lumen", A, "not a unit mesocalc knows"),  # pint's default registry would know it
    ("__import__('os').system('id')", AR, "not a number with a unit"),
    ("1 cm; rm -rf /", L, "not a unit mesocalc knows"),
    ("$(reboot) mL", V, "not a number with a unit"),
    ("1 mg/kg", C, "expected a concentration"),  # a per-kg dose is not a concentration
    ("7 mg/kg", A, "a dose per kg"),
    (None, V, "expected a volume"),
    (True, V, "expected a volume"),
    ("x" * 200, V, "too long"),
]


@pytest.mark.parametrize(("text", "kind", "fragment"), BAD, ids=[str(b[0])[:30] for b in BAD])
def test_unit_string_refused(text: object, kind: u.Kind, fragment: str) -> None:
    with pytest.raises(MesocalcError) as caught:
        u.parse_quantity(text, kind)
    assert fragment in str(caught.value)


def test_table_is_large_enough() -> None:
    assert len(GOOD) + len(BAD) >= 40


@pytest.mark.parametrize(
    ("value", "volume", "text"),
    [
        (5.0, False, "5"),  # ISMP: no trailing zero
        (0.5, False, "0.5"),  # ISMP: leading zero
        (100000.0, False, "100,000"),  # thousands separators
        (2.3094, False, "2.31"),  # 3 significant figures
        (1234.5, False, "1235"),  # never rounds away whole-number digits; "1,235" could read as 1.235
        (1234567.0, False, "1,234,567"),  # two groups: only thousands can be meant
        (0.2, True, "0.2"),
        (12.345, True, "12.35"),  # volumes to at least 0.01 mL
        (0.00512, True, "0.00512"),  # ... and never rounded to zero
        (0.0, False, "0"),
    ],
)
def test_number_formatting_is_ismp_safe(value: float, volume: bool, text: str) -> None:
    assert u.format_number(value, volume=volume) == text


@pytest.mark.parametrize(
    ("text", "kind", "shown"),
    [
        ("0.2 mg", A, "200 mcg"),  # below 1 mg, mcg (never µg)
        ("1:100,000", C, "10 mcg/mL"),
        ("2 cc", V, "2 mL"),  # never cc
        ("5 IU/mL", C, "5 units/mL"),  # never IU
        ("25 cm^2", AR, "25 cm²"),
        ("100,000 particles", A, "100,000 particles"),
    ],
)
def test_human_units_are_ismp_safe(text: str, kind: u.Kind, shown: str) -> None:
    assert u.format_quantity(u.parse_quantity(text, kind)) == shown


def test_percent_noise_is_cleaned() -> None:
    # 2 % through pint's factors is 19.999999999999996 before cleaning; JSON must say 20.
    assert u.parse_quantity("2 %", C).value == 20.0


def test_exactly_at_a_cap_is_within_it() -> None:
    # 0.1 + 0.2 style noise: 1.5000000000000002 mg against a 1.5 mg cap is not over (SPEC §4).
    assert u.at_most(1.5000000000000002, 1.5)
    assert not u.at_most(1.5000001, 1.5)
    assert u.whole_ceil(25.0000000001) == 25
    assert u.whole_ceil(25.01) == 26
