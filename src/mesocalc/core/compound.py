"""The pharmacist's recipe: stock vials and diluent for a batch of a cocktail, checks, beyond-use date.

Pure functions of model objects (no Typer, no Rich, no YAML).

Conventions (REFERENCE §8.1, §8.2):
- a cocktail given as final concentrations: for each agent V1 = C2·V2 / C1 from the chosen stock
  vial (C1), and the diluent makes up the rest: diluent = V2 − ΣV1;
- a cocktail given as parts (stock volumes plus a diluent): every part scaled to the batch; the
  final concentrations do not change (volumes are taken as additive);
- V2 is the batch asked for plus any overfill (dead space of syringes and lines);
- vials needed = ceil(draw / vial volume); what is left over is the rest of the last vial;
- the batch is not a session: per-session and per-point dose caps are not applied, but every final
  concentration is held against the agent's `max_concentration`;
- beyond-use date = start of preparation + the USP <797> limit for the category and storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mesocalc import units as u
from mesocalc.core import checks as c
from mesocalc.core import model as m
from mesocalc.core import vocabulary
from mesocalc.core.plan import stock_concentration
from mesocalc.errors import Location, input_error
from mesocalc.request.compound import CompoundRequest

DEFAULT_DILUENT = "diluent (not specified)"


@dataclass(frozen=True)
class BeyondUse:
    """A beyond-use date: when it runs out, and the rule (with its confidence) it comes from."""

    prepared: datetime
    until: datetime
    rule: m.BeyondUseRule
    table: m.BeyondUseTable
    storage_defaulted: bool = False

    @property
    def source(self) -> m.Source | None:
        return next((s for s in self.table.sources if s.id == self.rule.source), None)


@dataclass(frozen=True)
class Ingredient:
    """One stock vial drawn into the batch."""

    agent: m.Agent
    stock: u.Q  # stock concentration C1
    stock_id: str | None
    stock_label: str | None
    draw: u.Q  # V1
    amount: u.Q  # C1·V1
    final: u.Q  # final concentration in the batch
    target: u.Q | None  # C2 asked for by a cocktail given as final concentrations
    vial_volume: u.Q | None
    vials: int | None
    left_over: u.Q | None
    recipe_volume: u.Q | None = None  # the part in the recipe, for a cocktail given as parts (draw = part × scale)


@dataclass(frozen=True)
class CompoundResult:
    cocktail: m.Cocktail
    form: str  # final-concentrations | parts
    requested_volume: u.Q
    overfill: u.Q | None
    total_volume: u.Q  # what is prepared: requested + overfill
    ingredients: tuple[Ingredient, ...]
    diluent_name: str
    diluent_volume: u.Q
    checks: tuple[c.Check, ...]
    warnings: tuple[c.Warning, ...]
    beyond_use: BeyondUse | None
    exit_code: int
    patient: m.Patient | None = None
    scale: float | None = None  # parts: batch / recipe total
    min_volume: m.Measurability | None = None
    diluent_recipe: u.Q | None = None  # parts: the diluent's part in the recipe

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


# ----------------------------------------------------------------------------------------------
# Resolving the options


def limit_text(limit: u.Q) -> str:
    """A beyond-use limit as a pharmacist writes it: hours below 2 days, days above (durations are held in days)."""
    hours = limit.value * 24
    return f"{u.format_number(hours)} h" if hours < 48 else f"{u.format_number(limit.value)} days"


def beyond_use(library: m.Library, prepared: datetime, category: str | None, storage: str | None,
               immediate_use: bool) -> BeyondUse | None:
    """The USP <797> beyond-use date; None when neither a category nor immediate use is asked for.

    category and storage are already checked (request_compound.resolve_compound).
    """
    if not immediate_use and category is None:
        return None
    wanted = "immediate-use" if immediate_use else category
    defaulted = not immediate_use and storage is None
    # Room temperature has the shortest limit in every row of the table: the conservative default.
    storage = None if immediate_use else storage or m.Storage.ROOM
    candidates = [(rule, table) for table in library.beyond_use.values() for rule in table.rules
                  if rule.category == wanted and (immediate_use or rule.storage == storage)]
    if not candidates:
        what = "immediate use" if immediate_use else f"category {category} stored {storage}"
        offered = sorted({(rule.storage, limit_text(rule.limit)) for table in library.beyond_use.values()
                          for rule in table.rules if rule.category == wanted and rule.storage})
        hint = (f"for category {category} the table gives: " + ", ".join(f"{s} ({t})" for s, t in offered)
                if offered else None)
        raise input_error(f"the beyond-use table gives no limit for {what}", Location(key="--storage"),
                          code="no-beyond-use", hint=hint)
    # Several rows of one category (sterility tested or not, ...): the shortest is the conservative one.
    rule, table = min(candidates, key=lambda rt: rt[0].limit.value)
    try:
        until = prepared + timedelta(days=rule.limit.value)  # durations are held in days
    except OverflowError:  # the calendar ends with the year 9999
        raise input_error(f"the beyond-use date of a preparation made {prepared.isoformat()} would fall past the "
                          "year 9999", Location(key="--prepared"), code="date-out-of-range") from None
    return BeyondUse(prepared, until, rule, table, defaulted)


# ----------------------------------------------------------------------------------------------
# The recipe


def compound(cocktail: m.Cocktail, request: CompoundRequest, library: m.Library,
             strict: bool = False) -> CompoundResult:
    """The recipe for a parsed request (request_compound.resolve_compound)."""
    agents = {comp.agent: library.agents[comp.agent] for comp in cocktail.components}
    requested, overfill, total = request.volume, request.overfill, request.total_volume
    chosen = request.stocks
    if cocktail.mixed_from_stocks:
        ingredients, diluent, scale = _scale_parts(cocktail, agents, chosen, total)
        form = "parts"
        diluent_recipe = cocktail.diluent.volume if cocktail.diluent else u.Q(0.0, u.VOLUME)
        diluent_name = request.diluent or (cocktail.diluent.name if cocktail.diluent else DEFAULT_DILUENT)
    else:
        ingredients, diluent = _from_final(cocktail, agents, chosen, total)
        form, scale, diluent_recipe = "final-concentrations", None, None
        diluent_name = request.diluent or DEFAULT_DILUENT
    bud = beyond_use(library, request.prepared, request.category, request.storage, request.immediate_use)
    patient = request.patient

    checks: list[c.Check] = []
    warnings: list[c.Warning] = []
    for ing in ingredients:
        agent = ing.agent
        if agent.max_concentration is not None:
            cap = m.Limit(m.Scope.CONCENTRATION, agent.max_concentration, m.Severity.HARD, None,
                          note="final concentration cap")
            found = [c.evaluate(agent.id, cap, ing.final, None, None)]
            checks += found
            warnings += c.limit_warnings(found, agent.name)
    rule = min(library.measurability.values(), key=lambda r: r.min_volume.value, default=None)
    if rule is not None:
        warnings += measurability_warnings(ingredients, diluent_name, diluent, rule)
    warnings += c.admixture_warnings(_as_mixed(cocktail, ingredients, diluent), library.agents)
    warnings += c.regulatory_warnings(list(agents.values()), [])
    drawn = {i.agent.id: m.Component(i.agent.id, stock_id=i.stock_id) if i.agent.stock(i.stock_id or "")
             else m.Component(i.agent.id, stock=i.stock) for i in ingredients}
    warnings += vocabulary.patient_warnings(list(agents.values()), patient, library, drawn)
    warnings += beyond_use_warnings(bud)
    code = c.exit_code(warnings, strict)
    return CompoundResult(cocktail, form, requested, overfill, total, tuple(ingredients), diluent_name, diluent,
                          tuple(checks), tuple(warnings), bud, code, patient, scale, rule, diluent_recipe)


def _ingredient(agent: m.Agent, stock: m.Stock, draw: u.Q, total: u.Q, target: u.Q | None,
                recipe: u.Q | None = None) -> Ingredient:
    amount = stock.concentration * draw
    vials = left = None
    if stock.volume is not None:
        vials = u.whole_ceil(draw.value / stock.volume.value)
        left = u.Q(max(0.0, vials * stock.volume.value - draw.value), u.VOLUME)
    stock_id = None if stock.id == "given" else stock.id
    return Ingredient(agent, stock.concentration, stock_id, stock.label, draw, amount, amount / total, target,
                      stock.volume, vials, left, recipe)


def _from_final(cocktail: m.Cocktail, agents: dict[str, m.Agent], chosen: dict[str, m.Stock],
                total: u.Q) -> tuple[list[Ingredient], u.Q]:
    """V1 = C2·V2 / C1 per agent; the diluent makes up V2."""
    out = []
    for comp in cocktail.components:
        agent = agents[comp.agent]
        target = comp.concentration
        assert target is not None
        stock = chosen.get(agent.id) or (agent.stocks[0] if agent.stocks else None)
        where = Location(key="--stock")
        if stock is None:
            raise input_error(f"agent '{agent.id}' has no stock vial in the library, so its volume cannot be "
                              "computed", where, code="no-stock",
                              hint=f"give its stock concentration, e.g. --stock {agent.id}=1 %")
        if stock.concentration.dims != target.dims:
            raise input_error(f"{agent.name}: the stock ({u.format_quantity(stock.concentration)}) and the target "
                              f"({u.format_quantity(target)}) are not in the same kind of concentration", where,
                              code="wrong-dimension")
        if not u.at_most(target.value, stock.concentration.value):
            raise input_error(f"{agent.name}: the target {u.format_quantity(target)} is above the stock "
                              f"{u.format_quantity(stock.concentration)} ({stock.id}): a stock cannot be diluted "
                              "up to a higher concentration", where, code="impossible",
                              hint="choose a stronger stock with --stock AGENT=STOCK_ID")
        draw = u.Q(total.value * target.value / stock.concentration.value, u.VOLUME)
        out.append(_ingredient(agent, stock, draw, total, target))
    drawn = sum(i.draw.value for i in out)
    if not u.at_most(drawn, total.value):
        parts = " + ".join(f"{u.format_quantity(i.draw)} {i.agent.id}" for i in out)
        raise input_error(f"the stocks add up to {u.format_quantity(u.Q(drawn, u.VOLUME))} ({parts}), more than the "
                          f"{u.format_quantity(total)} to prepare: these final concentrations cannot be reached "
                          "from these stocks", Location(key="--stock"), code="impossible",
                          hint="choose stronger stocks with --stock AGENT=STOCK_ID")
    return out, u.Q(max(0.0, total.value - drawn), u.VOLUME)


def _scale_parts(cocktail: m.Cocktail, agents: dict[str, m.Agent], chosen: dict[str, m.Stock],
                 total: u.Q) -> tuple[list[Ingredient], u.Q, float]:
    """Every part × (batch / recipe total); final concentrations are those of the recipe."""
    recipe_total = sum((comp.volume.value for comp in cocktail.components if comp.volume), 0.0)
    diluent_part = cocktail.diluent.volume.value if cocktail.diluent else 0.0
    recipe_total += diluent_part
    scale = total.value / recipe_total
    out = []
    for comp in cocktail.components:
        agent = agents[comp.agent]
        concentration = stock_concentration(comp, agents)
        vial = agent.stock(comp.stock_id) if comp.stock_id else next(
            (s for s in agent.stocks if u.same(s.concentration, concentration)), None)
        picked = chosen.get(agent.id)
        if picked is not None:
            if not u.same(picked.concentration, concentration):
                raise input_error(f"{agent.name}: this cocktail is mixed from {u.format_quantity(concentration)}; "
                                  f"--stock {picked.id} is {u.format_quantity(picked.concentration)}",
                                  Location(key="--stock"), code="impossible",
                                  hint="for a cocktail given as parts, --stock may only pick a vial of the same "
                                  "concentration")
            vial = picked
        stock = vial or m.Stock("given", f"{u.format_quantity(concentration)} (from the recipe)", concentration, None)
        assert comp.volume is not None
        out.append(_ingredient(agent, stock, comp.volume * scale, total, None, comp.volume))
    return out, u.Q(diluent_part * scale, u.VOLUME), scale


def _as_mixed(cocktail: m.Cocktail, ingredients: list[Ingredient], diluent: u.Q) -> m.Cocktail:
    """The cocktail as it is actually mixed (stock + volume + diluent), for the admixture check."""
    from dataclasses import replace

    components = tuple(m.Component(i.agent.id, None, i.stock, None, i.draw) for i in ingredients)
    name = cocktail.diluent.name if cocktail.diluent else DEFAULT_DILUENT
    return replace(cocktail, components=components, diluent=m.Diluent(name, diluent))


def measurability_warnings(ingredients: list[Ingredient], diluent_name: str, diluent: u.Q,
                           rule: m.Measurability) -> list[c.Warning]:
    draws: list[tuple[str, u.Q, str | None]] = [(i.agent.name, i.draw, i.agent.id) for i in ingredients]
    if diluent.value > 0:
        draws.append((diluent_name, diluent, None))
    out = []
    basis = " (an assumption)" if rule.basis == "assumption" else ""
    for name, volume, agent_id in draws:
        if volume.value < rule.min_volume.value * (1 - u.REL_TOL):
            out.append(c.Warning("measurability", m.Severity.SOFT,
                                 f"{name}: {u.format_quantity(volume)} is below {u.format_quantity(rule.min_volume)}, "
                                 f"the smallest volume measured accurately{basis}: {rule.name}; use a weaker stock "
                                 "or a larger batch", agent_id, rule.source))
    return out


def beyond_use_warnings(bud: BeyondUse | None) -> list[c.Warning]:
    if bud is None:
        # soft, not info: the label then reads "Beyond use ______", which must not go out unnoticed
        return [c.Warning("beyond-use", m.Severity.SOFT,
                          "no beyond-use date: the label reads 'Beyond use ______'; give --immediate-use, "
                          "or --category 1|2|3 with --storage")]
    out = []
    if not bud.rule.confirmed:
        out.append(c.Warning(
            "beyond-use-unconfirmed", m.Severity.SOFT,
            f"UNCONFIRMED beyond-use limit: category {bud.rule.category} {bud.rule.storage} "
            f"({bud.rule.condition or 'shortest row'}) is not confirmed by any source mesocalc has; "
            "check it against USP <797> Tables 13-14 before use"))
    if bud.storage_defaulted:
        out.append(c.Warning("beyond-use", m.Severity.INFO,
                             "no --storage given: the room-temperature limit (the shortest) is used"))
    return out


# ---- the arithmetic written out (worksheet, table and --explain) ----


def draw_calculation(result: CompoundResult, ing: Ingredient) -> str:
    """The volume drawn, with the numbers: C1·V1 = C2·V2 (or a part scaled to the batch)."""
    v2 = u.format_quantity(result.total_volume)
    if ing.target is not None:  # the target written in the stock's unit first: one unit in the division
        return (f"{u.converted_first(ing.target, ing.stock)}V1 = C2 × V2 / C1 = "
                f"{u.format_like(ing.target, ing.stock)} × {v2} / {u.format_quantity(ing.stock)}"
                f" = {u.format_quantity(ing.draw)}")
    recipe = ing.recipe_volume if ing.recipe_volume is not None else ing.draw
    return (f"{u.format_quantity(recipe)} (recipe part) × {result.scale or 1.0:.6g} (batch / recipe)"
            f" = {u.format_quantity(ing.draw)}")


def diluent_calculation(result: CompoundResult) -> str:
    if result.form == "parts":
        recipe = result.diluent_recipe if result.diluent_recipe is not None else result.diluent_volume
        return (f"{u.format_quantity(recipe)} (recipe part) × {result.scale or 1.0:.6g}"
                f" = {u.format_quantity(result.diluent_volume)}")
    drawn = " − ".join(u.format_quantity(i.draw) for i in result.ingredients)
    return f"V2 − ΣV1 = {u.format_quantity(result.total_volume)} − {drawn} = {u.format_quantity(result.diluent_volume)}"
