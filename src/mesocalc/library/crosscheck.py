"""References between documents: agents, stocks, areas and sources that must exist.

The checks of one agent or one cocktail are functions of that document and of the few entries it looks up
(`lib.agents.get(...)`, `ref in lib.areas`, `lib.source_for(...)`), so that a big library edited in one
file checks again only the documents that changed or that look up one that changed (library/pack.py
records the look-ups). `cross_check` runs them all in one fixed order, whoever calls it, so the problems
come out in the same order whether they were computed now or kept from an earlier run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mesocalc.core import model as m
from mesocalc.core.caps import compared_dims
from mesocalc.errors import Location, Problem, did_you_mean
from mesocalc.units import VOLUME, Q, dims_mul, unit_string

# part(table, id, name, check) -> the problems of check(lib, lib.<table>[id]); cross_check's default runs it
Part = Callable[[str, str, str, Callable[[m.Library, Any], list[Problem]]], list[Problem]]


def _missing(problems: list[Problem], kind: str, ref: str, where: Location, key: str, choices: list[str]) -> None:
    problems.append(Problem(f"unknown-{kind}", f"unknown {kind} '{ref}'",
                            Location(where.file, where.line, key), did_you_mean(ref, choices)))


def _source_ok(problems: list[Problem], lib: m.Library, ref: str | None, owner: Any, where: Location,
               key: str) -> None:
    if ref is not None and lib.source_for(ref, owner) is None:
        local = [s.id for s in owner.sources] if owner else []
        _missing(problems, "source", ref, where, key, local + list(lib.sources))


def agent_references(lib: m.Library, agent: m.Agent) -> list[Problem]:
    problems: list[Problem] = []
    for i, limit in enumerate(agent.limits):
        _source_ok(problems, lib, limit.source, agent, limit.where, f"limits[{i}].source")
        for ref in (limit.when_with, limit.when_without):
            if ref is not None and ref not in lib.agents:
                _missing(problems, "agent", ref, limit.where, f"limits[{i}].when", list(lib.agents))
    if agent.course:
        _source_ok(problems, lib, agent.course.source, agent, agent.course.where, "course.source")
    for key, rules in (("contraindications", agent.contraindications), ("cautions", agent.cautions)):
        for i, rule in enumerate(rules):
            _source_ok(problems, lib, rule.source, agent, rule.where, f"{key}[{i}].source")
    if agent.regulatory:
        _source_ok(problems, lib, agent.regulatory.source, agent, agent.where, "regulatory.source")
        for i, area_id in enumerate(agent.regulatory.approved_areas):
            if area_id not in lib.areas:
                _missing(problems, "area", area_id, agent.where, f"regulatory.approved_areas[{i}]", list(lib.areas))
    _source_ok(problems, lib, agent.admixture_source, agent, agent.where, "admixture_source")
    return problems


def cocktail_components(lib: m.Library, cocktail: m.Cocktail) -> list[Problem]:
    problems: list[Problem] = []
    for i, comp in enumerate(cocktail.components):
        used = lib.agents.get(comp.agent)
        if used is None:
            _missing(problems, "agent", comp.agent, comp.where, f"components[{i}].agent", list(lib.agents))
            continue
        if comp.stock_id is not None and used.stock(comp.stock_id) is None:
            problems.append(Problem("unknown-stock", f"agent '{used.id}' has no stock '{comp.stock_id}'",
                                    Location(comp.where.file, comp.where.line, f"components[{i}].stock"),
                                    did_you_mean(comp.stock_id, [s.id for s in used.stocks])
                                    or f"stocks: {', '.join(s.id for s in used.stocks) or 'none'}"))
        concentration = comp.concentration or comp.stock
        if concentration is None and comp.stock_id is not None:
            found = used.stock(comp.stock_id)
            concentration = found.concentration if found else None
        if concentration is not None:
            problems.extend(_amount_mismatches(used, concentration, comp.where, i))
    if cocktail.area is not None and cocktail.area not in lib.areas:
        _missing(problems, "area", cocktail.area, cocktail.where, "area", list(lib.areas))
    _source_ok(problems, lib, cocktail.technique.source, cocktail, cocktail.where, "technique.source")
    return problems


def cocktail_ranges(lib: m.Library, cocktail: m.Cocktail) -> list[Problem]:
    problems: list[Problem] = []
    if cocktail.technique_range:
        _source_ok(problems, lib, cocktail.technique_range.source, cocktail, cocktail.where, "technique_range.source")
    if cocktail.reference:
        _source_ok(problems, lib, cocktail.reference.source, cocktail, cocktail.where, "reference.source")
    return problems


def agent_vocabulary(lib: m.Library, agent: m.Agent) -> list[Problem]:
    from mesocalc.core.vocabulary import unknown_conditions

    return unknown_conditions(agent, lib)


def _whole(table: str, key: str, name: str, check: Callable[[m.Library, Any], list[Problem]],
           lib: m.Library) -> list[Problem]:
    return check(lib, getattr(lib, table)[key])


def cross_check(lib: m.Library, part: Part | None = None, aliases: Mapping[str, Mapping[str, Any]] | None = None,
                classes: set[str] | None = None) -> list[Problem]:
    """Every cross-document problem of the library, in one fixed order.

    `part` runs (or recalls) the checks of one agent or cocktail; `aliases` ("agents", "cocktails": id ->
    an object with `aliases` and `where`) and `classes` (of all agents) stand in for reading every agent
    and cocktail where only those are needed."""
    run: Part = part or (lambda table, key, name, check: _whole(table, key, name, check, lib))
    problems: list[Problem] = []
    for key in lib.agents:
        problems += run("agents", key, "references", agent_references)
    from mesocalc.notation import alias_clashes

    problems += alias_clashes("agent", aliases["agents"] if aliases else lib.agents)
    problems += alias_clashes("cocktail", aliases["cocktails"] if aliases else lib.cocktails)
    problems += alias_clashes("area", lib.areas)
    for key in lib.cocktails:
        problems += run("cocktails", key, "components", cocktail_components)
    for area in lib.areas.values():
        _source_ok(problems, lib, area.source, area, area.where, "source")
        if area.technique_range:
            _source_ok(problems, lib, area.technique_range.source, area, area.where, "technique_range.source")
    for key in lib.cocktails:
        problems += run("cocktails", key, "ranges", cocktail_ranges)
    for region in lib.regions.values():
        if region.technique_range:
            _source_ok(problems, lib, region.technique_range.source, region, region.where, "technique_range.source")
    for condition in lib.conditions.values():
        _source_ok(problems, lib, condition.source, condition, condition.where, "source")
    from mesocalc.core.vocabulary import term_clashes

    problems += term_clashes(lib)
    if lib.conditions:
        for key in lib.agents:
            problems += run("agents", key, "vocabulary", agent_vocabulary)
    for table in lib.beyond_use.values():
        local = {s.id for s in table.sources}
        for i, bud in enumerate(table.rules):
            if bud.source is not None and bud.source not in local and bud.source not in lib.sources:
                _missing(problems, "source", bud.source, table.where, f"rules[{i}].source",
                         list(local) + list(lib.sources))
    for drawn in lib.measurability.values():
        if drawn.source is not None and drawn.source not in {s.id for s in drawn.sources} | set(lib.sources):
            _missing(problems, "source", drawn.source, drawn.where, "source",
                     [s.id for s in drawn.sources] + list(lib.sources))
    if lib.products or lib.class_limits:  # issue 14
        from mesocalc.library.products import cross_check_products

        problems.extend(cross_check_products(lib, classes))
    return problems


def _amount_mismatches(agent: m.Agent, concentration: Q, where: Location, index: int) -> list[Problem]:
    """A cap in units cannot be held against a dose in mg (nor the reverse): say so, never skip silently."""
    amount = dims_mul(concentration.dims, VOLUME)
    out = []
    for limit in agent.limits:
        if limit.basis in ("volume", "injections"):
            continue
        if limit.max.dims != compared_dims(limit, amount):
            out.append(Problem(
                "incomparable-limit",
                f"agent '{agent.id}' caps {limit.max.value:g} {unit_string(limit.max.dims)}, which cannot be "
                f"compared with a dose in {unit_string(amount)} from this concentration",
                Location(where.file, where.line, f"components[{index}]")))
    return out
