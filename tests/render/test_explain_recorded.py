"""--explain reads what the plan recorded, it does not work the numbers out again: for random plans, every
quantity and count in the explanation is, to the last bit, the number the plan document gives."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mesocalc
from mesocalc.render.explain import plan_steps
from mesocalc.render.jsondoc import plan_doc, steps_doc

PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
COCKTAILS = ["submental-dca", "submental-dca-lidocaine", "pcdc-abdomen", "mesohair-minoxidil", "mesohair-dutasteride"]

areas = st.one_of(
    st.floats(min_value=0.5, max_value=3000, allow_nan=False).map(lambda a: [f"{a!r} cm^2"]),
    st.tuples(st.integers(1, 40), st.integers(1, 40)).map(lambda wh: [f"{wh[0]} cm x {wh[1]} cm"]),
    st.lists(st.integers(1, 500).map(lambda a: f"{a} cm^2"), min_size=2, max_size=3),
    st.just([]),  # the cocktail's default area
)


def _component(doc: dict[str, Any], text: str) -> dict[str, Any] | None:
    """The component a step is about: its text starts with the agent's name (the longest that matches)."""
    named = [c for c in doc["components"] if text.startswith(c["name"])]
    return max(named, key=lambda c: len(c["name"]), default=None)


def _plan_values(doc: dict[str, Any], comp: dict[str, Any] | None, key: str) -> list[Any]:
    """Where the plan document gives the number that an explain quantity of this name stands for."""
    capacity = doc["capacity"]
    whole = {
        "area": [doc["area"], *(a["surface"] for a in doc["areas"])],
        "width": [a.get("width") for a in doc["areas"]],
        "height": [a.get("height") for a in doc["areas"]],
        "spacing": [doc["technique"]["spacing"]],
        "volume_per_point": [doc["technique"]["volume_per_point"]],
        "session_volume": [doc["total_volume"]],
        "total_volume": [doc.get("mix_volume")],
        "weight": [doc["weight"]],
        "max_area": [capacity["max_area"]],
        "reference_volume": [(doc.get("reference") or {}).get("volume")],  # the published session (issue 10)
    }
    if key in whole:
        return whole[key]
    assert comp is not None, key
    per_component = {"stock_concentration": "stock", "concentration": "concentration", "dose": "dose",
                     "dose_per_point": "dose_per_point", "dose_per_area": "dose_per_area",
                     "dose_per_kg": "dose_per_kg", "solution_volume": "solution_volume"}
    if key in per_component:
        return [comp.get(per_component[key])]
    if key in ("max", "actual"):
        return [check[key] for check in comp["checks"]]
    raise AssertionError(f"explain quantity '{key}' has no counterpart in the plan document")


@PROPS
@given(st.sampled_from(COCKTAILS), areas, st.sampled_from(["square", "hex"]),
       st.sampled_from([None, "0.5 cm", "1.5 cm"]), st.sampled_from([None, "0.1 mL", "0.25 mL"]),
       st.one_of(st.none(), st.integers(30, 150).map(lambda w: f"{w} kg")), st.one_of(st.none(), st.integers(1, 400)))
def test_every_number_in_the_explanation_is_the_plans(library, cocktail, area, grid, spacing, vpp, weight, points):
    chosen = library.cocktails[cocktail]
    if not area and points is None and chosen.area is None:
        area = ["25 cm^2"]
    result = mesocalc.plan(cocktail, area=area, grid=grid, spacing=spacing, volume_per_point=vpp, weight=weight,
                           points=points, library=library)
    doc = plan_doc(result)
    checked = 0
    for step in steps_doc(plan_steps(result)):
        comp = _component(doc, step["text"])
        for key, quantity in step["quantities"].items():
            if key == "max_for_patient":  # the per-kg cap × the weight, both in the plan document
                assert any(math.isclose(quantity["value"], check["max"]["value"] * doc["weight"]["value"],
                                        rel_tol=1e-12) for check in comp["checks"])
                continue
            if key == "cell_area":  # max_area = max_points × cell area
                cell = capacity_cell(doc)
                assert cell is None or math.isclose(cell, quantity["value"], rel_tol=1e-12)
                continue
            if key == "stock_volume":  # a part of the recipe, from the cocktail as written
                continue
            assert quantity in _plan_values(doc, comp, key), (key, quantity, step["text"])
            checked += 1
        for key, count in step.get("counts", {}).items():
            if key in ("max_injections", "injections"):  # a cap counted in injections (KYBELLA: 50 per session)
                values = [check["max" if key == "max_injections" else "actual"] for check in comp["checks"]]
                assert {"value": count, "unit": "injections"} in values, (key, step["text"])
                checked += 1
                continue
            expected = {"points": doc["points"], "max_points": doc["capacity"]["max_points"]}[key]
            assert count == expected, (key, step["text"])
            checked += 1
    assert checked >= 4  # area or points, session volume, a concentration and a dose at least


def capacity_cell(doc: dict[str, Any]) -> float | None:
    capacity = doc["capacity"]
    if capacity["max_area"] is None or not capacity["max_points"]:
        return None
    return capacity["max_area"]["value"] / capacity["max_points"]
