"""Immutable model objects: what a validated library and a request are made of."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from functools import cached_property

from mesocalc.errors import Location
from mesocalc.record import Record, record
from mesocalc.units import AMOUNTS, AREA, VOLUME, Q, dims_div

SCOPES = ("point", "session", "course")
SEVERITIES = ("hard", "soft")
STATUSES = ("approved", "off-label", "compounded", "unapproved", "investigational")
ADMIXTURE = ("ok", "not-recommended", "forbidden")
GRIDS = ("square", "hex")
REGIONS = ("scalp", "face", "body")
BASES = ("sourced", "assumption")
CONFIDENCES = ("high", "medium", "low")
BUD_CATEGORIES = ("immediate-use", "1", "2", "3")
STORAGES = ("room", "fridge", "freezer")


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
class Limit(Record):
    scope: str
    max: Q
    severity: str
    source: str | None
    when_with: str | None = None
    when_without: str | None = None
    note: str | None = None
    where: Location = field(default_factory=Location, compare=False)

    @cached_property  # asked for ~20 times per plan: computed once per limit
    def basis(self) -> str:
        """What the cap is compared with: amount, per-kg, per-area or volume."""
        if self.max.dims == VOLUME:
            return "volume"
        if self.max.dims[4] == -1:
            return "per-kg"
        if any(self.max.dims == dims_div(a, AREA) for a in AMOUNTS):
            return "per-area"
        return "amount"

    def applies(self, agents_present: set[str]) -> bool:
        if self.when_with is not None and self.when_with not in agents_present:
            return False
        return not (self.when_without is not None and self.when_without in agents_present)

    def condition_text(self) -> str | None:
        if self.when_with:
            return f"with {self.when_with}"
        if self.when_without:
            return f"without {self.when_without}"
        return None


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


@record
class Cocktail(Record):
    id: str
    name: str
    technique: Technique
    components: tuple[Component, ...]
    description: str | None = None
    area: str | None = None
    diluent: Diluent | None = None
    protocol: tuple[Phase, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    where: Location = field(default_factory=Location, compare=False)

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


@record
class Patient(Record):
    id: str
    name: str | None = None
    weight: Q | None = None
    sex: str | None = None
    conditions: tuple[str, ...] = ()
    allergies: tuple[str, ...] = ()
    where: Location = field(default_factory=Location, compare=False)


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

    def source_for(self, source_id: str | None, owner: Agent | Cocktail | None = None) -> Source | None:
        if source_id is None:
            return None
        if owner is not None:
            for s in owner.sources:
                if s.id == source_id:
                    return s
        return self.sources.get(source_id)

