"""--explain reads what the plan, compound and visit recorded, it does not work the numbers out again: for random
requests, every quantity and count in the explanation is, to the last bit, the number the command's JSON
document gives (`schedule` has no --explain)."""

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


def _named(entries: list[dict[str, Any]], text: str, name: Any = lambda e: e["name"]) -> dict[str, Any] | None:
    """The entry (a component, an ingredient, an agent's total) a step is about: its text starts with the
    entry's name, the longest that matches ('More X that still fits' names X)."""
    text = text.removeprefix("More ")
    named = [e for e in entries if text.startswith(name(e))]
    return max(named, key=lambda e: len(name(e)), default=None)


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
        comp = _named(doc["components"], step["text"])
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


def _missing(key: str, number: Any, step: dict[str, Any]) -> bool:
    raise AssertionError(f"{key} = {number} is not the document's number: {step['text']}")


# ---- compound --explain: every quantity is the recipe's ---------------------------------------

COMPOUNDS = {  # cocktail -> the stock to draw where the library's default is weaker than the target
    "submental-dca": {}, "submental-dca-lidocaine": {}, "mesohair-minoxidil": {}, "mesohair-dutasteride": {},
    "lidocaine-1-percent": {"lidocaine": "20 mg/mL"}, "procaine-2-percent": {"procaine": "20 mg/mL"},
}


def _compound_values(doc: dict[str, Any], ing: dict[str, Any] | None, key: str, text: str) -> list[Any]:
    """Where the compound document gives the number an explain quantity of this name stands for."""
    whole = {"requested": doc["volume"], "overfill": doc["overfill"], "batch": doc["total_volume"],
             "total_volume": doc["total_volume"], "diluent": doc["diluent"]["volume"],
             "limit": (doc["beyond_use_rule"] or {}).get("limit")}
    if key in whole:
        return [whole[key]]
    if key in ("max", "actual"):  # a cap step names the agent by its id
        return [check[key] for check in doc["checks"]]
    assert ing is not None, (key, text)
    per_ingredient = {"stock_concentration": "stock_concentration", "volume": "volume", "stock_volume": "volume",
                      "amount": "amount", "concentration": "final_concentration", "vial_volume": "vial_volume"}
    return [ing[per_ingredient[key]]]


@PROPS
@given(st.sampled_from(sorted(COMPOUNDS)), st.decimals(min_value="0.5", max_value="250", places=2),
       st.sampled_from([None, "0.3 mL", "2 mL"]),
       st.sampled_from([(None, None, False), ("1", None, False), ("2", "fridge", False), ("3", "freezer", False),
                        (None, None, True)]))
def test_every_number_in_the_compound_explanation_is_the_recipe_s(library, cocktail, volume, overfill, bud):
    from mesocalc.render.explain import compound_steps
    from mesocalc.render.jsondoc import compound_doc

    category, storage, immediate = bud
    result = mesocalc.compound(cocktail, f"{volume} mL", stock=COMPOUNDS[cocktail], overfill=overfill,
                               prepared="2027-01-15T09:00", category=category, storage=storage,
                               immediate_use=immediate, library=library)
    doc = compound_doc(result)
    checked = 0
    for step in steps_doc(compound_steps(result)):
        ing = _named(doc["ingredients"], step["text"])
        checked += sum(quantity in _compound_values(doc, ing, key, step["text"]) or _missing(key, quantity, step)
                       for key, quantity in step["quantities"].items())
        checked += sum((key == "vials" and ing is not None and count == ing["vials"]) or _missing(key, count, step)
                       for key, count in step.get("counts", {}).items())
    assert checked >= 3 * len(doc["ingredients"]) + 2  # batch, each draw/amount/final, the diluent


# ---- visit --explain: every quantity is the visit's -------------------------------------------

visit_items = st.one_of(
    st.tuples(st.integers(2, 12), st.integers(2, 12)).map(
        lambda wh: {"cocktail": "submental-dca", "area": f"{wh[0]} cm x {wh[1]} cm"}),
    st.integers(1, 40).map(lambda v: {"cocktail": "lidocaine-1-percent", "volume": f"{v} mL", "site": "scalp"}),
    st.integers(1, 30).map(lambda v: {"cocktail": "procaine-2-percent", "volume": f"{v} mL", "site": "scalp"}),
    st.integers(1, 60).map(lambda g: {"product": "emla-cream", "mass": f"{g} g", "area": f"{g * 10} cm^2"}),
    st.integers(1, 4).map(lambda v: {"product": "ha-filler-lidocaine", "volume": f"{v} mL"}),
    st.integers(1, 20).map(lambda v: {"product": "lidocaine-1-percent-epinephrine-1-100000", "volume": f"{v} mL"}),
)


@PROPS
@given(st.lists(visit_items, min_size=1, max_size=4), st.one_of(st.none(), st.integers(40, 120)))
def test_every_number_in_the_visit_explanation_is_the_visit_s(library, items, weight):
    from mesocalc.render.visit_explain import visit_steps
    from mesocalc.render.visit_json import visit_doc

    visit: dict[str, Any] = {"kind": "visit", "items": items}
    if weight is not None:
        visit["weight"] = f"{weight} kg"
    result = mesocalc.visit(visit, library=library)
    doc = visit_doc(result)
    names = {a.id: a.name for a in library.agents.values()}
    shares = [dict(s, name=names[s["agent"]]) for cl in doc["class_limits"] for s in cl["shares"]]
    checked = 0
    for step in steps_doc(visit_steps(result)):
        text = step["text"]
        total = _named(doc["totals"], text)
        share = _named(shares, text)
        for key, quantity in step["quantities"].items():
            if key == "volume":  # an item's session volume, from its plan
                values = [item["plan"]["total_volume"] for item in doc["items"] if "plan" in item]
            elif key == "weight":
                values = [doc["weight"]]
            elif key == "max_for_patient":  # the per-kg cap × the weight, both in the visit document
                assert total is not None and doc["weight"] is not None
                assert any(math.isclose(quantity["value"], ch["max"]["value"] * doc["weight"]["value"],
                                        rel_tol=1e-12) for ch in total["checks"]), text
                continue
            elif key in ("dose", "cap", "more"):
                assert share is not None, (key, text)
                values = [share[key]]
            else:
                assert total is not None, (key, text)
                values = {"total": [total["total"]], "beside": [total["beside"]],
                          "max": [ch["max"] for ch in total["checks"]],
                          "actual": [ch["actual"] for ch in total["checks"]],
                          "binding_cap": [(total["binding"] or {}).get("cap")]}[key]
            assert quantity in values, (key, quantity, text)
            checked += 1
    assert checked >= 1  # every visit has at least one item's volume or one agent's total
