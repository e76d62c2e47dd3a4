"""What the user typed for a batch (`compound`): volume, overfill, stock vials, preparation time, USP <797>
category and storage, patient.

Turned into a CompoundRequest before the recipe is computed; shared by the CLI and the Python API.
Pure: no Typer, no Rich.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mesocalc import notation
from mesocalc import units as u
from mesocalc.core import model as m
from mesocalc.errors import Location, input_error


@dataclass(frozen=True)
class CompoundOptions:
    """The compound options as typed (strings), before resolution."""

    volume: str
    stocks: tuple[str, ...] = ()  # "AGENT=STOCK_ID" or "AGENT=CONCENTRATION"
    overfill: str | None = None
    diluent: str | None = None
    prepared: str | None = None
    category: str | None = None
    storage: str | None = None
    immediate_use: bool = False
    patient: str | None = None


def resolve_volume(text: str, key: str, minimum: str = "positive") -> u.Q:
    return u.parse_quantity(text, u.VOLUME_KIND, Location(key=key), minimum=minimum)


def stock_choices(texts: tuple[str, ...], cocktail: m.Cocktail, agents: dict[str, m.Agent]) -> dict[str, m.Stock]:
    """`--stock AGENT=STOCK_ID` (or `AGENT=CONCENTRATION`, e.g. `lidocaine=2 %`) into stocks per agent."""
    out: dict[str, m.Stock] = {}
    where = Location(key="--stock")
    for text in texts:
        notation.check_length(text, where, "--stock")
        agent_id, sep, stock_text = text.partition("=")
        agent_id, stock_text = agent_id.strip(), stock_text.strip()
        if not sep or not agent_id or not stock_text:
            raise input_error(f"'{text}' is not AGENT=STOCK_ID", where,
                              hint="e.g. --stock lidocaine=lidocaine-2-percent")
        agent = notation.find_by_id(agent_id, agents, lambda a: a.aliases)
        if agent is None:
            raise input_error(f"agent '{agent_id}' is not in cocktail '{cocktail.id}'", where, code="unknown-agent",
                              hint=f"agents: {', '.join(agents)}")
        if agent.id in out:
            raise input_error(f"--stock given twice for '{agent.id}'", where)
        stock = notation.find_by_id(stock_text, {s.id: s for s in agent.stocks})
        if stock is None:
            if not (stock_text[:1].isdigit() or stock_text[:1] == "."):
                known = ", ".join(s.id for s in agent.stocks) or "none in the library"
                raise input_error(f"agent '{agent.id}' has no stock '{stock_text}'", where, code="unknown-stock",
                                  hint=f"stocks: {known}; or give a concentration such as {agent.id}=2 %")
            concentration = u.parse_quantity(stock_text, u.CONCENTRATION, where)
            stock = next((s for s in agent.stocks if u.same(s.concentration, concentration)),
                         m.Stock("given", f"{u.format_quantity(concentration)} (given with --stock)", concentration,
                                 None))
        out[agent.id] = stock
    return out


def parse_prepared(text: str | None, now: datetime | None = None) -> datetime:
    """ISO 8601 date or date and time; default now (local time, to the second)."""
    if text is None:
        return (now or datetime.now().astimezone()).replace(microsecond=0)
    notation.check_length(text, Location(key="--prepared"), "--prepared")
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise input_error(f"'{notation.excerpt(text)}' is not an ISO 8601 date and time", Location(key="--prepared"),
                          code="bad-datetime", hint="e.g. 2026-03-01T09:30") from None


@dataclass(frozen=True)
class CompoundRequest:
    """A compound request after parsing: every option checked and turned into model values."""

    volume: u.Q  # the batch asked for
    overfill: u.Q | None
    stocks: dict[str, m.Stock]  # the vial chosen per agent (--stock); the agent's first stock otherwise
    diluent: str | None
    prepared: datetime
    category: str | None  # USP <797> category "1", "2", "3" (None: no beyond-use date asked for)
    storage: str | None
    immediate_use: bool
    patient: m.Patient | None

    @property
    def total_volume(self) -> u.Q:
        """V2: the batch plus the overfill."""
        return self.volume + self.overfill if self.overfill is not None else self.volume


def check_beyond_use_options(category: str | None, storage: str | None, immediate_use: bool) -> None:
    """--category, --storage and --immediate-use: known values, and only combinations that make sense."""
    if immediate_use and category is not None:
        raise input_error("give either --immediate-use or --category, not both", Location(key="--category"))
    if category is not None and category not in m.BUD_CATEGORIES[1:]:
        raise input_error(f"unknown category '{category}'", Location(key="--category"), hint="1, 2 or 3")
    if not immediate_use and category is None and storage is not None:
        raise input_error("--storage needs --category 1, 2 or 3", Location(key="--storage"))


def resolve_compound(cocktail: m.Cocktail, options: CompoundOptions, library: m.Library,
                     now: datetime | None = None) -> CompoundRequest:
    """Every compound option parsed and checked, in the order they are reported."""
    agents = {comp.agent: library.agents[comp.agent] for comp in cocktail.components}
    requested = resolve_volume(options.volume, "--volume")
    overfill = resolve_volume(options.overfill, "--overfill", "non-negative") if options.overfill else None
    stocks = stock_choices(options.stocks, cocktail, agents)
    prepared = parse_prepared(options.prepared, now)
    storage = options.storage
    if storage is not None:  # any case (FRIDGE), did-you-mean for a near miss
        storage = notation.word_value(storage, m.STORAGES, Location(key="--storage"), "storage")
    category = options.category
    if category is not None:
        category = notation.word_value(category, m.BUD_CATEGORIES[1:], Location(key="--category"), "category")
    check_beyond_use_options(category, storage, options.immediate_use)
    patient = None
    if options.patient:
        from mesocalc.request.plan import load_patient

        patient = load_patient(options.patient, library)
    return CompoundRequest(requested, overfill, stocks, options.diluent, prepared, category,
                           storage, options.immediate_use, patient)
