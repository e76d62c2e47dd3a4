"""Properties of the core (hypothesis), stated in the domain's words.

- more area or more points never gives fewer points or a smaller dose;
- the same inputs in other units (µL vs mL, lb vs kg, mm² vs cm², % vs mg/mL, mm vs cm) give the
  same plan;
- a plan at capacity.max_points is within every hard cap, and one more point is not;
- exactly at a cap is within it whatever unit path the numbers took (no float flip);
- plan JSON round-trips through strict JSON unchanged.
"""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import strict_json, validate_output
from mesocalc import units as u
from mesocalc.core.plan import PlanResult, compute
from mesocalc.render.jsondoc import dumps, plan_doc, without_noise
from mesocalc.request.plan import SessionOptions, resolve_session

PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
COCKTAILS = ["submental-dca", "submental-dca-lidocaine", "pcdc-abdomen", "mesohair-minoxidil", "mesohair-dutasteride"]
areas_cm2 = st.floats(min_value=0.5, max_value=2000, allow_nan=False, allow_infinity=False)


def plan(library, cocktail: str, **options) -> PlanResult:
    chosen = library.cocktails[cocktail]
    return compute(resolve_session(chosen, SessionOptions(**options), library), library)


def doses(result: PlanResult) -> dict[str, float]:
    return {c.agent.id: c.dose.value for c in result.components}


@PROPS
@given(st.sampled_from(COCKTAILS), areas_cm2, areas_cm2)
def test_more_area_never_gives_fewer_points_or_less_dose(library, cocktail, a, b):
    small, large = sorted((a, b))
    p_small = plan(library, cocktail, areas=(f"{small!r} cm^2",), weight="70 kg")
    p_large = plan(library, cocktail, areas=(f"{large!r} cm^2",), weight="70 kg")
    assert p_large.points >= p_small.points
    for agent, dose in doses(p_small).items():
        assert doses(p_large)[agent] >= dose


@PROPS
@given(st.sampled_from(COCKTAILS), st.integers(1, 5000), st.integers(1, 5000))
def test_more_points_never_gives_less_dose_or_volume(library, cocktail, a, b):
    fewer, more = sorted((a, b))
    p_fewer, p_more = plan(library, cocktail, points=fewer), plan(library, cocktail, points=more)
    assert p_more.session_volume.value >= p_fewer.session_volume.value
    for agent, dose in doses(p_fewer).items():
        assert doses(p_more)[agent] >= dose


def same_plan(x: PlanResult, y: PlanResult) -> None:
    assert x.points == y.points
    assert math.isclose(x.session_volume.value, y.session_volume.value, rel_tol=1e-9)
    for cx, cy in zip(x.components, y.components, strict=True):
        assert math.isclose(cx.dose.value, cy.dose.value, rel_tol=1e-9)
        assert [ch.status for ch in cx.checks] == [ch.status for ch in cy.checks]
    assert x.capacity.max_points == y.capacity.max_points
    assert x.exit_code == y.exit_code


@PROPS
@given(st.sampled_from(COCKTAILS), st.integers(1, 400), st.integers(5, 50), st.integers(30, 150),
       st.sampled_from(["square", "hex"]))
def test_the_same_inputs_in_other_units_give_the_same_plan(library, cocktail, area_cm2, vpp_cl, weight_kg, grid):
    # 1 cm² = 100 mm²; 1 mL = 1000 µL = 1 cc; 1 lb = 0.45359237 kg (exact, by definition); 1 cm = 10 mm
    vpp_ml = vpp_cl / 100
    metric = plan(library, cocktail, areas=(f"{area_cm2} cm^2",), volume_per_point=f"{vpp_ml} mL",
                  weight=f"{weight_kg} kg", spacing="1 cm", grid=grid)
    other = plan(library, cocktail, areas=(f"{area_cm2 * 100} mm^2",), volume_per_point=f"{vpp_ml * 1000} µL",
                 weight=f"{weight_kg / 0.45359237!r} lb", spacing="10 mm", grid=grid)
    same_plan(metric, other)


@PROPS
@given(st.floats(min_value=0.001, max_value=50, allow_nan=False))
def test_percent_and_mg_per_ml_and_ratio_strength_are_the_same_concentration(percent):
    # % w/v: 1 % = 1 g/100 mL = 10 mg/mL; ratio strength 1:N = 1000/N mg/mL
    as_percent = u.parse_quantity(f"{percent!r} %", u.CONCENTRATION)
    as_mg_ml = u.parse_quantity(f"{percent * 10!r} mg/mL", u.CONCENTRATION)
    as_ratio = u.parse_quantity(f"1:{100 / percent!r}", u.CONCENTRATION)
    assert math.isclose(as_percent.value, as_mg_ml.value, rel_tol=1e-12)
    assert math.isclose(as_percent.value, as_ratio.value, rel_tol=1e-12)


@PROPS
@given(st.sampled_from(COCKTAILS), st.integers(30, 150), st.sampled_from(["square", "hex"]))
def test_a_plan_at_capacity_is_within_every_hard_cap_and_one_more_point_is_not(library, cocktail, weight_kg, grid):
    probe = plan(library, cocktail, points=1, weight=f"{weight_kg} kg", grid=grid)
    capacity = probe.capacity.max_points
    if capacity is None or capacity < 1:
        return  # no hard cap bounds the count (e.g. an agent with no established limits)
    at = plan(library, cocktail, points=capacity, weight=f"{weight_kg} kg", grid=grid)
    over = plan(library, cocktail, points=capacity + 1, weight=f"{weight_kg} kg", grid=grid)
    hard = [w for w in at.warnings if w.severity == "hard" and w.code in ("limit-over", "technique-over")]
    assert not hard, hard
    assert any(w.severity == "hard" and w.code in ("limit-over", "technique-over") for w in over.warnings)
    assert over.exit_code == 1


@PROPS
@given(st.floats(min_value=1e-6, max_value=1e6, allow_nan=False), st.integers(1, 500))
def test_exactly_at_a_cap_is_within_it_whatever_the_unit_path(cap_mg, parts):
    # the same amount reached by another route: n equal parts, or in mcg, or in g, is never "over"
    cap = u.parse_quantity(f"{cap_mg!r} mg", u.AMOUNT).value
    summed = sum([cap / parts] * parts)
    in_mcg = u.parse_quantity(f"{cap_mg * 1000!r} mcg", u.AMOUNT).value
    in_g = u.parse_quantity(f"{cap_mg / 1000!r} g", u.AMOUNT).value
    for actual in (summed, in_mcg, in_g, (cap / 7) * 7, cap * 0.1 / 0.1):
        assert u.at_most(actual, cap)
    assert not u.at_most(cap * (1 + 1e-6), cap)


@PROPS
@given(st.sampled_from(COCKTAILS), st.one_of(st.none(), areas_cm2), st.one_of(st.none(), st.integers(20, 200)))
def test_plan_json_round_trips_through_strict_json(library, cocktail, area, weight):
    result = plan(library, cocktail, areas=(f"{area!r} cm^2",) if area else (),
                  weight=f"{weight} kg" if weight else None)
    doc = plan_doc(result)
    text = dumps(doc)
    back = strict_json(text)
    # the same document, each float rounded to 15 significant digits (SPEC §6: no binary noise)
    assert back == without_noise(json.loads(json.dumps(doc)))
    assert dumps(back) == text
    validate_output(back)
