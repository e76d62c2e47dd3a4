"""Immutable model objects: what a validated library and a request are made of."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from enum import StrEnum
from functools import cached_property
from typing import Any

from mesocalc.errors import Location
from mesocalc.record import Record, record
from mesocalc.units import AMOUNTS, AREA, REL_TOL, VOLUME, Q, dims_div, format_quantity


# The vocabularies. Members are their strings (StrEnum), so they compare equal to the text of a YAML
# file or a flag and print in JSON as that text.
class Scope(StrEnum):
    """What a cap is held against: one point, one session, the whole course, or the final concentration."""

    POINT = "point"
    SESSION = "session"
    COURSE = "course"
    CONCENTRATION = "concentration"  # an agent's max_concentration; not a `scope:` of a YAML limit


class Severity(StrEnum):
    HARD = "hard"  # fails the plan (exit 1)
    SOFT = "soft"  # a warning (exit 1 only with --strict)
    INFO = "info"  # a note (warnings only; never counted)


class CheckStatus(StrEnum):
    OK = "ok"
    OVER = "over"
    UNCHECKED = "unchecked"
    NOT_APPLICABLE = "not-applicable"


class RegulatoryStatus(StrEnum):
    APPROVED = "approved"
    OFF_LABEL = "off-label"
    COMPOUNDED = "compounded"
    UNAPPROVED = "unapproved"
    INVESTIGATIONAL = "investigational"


class Grid(StrEnum):
    SQUARE = "square"
    HEX = "hex"


class Storage(StrEnum):
    ROOM = "room"
    FRIDGE = "fridge"
    FREEZER = "freezer"


SCOPES = (Scope.POINT.value, Scope.SESSION.value, Scope.COURSE.value)  # what a library limit may give
SEVERITIES = (Severity.HARD.value, Severity.SOFT.value)  # what a library rule may give
STATUSES = tuple(s.value for s in RegulatoryStatus)
ADMIXTURE = ("ok", "not-recommended", "forbidden")
GRIDS = tuple(g.value for g in Grid)
REGIONS = ("scalp", "face", "body")
BASES = ("sourced", "assumption")
CONFIDENCES = ("high", "medium", "low")
BUD_CATEGORIES = ("immediate-use", "1", "2", "3")
STORAGES = tuple(s.value for s in Storage)


@record
class Source(Record):
    id: str
    title: str
    url: str | None
    confidence: str
    note: str | None = None
    where: Location = field(default_factory=Location, compare=False)


@record
class Interval(Record):
    """A calendar interval: `1 month`, `2 weeks`, `10 days`."""

    count: int
    unit: str  # "day" | "week" | "month"

    def text(self) -> str:
        return f"{self.count} {self.unit}{'' if self.count == 1 else 's'}"


@record
class SiteCondition(Record):
    """Where or for whom a cap applies: treated regions (`when: {region: [scalp, face]}`), or a body-weight
    band (`when: {weight_below: 70 kg}` / `{weight_at_least: 70 kg}`). What is not known (a measured area of
    no named region, no weight) counts as holding: a cap is never dropped for want of information."""

    regions: tuple[str, ...] = ()
    weight_below: Q | None = None
    weight_at_least: Q | None = None

    def holds(self, regions: frozenset[str] | None, weight: Q | None) -> bool:
        if self.regions and regions and not set(self.regions) & regions:
            return False
        if weight is not None and self.weight_below is not None and weight.value >= self.weight_below.value:
            return False
        return not (weight is not None and self.weight_at_least is not None
                    and weight.value < self.weight_at_least.value)

    @property
    def depends_on_weight(self) -> bool:
        """Whether `holds` can change with the body weight (a weight band)."""
        return self.weight_below is not None or self.weight_at_least is not None

    def text(self) -> str:
        if self.regions:
            return "on " + " or ".join(self.regions)
        if self.weight_below is not None:
            return f"below {self.weight_below.value:g} kg"
        if self.weight_at_least is not None:
            return f"at {self.weight_at_least.value:g} kg or more"
        return "always"


@record
class Limit(Record):
    scope: str
    max: Q
    severity: str
    source: str | None
    when_with: str | None = None
    when_without: str | None = None
    note: str | None = None
    where: Location = field(default_factory=Location, compare=False)
    when_min: Q | None = None  # threshold of the `when` agent's final concentration (issue 10)
    derived: bool = False  # computed from its source by arithmetic (SPEC §3)
    counts_injections: bool = False  # `max: 50 injections`: caps the number of points (SPEC §3)
    when_site: SiteCondition | None = None  # issue 14: region or body-weight conditions

    @cached_property  # asked for ~20 times per plan: computed once per limit
    def basis(self) -> str:
        """What the cap is compared with: amount, per-kg, per-area, volume or injections."""
        if self.counts_injections:
            return "injections"
        if self.max.dims == VOLUME:
            return "volume"
        if self.max.dims[4] == -1:
            return "per-kg"
        if any(self.max.dims == dims_div(a, AREA) for a in AMOUNTS):
            return "per-area"
        return "amount"

    def applies(self, concentrations: Mapping[str, Q], regions: frozenset[str] | None = None,
                weight: Q | None = None) -> bool:
        """Whether the `when` condition holds for a cocktail with these final concentrations, on these treated
        regions, for this body weight.

        `with: {agent, min}` holds only when that agent is present at `min` or more; `without` is its exact
        negation, so a trace below the threshold never switches a cap (SPEC §3). A region or weight band that
        is not known counts as holding (SiteCondition)."""
        return self.agent_condition_holds(concentrations) and self.site_condition_holds(regions, weight)

    def agent_condition_holds(self, concentrations: Mapping[str, Q]) -> bool:
        if self.when_with is not None:
            return self._reaches(concentrations.get(self.when_with))
        if self.when_without is not None:
            return not self._reaches(concentrations.get(self.when_without))
        return True

    def site_condition_holds(self, regions: frozenset[str] | None, weight: Q | None) -> bool:
        return self.when_site is None or self.when_site.holds(regions, weight)

    def _reaches(self, found: Q | None) -> bool:
        if found is None or found.value <= 0:
            return False
        if self.when_min is None:
            return True
        return found.dims == self.when_min.dims and found.value >= self.when_min.value * (1 - REL_TOL)

    def condition_text(self) -> str | None:
        return self._condition_text

    @cached_property  # asked for ~14 times per plan's JSON (format_quantity each time): made once per limit
    def _condition_text(self) -> str | None:
        parts = []
        other = self.when_with or self.when_without
        if other is not None:
            if self.when_min is None:
                parts.append(f"{'with' if self.when_with else 'without'} {other}")
            elif self.when_with:
                parts.append(f"with {other} at {format_quantity(self.when_min)} or more")
            else:
                parts.append(f"unless {other} is {format_quantity(self.when_min)} or more")
        if self.when_site is not None:
            parts.append(self.when_site.text())
        return ", ".join(parts) or None


@record
class CourseRule(Record):
    max_sessions: int | None
    min_interval: Interval | None
    severity: str
    source: str | None
    note: str | None = None
    where: Location = field(default_factory=Location, compare=False)


@record
class ConditionRule(Record):
    """A contraindication or caution: a patient condition id and what it means."""

    condition: str
    severity: str
    source: str | None
    note: str | None = None
    where: Location = field(default_factory=Location, compare=False)


@record
class Stock(Record):
    id: str
    label: str | None
    concentration: Q
    volume: Q | None
    excipients: tuple[str, ...] = ()  # matched against patient allergies (SPEC §3)


@record
class Regulatory(Record):
    status: str
    approved_areas: tuple[str, ...] = ()
    note: str | None = None
    source: str | None = None


@record
class Agent(Record):
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    description: str | None = None
    regulatory: Regulatory | None = None
    admixture: str = "ok"
    admixture_note: str | None = None
    admixture_source: str | None = None
    stocks: tuple[Stock, ...] = ()
    max_concentration: Q | None = None
    limits: tuple[Limit, ...] = ()
    course: CourseRule | None = None
    contraindications: tuple[ConditionRule, ...] = ()
    cautions: tuple[ConditionRule, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    where: Location = field(default_factory=Location, compare=False)

    def stock(self, stock_id: str) -> Stock | None:
        return next((s for s in self.stocks if s.id == stock_id), None)


@record
class Technique(Record):
    grid: str
    spacing: Q
    volume_per_point: Q
    depth: Q | None = None
    max_points: int | None = None
    source: str | None = None
    note: str | None = None


@record
class Component(Record):
    """One agent of a cocktail: a final concentration, or a stock and the volume drawn from it."""

    agent: str
    concentration: Q | None = None
    stock: Q | None = None
    stock_id: str | None = None
    volume: Q | None = None
    where: Location = field(default_factory=Location, compare=False)


@record
class Diluent(Record):
    name: str
    volume: Q


@record
class Phase(Record):
    name: str
    sessions: int
    every: Interval
    max_interval: Interval | None = None  # the longest gap that keeps the phase on time (SPEC §5)


@record
class TechniqueRange(Record):
    """The usual technique for an area, region or cocktail; a plan outside it is `technique-unusual`."""

    volume_per_point: tuple[Q, Q] | None
    spacing: tuple[Q, Q] | None
    basis: str  # sourced | assumption
    source: str | None = None
    note: str | None = None


@record
class Reference(Record):
    """The session of the published regimen a cocktail is named after (SPEC §3)."""

    volume: Q | None
    points: int | None
    source: str | None
    note: str | None = None


@record
class Cocktail(Record):
    id: str
    name: str
    technique: Technique
    components: tuple[Component, ...]
    aliases: tuple[str, ...] = ()  # other names it is known by (`kybella`), accepted wherever its id is
    description: str | None = None
    area: str | None = None
    diluent: Diluent | None = None
    protocol: tuple[Phase, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    where: Location = field(default_factory=Location, compare=False)
    technique_range: TechniqueRange | None = None
    reference: Reference | None = None

    @property
    def mixed_from_stocks(self) -> bool:
        return any(c.volume is not None for c in self.components)


@record
class Area(Record):
    id: str
    name: str
    region: str
    surface: Q
    basis: str
    source: str | None = None
    aliases: tuple[str, ...] = ()
    note: str | None = None
    where: Location = field(default_factory=Location, compare=False)
    sources: tuple[Source, ...] = ()
    technique_range: TechniqueRange | None = None
    # a band the label forbids: no injection within `no_inject_within` below the landmark (drawn on maps)
    no_inject_below: str | None = None
    no_inject_within: Q | None = None
    no_inject_source: str | None = None


@record
class Region(Record):
    """A region (scalp, face, body) as a document: the usual technique range of its areas."""

    id: str
    name: str
    technique_range: TechniqueRange | None = None
    note: str | None = None
    sources: tuple[Source, ...] = ()
    where: Location = field(default_factory=Location, compare=False)


@record
class Condition(Record):
    """A word of the patient vocabulary: a condition id, its name and the synonyms people write."""

    id: str
    name: str
    synonyms: tuple[str, ...] = ()
    source: str | None = None
    note: str | None = None
    age_under: int | None = None  # an age term: holds below this age in years (only where a source defines it)
    age_from: int | None = None  # holds from this age in years
    excipients: tuple[str, ...] = ()  # a sensitivity to these stock excipients (e.g. sulfites)
    sources: tuple[Source, ...] = ()
    where: Location = field(default_factory=Location, compare=False)


@record
class Patient(Record):
    id: str
    name: str | None = None
    weight: Q | None = None
    sex: str | None = None
    conditions: tuple[str, ...] = ()
    allergies: tuple[str, ...] = ()
    where: Location = field(default_factory=Location, compare=False)
    age: int | None = None
    birth_date: str | None = None  # ISO date
    sources: tuple[Source, ...] = ()


@record
class BeyondUseRule(Record):
    """One row of a beyond-use table: how long after preparation a compounded preparation may be used."""

    category: str  # immediate-use | 1 | 2 | 3
    storage: str | None  # room | fridge | freezer; None for immediate use (any storage)
    limit: Q  # a duration
    confirmed: bool  # False: the figure is not confirmed by a seen source (REFERENCE §8.2)
    condition: str | None = None  # which row of a category (e.g. aseptic, sterility tested)
    source: str | None = None
    note: str | None = None


@record
class BeyondUseTable(Record):
    id: str
    name: str
    rules: tuple[BeyondUseRule, ...]
    note: str | None = None
    sources: tuple[Source, ...] = ()
    where: Location = field(default_factory=Location, compare=False)


@record
class Measurability(Record):
    """The smallest volume a compounding record may ask anyone to draw without a warning."""

    id: str
    name: str
    min_volume: Q
    basis: str  # sourced | assumption
    source: str | None = None
    note: str | None = None
    sources: tuple[Source, ...] = ()
    where: Location = field(default_factory=Location, compare=False)


@record
class Library(Record):
    agents: Mapping[str, Agent]  # a dict, or library.compiled.LazyAgents from the cache
    cocktails: Mapping[str, Cocktail]  # a dict, or library.compiled.LazyCocktails from the cache
    areas: dict[str, Area]
    sources: dict[str, Source]
    patients: dict[str, Patient]
    overrides: tuple[str, ...] = ()  # "id: file replaces file", for the output to say so
    beyond_use: dict[str, BeyondUseTable] = field(default_factory=dict)  # issue 3: USP <797> tables
    measurability: dict[str, Measurability] = field(default_factory=dict)  # issue 3: smallest draw
    conditions: dict[str, Condition] = field(default_factory=dict)  # issue 10: the patient vocabulary
    regions: dict[str, Region] = field(default_factory=dict)  # issue 10: region technique ranges
    products: dict[str, Product] = field(default_factory=dict)  # issue 14: finished products
    class_limits: dict[str, ClassLimit] = field(default_factory=dict)  # issue 14: limits across a class

    def source_for(self, source_id: str | None, owner: Any = None) -> Source | None:
        if source_id is None:
            return None
        own: tuple[Source, ...] = getattr(owner, "sources", ())
        for s in own:
            if s.id == source_id:
                return s
        return self.sources.get(source_id)



# ---- issue 14: finished products and class limits (a visit) -------------------------------------

ROUTES = ("injected", "topical")
MEASURES = ("mass", "volume")
SESSION_TOTALS = ("added", "beside")
CLASS_RULES = ("additive",)


@record
class ProductComponent(Record):
    """One agent of a finished product. `strength` is an amount per mL (a concentration) for a product
    measured by volume, or an amount per gram of product (dims of the amount: `25 mg` per g) for a
    product measured by mass (% w/w: 2.5 % w/w = 25 mg/g)."""

    agent: str
    strength: Q
    written: str  # as the library gives it ("2.5 % w/w", "1:100,000")
    source: str | None = None
    where: Location = field(default_factory=Location, compare=False)


@record
class Product(Record):
    """A finished product that contains agents: a filler syringe, a premixed vial, a topical cream.

    `session_total` says how its agents count toward their session totals, as data: `added` (in the
    total, like any injected dose) or `beside` (the applied amount shown beside the injected total, with
    its own label limits and a warning; REFERENCE 10.3.2: no source gives an absorption factor)."""

    id: str
    name: str
    route: str  # injected | topical
    measure: str  # mass | volume
    components: tuple[ProductComponent, ...]
    session_total: str = "added"
    session_total_note: str | None = None
    session_total_source: str | None = None
    aliases: tuple[str, ...] = ()
    unit_of_sale: str | None = None
    sale_amount: Q | None = None
    density: Q | None = None
    limits: tuple[Limit, ...] = ()  # the product's own label limits: an amount (g or mL) or an area (cm^2)
    notes: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    where: Location = field(default_factory=Location, compare=False)


@record
class ClassLimit(Record):
    """A limit across the agents of one class. `additive`: the sum over the class's agents of
    (session dose / that agent's binding session cap) stays at most `max` (1)."""

    id: str
    name: str
    agent_class: str
    rule: str
    max: float
    severity: str
    source: str | None
    derived: bool = False
    note: str | None = None
    sources: tuple[Source, ...] = ()
    where: Location = field(default_factory=Location, compare=False)
