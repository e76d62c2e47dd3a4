"""Validation of the documents a visit needs (issue 14): `kind: product`, `kind: class-limit`, and the
region and body-weight conditions of a cap (`when: {region: [scalp, face]}`, `when: {weight_below: 70 kg}`).

Strengths of a product measured by mass are amounts per gram of product: `2.5 % w/w` is 2.5 g per 100 g
= 25 mg/g (SPEC §2). A product measured by volume takes a concentration (`3 mg/mL`, `1 %`, `1:100,000`);
a `% w/w` strength there needs the product's `density` (mg/mL = fraction × density) and says so.
"""

from __future__ import annotations

import re
from typing import Any

from mesocalc import units as u
from mesocalc.core import model as m
from mesocalc.errors import Location, MesocalcError, Problem, did_you_mean
from mesocalc.lazyre import lazy
from mesocalc.library.validate import Reader, _join, _unique, read_source

SITE_KEYS = ("region", "weight_below", "weight_at_least")

_WW = lazy(r"^\s*(\S+?)\s*%\s*w\s*/\s*w\s*$", re.I)
_PER_GRAM = lazy(r"^\s*(.+?)\s*/\s*g\s*$")
PRODUCT_COMPONENT_KEYS = {"agent", "concentration", "source", "note"}
PRODUCT_LIMIT_KEYS = {"scope", "max", "severity", "source", "note"}
AMOUNT_OF_PRODUCT = {"mass": u.Kind("an amount of product (g)", (u.MASS,), "60 g"),
                     "volume": u.Kind("an amount of product (mL)", (u.VOLUME,), "6 mL")}


def read_site_condition(r: Reader, data: dict[str, Any], path: str) -> m.SiteCondition | None:
    """`region: [scalp, face]`, `weight_below: 70 kg` or `weight_at_least: 70 kg`, or None."""
    if not any(key in data for key in SITE_KEYS):
        return None
    regions = r.words(data, "region", path)
    for i, region in enumerate(regions):
        if region not in m.REGIONS:
            r.problem(f"{_join(path, 'region')}[{i}]", f"'{region}' is not a region", "bad-value",
                      did_you_mean(region, m.REGIONS) or f"one of: {', '.join(m.REGIONS)}")
    below = r.quantity(data, "weight_below", path, u.WEIGHT_KIND)
    at_least = r.quantity(data, "weight_at_least", path, u.WEIGHT_KIND)
    return m.SiteCondition(regions, u.body_weight_kg(below) if below else None,
                           u.body_weight_kg(at_least) if at_least else None)


def parse_strength(text: Any, measure: str, density: u.Q | None, where: Location) -> u.Q:
    """A component's strength: an amount per g (measure mass) or per mL (measure volume)."""
    if isinstance(text, str):
        ww = _WW.match(text)
        if ww is not None:
            # N % w/w is N g per 100 g of product: the amount per gram, through the unit definitions
            # (the number read by the notation rules, g converted like any other mass)
            per_gram = u.parse_quantity(f"{ww.group(1)} g", u.AMOUNT, where) * 0.01
            if measure == "mass":
                return per_gram
            if density is None:
                raise MesocalcError(Problem(
                    "needs-density", f"'{text}' is % w/w, but this product is measured by volume",
                    where, "give the product's `density` (e.g. 1 g/mL), or a sourced mg/mL figure"))
            # per mL = (mass fraction) × density, the fraction being the amount per gram over one gram
            one_gram = u.parse_quantity("1 g", u.AMOUNT, where)
            return density * (per_gram.value / one_gram.value)
        per = _PER_GRAM.match(text)
        if measure == "mass" and per is not None:
            return u.parse_quantity(per.group(1), u.AMOUNT, where)
    if measure == "mass":
        raise MesocalcError(Problem(
            "wrong-dimension", f"{text!r} is not a strength for a product measured by mass", where,
            "give % w/w or an amount per g, e.g. '2.5 % w/w' or '25 mg/g'"))
    return u.parse_quantity(text, u.CONCENTRATION, where)


def read_product_component(r: Reader, value: Any, path: str, measure: str | None,
                           density: u.Q | None) -> m.ProductComponent | None:
    data = r.mapping(value, path, PRODUCT_COMPONENT_KEYS, ("agent", "concentration"))
    if data is None:
        return None
    agent = r.ident(data, "agent", path)
    source = r.ident(data, "source", path)
    written = data.get("concentration")
    if agent is None or written is None or measure is None:
        return None
    try:
        strength = parse_strength(written, measure, density, r.doc.where(_join(path, "concentration")))
    except MesocalcError as exc:
        r.problems.extend(exc.problems)
        return None
    return m.ProductComponent(agent, strength, str(written), source, r.doc.where(path))


def read_product_limit(r: Reader, value: Any, path: str, measure: str | None) -> m.Limit | None:
    """A label limit of the product itself: an amount of product (g or mL) or an area (cm^2) per session."""
    data = r.mapping(value, path, PRODUCT_LIMIT_KEYS, ("scope", "max"))
    if data is None or measure is None:
        return None
    scope = r.choice(data, "scope", path, (m.Scope.SESSION.value,))
    kind = u.Kind(f"{AMOUNT_OF_PRODUCT[measure].name} or an area (cm^2)", (*AMOUNT_OF_PRODUCT[measure].allowed, u.AREA),
                  f"{AMOUNT_OF_PRODUCT[measure].example} or 600 cm^2")
    cap = r.quantity(data, "max", path, kind)
    severity = r.choice(data, "severity", path, m.SEVERITIES, "hard")
    source = r.source_ref(data, path, "this limit")
    if scope is None or cap is None or severity is None:
        return None
    return m.Limit(scope, cap, severity, source, note=r.text(data, "note", path), where=r.doc.where(path))


def read_product(r: Reader, data: dict[str, Any]) -> m.Product | None:
    product_id = r.ident(data, "id", "", required=True)
    name = r.text(data, "name", "", required=True)
    route = r.choice(data, "route", "", m.ROUTES)
    measure = r.choice(data, "measure", "", m.MEASURES)
    for key, what in (("route", "injected or topical"), ("measure", "mass (creams, gels: g) or volume (mL)")):
        if key not in data:
            r.problem("", f"missing required key '{key}' ({what})", "missing-key")
    density = r.quantity(data, "density", "", u.CONCENTRATION)
    unit_of_sale = sale_amount = None
    sale = data.get("unit_of_sale")
    if isinstance(sale, dict):
        sale_data = r.mapping(sale, "unit_of_sale", {"label", "amount"}, ("label",))
        if sale_data is not None and measure is not None:
            unit_of_sale = r.text(sale_data, "label", "unit_of_sale")
            sale_amount = r.quantity(sale_data, "amount", "unit_of_sale", AMOUNT_OF_PRODUCT[measure])
    elif sale is not None:
        unit_of_sale = r.text(data, "unit_of_sale", "")
    components = r.items(data, "components", "",
                         lambda v, p: read_product_component(r, v, p, measure, density))
    if not data.get("components"):
        r.problem("", "missing required key 'components' (at least one agent)", "missing-key")
    _unique(r, [c.agent for c in components], "components")
    rule, rule_note, rule_source = _session_total(r, data.get("session_total"), route)
    if product_id is None or name is None or route is None or measure is None or not components or rule is None:
        return None
    return m.Product(
        id=product_id, name=name, route=route, measure=measure, components=components, session_total=rule,
        session_total_note=rule_note, session_total_source=rule_source,
        aliases=r.words(data, "aliases", "", ids=False), unit_of_sale=unit_of_sale, sale_amount=sale_amount,
        density=density, limits=r.items(data, "limits", "", lambda v, p: read_product_limit(r, v, p, measure)),
        notes=r.words(data, "notes", "", ids=False),
        sources=r.items(data, "sources", "", lambda v, p: read_source(r, v, p)), where=r.doc.where(""))


def _session_total(r: Reader, value: Any, route: str | None) -> tuple[str | None, str | None, str | None]:
    """`session_total: beside` or `{rule: beside, source: ..., note: ...}`; a topical product must say."""
    if value is None:
        if route == "topical":
            r.problem("", "missing required key 'session_total': how this topical product counts toward its "
                      "agents' session totals", "missing-key", "added or beside (REFERENCE 10.3.2)")
            return None, None, None
        return "added", None, None
    if isinstance(value, str):
        return r.choice({"session_total": value}, "session_total", "", m.SESSION_TOTALS), None, None
    data = r.mapping(value, "session_total", {"rule", "source", "note"}, ("rule",))
    if data is None:
        return None, None, None
    return (r.choice(data, "rule", "session_total", m.SESSION_TOTALS), r.text(data, "note", "session_total"),
            r.ident(data, "source", "session_total"))


def read_class_limit(r: Reader, data: dict[str, Any]) -> m.ClassLimit | None:
    limit_id = r.ident(data, "id", "", required=True)
    name = r.text(data, "name", "", required=True)
    agent_class = r.ident(data, "class", "", required=True)
    rule = r.choice(data, "rule", "", m.CLASS_RULES)
    if "rule" not in data:
        r.problem("", "missing required key 'rule' (additive)", "missing-key")
    cap = data.get("max", 1)
    if isinstance(cap, bool) or not isinstance(cap, int | float) or not 0 < cap <= 1:
        r.problem("max", f"expected a share greater than 0 and at most 1, got {cap!r}", "bad-value")
        cap = None
    derived = data.get("derived", False)
    if not isinstance(derived, bool):
        r.problem("derived", "expected true or false", "wrong-type")
        derived = False
    severity = r.choice(data, "severity", "", m.SEVERITIES, "hard")
    source = r.source_ref(data, "", "this class limit")
    sources = r.items(data, "sources", "", lambda v, p: read_source(r, v, p))
    if limit_id is None or name is None or agent_class is None or rule is None or cap is None or severity is None:
        return None
    return m.ClassLimit(limit_id, name, agent_class, rule, float(cap), severity, source, derived,
                        r.text(data, "note", ""), sources, r.doc.where(""))


def cross_check_products(lib: m.Library, classes: set[str] | None = None) -> list[Problem]:
    """Product components name known agents; every source resolves; a class limit's class has agents
    (`classes`: the classes of all agents, when the caller knows them without reading every agent)."""
    problems: list[Problem] = []

    def missing(kind: str, ref: str, where: Location, key: str, choices: list[str]) -> None:
        problems.append(Problem(f"unknown-{kind}", f"unknown {kind} '{ref}'",
                                Location(where.file, where.line, key), did_you_mean(ref, choices)))

    def source_ok(ref: str | None, owner: m.Product | m.ClassLimit, where: Location, key: str) -> None:
        if ref is not None and lib.source_for(ref, owner) is None:
            missing("source", ref, where, key, [s.id for s in owner.sources] + list(lib.sources))

    for product in lib.products.values():
        for i, comp in enumerate(product.components):
            if comp.agent not in lib.agents:
                missing("agent", comp.agent, comp.where, f"components[{i}].agent", list(lib.agents))
            source_ok(comp.source, product, comp.where, f"components[{i}].source")
        for i, limit in enumerate(product.limits):
            source_ok(limit.source, product, limit.where, f"limits[{i}].source")
        source_ok(product.session_total_source, product, product.where, "session_total.source")
    if classes is None:
        classes = {c for agent in lib.agents.values() for c in agent.classes}
    for class_limit in lib.class_limits.values():
        source_ok(class_limit.source, class_limit, class_limit.where, "source")
        if class_limit.agent_class not in classes:
            missing("class", class_limit.agent_class, class_limit.where, "class", sorted(classes))
    return problems
