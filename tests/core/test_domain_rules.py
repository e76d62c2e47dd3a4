"""Each domain rule in one place: the grid geometry, what a cap is compared with, the document kinds, the
vocabularies (StrEnums whose values are the library's and the JSON's strings)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from mesocalc import units as u
from mesocalc.core import caps, geometry
from mesocalc.core import model as m
from mesocalc.library import kinds
from mesocalc.library.validate import KINDS, read_document
from mesocalc.library.yamlio import RawDocument

SCHEMAS = Path(__file__).resolve().parents[2] / "src" / "mesocalc" / "schemas"
cm = u.parse_quantity("1 cm", u.LENGTH_KIND)


def q(text: str, kind: u.Kind) -> u.Q:
    return u.parse_quantity(text, kind)


def test_cell_area_square_and_hex():
    # SPEC §4: a square cell is s²; a hex (rhombus) cell is (√3/2)·s² = 0.866 cm² at 1 cm
    assert geometry.cell_area("square", cm) == q("1 cm^2", u.AREA_KIND)
    assert geometry.cell_area("hex", cm).value == pytest.approx(math.sqrt(3) / 2)


def test_point_count_of_the_label_case_and_its_hex_grid():
    # Kybella label: 25 cm² at 1 cm = 25 points; hex: 2 × 25 / √3 = 28.87, 29 points
    area = q("25 cm^2", u.AREA_KIND)
    assert geometry.exact_points(area, "square", cm) == 25
    assert geometry.exact_points(area, "hex", cm) == pytest.approx(50 / math.sqrt(3))
    assert geometry.exact_points(area, "square", u.Q(0.0, u.LENGTH)) == math.inf


def test_hex_rows_are_closer_and_shifted():
    assert geometry.row_pitch("square", 1.0) == 1.0
    assert geometry.row_pitch("hex", 1.0) == pytest.approx(math.sqrt(3) / 2)
    # odd rows half a spacing right of even rows (a single row, or a square grid, is not shifted)
    assert geometry.odd_row_shift("hex", 1.0, rows=2) == 0.5
    assert geometry.odd_row_shift("hex", 1.0, rows=1) == 0.0 and geometry.odd_row_shift("square", 1.0) == 0.0


def test_the_map_places_points_by_the_same_geometry():
    """injection_map asks geometry.py: 6 points on a 1 cm hex grid (full rows) are rows √3/2 cm apart, each
    odd row half a spacing to the right of the even rows."""
    from mesocalc.core.injection_map import place

    positions, columns, rows = place(6, 10.0, 10.0, "hex", 1.0)
    assert columns * rows == 6 and rows > 1
    starts = [positions[r * columns] for r in range(rows)]
    for r, (x, y) in enumerate(starts):
        assert x - starts[0][0] == pytest.approx(0.5 if r % 2 else 0.0)
        assert y - starts[0][1] == pytest.approx(r * math.sqrt(3) / 2)


def test_explain_writes_the_point_rule_that_geometry_states():
    assert geometry.points_rule("square") == "ceil(area / spacing²)"
    assert geometry.points_rule("hex") == "ceil(2 × area / (√3 × spacing²))"


def limit(text: str, scope: str = "session") -> m.Limit:
    return m.Limit(scope, q(text, u.LIMIT_KIND), "hard", None)


def test_what_each_cap_basis_is_compared_with():
    dose, solution = q("50 mg", u.AMOUNT), q("5 mL", u.VOLUME_KIND)
    per_area, weight = q("2 mg/cm^2", u.LIMIT_KIND), u.body_weight_kg(q("50 kg", u.WEIGHT_KIND))
    assert caps.compared_with(limit("100 mg"), dose, solution, per_area, weight) == (dose, None)
    # per kg: 50 mg / 50 kg = 1 mg/kg
    assert caps.compared_with(limit("7 mg/kg"), dose, solution, per_area, weight)[0] == q("1 mg/kg", u.LIMIT_KIND)
    assert caps.compared_with(limit("7 mg/kg"), dose, solution, per_area, None) == (None, caps.NEEDS_WEIGHT)
    assert caps.compared_with(limit("2 mg/cm^2"), dose, solution, per_area, weight) == (per_area, None)
    assert caps.compared_with(limit("2 mg/cm^2"), dose, solution, None, weight) == (None, caps.NEEDS_AREA)
    assert caps.compared_with(limit("10 mL"), dose, solution, per_area, weight) == (solution, None)


def test_the_dimensions_a_cap_is_compared_with_match_the_number():
    amount = u.MASS
    for text in ("100 mg", "7 mg/kg", "2 mg/cm^2", "10 mL"):
        cap = limit(text)
        assert caps.compared_dims(cap, amount) == cap.max.dims, text


def test_caps_that_grow_with_the_number_of_points():
    assert caps.grows_with_points(limit("100 mg"))
    assert caps.grows_with_points(limit("7 mg/kg"))
    assert not caps.grows_with_points(limit("2 mg", "point"))
    assert not caps.grows_with_points(limit("2 mg/cm^2"))
    concentration = m.Limit(m.Scope.CONCENTRATION, q("10 mg/mL", u.CONCENTRATION), "hard", None)
    assert not caps.grows_with_points(concentration)


def test_every_document_kind_is_read_stored_and_in_the_schema():
    library_fields = {f.name for f in dataclasses.fields(m.Library)} - {"overrides"}
    assert {kind.table for kind in kinds.REGISTRY} == library_fields
    assert KINDS == kinds.NAMES
    schema = json.loads((SCHEMAS / "library.json").read_text(encoding="utf-8"))
    assert sorted(schema["properties"]["kind"]["enum"]) == sorted(kinds.NAMES)
    for kind in kinds.REGISTRY:
        problems: list = []
        read_document(RawDocument("x.yaml", 0, {"kind": kind.name}, {}, 1), problems)
        assert all(p.code != "unknown-kind" for p in problems), kind.name


def test_vocabularies_are_the_library_strings():
    assert m.SCOPES == ("point", "session", "course")  # what a YAML limit may give; not "concentration"
    assert m.GRIDS == ("square", "hex") and m.STORAGES == ("room", "fridge", "freezer")
    assert m.Scope.CONCENTRATION == "concentration" and json.dumps(m.Grid.HEX) == '"hex"'
    assert m.SEVERITIES == ("hard", "soft") and m.Severity.INFO == "info"
    assert m.STATUSES == ("approved", "off-label", "compounded", "unapproved", "investigational")
    assert [s.value for s in m.CheckStatus] == ["ok", "over", "unchecked", "not-applicable"]


def test_a_per_kg_cap_as_an_amount_for_the_patient():
    # lidocaine without epinephrine, 4.5 mg/kg (Xylocaine label) for a 60 kg patient: 4.5 × 60 = 270 mg
    weight = u.body_weight_kg(q("60 kg", u.WEIGHT_KIND))
    assert caps.for_patient(limit("4.5 mg/kg"), weight) == q("270 mg", u.AMOUNT)
    assert caps.for_patient(limit("4.5 mg/kg"), None) is None
    assert caps.for_patient(limit("300 mg"), weight) is None  # already an amount: nothing to turn
