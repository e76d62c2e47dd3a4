"""One visit: everything given to one patient in one session, each item planned, every agent totalled.

Pure functions of model objects (no Typer, no Rich). The order follows SPEC §4-§5:

1. Each item gets its plan from `plan.compute` (a cocktail sized like `plan` or by its total volume; an
   injected product as one amount of its final concentrations): points, volumes, doses, its own checks.
   A topical product gives the amount of each agent it applies (strength × grams) and its own label
   limits (amount of product, area covered).
2. Every agent is totalled across the visit. Its session caps are held against the total: the caps that
   applied in at least one item that gave it (so lidocaine given both with and without epinephrine meets
   both sets of caps, and the lower binds: no label says how to combine them, and a cap is never raised
   silently). A cap whose condition holds in no item is listed as not applicable, with the reason.
   A product whose `session_total` is `beside` (topical creams: no source gives an absorption factor,
   REFERENCE 10.3.2) is shown beside the total, with a warning, and not added to it.
3. Class limits (`kind: class-limit`): with the additive rule, each agent's share is its total divided
   by its binding session cap (the lowest applicable hard cap, as an amount for this patient), the shares
   add up to at most `max` (1), and what remains is shown as how much more of each agent still fits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mesocalc import units as u
from mesocalc.core import caps, vocabulary
from mesocalc.core import checks as c
from mesocalc.core import model as m
from mesocalc.core.plan import PlanResult, compute, treated_regions
from mesocalc.errors import MesocalcError
from mesocalc.record import Record
from mesocalc.request.plan import Session
from mesocalc.request.visit import VisitItem, VisitRequest

__all__ = ["AgentTotal", "ClassLimitResult", "ClassShare", "Dose", "ItemResult", "VisitResult", "VisitWarning",
           "compute_visit", "with_course_warnings"]


@dataclass(frozen=True, eq=False, repr=False)
class Dose(Record):
    """One agent's dose from one item."""

    item: int
    agent: str
    amount: u.Q
    counted: bool  # in the session total (injected, or a product whose session_total is `added`)
    route: str  # injected | topical
    solution_volume: u.Q | None = None  # the agent's solution, for volume caps
    area: u.Q | None = None  # the item's treated area, for per-area caps
    concentration: u.Q | None = None  # its final concentration, for an injected item


@dataclass(frozen=True, eq=False, repr=False)
class ItemResult(Record):
    item: VisitItem
    plan: PlanResult | None  # cocktails and injected products
    amount: u.Q  # the volume given (mL), or the mass of product applied
    doses: tuple[Dose, ...]
    product_checks: tuple[c.Check, ...] = ()  # a product's own label limits
    warnings: tuple[c.Warning, ...] = ()
    session_caps: tuple[tuple[str, m.Limit], ...] = ()  # (agent, session cap) that applied in this item


@dataclass(frozen=True, eq=False, repr=False)
class AgentTotal(Record):
    agent: m.Agent
    doses: tuple[Dose, ...]
    total: u.Q | None  # the counted total; None when every dose is shown beside
    beside: u.Q | None  # applied amounts shown beside the total (topical, not added)
    checks: tuple[c.Check, ...]  # every session cap against the total (ok, over, unchecked, not-applicable)
    binding: c.Check | None = None  # the lowest applicable hard cap (amount or per kg)
    binding_cap: u.Q | None = None  # that cap as an amount for this patient
    binding_note: str | None = None  # why the binding cap is not certain (a per-kg cap without a weight)

    @property
    def counted_items(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(d.item for d in self.doses if d.counted))

    @property
    def beside_items(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(d.item for d in self.doses if not d.counted))


@dataclass(frozen=True, eq=False, repr=False)
class ClassShare(Record):
    agent: m.Agent
    dose: u.Q
    cap: u.Q | None  # the agent's binding session cap, as an amount
    limit: m.Limit | None
    share: float | None  # dose / cap
    more: u.Q | None = None  # how much more of this agent alone fits in the share that remains
    more_volume: u.Q | None = None  # the same, as a volume of the one concentration it was given in
    concentration: u.Q | None = None  # that concentration


@dataclass(frozen=True, eq=False, repr=False)
class ClassLimitResult(Record):
    limit: m.ClassLimit
    shares: tuple[ClassShare, ...]
    total: float  # the sum of the known shares
    remaining: float  # max - total, at least 0
    status: m.CheckStatus  # ok | over | unchecked
    reason: str | None = None
    beside: tuple[tuple[m.Agent, u.Q], ...] = ()  # topical amounts of the class, shown beside


@dataclass(frozen=True, eq=False, repr=False)
class VisitWarning(Record):
    """A warning and the items it comes from (none: it is about the visit's totals)."""

    warning: c.Warning
    items: tuple[int, ...] = ()


@dataclass(frozen=True, eq=False, repr=False)
class VisitResult(Record):
    request: VisitRequest
    items: tuple[ItemResult, ...]
    totals: tuple[AgentTotal, ...]
    class_limits: tuple[ClassLimitResult, ...]
    warnings: tuple[VisitWarning, ...]
    exit_code: int

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def compute_visit(request: VisitRequest, library: m.Library, strict: bool = False) -> VisitResult:
    items = tuple(_item(item, request, library, strict) for item in request.items)
    totals = tuple(_totals(items, request, library))
    classes = tuple(_class_limit(limit, totals) for limit in library.class_limits.values()
                    if any(limit.agent_class in t.agent.classes for t in totals))
    warnings = _warnings(items, totals, classes)
    code = c.exit_code([w.warning for w in warnings], strict)
    return VisitResult(request, items, totals, classes, tuple(warnings), code)


def with_course_warnings(result: VisitResult, warnings: tuple[c.Warning, ...], strict: bool = False) -> VisitResult:
    """The visit with the patient's course warnings (from the ledger) added, each naming the items that
    gave its agent (or the cocktail it is about, for `interval-late`), and the exit code they give."""
    added = []
    for w in warnings:
        numbers = [r.item.number for r in result.items if any(d.agent == w.agent for d in r.doses)
                   or (w.agent is None and w.message.startswith(f"{r.item.id}: "))]
        added.append(_from_items(w, numbers) if numbers else VisitWarning(w))
    every = (*result.warnings, *added)
    return replace(result, warnings=every, exit_code=c.exit_code([w.warning for w in every], strict))


# ---- 1. each item ------------------------------------------------------------------------------


def _item(item: VisitItem, request: VisitRequest, library: m.Library, strict: bool) -> ItemResult:
    try:
        if item.session is not None:
            return _planned(item, item.session, library, strict)
        product = item.product
        assert product is not None
        if product.route == "injected" and product.measure == "volume":
            return _planned(item, _product_session(product, item, request), library, strict)
        return _applied(item, product, request, library)
    except MesocalcError as exc:  # e.g. an area that gives no points: located at the item
        raise MesocalcError([replace(p, where=item.where) if not p.where.file else p for p in exc.problems]) from exc


def _product_session(product: m.Product, item: VisitItem, request: VisitRequest) -> Session:
    """An injected product as one amount: its final concentrations, the volume given, one injection."""
    assert item.volume is not None
    technique = m.Technique(m.Grid.SQUARE, u.Q(1.0, u.LENGTH), item.volume)
    components = tuple(m.Component(pc.agent, concentration=pc.strength, where=pc.where) for pc in product.components)
    cocktail = m.Cocktail(product.id, product.name, technique, components, area=item.site, notes=product.notes,
                          sources=product.sources)
    return Session(cocktail, technique, (), 1, request.weight, request.patient)


def _planned(item: VisitItem, session: Session, library: m.Library, strict: bool) -> ItemResult:
    plan = compute(session, library, strict)
    if item.product is not None:
        plan = _without_points(plan)
    doses = tuple(Dose(item.number, comp.agent.id, comp.dose, True, "injected", comp.solution_volume, plan.area,
                       comp.concentration) for comp in plan.components)
    caps = tuple((check.agent, check.limit) for comp in plan.components for check in comp.checks
                 if check.limit.scope == m.Scope.SESSION and check.status != m.CheckStatus.NOT_APPLICABLE)
    product_checks: tuple[c.Check, ...] = ()
    warnings = list(plan.warnings)
    regional = sorted({f"{ch.agent} {ch.limit.condition_text()}" for comp in plan.components for ch in comp.checks
                       if ch.limit.when_site is not None and ch.limit.when_site.regions
                       and ch.status != m.CheckStatus.NOT_APPLICABLE})
    if regional and treated_regions(session, library) is None:
        warnings.append(c.Warning("region-unknown", m.Severity.INFO,
                                  f"the treated region is not known (give 'site' or an area preset): the caps "
                                  f"that apply by region are applied ({'; '.join(regional)})"))
    if item.product is not None:
        product_checks = _product_checks(item.product, item, library)
        warnings += _product_limit_warnings(item.product, product_checks)
    return ItemResult(item, plan, plan.session_volume, doses, product_checks, tuple(warnings), caps)


def _without_points(plan: PlanResult) -> PlanResult:
    """A product is given as one amount, not as injection points: its per-point caps cannot be held against
    anything, so they are listed as not applicable (with the reason) instead of against the whole amount."""
    reason = "the product is given as one amount, not as injection points"
    components = []
    dropped: set[str] = set()
    for comp in plan.components:
        point = [ch for ch in comp.checks if ch.limit.scope == m.Scope.POINT]
        dropped |= {w.message for w in c.limit_warnings(point, comp.agent.name)}
        checks = tuple(c.Check(ch.agent, ch.limit, None, m.CheckStatus.NOT_APPLICABLE, reason, ch.confidence)
                       if ch.limit.scope == m.Scope.POINT else ch for ch in comp.checks)
        components.append(replace(comp, checks=checks))
    warnings = tuple(w for w in plan.warnings if w.message not in dropped)
    return replace(plan, components=tuple(components), warnings=warnings)


def _applied(item: VisitItem, product: m.Product, request: VisitRequest, library: m.Library) -> ItemResult:
    """A product applied, not injected (a cream): the amount of each agent = strength × amount of product."""
    amount = item.mass if product.measure == "mass" else item.volume
    assert amount is not None
    counted = product.session_total == "added"
    doses = []
    for pc in product.components:
        # by mass: strength per g × grams (amounts of product are kept in mg: / 1000); by volume: conc × volume
        dose = pc.strength * (amount.value / 1000.0) if product.measure == "mass" else pc.strength * amount
        doses.append(Dose(item.number, pc.agent, dose, counted, product.route,
                          area=item.area.surface if item.area else None))
    agents = [library.agents[pc.agent] for pc in product.components]
    checks = _product_checks(product, item, library)
    warnings = _product_limit_warnings(product, checks) + vocabulary.patient_warnings(agents, request.patient, library)
    if not counted:
        applied = ", ".join(f"{library.agents[d.agent].name} {u.format_quantity(d.amount)}" for d in doses)
        note = f" ({product.session_total_note.strip()})" if product.session_total_note else ""
        warnings.append(c.Warning(
            "topical-beside", m.Severity.SOFT,
            f"{product.name}: {applied} applied {product.route}ly, shown beside the injected totals, not added to "
            f"them{note}", None,
            product.session_total_source))
    return ItemResult(item, None, amount, tuple(doses), checks, tuple(warnings))


def product_amount_text(amount: u.Q) -> str:
    """An amount of product as people weigh or draw it: grams for creams, mL for liquids."""
    if amount.dims == u.MASS:
        return f"{u.format_number(amount.value / 1000.0)} g"
    return u.format_quantity(amount)


def _product_checks(product: m.Product, item: VisitItem, library: m.Library) -> tuple[c.Check, ...]:
    amount = item.mass if product.measure == "mass" else item.volume
    out = []
    for limit in product.limits:
        source = library.source_for(limit.source, product)
        confidence = source.confidence if source else None
        if limit.max.dims == u.AREA:
            actual = item.area.surface if item.area is not None else None
            reason = None if actual is not None else "give the area the product covers (area: ... cm^2)"
        else:
            actual, reason = amount, None
        out.append(c.evaluate(product.id, limit, actual, reason, confidence))
    return tuple(out)


def _product_limit_warnings(product: m.Product, checks: tuple[c.Check, ...]) -> list[c.Warning]:
    out = []
    for check in checks:
        limit = check.limit
        what = "area covered" if limit.max.dims == u.AREA else "amount"
        if check.status == m.CheckStatus.OVER and check.actual is not None:
            out.append(c.Warning(
                "limit-over", m.Severity(limit.severity),
                f"{product.name}: {what} {product_amount_text(check.actual)} is over the label maximum of "
                f"{product_amount_text(limit.max)} ({u.format_percent(check.fraction or 0)})", None, limit.source))
        elif check.status == m.CheckStatus.UNCHECKED:
            out.append(c.Warning("limit-unchecked", m.Severity.SOFT,
                                 f"{product.name}: label maximum {what} of {product_amount_text(limit.max)} not "
                                 f"checked: {check.reason}", None, limit.source))
    return out


# ---- 2. totals across the visit -----------------------------------------------------------------


def _totals(items: tuple[ItemResult, ...], request: VisitRequest, library: m.Library) -> list[AgentTotal]:
    order = list(dict.fromkeys(d.agent for result in items for d in result.doses))
    out = []
    for agent_id in order:
        agent = library.agents[agent_id]
        doses = tuple(d for result in items for d in result.doses if d.agent == agent_id)
        counted = [d for d in doses if d.counted]
        beside = [d.amount for d in doses if not d.counted]
        total = _sum([d.amount for d in counted])
        checks: tuple[c.Check, ...] = ()
        if total is not None:
            checks = tuple(_total_checks(agent, counted, total, items, request, library))
        binding, cap, note = _binding(checks, request.weight)
        out.append(AgentTotal(agent, doses, total, _sum(beside), checks, binding, cap, note))
    return out


def _sum(amounts: list[u.Q]) -> u.Q | None:
    if not amounts:
        return None
    total = amounts[0]
    for amount in amounts[1:]:
        total = total + amount
    return total


def _total_checks(agent: m.Agent, counted: list[Dose], total: u.Q, items: tuple[ItemResult, ...],
                  request: VisitRequest, library: m.Library) -> list[c.Check]:
    """Every session cap of the agent against its visit total: those that applied in an item that gave it
    (all of them when it came only from products applied and added), the others as not applicable."""
    giving = {d.item for d in counted}
    planned = [r for r in items if r.item.number in giving and r.plan is not None]
    applied = {lim for r in planned for who, lim in r.session_caps if who == agent.id}
    every = len(planned) < len(giving)  # a product applied and added: no plan decided its conditions
    out = []
    for limit in agent.limits:
        if limit.scope != m.Scope.SESSION:
            continue
        source = library.source_for(limit.source, agent)
        confidence = source.confidence if source else None
        if not every and limit not in applied:
            out.append(c.Check(agent.id, limit, None, m.CheckStatus.NOT_APPLICABLE,
                               f"applies {limit.condition_text() or 'in no item of this visit'}; no item of this "
                               "visit that gives it meets that", confidence))
            continue
        actual, reason = _total_actual(limit, counted, total, request.weight, planned)
        out.append(c.evaluate(agent.id, limit, actual, reason, confidence))
    return out


def _total_actual(limit: m.Limit, counted: list[Dose], total: u.Q, weight: u.Q | None,
                  planned: list[ItemResult]) -> tuple[u.Q | None, str | None]:
    """What a session cap is compared with, for the visit total."""
    if limit.counts_injections:  # KYBELLA's 50 injections a treatment: the points of every item that gives it
        if len(planned) < len({d.item for d in counted}):
            return None, "an item that gives it is a product, whose injections are not counted"
        return u.Q(float(sum(r.plan.points for r in planned if r.plan is not None)), u.DIMENSIONLESS), None
    areas = [d.area for d in counted]
    treated = None if any(a is None for a in areas) else _sum([a for a in areas if a is not None])
    volumes = [d.solution_volume for d in counted]
    solution = None if any(v is None for v in volumes) else _sum([v for v in volumes if v is not None])
    per_area = total / treated if treated is not None and treated.value > 0 else None
    actual, reason = caps.compared_with(limit, total, solution, per_area, weight)
    return actual, (_VISIT_REASONS.get(reason, reason) if reason is not None else None)


# why a cap on the visit total cannot be checked, in the words of a visit file
_VISIT_REASONS = {
    caps.NEEDS_WEIGHT: "needs the patient's weight (weight: in the visit, or the patient file)",
    caps.NEEDS_AREA: "an item that gives it has no treated area (sized by volume, or a product)",
    caps.NEEDS_VOLUME: "an item that gives it is not a solution injected",
}


def _binding(checks: tuple[c.Check, ...], weight: u.Q | None) -> tuple[c.Check | None, u.Q | None, str | None]:
    """The lowest applicable hard session cap, as an amount for this patient (per-kg caps × weight)."""
    best: tuple[c.Check, u.Q] | None = None
    note = None
    for check in checks:
        limit = check.limit
        if (limit.severity != m.Severity.HARD or check.status == m.CheckStatus.NOT_APPLICABLE
                or limit.basis not in ("amount", "per-kg")):
            continue
        cap = limit.max if limit.basis == "amount" else caps.for_patient(limit, weight)
        if cap is None:
            note = f"{u.format_quantity(limit.max)} cannot be turned into an amount without the patient's weight"
            continue
        if best is None or cap.value < best[1].value:
            best = (check, cap)
    if best is None:
        return None, None, note
    return best[0], best[1], note


# ---- 3. class limits ----------------------------------------------------------------------------


def _class_limit(limit: m.ClassLimit, totals: tuple[AgentTotal, ...]) -> ClassLimitResult:
    members = [t for t in totals if limit.agent_class in t.agent.classes]
    shares = []
    unknown = []
    for t in members:
        if t.total is None:
            continue
        if t.binding_cap is None or t.binding is None or t.binding_note is not None:
            unknown.append(t.agent.id)
        share = t.total.value / t.binding_cap.value if t.binding_cap is not None and t.binding_cap.value > 0 else None
        shares.append((t, share))
    known = sum(s for _, s in shares if s is not None)
    remaining = max(0.0, limit.max - known)
    if not u.at_most(known, limit.max):
        status, reason = m.CheckStatus.OVER, None
    elif unknown:
        status = m.CheckStatus.UNCHECKED
        reason = (f"the binding cap of {', '.join(unknown)} is not known (a per-kg cap needs the patient's weight): "
                  "the shares shown are the least they can be")
    else:
        status, reason = m.CheckStatus.OK, None
    out = []
    for t, share in shares:
        assert t.total is not None
        more = t.binding_cap * remaining if t.binding_cap is not None and status != m.CheckStatus.UNCHECKED else None
        # what still fits, also as mL of the strength used, when the agent was given at one strength only
        strengths = {d.concentration for d in t.doses if d.counted}
        strength = next(iter(strengths)) if len(strengths) == 1 else None
        volume = more / strength if more is not None and strength is not None and strength.value > 0 else None
        out.append(ClassShare(t.agent, t.total, t.binding_cap, t.binding.limit if t.binding else None, share, more,
                              volume, strength if volume is not None else None))
    beside = tuple((t.agent, t.beside) for t in members if t.beside is not None)
    return ClassLimitResult(limit, tuple(out), known, remaining, status, reason, beside)


# ---- warnings -----------------------------------------------------------------------------------


def _from_items(w: c.Warning, numbers: list[int]) -> VisitWarning:
    """The warning, its message led by the items it comes from ("items 2, 3: ...")."""
    unique = tuple(dict.fromkeys(numbers))
    label = f"item{'s' if len(unique) > 1 else ''} {', '.join(map(str, unique))}"
    return VisitWarning(replace(w, message=f"{label}: {w.message}"), unique)


def _warnings(items: tuple[ItemResult, ...], totals: tuple[AgentTotal, ...],
              classes: tuple[ClassLimitResult, ...]) -> list[VisitWarning]:
    """Each item's warnings, naming the items they come from (the same warning from several items once),
    then the totals over their caps, then the class limits."""
    seen: dict[tuple[str, str, str], list[int]] = {}
    first: dict[tuple[str, str, str], c.Warning] = {}
    for result in items:
        for w in result.warnings:
            key = (w.code, w.severity, w.message)
            seen.setdefault(key, []).append(result.item.number)
            first.setdefault(key, w)
    out = [_from_items(first[key], numbers) for key, numbers in seen.items()]
    for t in totals:
        given = t.counted_items
        if t.total is None or len(given) < 2:
            continue  # one item's caps were checked on that item: the same numbers
        name = f"visit total of {t.agent.name} (items {', '.join(map(str, given))})"
        over = [ch for ch in t.checks if ch.status == m.CheckStatus.OVER]
        out += [VisitWarning(w, given) for w in c.limit_warnings(over, name)]
    for class_result in classes:
        limit = class_result.limit
        shares = [s for s in class_result.shares if s.share is not None]
        terms = " + ".join(f"{s.agent.id} {u.format_number(s.share or 0)}" for s in shares)
        kind = "derived convention" if limit.derived else "rule"
        if class_result.status == m.CheckStatus.OVER:
            out.append(VisitWarning(c.Warning(
                "limit-over", m.Severity(limit.severity),
                f"class limit {limit.id} ({limit.rule}, a {kind}): the shares of their binding caps add up to "
                f"{terms} = {u.format_number(class_result.total)}, over {u.format_number(limit.max)}", None,
                limit.source)))
        elif class_result.status == m.CheckStatus.UNCHECKED:
            out.append(VisitWarning(c.Warning("limit-unchecked", m.Severity.SOFT,
                                              f"class limit {limit.id} not fully checked: {class_result.reason}", None,
                                              limit.source)))
    return out
