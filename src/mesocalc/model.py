"""Immutable model objects: what a validated library and a request are made of."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mesocalc.errors import Location
from mesocalc.record import Record
from mesocalc.units import AMOUNTS, AREA, REL_TOL, VOLUME, Q, dims_div, format_quantity

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


@dataclass(frozen=True, eq=False, repr=False)
class Source(Record):
    id: str
    title: str
    url: str | None
    confidence: str
    note: str | None = None
    where: Location = field(default_factory=Location, compare=False)


@dataclass(frozen=True, eq=False, repr=False)
class Interval(Record):
    """A calendar interval: `1 month`, `2 weeks`, `10 days`."""

    count: int
    unit: str  # "day" | "week" | "month"

    def text(self) -> str:
        return f"{self.count} {self.unit}{'' if self.count == 1 else 's'}"


@dataclass(frozen=True, eq=False, repr=False)
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

    @property
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

    def applies(self, concentrations: Mapping[str, Q]) -> bool:
        """Whether the `when` condition holds for a cocktail with these final concentrations.

        `with: {agent, min}` holds only when that agent is present at `min` or more; `without` is its exact
        negation, so a trace below the threshold never switches a cap (SPEC §3)."""
        if self.when_with is not None:
            return self._reaches(concentrations.get(self.when_with))
        if self.when_without is not None:
            return not self._reaches(concentrations.get(self.when_without))
        return True

    def _reaches(self, found: Q | None) -> bool:
        if found is None or found.value <= 0:
            return False
        if self.when_min is None:
            return True
        return found.dims == self.when_min.dims and found.value >= self.when_min.value * (1 - REL_TOL)

    def condition_text(self) -> str | None:
        other = self.when_with or self.when_without
        if other is None:
            return None
        if self.when_min is None:
            return f"{'with' if self.when_with else 'without'} {other}"
        if self.when_with:
            return f"with {other} at {format_quantity(self.when_min)} or more"
        return f"unless {other} is {format_quantity(self.when_min)} or more"


@dataclass(frozen=True, eq=False, repr=False)
class CourseRule(Record):
    max_sessions: int | None
    min_interval: Interval | None
    severity: str
    source: str | None
    note: str | None = None
    where: Location = field(default_factory=Location, compare=False)


@dataclass(frozen=True, eq=False, repr=False)
class ConditionRule(Record):
    """A contraindication or caution: a patient condition id and what it means."""

    condition: str
    severity: str
    source: str | None
    note: str | None = None
    where: Location = field(default_factory=Location, compare=False)


@dataclass(frozen=True, eq=False, repr=False)
class Stock(Record):
    id: str
    label: str | None
    concentration: Q
    volume: Q | None
    excipients: tuple[str, ...] = ()  # matched against patient allergies (SPEC §3)


@dataclass(frozen=True, eq=False, repr=False)
class Regulatory(Record):
    status: str
    approved_areas: tuple[str, ...] = ()
    note: str | None = None
    source: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
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


@dataclass(frozen=True, eq=False, repr=False)
class Technique(Record):
    grid: str
    spacing: Q
    volume_per_point: Q
    depth: Q | None = None
    max_points: int | None = None
    source: str | None = None
    note: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Component(Record):
    """One agent of a cocktail: a final concentration, or a stock and the volume drawn from it."""

    agent: str
    concentration: Q | None = None
    stock: Q | None = None
    stock_id: str | None = None
    volume: Q | None = None
    where: Location = field(default_factory=Location, compare=False)


@dataclass(frozen=True, eq=False, repr=False)
class Diluent(Record):
    name: str
    volume: Q


@dataclass(frozen=True, eq=False, repr=False)
class Phase(Record):
    name: str
    sessions: int
    every: Interval


@dataclass(frozen=True, eq=False, repr=False)
class TechniqueRange(Record):
    """The usual technique for an area, region or cocktail; a plan outside it is `technique-unusual`."""

    volume_per_point: tuple[Q, Q] | None
    spacing: tuple[Q, Q] | None
    basis: str  # sourced | assumption
    source: str | None = None
    note: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Reference(Record):
    """The session of the published regimen a cocktail is named after (SPEC §3)."""

    volume: Q | None
    points: int | None
    source: str | None
    note: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
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
    technique_range: TechniqueRange | None = None
    reference: Reference | None = None

    @property
    def mixed_from_stocks(self) -> bool:
        return any(c.volume is not None for c in self.components)


@dataclass(frozen=True, eq=False, repr=False)
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


@dataclass(frozen=True, eq=False, repr=False)
class Region(Record):
    """A region (scalp, face, body) as a document: the usual technique range of its areas."""

    id: str
    name: str
    technique_range: TechniqueRange | None = None
    note: str | None = None
    sources: tuple[Source, ...] = ()
    where: Location = field(default_factory=Location, compare=False)


@dataclass(frozen=True, eq=False, repr=False)
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


@dataclass(frozen=True, eq=False, repr=False)
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


@dataclass(frozen=True, eq=False, repr=False)
class BeyondUseRule(Record):
    """One row of a beyond-use table: how long after preparation a compounded preparation may be used."""

    category: str  # immediate-use | 1 | 2 | 3
    storage: str | None  # room | fridge | freezer; None for immediate use (any storage)
    limit: Q  # a duration
    confirmed: bool  # False: the figure is not confirmed by a seen source (REFERENCE §8.2)
    condition: str | None = None  # which row of a category (e.g. aseptic, sterility tested)
    source: str | None = None
    note: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class BeyondUseTable(Record):
    id: str
    name: str
    rules: tuple[BeyondUseRule, ...]
    note: str | None = None
    sources: tuple[Source, ...] = ()
    where: Location = field(default_factory=Location, compare=False)


@dataclass(frozen=True, eq=False, repr=False)
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


@dataclass(frozen=True, eq=False, repr=False)
class Library(Record):
    agents: Mapping[str, Agent]  # a dict, or library.compiled.LazyAgents from the cache
    cocktails: dict[str, Cocktail]
    areas: dict[str, Area]
    sources: dict[str, Source]
    patients: dict[str, Patient]
    overrides: tuple[str, ...] = ()  # "id: file replaces file", for the output to say so
    beyond_use: dict[str, BeyondUseTable] = field(default_factory=dict)  # issue 3: USP <797> tables
    measurability: dict[str, Measurability] = field(default_factory=dict)  # issue 3: smallest draw
    conditions: dict[str, Condition] = field(default_factory=dict)  # issue 10: the patient vocabulary
    regions: dict[str, Region] = field(default_factory=dict)  # issue 10: region technique ranges

    def source_for(self, source_id: str | None, owner: Any = None) -> Source | None:
        if source_id is None:
            return None
        own: tuple[Source, ...] = getattr(owner, "sources", ())
        for s in own:
            if s.id == source_id:
                return s
        return self.sources.get(source_id)

