"""One session: grid, volumes, final concentrations, doses, limit checks and capacity.

Pure functions of model objects (no Typer, no Rich, no YAML).

Conventions (SPEC §4):
- square grid: points = ceil(area / spacing²); hex grid: points = ceil(area × 2 / (√3 × spacing²)),
  cell-centred, so 25 cm² at 1 cm gives 25 points, as the Kybella label's 2 mg/cm² implies;
  a count within 1e-9 of a whole number is that number.
- session volume = points × volume per point; dose = final concentration × session volume.
- the volume of an agent's solution (for volume caps) is its share of the session volume: all of it
  for a cocktail given as final concentrations, the stock's share of the mix for one given as parts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from mesocalc import units as u
from mesocalc.core import caps, practice, vocabulary
from mesocalc.core import checks as c
from mesocalc.core import geometry as g
from mesocalc.core import model as m
from mesocalc.errors import input_error
from mesocalc.record import Record, record
from mesocalc.request.plan import Session


def cell_area(technique: m.Technique) -> u.Q:
    """The skin area each injection point of this technique stands for (geometry.cell_area)."""
    return g.cell_area(technique.grid, technique.spacing)


MAX_POINTS = 1_000_000  # the largest count --points accepts; a grid beyond it is a unit slip, not a plan


def _exact_points(area: u.Q, technique: m.Technique) -> float:
    """area / cell area, refused beyond MAX_POINTS; rounded up (within 1e-9 of a whole number) it is the count."""
    raw = g.exact_points(area, technique.grid, technique.spacing)
    if not math.isfinite(raw) or raw > MAX_POINTS:
        raise input_error(f"{u.format_quantity(area)} at {u.format_quantity(technique.spacing)} spacing gives more "
                          f"than {MAX_POINTS:,} injection points: check the area and spacing units", None,
                          code="too-many-points")
    return raw


@record
class Mix(Record):
    """Final concentrations in the syringe, and each agent's share of the mixed volume."""

    concentrations: dict[str, u.Q]
    shares: dict[str, float]
    total: u.Q | None  # the mixed batch volume, for a cocktail given as parts


def final_mix(cocktail: m.Cocktail, agents: dict[str, m.Agent]) -> Mix:
    if not cocktail.mixed_from_stocks:
        finals = {comp.agent: comp.concentration for comp in cocktail.components if comp.concentration}
        return Mix(finals, dict.fromkeys(finals, 1.0), None)
    # C_final = C_stock × V_stock / ΣV (volumes taken as additive; REFERENCE §8.1)
    total = sum((comp.volume.value for comp in cocktail.components if comp.volume), 0.0)
    if cocktail.diluent is not None:
        total += cocktail.diluent.volume.value
    concs = {}
    shares = {}
    for comp in cocktail.components:
        stock = stock_concentration(comp, agents)
        assert comp.volume is not None
        concs[comp.agent] = stock * (comp.volume.value / total)
        shares[comp.agent] = comp.volume.value / total
    return Mix(concs, shares, u.Q(total, u.VOLUME))


def stock_concentration(comp: m.Component, agents: dict[str, m.Agent]) -> u.Q:
    if comp.stock is not None:
        return comp.stock
    agent = agents[comp.agent]
    stock = agent.stock(comp.stock_id or "")
    if stock is None:
        raise input_error(f"agent '{agent.id}' has no stock '{comp.stock_id}'", comp.where)
    return stock.concentration


@record
class ComponentResult(Record):
    agent: m.Agent
    concentration: u.Q
    dose: u.Q
    dose_per_point: u.Q
    dose_per_area: u.Q | None
    dose_per_kg: u.Q | None
    solution_volume: u.Q
    checks: tuple[c.Check, ...]
    share: float = 1.0  # this agent's solution as a share of the injected volume
    stock: u.Q | None = None
    stock_volume: u.Q | None = None


@dataclass(frozen=True, eq=False, repr=False)
class CapacityTerm(Record):
    """One hard cap's part in the capacity: the whole points it allows, and the figures that gave them."""

    agent: str
    check: c.Check
    allowed: int  # 0 for a cap that does not grow with the points and is already over
    cap: u.Q | None = None  # the cap as an amount (a per-kg cap × the body weight)
    per_point: u.Q | None = None  # what each point adds, in the cap's amount: allowed = floor(cap / per_point)


@record
class Capacity(Record):
    """The largest whole number of points within every hard cap, and what decided it."""

    max_points: int | None
    max_area: u.Q | None  # max_points × the cell area
    binding: CapacityTerm | None  # the first cap allowing the fewest points; None when the technique binds
    unbounded_reason: str | None = None
    terms: tuple[CapacityTerm, ...] = ()  # every cap that counted, in the order of the caps table
    technique_max: int | None = None  # the technique's maximum number of points, when it has one
    cell_area: u.Q | None = None

    @property
    def limited_by_technique(self) -> bool:
        return self.max_points is not None and self.binding is None


@record
class PlanResult(Record):
    session: Session
    area: u.Q | None
    points: int
    session_volume: u.Q
    components: tuple[ComponentResult, ...]
    capacity: Capacity
    warnings: tuple[c.Warning, ...]
    exit_code: int
    mix_total: u.Q | None = None
    exact_points: float | None = None  # area / cell area before rounding up (None with --points)
    reference: practice.ReferenceShare | None = None  # the published session, for a regimen cocktail

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def compute(session: Session, library: m.Library, strict: bool = False) -> PlanResult:
    cocktail = session.cocktail
    technique = session.technique
    agents = {comp.agent: library.agents[comp.agent] for comp in cocktail.components}
    area = None
    if session.areas:
        area = session.areas[0].surface
        for extra in session.areas[1:]:
            area = area + extra.surface
    exact = _exact_points(area, technique) if session.points is None and area else None
    points = session.points if session.points is not None else u.whole_ceil(exact) if exact is not None else 0
    if points < 1:
        raise input_error("the treated area gives no injection points", None, code="no-points")
    vpp = technique.volume_per_point
    session_volume = vpp * float(points)
    mix = final_mix(cocktail, agents)

    results = []
    warnings: list[c.Warning] = []
    regions = treated_regions(session, library)
    for comp in cocktail.components:
        agent = agents[comp.agent]
        conc = mix.concentrations[comp.agent]
        share = mix.shares[comp.agent]
        dose = conc * session_volume
        per_point = conc * vpp
        per_area = dose / area if area is not None else None
        per_kg = dose / session.weight if session.weight is not None else None
        solution = session_volume * share
        checks = []
        if agent.max_concentration is not None:
            cap = m.Limit(m.Scope.CONCENTRATION, agent.max_concentration, m.Severity.HARD, None,
                          note="final concentration cap")
            checks.append(c.evaluate(agent.id, cap, conc, None, None))
        for limit in agent.limits:
            if limit.scope == m.Scope.COURSE:
                continue
            confidence = _confidence(library, limit.source, agent)
            if not limit.applies(mix.concentrations, regions, session.weight):
                checks.append(c.not_applicable(agent.id, limit, mix.concentrations, confidence, regions,
                                               session.weight))
                continue
            actual: u.Q | None
            if limit.counts_injections:
                actual, reason = u.Q(float(points), u.DIMENSIONLESS), None
            elif limit.scope == m.Scope.POINT:
                actual, reason = caps.compared_with(limit, per_point, vpp * share, per_area, session.weight)
            else:
                actual, reason = caps.compared_with(limit, dose, solution, per_area, session.weight)
            check = c.evaluate(agent.id, limit, actual, reason, confidence)
            mine = caps.for_patient(limit, session.weight)
            if mine is not None and check.actual is not None:
                check = replace(check, max_for_patient=mine)
            checks.append(check)
        warnings += c.limit_warnings(checks, agent.name)
        warnings += c.caps_not_applied(agent, checks)
        stock = stock_concentration(comp, agents) if cocktail.mixed_from_stocks else None
        results.append(ComponentResult(agent, conc, dose, per_point, per_area, per_kg, solution, tuple(checks),
                                       share, stock, comp.volume))

    max_points = technique.max_points
    if max_points is not None and points > max_points:
        warnings.append(c.Warning("technique-over", m.Severity.HARD,
                                  f"{points} injection points is over the technique's maximum of {max_points}",
                                  source=technique.source))
    capacity = compute_capacity(results, technique, session.weight)
    warnings += context_warnings(session, list(agents.values()), library)
    reference = practice.reference_share(cocktail, session_volume, mix.concentrations)
    warnings += practice.reference_warnings(reference, cocktail)
    warnings += practice.technique_warnings(session, library)
    code = c.exit_code(warnings, strict)
    return PlanResult(session, area, points, session_volume, tuple(results), capacity, tuple(warnings), code,
                      mix.total, exact, reference)


def treated_regions(session: Session, library: m.Library) -> frozenset[str] | None:
    """The regions (scalp, face, body) of the treated areas, for region-conditioned caps; None when one of
    them is not known (a measured area of a cocktail with no default area): such caps then apply."""
    regions = set()
    for site in [a.site for a in session.areas] or [session.cocktail.area]:
        area = library.areas.get(site) if site else None
        if area is None:
            return None
        regions.add(area.region)
    return frozenset(regions)


def context_warnings(session: Session, agents: list[m.Agent], library: m.Library) -> list[c.Warning]:
    """Everything around the numbers: regulatory status, off-label sites, assumptions, patient, admixture."""
    warnings: list[c.Warning] = []
    # with --points and no area, the treated site is the cocktail's default area (for off-label checks)
    sites = [a.site for a in session.areas] or [session.cocktail.area]
    warnings += c.regulatory_warnings(agents, sites)
    warnings += c.admixture_warnings(session.cocktail, library.agents)
    components = {comp.agent: comp for comp in session.cocktail.components}
    warnings += vocabulary.patient_warnings(agents, session.patient, library, components)
    for area in session.areas:
        if area.basis == "assumption":
            warnings.append(c.Warning(
                "assumption", m.Severity.SOFT,
                f"the size of '{area.name or area.id}' ({u.format_quantity(area.surface)}) is an assumption, "
                "not a measurement: measure the patient and give --area"))
    used = [f"agent '{a.id}' " for a in agents] + [f"cocktail '{session.cocktail.id}' "]
    used += [f"area '{a.id}' " for a in session.areas if a.id]
    for note in library.overrides:
        if any(note.startswith(prefix) for prefix in used):
            warnings.append(c.Warning("library-override", m.Severity.INFO, note))
    if session.cocktail.technique.note and session.technique == session.cocktail.technique:
        warnings.append(c.Warning("technique-note", m.Severity.INFO, f"technique: {session.cocktail.technique.note}"))
    return warnings


def _confidence(library: m.Library, source_id: str | None, agent: m.Agent) -> str | None:
    source = library.source_for(source_id, agent)
    return source.confidence if source else None


def compute_capacity(results: list[ComponentResult] | tuple[ComponentResult, ...], technique: m.Technique,
                     weight: u.Q | None) -> Capacity:
    """The largest whole number of points within every hard cap, and which cap binds first."""
    terms: list[CapacityTerm] = []
    unknown = []
    vpp = technique.volume_per_point
    for result in results:
        for check in result.checks:
            limit = check.limit
            if limit.severity != m.Severity.HARD or check.status == m.CheckStatus.NOT_APPLICABLE:
                continue
            if not caps.grows_with_points(limit):
                # independent of the number of points: a breach allows no points at all
                if check.status == m.CheckStatus.OVER:
                    terms.append(CapacityTerm(result.agent.id, check, 0))
                continue
            per_point = per_point_actual(limit, result, vpp, weight)
            if per_point is None:
                unknown.append(f"{result.agent.id} {limit.scope} {u.format_quantity(limit.max)}")
                continue
            if per_point.value <= 0:
                continue
            allowed = u.whole_floor(limit.max.value / per_point.value)
            mine = caps.for_patient(limit, weight)
            if mine is not None and weight is not None:
                terms.append(CapacityTerm(result.agent.id, check, allowed, mine, per_point * weight))
            else:
                terms.append(CapacityTerm(result.agent.id, check, allowed, limit.max, per_point))
    binding = min(terms, key=lambda term: term.allowed, default=None)  # the first of the smallest
    best = binding.allowed if binding is not None else None
    if technique.max_points is not None and (best is None or technique.max_points < best):
        best, binding = technique.max_points, None
    reason = None
    if unknown:
        reason = "not counted (needs the patient's weight): " + "; ".join(unknown)
    cell = cell_area(technique)
    if best is None:
        return Capacity(None, None, None, reason or "no hard cap limits the number of points", tuple(terms),
                        technique.max_points, cell)
    return Capacity(best, cell * float(best), binding, reason, tuple(terms), technique.max_points, cell)


def per_point_actual(limit: m.Limit, result: ComponentResult, vpp: u.Q, weight: u.Q | None) -> u.Q | None:
    """What one point adds to the number a session cap is compared with (None: per-area, or no weight)."""
    if limit.counts_injections:
        return u.Q(1.0, u.DIMENSIONLESS)
    if limit.basis == "per-area":
        return None
    return caps.compared_with(limit, result.dose_per_point, vpp * result.share, None, weight)[0]
