"""One session: grid, volumes, final concentrations, doses, limit checks and capacity.

Pure functions of model objects (no Typer, no Rich, no YAML).

A plan is `finish(prepare(shape))`: `prepare` works out what the session's shape decides (the cocktail's mix,
which caps apply, the checks and capacity terms that need none of the plan's numbers, the warnings around the
numbers), `finish` the numbers (area, points, volumes, doses, the other checks, capacity, the warnings that
quote numbers). There is one path: `compute` is the two in a row, and a batch remembers `prepare` by shape.

Conventions (SPEC §4):
- square grid: points = ceil(area / spacing²); hex grid: points = ceil(area × 2 / (√3 × spacing²)),
  cell-centred, so 25 cm² at 1 cm gives 25 points, as the Kybella label's 2 mg/cm² implies;
  a count within 1e-9 of a whole number is that number.
- session volume = points × volume per point; dose = final concentration × session volume.
- the volume of an agent's solution (for volume caps) is its share of the session volume: all of it
  for a cocktail given as final concentrations, the stock's share of the mix for one given as parts.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from typing import ClassVar, NamedTuple, TypeVar

from mesocalc import units as u
from mesocalc.core import caps, practice, vocabulary
from mesocalc.core import checks as c
from mesocalc.core import geometry as g
from mesocalc.core import model as m
from mesocalc.errors import input_error
from mesocalc.record import Record, record, slotted_record
from mesocalc.request.plan import Session


def cell_area(technique: m.Technique) -> u.Q:
    """The skin area each injection point of this technique stands for (geometry.cell_area)."""
    return g.cell_area(technique.grid, technique.spacing)


MAX_POINTS = 1_000_000  # the largest count --points accepts; a grid beyond it is a unit slip, not a plan


def _exact_points(area: u.Q, technique: m.Technique, cell: u.Q) -> float:
    """area / cell area, refused beyond MAX_POINTS; rounded up (within 1e-9 of a whole number) it is the count."""
    raw = g.points_in(area, cell)
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
    _short_lived: ClassVar[bool] = True  # made for each plan (record.Record)

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


@record
class CapacityTerm(Record):
    """One hard cap's part in the capacity: the whole points it allows, and the figures that gave them."""

    _short_lived: ClassVar[bool] = True  # made for each plan (record.Record)

    agent: str
    check: c.Check
    allowed: int  # 0 for a cap that does not grow with the points and is already over
    cap: u.Q | None = None  # the cap as an amount (a per-kg cap × the body weight)
    per_point: u.Q | None = None  # what each point adds, in the cap's amount: allowed = floor(cap / per_point)


@record
class Capacity(Record):
    """The largest whole number of points within every hard cap, and what decided it."""

    _short_lived: ClassVar[bool] = True  # made for each plan (record.Record)

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
    _short_lived: ClassVar[bool] = True  # made for each plan (record.Record)

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


def compute(session: Session, library: m.Library, strict: bool = False,
            prepared: Callable[[Shape], Prepared] | None = None) -> PlanResult:
    """The plan of one session: `finish` of the session's numbers on `prepare` of its shape.

    `prepared` gives the shape's prepared part instead of `prepare` (the batch passes a memo of prepare:
    lines of one shape share it, whatever their numbers)."""
    size = grid_size(session)  # its input errors first, before anything of the shape
    shape = shape_of(session, library)
    return finish(prepare(shape, library) if prepared is None else prepared(shape), session, size, strict)


class GridSize(NamedTuple):
    area: u.Q | None  # the treated area: the sum of the areas (None with --points alone)
    exact: float | None  # area / cell area before rounding up (None with --points)
    points: int
    cell: u.Q  # the skin each point stands for


def grid_size(session: Session) -> GridSize:
    """The treated area, its points on the technique's grid (or --points), and the cell area."""
    area = None
    if session.areas:
        area = session.areas[0].surface
        for extra in session.areas[1:]:
            area = area + extra.surface
    cell = cell_area(session.technique)
    exact = _exact_points(area, session.technique, cell) if session.points is None and area else None
    points = session.points if session.points is not None else u.whole_ceil(exact) if exact is not None else 0
    if points < 1:
        raise input_error("the treated area gives no injection points", None, code="no-points")
    return GridSize(area, exact, points, cell)


# ---- the shape of a plan, and what depends on it alone -----------------------------------------------


class Shape:
    """What a plan reads of its session besides the numbers that vary from patient to patient (area, points,
    weight, spacing): the cocktail, the volume per point, the treated sites, the patient. Equal shapes have
    equal `prepare`.

    The cocktail and the patient are compared by identity (a batch resolves each once; hashing a cocktail
    by value costs more than preparing it), which is safe for a memo key: the shape holds them, so no other
    object can take their id while it lives."""

    __slots__ = ("areas", "cocktail", "default_technique", "key", "patient", "today", "volume_per_point")

    def __init__(self, cocktail: m.Cocktail, volume_per_point: u.Q, areas: tuple[AreaShape, ...],
                 default_technique: bool, patient: m.Patient | None, today: datetime.date | None) -> None:
        self.cocktail = cocktail
        self.volume_per_point = volume_per_point
        self.areas = areas
        self.default_technique = default_technique  # the cocktail's own technique, whose note is shown
        self.patient = patient
        self.today = today  # the date a patient's age is worked out on (birth_date)
        # quantities by their exact value: 2 and 2.0, or 0.0 and -0.0, are equal but written differently
        sizes = tuple(_exactly(area.assumed_size) for area in areas if area.assumed_size is not None)
        # what equal shapes share: a memo may key on it (a plain tuple, hashed and compared in C) as long as
        # it keeps the shape (the ids in it are then the cocktail's and the patient's own)
        self.key = (id(cocktail), _exactly(volume_per_point), areas, sizes, default_technique, id(patient), today)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Shape) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def sites(self) -> tuple[str | None, ...]:
        return tuple(area.site for area in self.areas)


def _exactly(q: u.Q) -> tuple[str, u.Dims]:
    return repr(q.value), q.dims


class AreaShape(NamedTuple):
    """What a plan's rules and texts read of one treated area besides its size."""

    site: str | None  # the anatomical site (area id) it stands for: regions, off-label, technique range
    id: str | None  # for override notes and an assumed area's name (else left out: a scalp share's id varies)
    name: str | None
    basis: str
    assumed_size: u.Q | None  # an assumed size is quoted in a warning; a measured one is a number of the plan


def shape_of(session: Session, library: m.Library) -> Shape:
    overridden = bool(library.overrides)
    areas = []
    for a in session.areas:
        assumed = a.basis == "assumption"
        areas.append(AreaShape(a.site, a.id if assumed or overridden else None, a.name if assumed else None, a.basis,
                               a.surface if assumed else None))
    technique, own = session.technique, session.cocktail.technique
    # the cocktail's own technique, or one equal to it; an override (--spacing, --volume-per-point, --grid)
    # changes one of the first three fields, which settles it without comparing the whole record
    default = technique is own or (technique.spacing == own.spacing and technique.volume_per_point ==
                                   own.volume_per_point and technique.grid == own.grid and technique == own)
    today = datetime.date.today() if session.patient is not None else None
    return Shape(session.cocktail, technique.volume_per_point, tuple(areas), default, session.patient, today)


@slotted_record
class LimitUse(Record):
    """One cap of an agent (its final concentration cap first, then its point and session caps) as a plan of
    this shape meets it."""

    limit: m.Limit
    confidence: str | None
    check: c.Check | None  # its check when this shape decides it: not applicable, the concentration, a point
    #                        cap on the per-point dose or volume; else each plan checks it
    weighed: bool  # whether the cap applies depends on the body weight (asked again by each plan)
    grows: bool  # caps.grows_with_points
    increment: tuple[u.Q | None, int | None] | None  # what one point adds and the points allowed (capacity),
    #                                                  when they do not depend on the body weight


@slotted_record
class PreparedComponent(Record):
    agent: m.Agent
    concentration: u.Q
    share: float
    point_dose: u.Q  # the dose of one point
    point_volume: u.Q  # the agent's solution in one point
    stock: u.Q | None
    stock_volume: u.Q | None
    limits: tuple[LimitUse, ...]
    not_applied: tuple[c.Warning, ...] | None  # caps-not-applied, unless a cap's `when` weighs the weight
    counted: tuple[int, ...]  # the positions in `limits` of the caps that may count toward the capacity


@slotted_record
class Prepared(Record):
    """Everything of a plan that depends on its shape alone: the mix, which caps apply, the checks and capacity
    terms that do not depend on the plan's numbers, the warnings around the numbers."""

    shape: Shape
    mix: Mix
    regions: frozenset[str] | None
    components: tuple[PreparedComponent, ...]
    context: tuple[c.Warning, ...]  # regulatory, admixture, patient, assumption, override, technique notes
    usual: tuple[m.TechniqueRange, str] | None  # the usual technique range that governs this shape
    published: practice.Published | None  # the published session of a regimen cocktail
    usual_warnings: tuple[c.Warning, ...]  # the cocktail's own technique against `usual` (most plans use it)
    # Plans of this shape that compare the same number with a cap share that check and its warnings (finish:
    # _checked, _warned); bounded, and only ever read by finish. A batch keeps the shape, so its plans share them.
    measured: dict[tuple[int, float, u.Dims, tuple[float, u.Dims] | None], c.Check]
    warned: dict[int, tuple[c.Check, list[c.Warning]]]
    # the published session's share and warnings by session volume (_reference)
    references: dict[tuple[float, u.Dims], tuple[practice.ReferenceShare | None, list[c.Warning]]]


def prepare(shape: Shape, library: m.Library) -> Prepared:
    cocktail = shape.cocktail
    vpp = shape.volume_per_point
    agents = {comp.agent: library.agents[comp.agent] for comp in cocktail.components}
    mix = final_mix(cocktail, agents)
    regions = site_regions(shape.sites, cocktail, library)
    components = []
    for comp in cocktail.components:
        agent = agents[comp.agent]
        conc = mix.concentrations[comp.agent]
        share = mix.shares[comp.agent]
        point_dose = conc * vpp
        point_volume = vpp * share
        uses = []
        if agent.max_concentration is not None:
            cap = m.Limit(m.Scope.CONCENTRATION, agent.max_concentration, m.Severity.HARD, None,
                          note="final concentration cap")
            uses.append(_use(cap, None, c.evaluate(agent.id, cap, conc, None, None), False, point_dose,
                             point_volume))
        for limit in agent.limits:
            if limit.scope == m.Scope.COURSE:
                continue
            confidence = _confidence(library, limit.source, agent)
            weighed = limit.when_site is not None and limit.when_site.depends_on_weight
            check = None if weighed else applicability(agent, limit, confidence, mix.concentrations, regions, None)
            if check is None and not weighed and _per_point_only(limit):
                check = measure(agent.id, limit, confidence, point_dose, point_volume, None, None, None)
            uses.append(_use(limit, confidence, check, weighed, point_dose, point_volume))
        not_applied = None
        if not any(use.weighed for use in uses):
            not_applied = tuple(c.caps_not_applied(agent, [use.check for use in uses]))
        stock = stock_concentration(comp, agents) if cocktail.mixed_from_stocks else None
        counted = tuple(index for index, use in enumerate(uses) if counts_for_capacity(use.limit, use.check))
        components.append(PreparedComponent(agent, conc, share, point_dose, point_volume, stock, comp.volume,
                                            tuple(uses), not_applied, counted))
    context = context_warnings(shape, list(agents.values()), library)
    usual = practice.technique_range(cocktail, shape.sites, library)
    published = practice.published_session(cocktail, mix.concentrations)
    usual_warnings = tuple(practice.technique_warnings(cocktail.technique, usual))
    return Prepared(shape, mix, regions, tuple(components), tuple(context), usual, published, usual_warnings, {}, {},
                    {})


def _use(limit: m.Limit, confidence: str | None, check: c.Check | None, weighed: bool, point_dose: u.Q,
         point_volume: u.Q) -> LimitUse:
    grows = caps.grows_with_points(limit)
    increment = None
    if limit.severity == m.Severity.HARD and grows and not caps.needs_weight(limit):
        increment = point_increment(limit, point_dose, point_volume, None)
    return LimitUse(limit, confidence, check, weighed, grows, increment)


def _per_point_only(limit: m.Limit) -> bool:
    """A point cap held against the dose or the volume of one point: the same for every plan of a shape."""
    return limit.scope == m.Scope.POINT and not limit.counts_injections and not caps.needs_weight(limit) \
        and not caps.needs_area(limit)


def applicability(agent: m.Agent, limit: m.Limit, confidence: str | None, concentrations: dict[str, u.Q],
                  regions: frozenset[str] | None, weight: u.Q | None) -> c.Check | None:
    """None when `limit` applies here; else its not-applicable check (with the reason)."""
    if limit.applies(concentrations, regions, weight):
        return None
    return c.not_applicable(agent.id, limit, concentrations, confidence, regions, weight)


def measure(agent_id: str, limit: m.Limit, confidence: str | None, amount: u.Q, solution: u.Q,
            per_area: u.Q | None, points: int | None, weight: u.Q | None) -> c.Check:
    """A cap that applies, checked: `amount` and `solution` are the dose and the agent's solution over the
    cap's scope (one point, or the session); a cap on the number of injections is held against `points`."""
    actual, reason = _compared(limit, amount, solution, per_area, points, weight)
    return c.evaluate(agent_id, limit, actual, reason, confidence, caps.for_patient(limit, weight))


def _compared(limit: m.Limit, amount: u.Q, solution: u.Q, per_area: u.Q | None, points: int | None,
              weight: u.Q | None) -> tuple[u.Q | None, str | None]:
    """The number `limit` is held against (caps.compared_with; the points for a cap on injections), or None
    and the reason."""
    if limit.counts_injections:
        return (None if points is None else u.Q(float(points), u.DIMENSIONLESS)), None
    return caps.compared_with(limit, amount, solution, per_area, weight)


MEASURED_SIZE = 1024  # checks (and warnings) a shape remembers; emptied beyond this, so memory stays flat
K = TypeVar("K")
V = TypeVar("V")


def _kept(memo: dict[K, V], key: K, value: V) -> V:
    """value, remembered in one of a shape's memos (emptied when full)."""
    if len(memo) >= MEASURED_SIZE:
        memo.clear()
    memo[key] = value
    return value


def _checked(prepared: Prepared, use: LimitUse, agent_id: str, amount: u.Q, solution: u.Q, per_area: u.Q | None,
             points: int | None, weight: u.Q | None) -> c.Check:
    """measure(...) for a cap of this shape; the very same Check again when a plan before compared the same
    number (and, for a per-kg cap, the same cap for the patient): plans of one shape that reach the same dose
    share it, so its warnings (_warned) and its JSON text (render/planline.py) are written once.

    Only a non-zero float is a key: 0.0 and -0.0, or 2 and 2.0, are equal keys but are written differently."""
    limit = use.limit
    actual, reason = _compared(limit, amount, solution, per_area, points, weight)
    mine = caps.for_patient(limit, weight)
    if actual is None or type(actual.value) is not float or not actual.value or \
            (mine is not None and (type(mine.value) is not float or not mine.value)):
        return c.evaluate(agent_id, limit, actual, reason, use.confidence, mine)
    key = (id(use), actual.value, actual.dims, None if mine is None else (mine.value, mine.dims))
    memo = prepared.measured  # the shape holds its uses: id(use) is this use's own while the memo lives
    known = memo.get(key)
    return known if known is not None else _kept(memo, key, c.evaluate(agent_id, limit, actual, reason,
                                                                       use.confidence, mine))


def _reference(prepared: Prepared, session_volume: u.Q) -> tuple[practice.ReferenceShare | None, list[c.Warning]]:
    """This session against the published one of a regimen cocktail, and the warning when it is above it:
    made once per session volume of this shape (plans of the same points share them; only a non-zero float is
    a key, as in _checked)."""
    published = prepared.published
    if published is None:
        return None, []
    value = session_volume.value
    key = (value, session_volume.dims)
    memo = prepared.references
    known = memo.get(key) if type(value) is float and value else None
    if known is None:
        reference = practice.reference_share(published, session_volume, prepared.mix.concentrations)
        known = reference, practice.reference_warnings(reference, prepared.shape.cocktail)
        if type(value) is float and value:
            _kept(memo, key, known)
    return known


def _warned(prepared: Prepared, checks: list[c.Check], agent_name: str) -> list[c.Warning]:
    """c.limit_warnings(checks, agent_name), each check's warnings made once per check object (a check shared
    by plans of this shape, from prepare or _checked, has the same warnings every time)."""
    out: list[c.Warning] = []
    over, unchecked = m.CheckStatus.OVER, m.CheckStatus.UNCHECKED
    memo = prepared.warned
    for check in checks:
        if check.status != over and check.status != unchecked:
            continue  # nothing to say (limit_warnings says nothing either)
        known = memo.get(id(check))
        if known is None or known[0] is not check:  # the entry holds its check: the id is that check's
            known = _kept(memo, id(check), (check, c.limit_warnings([check], agent_name)))
        out += known[1]
    return out


# ---- the numbers of one plan ---------------------------------------------------------------------------


def finish(prepared: Prepared, session: Session, size: GridSize, strict: bool = False) -> PlanResult:
    """The numbers of one session on its prepared shape: volumes, doses, checks, capacity, and the warnings
    that quote them."""
    cocktail = session.cocktail
    technique = session.technique
    weight = session.weight
    area, points = size.area, size.points
    concentrations = prepared.mix.concentrations
    session_volume = technique.volume_per_point * float(points)

    results = []
    warnings: list[c.Warning] = []
    for prep in prepared.components:
        agent = prep.agent
        dose = prep.concentration * session_volume
        per_area = dose / area if area is not None else None
        per_kg = dose / weight if weight is not None else None
        solution = session_volume if prep.share == 1.0 else session_volume * prep.share  # x × 1.0 is x
        checks = []
        for use in prep.limits:
            check = use.check
            if check is None:
                limit = use.limit
                if use.weighed:
                    check = applicability(agent, limit, use.confidence, concentrations, prepared.regions, weight)
                if check is None:
                    if limit.scope == m.Scope.POINT:
                        check = _checked(prepared, use, agent.id, prep.point_dose, prep.point_volume, per_area,
                                         points, weight)
                    else:
                        check = _checked(prepared, use, agent.id, dose, solution, per_area, points, weight)
            checks.append(check)
        warnings += _warned(prepared, checks, agent.name)
        warnings += c.caps_not_applied(agent, checks) if prep.not_applied is None else prep.not_applied
        results.append(ComponentResult(agent, prep.concentration, dose, prep.point_dose, per_area, per_kg, solution,
                                       tuple(checks), prep.share, prep.stock, prep.stock_volume))

    max_points = technique.max_points
    if max_points is not None and points > max_points:
        warnings.append(c.Warning("technique-over", m.Severity.HARD,
                                  f"{points} injection points is over the technique's maximum of {max_points}",
                                  source=technique.source))
    capacity = compute_capacity(results, prepared, technique, weight, size.cell)
    warnings += prepared.context
    reference, above = _reference(prepared, session_volume)
    warnings += above
    warnings += prepared.usual_warnings if technique is cocktail.technique else \
        practice.technique_warnings(technique, prepared.usual)
    code = c.exit_code(warnings, strict)
    return PlanResult(session, area, points, session_volume, tuple(results), capacity, tuple(warnings), code,
                      prepared.mix.total, size.exact, reference)


def treated_regions(session: Session, library: m.Library) -> frozenset[str] | None:
    """The regions (scalp, face, body) of the treated areas, for region-conditioned caps; None when one of
    them is not known (a measured area of a cocktail with no default area): such caps then apply."""
    return site_regions(tuple(a.site for a in session.areas), session.cocktail, library)


def site_regions(sites: tuple[str | None, ...], cocktail: m.Cocktail, library: m.Library) -> frozenset[str] | None:
    """treated_regions of the areas' sites (the cocktail's default area when there is none)."""
    regions = set()
    for site in sites or (cocktail.area,):
        area = library.areas.get(site) if site else None
        if area is None:
            return None
        regions.add(area.region)
    return frozenset(regions)


def context_warnings(shape: Shape, agents: list[m.Agent], library: m.Library) -> list[c.Warning]:
    """Everything around the numbers: regulatory status, off-label sites, assumptions, patient, admixture."""
    cocktail = shape.cocktail
    warnings: list[c.Warning] = []
    # with --points and no area, the treated site is the cocktail's default area (for off-label checks)
    sites = list(shape.sites) or [cocktail.area]
    warnings += c.regulatory_warnings(agents, sites)
    warnings += c.admixture_warnings(cocktail, library.agents)
    components = {comp.agent: comp for comp in cocktail.components}
    warnings += vocabulary.patient_warnings(agents, shape.patient, library, components, shape.today)
    for area in shape.areas:
        if area.basis == "assumption":
            assert area.assumed_size is not None
            warnings.append(c.Warning(
                "assumption", m.Severity.SOFT,
                f"the size of '{area.name or area.id}' ({u.format_quantity(area.assumed_size)}) is an assumption, "
                "not a measurement: measure the patient and give --area"))
    used = [f"agent '{a.id}' " for a in agents] + [f"cocktail '{cocktail.id}' "]
    used += [f"area '{a.id}' " for a in shape.areas if a.id]
    for note in library.overrides:
        if any(note.startswith(prefix) for prefix in used):
            warnings.append(c.Warning("library-override", m.Severity.INFO, note))
    if cocktail.technique.note and shape.default_technique:
        warnings.append(c.Warning("technique-note", m.Severity.INFO, f"technique: {cocktail.technique.note}"))
    return warnings


def _confidence(library: m.Library, source_id: str | None, agent: m.Agent) -> str | None:
    source = library.source_for(source_id, agent)
    return source.confidence if source else None


def compute_capacity(results: list[ComponentResult], prepared: Prepared, technique: m.Technique,
                     weight: u.Q | None, cell: u.Q) -> Capacity:
    """The largest whole number of points within every hard cap, and which cap binds first."""
    terms: list[CapacityTerm] = []
    unknown = []
    for result, prep in zip(results, prepared.components, strict=True):
        for index in prep.counted:
            check, use = result.checks[index], prep.limits[index]
            limit = use.limit
            if use.weighed and not counts_for_capacity(limit, check):  # prepare could not tell: asked now
                continue
            if not use.grows:
                # independent of the number of points: a breach allows no points at all
                if check.status == m.CheckStatus.OVER:
                    terms.append(CapacityTerm(result.agent.id, check, 0))
                continue
            per_point, allowed = use.increment or point_increment(limit, prep.point_dose, prep.point_volume, weight)
            if per_point is None:
                unknown.append(f"{result.agent.id} {limit.scope} {u.format_quantity(limit.max)}")
                continue
            if allowed is None:
                continue
            mine = caps.for_patient(limit, weight)
            if mine is not None and weight is not None:
                terms.append(CapacityTerm(result.agent.id, check, allowed, mine, per_point * weight))
            else:
                terms.append(CapacityTerm(result.agent.id, check, allowed, limit.max, per_point))
    binding = None  # the first of the smallest
    for term in terms:
        if binding is None or term.allowed < binding.allowed:
            binding = term
    best = binding.allowed if binding is not None else None
    if technique.max_points is not None and (best is None or technique.max_points < best):
        best, binding = technique.max_points, None
    reason = None
    if unknown:
        reason = "not counted (needs the patient's weight): " + "; ".join(unknown)
    if best is None:
        return Capacity(None, None, None, reason or "no hard cap limits the number of points", tuple(terms),
                        technique.max_points, cell)
    return Capacity(best, cell * float(best), binding, reason, tuple(terms), technique.max_points, cell)


def counts_for_capacity(limit: m.Limit, check: c.Check | None) -> bool:
    """Whether a cap counts toward the capacity: a hard cap that applies (None: its check is not made yet)."""
    return limit.severity == m.Severity.HARD and (check is None or check.status != m.CheckStatus.NOT_APPLICABLE)


def point_increment(limit: m.Limit, point_dose: u.Q, point_volume: u.Q,
                    weight: u.Q | None) -> tuple[u.Q | None, int | None]:
    """What one point adds to the number a session cap is compared with (None: per-area, or no weight), and
    the whole points the cap allows (None when a point adds nothing)."""
    per_point: u.Q | None
    if limit.counts_injections:
        per_point = u.Q(1.0, u.DIMENSIONLESS)
    elif limit.basis == "per-area":
        per_point = None
    else:
        per_point = caps.compared_with(limit, point_dose, point_volume, None, weight)[0]
    if per_point is None or per_point.value <= 0:
        return per_point, None
    return per_point, u.whole_floor(limit.max.value / per_point.value)
