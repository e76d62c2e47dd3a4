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
from typing import Any

from mesocalc import checks as c
from mesocalc import model as m
from mesocalc import units as u
from mesocalc.errors import input_error
from mesocalc.record import Record, record
from mesocalc.request import Session

SQRT3 = math.sqrt(3.0)


def cell_area(technique: m.Technique) -> u.Q:
    """The skin area each injection point stands for: s² (square) or (√3/2)·s² (hex)."""
    square = technique.spacing * technique.spacing
    return square if technique.grid == "square" else square * (SQRT3 / 2)


MAX_POINTS = 1_000_000  # the largest count --points accepts; a grid beyond it is a unit slip, not a plan


def grid_points(area: u.Q, technique: m.Technique) -> int:
    s2 = technique.spacing.value ** 2
    cell = s2 if technique.grid == "square" else SQRT3 * s2 / 2
    raw = area.value / cell if cell > 0 else math.inf
    if not math.isfinite(raw) or raw > MAX_POINTS:
        raise input_error(f"{u.format_quantity(area)} at {u.format_quantity(technique.spacing)} spacing gives more "
                          f"than {MAX_POINTS:,} injection points: check the area and spacing units", None,
                          code="too-many-points")
    return u.whole_ceil(raw)


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

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "agent": self.agent.id,
            "name": self.agent.name,
            "concentration": self.concentration.to_json(),
            "dose": self.dose.to_json(),
            "dose_per_point": self.dose_per_point.to_json(),
            "dose_per_area": self.dose_per_area.to_json() if self.dose_per_area else None,
            "dose_per_kg": self.dose_per_kg.to_json() if self.dose_per_kg else None,
            "solution_volume": self.solution_volume.to_json(),
            "checks": [ch.to_json() for ch in self.checks],
        }
        if self.stock is not None:
            out["stock"] = self.stock.to_json()
        if not self.agent.limits:
            out["limits_note"] = "no established dose limits"
        if self.agent.regulatory:
            out["regulatory_status"] = self.agent.regulatory.status
        return out


@record
class Capacity(Record):
    max_points: int | None
    max_area: u.Q | None
    limited_by: dict[str, Any] | None
    unbounded_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "max_points": self.max_points,
            "max_area": self.max_area.to_json() if self.max_area else None,
            "limited_by": self.limited_by,
        }
        if self.unbounded_reason:
            out["note"] = self.unbounded_reason
        return out


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

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def compute(session: Session, library: m.Library, strict: bool = False) -> PlanResult:
    cocktail = session.cocktail
    technique = session.technique
    agents = {comp.agent: library.agents[comp.agent] for comp in cocktail.components}
    present = set(agents)
    area = None
    if session.areas:
        area = session.areas[0].surface
        for extra in session.areas[1:]:
            area = area + extra.surface
    points = session.points if session.points is not None else grid_points(area, technique) if area else 0
    if points < 1:
        raise input_error("the treated area gives no injection points", None, code="no-points")
    vpp = technique.volume_per_point
    session_volume = vpp * float(points)
    mix = final_mix(cocktail, agents)

    results = []
    warnings: list[c.Warning] = []
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
            cap = m.Limit("concentration", agent.max_concentration, "hard", None, note="final concentration cap")
            checks.append(c.evaluate(agent.id, cap, conc, None, None))
        for limit in agent.limits:
            if limit.scope == "course" or not limit.applies(present):
                continue
            actual, reason = _actual(limit, dose, per_point, per_area, session.weight, solution, vpp * share)
            confidence = _confidence(library, limit.source, agent)
            checks.append(c.evaluate(agent.id, limit, actual, reason, confidence))
        warnings += c.limit_warnings(checks, agent.name)
        stock = stock_concentration(comp, agents) if cocktail.mixed_from_stocks else None
        results.append(ComponentResult(agent, conc, dose, per_point, per_area, per_kg, solution, tuple(checks),
                                       share, stock, comp.volume))

    max_points = technique.max_points
    if max_points is not None and points > max_points:
        warnings.append(c.Warning("technique-over", "hard",
                                  f"{points} injection points is over the technique's maximum of {max_points}",
                                  source=technique.source))
    capacity = compute_capacity(results, technique, session.weight, present)
    warnings += context_warnings(session, list(agents.values()), library)
    code = c.exit_code(warnings, strict)
    return PlanResult(session, area, points, session_volume, tuple(results), capacity, tuple(warnings), code,
                      mix.total)


def context_warnings(session: Session, agents: list[m.Agent], library: m.Library) -> list[c.Warning]:
    """Everything around the numbers: regulatory status, off-label sites, assumptions, patient, admixture."""
    warnings: list[c.Warning] = []
    # with --points and no area, the treated site is the cocktail's default area (for off-label checks)
    sites = [a.site for a in session.areas] or [session.cocktail.area]
    warnings += c.regulatory_warnings(agents, sites)
    warnings += c.admixture_warnings(session.cocktail, library.agents)
    warnings += c.patient_warnings(agents, session.patient)
    for area in session.areas:
        if area.basis == "assumption":
            warnings.append(c.Warning(
                "assumption", "soft",
                f"the size of '{area.name or area.id}' ({u.format_quantity(area.surface)}) is an assumption, "
                "not a measurement: measure the patient and give --area"))
    used = [f"agent '{a.id}' " for a in agents] + [f"cocktail '{session.cocktail.id}' "]
    used += [f"area '{a.id}' " for a in session.areas if a.id]
    for note in library.overrides:
        if any(note.startswith(prefix) for prefix in used):
            warnings.append(c.Warning("library-override", "info", note))
    if session.cocktail.technique.note and session.technique == session.cocktail.technique:
        warnings.append(c.Warning("technique-note", "info", f"technique: {session.cocktail.technique.note}"))
    return warnings


def _confidence(library: m.Library, source_id: str | None, agent: m.Agent) -> str | None:
    source = library.source_for(source_id, agent)
    return source.confidence if source else None


def _actual(limit: m.Limit, dose: u.Q, per_point: u.Q, per_area: u.Q | None, weight: u.Q | None,
            solution: u.Q, solution_per_point: u.Q) -> tuple[u.Q | None, str | None]:
    """The number this limit is compared with, or None and the reason it cannot be checked."""
    amount = per_point if limit.scope == "point" else dose
    if limit.basis == "amount":
        return amount, None
    if limit.basis == "per-kg":
        if weight is None:
            return None, "needs the patient's weight (--weight or --patient)"
        return amount / weight, None
    if limit.basis == "per-area":
        if per_area is None:
            return None, "needs the treated area (--area or --scalp)"
        return per_area, None
    return (solution_per_point if limit.scope == "point" else solution), None


def compute_capacity(results: list[ComponentResult] | tuple[ComponentResult, ...], technique: m.Technique,
                     weight: u.Q | None, present: set[str]) -> Capacity:
    """The largest whole number of points within every hard cap, and which cap binds first."""
    best: int | None = None
    binding: dict[str, Any] | None = None
    unknown = []
    vpp = technique.volume_per_point
    for result in results:
        for check in result.checks:
            limit = check.limit
            if limit.severity != "hard":
                continue
            if limit.scope in ("point", "concentration") or limit.basis == "per-area":
                # independent of the number of points: a breach allows no points at all
                n = 0 if check.status == "over" else None
            else:
                per_point = per_point_actual(limit, result, vpp, weight)
                if per_point is None:
                    unknown.append(f"{result.agent.id} {limit.scope} {u.format_quantity(limit.max)}")
                    continue
                if per_point.value <= 0:
                    continue
                n = u.whole_floor(limit.max.value / per_point.value)
            if n is not None and (best is None or n < best):
                best = n
                binding = {"agent": result.agent.id, "scope": limit.scope, "basis": limit.basis,
                           "max": limit.max.to_json(), "source": limit.source}
    if technique.max_points is not None and (best is None or technique.max_points < best):
        best = technique.max_points
        binding = {"technique": "max_points", "max_points": technique.max_points}
    reason = None
    if unknown:
        reason = "not counted (needs the patient's weight): " + "; ".join(unknown)
    if best is None:
        return Capacity(None, None, None, reason or "no hard cap limits the number of points")
    return Capacity(best, cell_area(technique) * float(best), binding, reason)


def per_point_actual(limit: m.Limit, result: ComponentResult, vpp: u.Q, weight: u.Q | None) -> u.Q | None:
    if limit.basis == "amount":
        return result.dose_per_point
    if limit.basis == "per-kg":
        return result.dose_per_point / weight if weight is not None else None
    if limit.basis == "volume":
        return vpp * result.share
    return None
