"""A plan is `finish` of its numbers on `prepare` of its shape (core/plan.py), and a batch remembers
`prepare` by shape (issue 16). Remembering may never change a result: over thousands of seeded random
sessions on every built-in cocktail, and on cocktails built here for the rules no built-in cocktail reaches
(weight-band caps, a region-conditioned cap, a concentration cap, a mix of stocks with a diluent), a plan
computed with a memo that has seen many other sessions equals the plan computed alone: PlanResult equality
(records compare by value) and the same `--json` text. The memo must also have answered (a test that never
hits it proves nothing)."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from mesocalc import units as u
from mesocalc.core import model as m
from mesocalc.core.plan import PlanResult, Shape, compute, prepare, shape_of
from mesocalc.errors import MesocalcError
from mesocalc.render.jsondoc import dumps, plan_doc
from mesocalc.request import plan as rq

SEED = 1616

PATIENTS = (
    m.Patient("p-plain", weight=u.parse_quantity("62 kg", u.WEIGHT_KIND)),
    m.Patient("p-pregnant", conditions=("Pregnancy", "breast feeding")),
    m.Patient("p-allergic", allergies=("xylocaine", "sulfite", "Kybella"),
              weight=u.parse_quantity("180 lb", u.WEIGHT_KIND)),
    m.Patient("p-amide", allergies=("amide local anaesthetic",), conditions=("methemoglobinemia-risk",)),
    m.Patient("p-unknown", conditions=("wobbly knees",), allergies=("moonbeams", "none")),
    m.Patient("p-young", birth_date="2012-05-01"),
    m.Patient("p-old", age=90, weight=u.parse_quantity("70 kg", u.WEIGHT_KIND)),
)


def q(text: str, kind: str) -> u.Q:
    return u.parse_quantity(text, kind)


def with_concentration_cap(library: m.Library) -> m.Library:
    """The built-in library, with a concentration cap on lidocaine (none of the built-in agents has one), and
    two agents whose every cap has a `when`: procaine's head-and-neck cap alone (a region), and prilocaine's
    weight bands on the face only (a region and a weight), so that no cap applies on the body."""
    agents = dict(library.agents)
    agents["lidocaine"] = replace(agents["lidocaine"], max_concentration=q("15 mg/mL", u.CONCENTRATION))
    procaine, prilocaine = agents["procaine"], agents["prilocaine"]
    agents["x-procaine-head"] = replace(procaine, id="x-procaine-head",
                                        limits=tuple(lim for lim in procaine.limits if lim.when_site))
    agents["x-prilocaine-face"] = replace(prilocaine, id="x-prilocaine-face", limits=tuple(
        replace(lim, when_site=replace(lim.when_site, regions=("face",))) for lim in prilocaine.limits
        if lim.when_site))
    return replace(library, agents=agents)


def extra_cocktails(library: m.Library) -> list[m.Cocktail]:
    """Cocktails for the rules the built-in ones do not reach."""
    base = library.cocktails["lidocaine-1-percent"]
    conc = u.CONCENTRATION
    return [
        replace(base, id="x-prilocaine", name="Prilocaine 2 %", area=None, reference=None,
                components=(m.Component("prilocaine", concentration=q("2 %", conc)),)),
        replace(base, id="x-procaine-scalp", name="Procaine on the scalp", area="scalp", reference=None,
                components=(m.Component("procaine", concentration=q("2 %", conc)),)),
        replace(base, id="x-lidocaine-strong", name="Lidocaine 2 %", reference=None,
                components=(m.Component("lidocaine", concentration=q("2 %", conc)),)),
        replace(base, id="x-stocks", name="Lidocaine and prilocaine from stocks", reference=None,
                components=(m.Component("lidocaine", stock=q("2 %", conc), volume=q("1 mL", u.VOLUME_KIND)),
                            m.Component("prilocaine", stock_id="prilocaine-4-percent",
                                        volume=q("0.5 mL", u.VOLUME_KIND))),
                diluent=m.Diluent("saline", q("2 mL", u.VOLUME_KIND))),
        replace(base, id="x-head-caps", name="Caps with conditions only", area="abdomen", reference=None,
                components=(m.Component("x-procaine-head", concentration=q("1 %", conc)),
                            m.Component("x-prilocaine-face", concentration=q("1 %", conc)))),
    ]


def random_options(rng: random.Random, areas: list[str]) -> rq.SessionOptions:
    """Areas as ids, surfaces, rectangles, several at once or a scalp share; --points; overrides; weights."""
    shape = rng.randrange(8)
    area: tuple[str, ...] = ()
    scalp = None
    points = None
    if shape == 0:
        area = (rng.choice(areas),)
    elif shape == 1:
        area = (f"{rng.uniform(0.5, 400):.3f} cm^2",)
    elif shape == 2:
        area = (f"{rng.uniform(1, 20):.2f} cm x {rng.uniform(1, 20):.2f} cm",)
    elif shape == 3:
        area = (rng.choice(areas), f"{rng.uniform(1, 50):.4f} cm^2")
    elif shape == 4:
        scalp = rng.choice([f"{rng.uniform(1, 100):.3f}%", "whole", "vertex", "norwood-3", "ludwig-2"])
    elif shape == 5:
        points = rng.randrange(1, 400)
    elif shape == 6:
        area = (rng.choice(areas), rng.choice(areas))
    elif rng.random() < 0.2:
        area = (rng.choice(["2e7 cm^2", "1e12 cm^2"]),)  # more points than a plan takes: an input error
    spacing = f"{rng.uniform(0.5, 2.5):.4f} cm" if rng.random() < 0.15 else None
    vpp = rng.choice([f"{rng.uniform(0.01, 0.5):.4f} mL", "0.2 mL", "5 mL"]) if rng.random() < 0.15 else None
    grid = rng.choice(["hex", "square"]) if rng.random() < 0.15 else None
    weight = None
    if rng.random() < 0.45:
        weight = rng.choice([f"{rng.uniform(40, 140):.3f} kg", f"{rng.uniform(90, 300):.1f} lb", "70 kg", "69.99 kg"])
    return rq.SessionOptions(area, scalp, spacing, vpp, grid, points, weight, None)


def random_sessions(library: m.Library, count: int, seed: int) -> list[tuple[str, Any]]:
    """(description, session or the input error's text) for `count` seeded random requests."""
    rng = random.Random(seed)
    cocktails = [library.cocktails[cid] for cid in sorted(library.cocktails)]
    if "x-procaine-head" in library.agents:
        cocktails += extra_cocktails(library)
    areas = sorted(library.areas)
    out: list[tuple[str, Any]] = []
    for _ in range(count):
        cocktail = rng.choice(cocktails)
        options = random_options(rng, areas)
        text = f"{cocktail.id} {options!r}"
        try:
            session = rq.resolve_session(cocktail, options, library)
        except MesocalcError as exc:
            out.append((text, str(exc)))
            continue
        if rng.random() < 0.3:
            patient = rng.choice(PATIENTS)
            weight = session.weight
            if weight is None and patient.weight is not None:
                weight = u.body_weight_kg(patient.weight)
            session = replace(session, patient=patient, weight=weight)
            text += f" patient={patient.id}"
        out.append((text, session))
    return out


def outcome(session: Any, library: m.Library, strict: bool, prepared: Any = None) -> tuple[str, Any]:
    """("plan", result, its JSON text) or ("error", the message): what a user would see."""
    try:
        result = compute(session, library, strict, prepared)
    except MesocalcError as exc:
        return "error", str(exc)
    return "plan", (result, dumps(plan_doc(result)))


class CountingMemo:
    """A memo of prepare by shape, like the batch's, that counts its answers."""

    def __init__(self, library: m.Library) -> None:
        self.library = library
        self.seen: dict[Shape, Any] = {}
        self.hits = 0

    def __call__(self, shape: Shape) -> Any:
        found = self.seen.get(shape)
        if found is None:
            found = self.seen[shape] = prepare(shape, self.library)
        else:
            self.hits += 1
        return found


def check_library(library: m.Library, count: int, seed: int) -> CountingMemo:
    memo = CountingMemo(library)
    sessions = random_sessions(library, count, seed)
    plans = 0
    for number, (text, session) in enumerate(sessions):
        if isinstance(session, str):
            continue
        strict = number % 7 == 0
        remembered = outcome(session, library, strict, memo)
        alone = outcome(session, library, strict)
        assert remembered == alone, text
        if remembered[0] == "plan":
            plans += 1
            result: PlanResult = remembered[1][0]
            assert result.session is session
    assert plans > count // 2
    return memo


def test_a_plan_with_the_remembered_shape_equals_the_plan_computed_alone(library):
    memo = check_library(with_concentration_cap(library), 1500, SEED)
    assert memo.hits > 300  # the memo answered (shapes repeat: the same cocktail, sites and patient)
    assert len(memo.seen) > 300  # and many shapes were compared, not one


def test_the_same_with_library_overrides_named_by_area_agent_and_cocktail(library):
    # a layered library's override notes name areas, agents and cocktails: an area's id is then part of
    # the shape (without overrides it is not read, so that a scalp share's id does not split shapes)
    layered = replace(with_concentration_cap(library), overrides=(
        "area 'submental' from clinic/areas.yaml replaces the one in formulations/areas/face.yaml",
        "agent 'lidocaine' from clinic/lidocaine.yaml replaces the one in formulations/agents/lidocaine.yaml",
        "cocktail 'submental-dca' from clinic/dca.yaml replaces the one in formulations/cocktails/submental-dca.yaml",
        "area 'scalp-40pct' from clinic/scalp.yaml replaces the one in formulations/areas/scalp.yaml"))
    check_library(layered, 600, SEED + 1)


def test_weight_band_caps_are_decided_by_each_plan_not_by_the_shape(library):
    # prilocaine: 8 mg/kg below 70 kg, 600 mg from 70 kg (citanest-label); one shape, both sides of 70 kg
    lib = with_concentration_cap(library)
    cocktail = extra_cocktails(lib)[0]
    memo = CountingMemo(lib)
    for weight in ("69.999 kg", "70 kg", "45 kg", "120 kg", None):
        options = rq.SessionOptions(("60 cm^2",), weight=weight)
        session = rq.resolve_session(cocktail, options, lib)
        assert outcome(session, lib, False, memo) == outcome(session, lib, False)
    assert memo.hits == 4
    na = m.CheckStatus.NOT_APPLICABLE
    for weight, applies in (("60 kg", [True, False]), ("120 kg", [False, True])):
        session = rq.resolve_session(cocktail, rq.SessionOptions(("60 cm^2",), weight=weight), lib)
        result = compute(session, lib, prepared=memo)
        assert [check.status != na for check in result.components[0].checks] == applies


def test_an_input_error_of_the_grid_comes_first_as_before(library):
    cocktail = library.cocktails["submental-dca"]
    session = rq.resolve_session(cocktail, rq.SessionOptions(("1e12 cm^2",)), library)
    kind, message = outcome(session, library, False)
    assert kind == "error" and "injection points" in message


def test_a_shape_keys_its_quantities_by_exact_value(library):
    # 0.2 mL written 0.2 or as a whole number 1 vs 1.0 are equal numbers but print differently: never one shape
    cocktail = library.cocktails["submental-dca"]
    session = rq.resolve_session(cocktail, rq.SessionOptions(("25 cm^2",)), library)
    whole = replace(session, technique=replace(session.technique, volume_per_point=u.Q(1, u.VOLUME)))
    decimal = replace(session, technique=replace(session.technique, volume_per_point=u.Q(1.0, u.VOLUME)))
    assert shape_of(whole, library) != shape_of(decimal, library)
    # another line of the same cocktail on another measured area is the same shape
    other = rq.resolve_session(cocktail, rq.SessionOptions(("31.5 cm^2",)), library)
    assert shape_of(other, library) == shape_of(session, library)


def test_the_batch_prepares_each_shape_once(library, monkeypatch):
    from mesocalc.cli import batch

    calls = []

    def counting(shape: Shape, lib: m.Library) -> Any:
        calls.append(shape)
        return prepare(shape, lib)

    monkeypatch.setattr(batch, "prepare", counting)
    planner = batch.BatchPlanner(library)
    for number, area in enumerate(("10 cm^2", "12.5 cm^2", "17.25 cm^2", "90 cm^2"), start=1):
        planner.plan(f'{{"cocktail": "submental-dca", "area": "{area}"}}', number)
    planner.plan('{"cocktail": "submental-dca", "area": "20 cm^2", "weight": "70 kg"}', 5)
    assert len(calls) == 1  # areas and weights are numbers of the plan, not of its shape
    planner.plan('{"cocktail": "mesohair-minoxidil", "scalp": "40%", "spacing": "1.2 cm"}', 6)
    planner.plan('{"cocktail": "mesohair-minoxidil", "scalp": "45%", "spacing": "1.3 cm"}', 7)
    assert len(calls) == 2  # nor is the spacing


def planned_with_one_memo(library: m.Library, cocktail_id: str, areas: tuple[str, ...]) -> list[PlanResult]:
    """The plans of `cocktail_id` on each area (cm²), one after the other with one memo of prepare (as a
    batch plans them); each equal, and written the same, to the plan computed alone."""
    memo: dict[Any, Any] = {}

    def remembered(shape: Shape) -> Any:
        return memo.setdefault(shape.key, prepare(shape, library))

    cocktail = library.cocktails[cocktail_id]
    plans = [compute(rq.resolve_session(cocktail, rq.SessionOptions((f"{area} cm^2",)), library), library, False,
                     remembered) for area in areas]
    alone = [compute(plan.session, library) for plan in plans]
    assert plans == alone and [dumps(plan_doc(p)) for p in plans] == [dumps(plan_doc(p)) for p in alone]
    return plans


def test_plans_of_one_shape_comparing_the_same_number_share_the_check_and_its_warnings(library):
    # submental-dca (kybella-pi: 10 mg/mL, 0.2 mL a point on a 1 cm grid) on 10.001 and on 10.002 cm²: 11 points
    # each (ceil of the area over 1 cm²), so 2.2 mL and 22 mg both times. The session caps (100 mg, 10 mL, 50
    # injections) compare the same numbers: the second plan gets the first plan's very checks. The 2 mg/cm² cap
    # compares 22 / 10.001 and 22 / 10.002 mg/cm² (2.1998 and 2.1996, both over the soft cap): a check and a
    # warning each.
    plans = planned_with_one_memo(library, "submental-dca", ("10.001", "10.002"))
    first, second = (plan.components[0].checks for plan in plans)
    for one, two in zip(first, second, strict=True):
        if one.limit.basis == "per-area" and one.limit.scope == m.Scope.SESSION:
            assert one is not two and one.status == two.status == m.CheckStatus.OVER
            assert one.actual.value == 22 / 10.001 and two.actual.value == 22 / 10.002
        else:
            assert one is two, one.limit
    over = [[w for w in plan.warnings if w.code == "limit-over"] for plan in plans]
    assert len(over[0]) == len(over[1]) == 1 and over[0][0] is not over[1][0]  # each plan's own (both "2.2 mg/cm²")


def test_a_shared_check_over_its_cap_gives_the_same_warning_object(library):
    # pcdc-abdomen (21 mg/mL deoxycholic acid, 0.3 mL a point, 1.5 cm grid: 2.25 cm² a point) on 50.01 and on
    # 50.02 cm²: 23 points each (50.01 / 2.25 = 22.2, up), 6.9 mL, 144.9 mg of deoxycholic acid, over the
    # 100 mg soft cap (kybella-pi's maximum recommended dose) both times: one check, one warning, both plans
    plans = planned_with_one_memo(library, "pcdc-abdomen", ("50.01", "50.02"))
    assert plans[0].points == plans[1].points == 23
    dca = [next(comp for comp in plan.components if comp.agent.id == "deoxycholic-acid") for plan in plans]
    assert abs(dca[0].dose.value - 144.9) < 1e-9
    amount = [next(ch for ch in comp.checks if ch.limit.scope == m.Scope.SESSION and ch.limit.basis == "amount"
                   and ch.status == m.CheckStatus.OVER) for comp in dca]
    assert amount[0] is amount[1]
    said = [[w for w in plan.warnings if w.code == "limit-over" and "100 mg" in w.message] for plan in plans]
    assert len(said[0]) == 1 and said[0][0] is said[1][0]


def test_an_override_equal_to_the_cocktails_technique_keeps_its_note(library):
    # submental-dca's own technique is the label's 1 cm grid and 0.2 mL a point (kybella-pi): --spacing 1 cm
    # (or 10 mm) changes nothing, so the technique's note is still shown; 1.1 cm is another technique
    cocktail = library.cocktails["submental-dca"]

    def codes(**options: Any) -> list[str]:
        session = rq.resolve_session(cocktail, rq.SessionOptions(("25 cm^2",), **options), library)
        return [w.code for w in compute(session, library).warnings]

    assert "technique-note" in codes()
    assert "technique-note" in codes(spacing="1 cm") and "technique-note" in codes(spacing="10 mm")
    assert "technique-note" in codes(volume_per_point="0.2 mL", grid="square")
    assert "technique-note" not in codes(spacing="1.1 cm")
    assert "technique-note" not in codes(volume_per_point="0.1 mL")


def test_plans_of_one_shape_and_session_volume_share_the_published_session_share(library):
    # mesohair-dutasteride (0.05 mL a point on a 1 cm grid; published session 1 mL, Saceda-Corralo 2017) on
    # 70.1 and 70.2 cm²: 71 points each, 3.55 mL, 355 % of the published session both times: one reference
    # share and one above-reference warning for both plans (each plan equal to the plan computed alone)
    plans = planned_with_one_memo(library, "mesohair-dutasteride", ("70.1", "70.2"))
    assert plans[0].points == plans[1].points == 71
    assert plans[0].reference is plans[1].reference and abs(plans[0].reference.share - 3.55) < 1e-9
    above = [[w for w in plan.warnings if w.code == "above-reference"] for plan in plans]
    assert len(above[0]) == 1 and above[0][0] is above[1][0]
    other = planned_with_one_memo(library, "mesohair-dutasteride", ("70.1", "71.5"))  # 71 and 72 points
    assert other[0].reference is not other[1].reference
