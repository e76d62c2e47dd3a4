"""Every number's derivation, step by step, in words and figures (`--explain`).

Pure: builds ordered `Step`s from a computed result; the renderers print them (numbered lines) or put
them in the JSON document (`explain`). The plan's order follows the computation itself:
area -> points (grid rule) -> session volume -> final concentration (from vials where mixed) -> dose ->
each cap (per-kg caps with the weight) -> capacity.

The step builders for a concentration mixed from vials and for a cap are separate functions so that
other commands (the compounding recipe) can reuse them for their own steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mesocalc import units as u
from mesocalc.core.checks import Check, quantity_text
from mesocalc.core.compound import CompoundResult
from mesocalc.core.geometry import points_rule
from mesocalc.core.model import CheckStatus, Grid
from mesocalc.core.plan import ComponentResult, PlanResult

fq = u.format_quantity
fn = u.format_number


@dataclass(frozen=True)
class Step:
    """One step of a derivation: a sentence with its figures, and the quantities it involves."""

    text: str
    quantities: dict[str, u.Q] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # plain whole numbers (points, sessions)


# ---- reusable step builders ------------------------------------------------------------------


def mixed_concentration_step(agent_name: str, stock: u.Q, stock_volume: u.Q, total: u.Q, parts: str,
                             final: u.Q) -> Step:
    """C_final = C_stock × V_stock / ΣV, volumes taken as additive (REFERENCE §8.1); `final` as computed."""
    return Step(
        f"{agent_name}: final concentration = stock × volume drawn / total volume = {fq(stock)} × "
        f"{fq(stock_volume)} / {fq(total)} = {_result_like(final, stock)} (total {parts} = {fq(total)}, "
        "volumes taken as additive)",
        {"stock_concentration": stock, "stock_volume": stock_volume, "total_volume": total,
         "concentration": final})


def _result_like(result: u.Q, operand: u.Q) -> str:
    """The result in its operand's unit first (1 mg/mL × 0.05 mL / 10 mL = 0.005 mg/mL = 5 mcg/mL)."""
    same = u.format_like(result, operand)
    return same if same == fq(result) else f"{same} = {fq(result)}"


def cap_step(agent_name: str, check: Check, weight: u.Q | None) -> Step:
    """One cap held against its number: the cap, what it is compared with, the share used, the verdict."""
    limit = check.limit
    when = f", {limit.condition_text()}" if limit.condition_text() else ""
    if limit.counts_injections:  # a count of injections (KYBELLA: 50 per session), not a quantity
        return _count_cap_step(agent_name, check)
    derived = "derived from " if limit.derived else ""
    label = (f"{agent_name} {limit.scope} cap {fq(limit.max)} ({limit.severity}{when}; "
             f"{derived or 'source '}{limit.source or 'none'})")
    quantities: dict[str, u.Q] = {"max": limit.max}
    if check.status == CheckStatus.NOT_APPLICABLE:
        return Step(f"{label}: not applicable: {check.reason}", quantities)
    if check.actual is None:
        return Step(f"{label}: not checked: {check.reason}", quantities)
    quantities["actual"] = check.actual
    text = (f"{label}: {u.converted_first(check.actual, limit.max)}{u.format_like(check.actual, limit.max)} / "
            f"{fq(limit.max)} = {fn((check.fraction or 0) * 100)} % -> {check.status}")
    if check.max_for_patient is not None and weight is not None:
        # the cap for this patient, in plain amount: cap per kg × body weight
        absolute = check.max_for_patient
        quantities["weight"] = weight
        quantities["max_for_patient"] = absolute
        text += f" (for {fn(weight.value)} kg: {fq(limit.max)} × {fn(weight.value)} kg = {fq(absolute)})"
    return Step(text, quantities)


def _count_cap_step(agent_name: str, check: Check) -> Step:
    limit = check.limit
    label = (f"{agent_name} {limit.scope} cap {quantity_text(limit, limit.max)} ({limit.severity}; "
             f"source {limit.source or 'none'})")
    counts = {"max_injections": int(limit.max.value)}
    if check.actual is None:
        return Step(f"{label}: {check.status}: {check.reason}", {}, counts)
    counts["injections"] = int(check.actual.value)
    return Step(f"{label}: {quantity_text(limit, check.actual)} / {quantity_text(limit, limit.max)} = "
                f"{fn((check.fraction or 0) * 100)} % -> {check.status}", {}, counts)


# ---- plan ---------------------------------------------------------------------------------------


def plan_steps(result: PlanResult) -> list[Step]:
    session = result.session
    technique = session.technique
    steps: list[Step] = []
    steps += _area_steps(result)
    steps.append(_points_step(result))
    vpp = technique.volume_per_point
    steps.append(Step(
        f"Session volume = points × volume per point = {result.points:,} × {fq(vpp)} = {fq(result.session_volume)}",
        {"volume_per_point": vpp, "session_volume": result.session_volume}, {"points": result.points}))
    for comp in result.components:
        steps.append(_concentration_step(comp, result))
    for comp in result.components:
        steps.append(_dose_step(comp, result))
    for comp in result.components:
        if comp.agent.limits and all(ch.status == CheckStatus.NOT_APPLICABLE for ch in comp.checks):
            conditions = sorted({lim.condition_text() or "to the whole course" for lim in comp.agent.limits})
            steps.append(Step(f"{comp.agent.name}: none of its caps applies to this session "
                              f"(they apply {', '.join(conditions)})"))
        elif not comp.checks:
            steps.append(Step(f"{comp.agent.name}: no established dose limits"))
        steps += [cap_step(comp.agent.name, check, session.weight) for check in comp.checks]
    steps.append(_capacity_step(result))
    if result.reference is not None:
        ref = result.reference
        steps.append(Step(
            f"Published session ({ref.source or 'no source'}): share = session volume / published volume = "
            f"{fq(result.session_volume)} / {fq(ref.volume)} = {fn(ref.share * 100)} %",
            {"session_volume": result.session_volume, "reference_volume": ref.volume}))
    return steps


def _area_steps(result: PlanResult) -> list[Step]:
    session = result.session
    steps = []
    for area in session.areas:
        label = area.name or area.id or "measured area"
        quantities = {"area": area.surface}
        if area.width is not None and area.height is not None:
            text = f"Area {label}: {fq(area.width)} × {fq(area.height)} = {fq(area.surface)} (measured)"
            quantities.update(width=area.width, height=area.height)
        elif area.basis == "assumption":
            text = f"Area {label}: {fq(area.surface)} (library preset, an assumption: measure the patient)"
        elif area.basis == "sourced":
            text = f"Area {label}: {fq(area.surface)} (library preset, source {area.source or 'none'})"
        else:
            text = f"Area {label}: {fq(area.surface)} (given)"
        steps.append(Step(text, quantities))
    if len(session.areas) > 1 and result.area is not None:
        terms = " + ".join(fq(a.surface) for a in session.areas)
        steps.append(Step(f"Treated area = {terms} = {fq(result.area)}", {"area": result.area}))
    return steps


def _points_step(result: PlanResult) -> Step:
    session = result.session
    technique = session.technique
    s = technique.spacing
    counts = {"points": result.points}
    if result.exact_points is None or result.area is None or result.capacity.cell_area is None:
        return Step(f"Points = {result.points:,}, given with --points (the grid rule is not used)", {}, counts)
    area = result.area
    quantities = {"area": area, "spacing": s, "cell_area": result.capacity.cell_area}
    if technique.grid == Grid.SQUARE:
        figures = f"ceil({fq(area)} / ({fq(s)})²)"
    else:
        figures = f"ceil(2 × {fq(area)} / (√3 × ({fq(s)})²))"
    rule = f"{points_rule(technique.grid)} = {figures}"
    return Step(f"Points on a cell-centred {technique.grid} grid = {rule} = ceil({fn(result.exact_points)}) = "
                f"{result.points:,}", quantities, counts)


def _concentration_step(comp: ComponentResult, result: PlanResult) -> Step:
    name = comp.agent.name
    if comp.stock is None or comp.stock_volume is None or result.mix_total is None:
        return Step(f"{name}: final concentration {fq(comp.concentration)}, as the cocktail gives it",
                    {"concentration": comp.concentration})
    cocktail = result.session.cocktail
    parts = [fq(c.volume) for c in cocktail.components if c.volume is not None]
    if cocktail.diluent is not None:
        parts.append(f"{fq(cocktail.diluent.volume)} {cocktail.diluent.name}")
    return mixed_concentration_step(name, comp.stock, comp.stock_volume, result.mix_total, " + ".join(parts),
                                    comp.concentration)


def _dose_step(comp: ComponentResult, result: PlanResult) -> Step:
    session = result.session
    vpp = session.technique.volume_per_point
    text = (f"{comp.agent.name}: session dose = concentration × session volume = {fq(comp.concentration)} × "
            f"{fq(result.session_volume)} = {fq(comp.dose)}; per point = {fq(comp.concentration)} × {fq(vpp)} = "
            f"{fq(comp.dose_per_point)}")
    quantities = {"concentration": comp.concentration, "dose": comp.dose, "dose_per_point": comp.dose_per_point}
    if comp.dose_per_area is not None and result.area is not None:
        text += f"; per cm² = {fq(comp.dose)} / {fq(result.area)} = {fq(comp.dose_per_area)}"
        quantities["dose_per_area"] = comp.dose_per_area
    if comp.dose_per_kg is not None and session.weight is not None:
        text += f"; per kg = {fq(comp.dose)} / {fn(session.weight.value)} kg = {fq(comp.dose_per_kg)}"
        quantities["dose_per_kg"] = comp.dose_per_kg
        quantities["weight"] = session.weight
    if comp.share < 1:
        text += (f"; its solution is {fn(comp.share * 100)} % of the injected volume = "
                 f"{fq(comp.solution_volume)}")
        quantities["solution_volume"] = comp.solution_volume
    return Step(text, quantities)


def _capacity_step(result: PlanResult) -> Step:
    """Each hard cap that grows with the number of points allows floor(cap / per-point amount) points; the
    terms are those the plan recorded when it counted the capacity."""
    cap = result.capacity
    weight = result.session.weight
    parts = []
    for term in cap.terms:
        limit = term.check.limit
        if term.per_point is None or term.cap is None:
            parts.append(f"{term.agent} {limit.scope} cap is over whatever the number of points: 0")
            continue
        label = f"{term.agent} {limit.scope} cap"
        if limit.counts_injections:  # one injection per point: 50 injections allow 50 points, not "50 1 / 1 1"
            parts.append(f"{label}: {quantity_text(limit, term.cap)}, one per point = {term.allowed:,}")
            continue
        if term.check.max_for_patient is not None and weight is not None:  # the plan turned it into an amount
            label += f" {fq(limit.max)} × {fn(weight.value)} kg"
        parts.append(f"{label}: {u.converted_first(term.per_point, term.cap)}floor({fq(term.cap)} / "
                     f"{u.format_like(term.per_point, term.cap)} per point) = {term.allowed:,}")
    if cap.technique_max is not None:
        parts.append(f"technique maximum: {cap.technique_max:,}")
    counts: dict[str, int] = {}
    quantities: dict[str, u.Q] = {}
    if cap.max_points is None:
        text = f"Capacity: {cap.unbounded_reason}"
    else:
        counts["max_points"] = cap.max_points
        # one term per line, as each other step is one line of arithmetic
        terms = "".join(f"\n  {part}" for part in parts)
        text = f"Capacity = the smallest of these {len(parts)}:{terms}\n= {cap.max_points:,} points"
        if cap.max_area is not None and cap.cell_area is not None:
            text += f" × {fq(cap.cell_area)} per point = {fq(cap.max_area)}"
            quantities["max_area"] = cap.max_area
            quantities["cell_area"] = cap.cell_area
        if cap.unbounded_reason:
            text += f"; {cap.unbounded_reason}"
    return Step(text, quantities, counts)


# ---- compound --explain -----------------------------------------------------------------------


def compound_steps(result: CompoundResult) -> list[Step]:
    """batch volume -> each draw (C1·V1 = C2·V2, or a recipe part scaled) -> final concentrations -> diluent
    -> vials -> each check -> beyond-use date."""
    from mesocalc.core.compound import diluent_calculation, draw_calculation, limit_text

    steps: list[Step] = []
    batch = result.total_volume
    if result.overfill is not None and result.overfill.value > 0:
        steps.append(Step(f"Batch: {fq(result.requested_volume)} asked for + {fq(result.overfill)} overfill "
                          f"for dead space = {fq(batch)} to prepare",
                          {"requested": result.requested_volume, "overfill": result.overfill, "batch": batch}))
    else:
        steps.append(Step(f"Batch: {fq(batch)} to prepare", {"batch": batch}))
    for ing in result.ingredients:
        name = ing.agent.name
        steps.append(Step(f"{name}: volume of stock to draw, {draw_calculation(result, ing)}; it carries "
                          f"{fq(ing.stock)} × {fq(ing.draw)} = {fq(ing.amount)}",
                          {"stock_concentration": ing.stock, "volume": ing.draw, "amount": ing.amount}))
        steps.append(mixed_concentration_step(name, ing.stock, ing.draw, batch, "batch volume", ing.final))
        if ing.vials is not None and ing.vial_volume is not None:
            left = f", {fq(ing.left_over)} left over" if ing.left_over is not None else ""
            steps.append(Step(f"{name}: vials = ceil({fq(ing.draw)} / {fq(ing.vial_volume)} per vial) = "
                              f"{ing.vials}{left}", {"volume": ing.draw, "vial_volume": ing.vial_volume},
                              {"vials": ing.vials}))
    steps.append(Step(f"{result.diluent_name}: {diluent_calculation(result)}", {"diluent": result.diluent_volume}))
    for check in result.checks:
        steps.append(cap_step(check.agent, check, None))
    bud = result.beyond_use
    if bud is not None:
        rule = bud.rule
        what = "immediate use" if rule.category == "immediate-use" else f"category {rule.category}"
        storage = f", {rule.storage}" if rule.storage else ""
        confirmed = "" if rule.confirmed else " (UNCONFIRMED limit: check USP <797> Tables 13-14)"
        limit = limit_text(rule.limit)
        minute = "%Y-%m-%d %H:%M"  # as on the label: no seconds, no UTC offset
        steps.append(Step(f"Beyond use: prepared {bud.prepared.strftime(minute)} + {limit} "
                          f"({what}{storage}, USP <797>) = {bud.until.strftime(minute)}{confirmed}",
                          {"limit": rule.limit}))
    return steps
