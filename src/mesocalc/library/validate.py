"""Strict validation of raw YAML documents into model objects.

Every problem is collected (not just the first), with file, line and key path. Unknown keys are
errors with a did-you-mean hint: a misspelt limit is a lost limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from mesocalc import units as u
from mesocalc.core import model as m
from mesocalc.errors import MesocalcError, Problem, did_you_mean
from mesocalc.lazyre import lazy
from mesocalc.library import kinds
from mesocalc.library.yamlio import RawDocument

T = TypeVar("T")

ID_RE = lazy(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
INTERVAL_RE = lazy(r"^\s*(\d+)\s*(day|days|week|weeks|month|months)\s*$", re.I)

KINDS = kinds.NAMES

SOURCE_KEYS = {"id", "title", "url", "confidence", "note"}
AGENT_KEYS = {
    "kind", "id", "name", "aliases", "classes", "description", "regulatory", "admixture",
    "admixture_note", "admixture_source", "stocks", "max_concentration", "limits", "course",
    "contraindications", "cautions", "notes", "sources",
}
COCKTAIL_KEYS = {
    "kind", "id", "name", "aliases", "description", "area", "technique", "components", "diluent", "protocol",
    "notes", "sources", "technique_range", "reference",
}
AREA_KEYS = {"kind", "id", "name", "region", "surface", "basis", "source", "aliases", "note", "sources",
             "technique_range", "no_inject"}
PATIENT_KEYS = {"kind", "id", "name", "weight", "sex", "conditions", "allergies", "note", "age", "birth_date",
                "sources"}
CONDITION_KEYS = {"kind", "id", "name", "synonyms", "source", "note", "age_under", "age_from", "excipients",
                  "sources"}
REGION_KEYS = {"kind", "id", "name", "technique_range", "note", "sources"}
RANGE_KEYS = {"volume_per_point", "spacing", "basis", "source", "note"}
REFERENCE_KEYS = {"volume", "points", "source", "note"}
INJECTIONS_RE = lazy(r"^\s*(\d+)\s*injections?\s*$")
BEYOND_USE_KEYS = {"kind", "id", "name", "rules", "note", "sources"}
BEYOND_USE_RULE_KEYS = {"category", "storage", "limit", "confirmed", "condition", "source", "note"}
MEASURABILITY_KEYS = {"kind", "id", "name", "min_volume", "basis", "source", "note", "sources"}
PRODUCT_KEYS = {"kind", "id", "name", "aliases", "route", "measure", "unit_of_sale", "density", "components",
                "session_total", "limits", "notes", "sources"}
CLASS_LIMIT_KEYS = {"kind", "id", "name", "class", "rule", "max", "severity", "source", "derived", "note", "sources"}


# Text keys that may span lines (a YAML block scalar); every other text is one line.
MULTI_LINE_KEYS = frozenset({"description", "note", "notes"})


class Reader:
    """Reads one document, collecting problems instead of stopping at the first."""

    def __init__(self, doc: RawDocument, problems: list[Problem]) -> None:
        self.doc = doc
        self.problems = problems

    def problem(self, path: str, message: str, code: str = "invalid", hint: str | None = None,
                severity: str = "error") -> None:
        self.problems.append(Problem(code, message, self.doc.where(path), hint, severity))

    def mapping(
        self, value: Any, path: str, allowed: set[str], required: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping of keys, got {_type_name(value)}", "wrong-type")
            return None
        for key in value:
            if key not in allowed:
                child = f"{path}.{key}" if path else key
                self.problem(child, f"unknown key '{key}'", "unknown-key",
                             did_you_mean(key, allowed) or f"allowed: {', '.join(sorted(allowed))}")
        for key in required:
            if key not in value or value[key] is None:
                self.problem(path, f"missing required key '{key}'", "missing-key")
        return value

    def text(self, data: dict[str, Any], key: str, path: str, required: bool = False) -> str | None:
        value = data.get(key)
        child = _join(path, key)
        if value is None:
            if required:
                self.problem(path, f"missing required key '{key}'", "missing-key")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(child, f"expected text, got {_type_name(value)}", "wrong-type")
            return None
        return value if self.plain_text(value, child, multi_line=key in MULTI_LINE_KEYS) else None

    def plain_text(self, value: str, path: str, multi_line: bool = False) -> bool:
        """Text shown to a reader holds no control, bidi-override or zero-width character (they forge
        or hide what is displayed); names stay on one line. False, with a problem, when it does."""
        from mesocalc.textsafe import hidden_character

        found = hidden_character(value, allow_newlines=multi_line)
        if found is not None:
            self.problem(path, f"contains the hidden or control character {found}: text shown to a reader "
                         "must be plain" + ("" if multi_line else ", on one line"), "hidden-character")
            return False
        return True

    def ident(self, data: dict[str, Any], key: str, path: str, required: bool = False) -> str | None:
        value = self.text(data, key, path, required)
        if value is not None and not ID_RE.match(value):
            self.problem(_join(path, key), f"'{value}' is not a valid id (lower-case words joined by '-')",
                         "bad-id")
            return None
        return value

    def choice(self, data: dict[str, Any], key: str, path: str, choices: tuple[str, ...],
               default: str | None = None) -> str | None:
        value = data.get(key)
        if value is None:
            return default
        if value not in choices:
            hint = did_you_mean(str(value), choices) or f"one of: {', '.join(choices)}"
            self.problem(_join(path, key), f"'{value}' is not allowed here", "bad-value", hint)
            return default
        return str(value)

    def quantity(self, data: dict[str, Any], key: str, path: str, kind: u.Kind, required: bool = False,
                 minimum: str = "positive") -> u.Q | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(path, f"missing required key '{key}' ({kind.name}, e.g. {kind.example})",
                             "missing-key")
            return None
        if isinstance(value, str):  # parsed before: no Location to make (140,000 of them in a big library)
            known = u._PARSED.get((value, kind, minimum))
            if known is not None:
                return known
        try:
            return u.parse_quantity(value, kind, self.doc.where(_join(path, key)), minimum=minimum)
        except MesocalcError as exc:
            self.problems.extend(exc.problems)
            return None

    def count(self, data: dict[str, Any], key: str, path: str, required: bool = False) -> int | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(path, f"missing required key '{key}' (a whole number)", "missing-key")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > 1_000_000:
            self.problem(_join(path, key), f"expected a whole number from 1 to 1,000,000, got {value!r}",
                         "wrong-type")
            return None
        return value

    def words(self, data: dict[str, Any], key: str, path: str, ids: bool = True) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(_join(path, key), f"expected a list, got {_type_name(value)}", "wrong-type")
            return ()
        out = []
        for i, item in enumerate(value):
            child = f"{_join(path, key)}[{i}]"
            if not isinstance(item, str) or not item.strip():
                self.problem(child, f"expected text, got {_type_name(item)}", "wrong-type")
            elif ids and not ID_RE.match(item):
                self.problem(child, f"'{item}' is not a valid id (lower-case words joined by '-')", "bad-id")
            elif self.plain_text(item, child, multi_line=key in MULTI_LINE_KEYS):
                out.append(item)
        return tuple(out)

    def items(self, data: dict[str, Any], key: str, path: str, read: Callable[[Any, str], T | None]) -> tuple[T, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(_join(path, key), f"expected a list, got {_type_name(value)}", "wrong-type")
            return ()
        out = []
        for i, item in enumerate(value):
            result = read(item, f"{_join(path, key)}[{i}]")
            if result is not None:
                out.append(result)
        return tuple(out)

    def interval(self, data: dict[str, Any], key: str, path: str, required: bool = False) -> m.Interval | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(path, f"missing required key '{key}' (e.g. '1 month')", "missing-key")
            return None
        parsed = parse_interval(value)
        if parsed is None:
            self.problem(_join(path, key), f"'{value}' is not a calendar interval such as '2 weeks' or "
                         "'1 month'", "bad-interval")
        return parsed

    def source_ref(self, data: dict[str, Any], path: str, what: str) -> str | None:
        """A `source` id; its absence is a 'missing source' problem (fails `check` only with --strict)."""
        value = self.ident(data, "source", path)
        if value is None and "source" not in data:
            self.problem(path, f"{what} names no source", "missing-source",
                         "add `source:` naming an entry of `sources`", severity="warning")
        return value


def parse_interval(value: Any) -> m.Interval | None:
    if not isinstance(value, str):
        return None
    match = INTERVAL_RE.match(value)
    if not match or int(match.group(1)) < 1 or int(match.group(1)) > 1200:
        return None
    unit = match.group(2).lower().rstrip("s")
    return m.Interval(int(match.group(1)), unit)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        short = " ".join(value.split())
        return f"'{short[:60]}...'" if len(short) > 60 else f"'{short}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


# ----------------------------------------------------------------------------------------------
# Documents


def read_source(r: Reader, value: Any, path: str) -> m.Source | None:
    data = r.mapping(value, path, SOURCE_KEYS | ({"kind"} if not path else set()), ("id", "title", "confidence"))
    if data is None:
        return None
    source_id = r.ident(data, "id", path)
    title = r.text(data, "title", path)
    confidence = r.choice(data, "confidence", path, m.CONFIDENCES)
    if source_id is None or title is None or confidence is None:
        return None
    return m.Source(source_id, title, r.text(data, "url", path), confidence, r.text(data, "note", path),
                    r.doc.where(path))


def read_limit(r: Reader, value: Any, path: str) -> m.Limit | None:
    data = r.mapping(value, path, {"scope", "max", "severity", "source", "when", "note", "derived"},
                     ("scope", "max"))
    if data is None:
        return None
    scope = r.choice(data, "scope", path, m.SCOPES)
    injections = INJECTIONS_RE.match(data["max"]) if isinstance(data.get("max"), str) else None
    if injections is not None:  # `50 injections`: a count of points, not a dose (SPEC §3)
        cap: u.Q | None = u.Q(float(injections.group(1)), u.DIMENSIONLESS)
        if scope != m.Scope.SESSION:
            r.problem(_join(path, "max"), "a cap in injections is a session cap (scope: session)", "bad-value")
    else:
        cap = r.quantity(data, "max", path, u.LIMIT_KIND)
    severity = r.choice(data, "severity", path, m.SEVERITIES, "hard")
    source = r.source_ref(data, path, "this limit")
    derived = data.get("derived", False)
    if not isinstance(derived, bool):
        r.problem(_join(path, "derived"), f"expected true or false, got {_type_name(derived)}", "wrong-type")
        derived = False
    when_with = when_without = site = None
    when_min = None
    when = data.get("when")
    if when is not None:
        from mesocalc.library.products import SITE_KEYS, read_site_condition

        when_path = _join(path, "when")
        when_data = r.mapping(when, when_path, {"with", "without", *SITE_KEYS})
        if when_data is not None:
            if len(when_data) != 1:
                r.problem(when_path, "give exactly one of 'with' or 'without' (or of "
                          + ", ".join(f"'{k}'" for k in SITE_KEYS) + ")", "bad-value")
            for word in ("with", "without"):
                if word not in when_data:
                    continue
                other = when_data.get(word)
                if isinstance(other, dict):  # {agent: epinephrine, min: "1:200,000"}
                    cond = r.mapping(other, _join(when_path, word), {"agent", "min"}, ("agent", "min"))
                    if cond is None:
                        continue
                    found = r.ident(cond, "agent", _join(when_path, word))
                    when_min = r.quantity(cond, "min", _join(when_path, word), u.CONCENTRATION)
                else:
                    found = r.ident(when_data, word, when_path)
                if word == "with":
                    when_with = found
                else:
                    when_without = found
            site = read_site_condition(r, when_data, when_path)
    if scope is None or cap is None or severity is None:
        return None
    return m.Limit(scope, cap, severity, source, when_with, when_without, r.text(data, "note", path),
                   r.doc.where(path), when_min, derived, injections is not None, when_site=site)


def read_condition(r: Reader, value: Any, path: str, default_severity: str) -> m.ConditionRule | None:
    data = r.mapping(value, path, {"condition", "severity", "source", "note"}, ("condition",))
    if data is None:
        return None
    condition = r.ident(data, "condition", path)
    severity = r.choice(data, "severity", path, m.SEVERITIES, default_severity)
    rule = "contraindication" if default_severity == m.Severity.HARD else "caution"
    source = r.source_ref(data, path, f"this {rule}")
    if condition is None or severity is None:
        return None
    return m.ConditionRule(condition, severity, source, r.text(data, "note", path), r.doc.where(path))


def read_stock(r: Reader, value: Any, path: str) -> m.Stock | None:
    data = r.mapping(value, path, {"id", "label", "concentration", "volume", "excipients"}, ("id", "concentration"))
    if data is None:
        return None
    stock_id = r.ident(data, "id", path)
    concentration = r.quantity(data, "concentration", path, u.CONCENTRATION)
    volume = r.quantity(data, "volume", path, u.VOLUME_KIND)
    if stock_id is None or concentration is None:
        return None
    return m.Stock(stock_id, r.text(data, "label", path), concentration, volume, r.words(data, "excipients", path))


def read_agent(r: Reader, data: dict[str, Any]) -> m.Agent | None:
    agent_id = r.ident(data, "id", "", required=True)
    name = r.text(data, "name", "", required=True)
    regulatory = None
    if data.get("regulatory") is not None:
        reg = r.mapping(data["regulatory"], "regulatory", {"status", "approved_areas", "note", "source"}, ("status",))
        if reg is not None:
            status = r.choice(reg, "status", "regulatory", m.STATUSES)
            if status is not None:
                regulatory = m.Regulatory(status, r.words(reg, "approved_areas", "regulatory"),
                                          r.text(reg, "note", "regulatory"), r.ident(reg, "source", "regulatory"))
    course = None
    if data.get("course") is not None:
        c = r.mapping(data["course"], "course", {"max_sessions", "min_interval", "severity", "source", "note"})
        if c is not None:
            course = m.CourseRule(r.count(c, "max_sessions", "course"), r.interval(c, "min_interval", "course"),
                                  r.choice(c, "severity", "course", m.SEVERITIES, "hard") or "hard",
                                  r.source_ref(c, "course", "this course rule"), r.text(c, "note", "course"),
                                  r.doc.where("course"))
    agent = m.Agent(
        id=agent_id or "",
        name=name or "",
        aliases=r.words(data, "aliases", "", ids=False),
        classes=r.words(data, "classes", ""),
        description=r.text(data, "description", ""),
        regulatory=regulatory,
        admixture=r.choice(data, "admixture", "", m.ADMIXTURE, "ok") or "ok",
        admixture_note=r.text(data, "admixture_note", ""),
        admixture_source=r.ident(data, "admixture_source", ""),
        stocks=r.items(data, "stocks", "", lambda v, p: read_stock(r, v, p)),
        max_concentration=r.quantity(data, "max_concentration", "", u.CONCENTRATION),
        limits=r.items(data, "limits", "", lambda v, p: read_limit(r, v, p)),
        course=course,
        contraindications=r.items(data, "contraindications", "", lambda v, p: read_condition(r, v, p, "hard")),
        cautions=r.items(data, "cautions", "", lambda v, p: read_condition(r, v, p, "soft")),
        notes=r.words(data, "notes", "", ids=False),
        sources=r.items(data, "sources", "", lambda v, p: read_source(r, v, p)),
        where=r.doc.where(""),
    )
    _unique(r, [s.id for s in agent.stocks], "stocks")
    _unique(r, [s.id for s in agent.sources], "sources")
    return agent if agent_id and name else None


def read_technique(r: Reader, value: Any, path: str) -> m.Technique | None:
    data = r.mapping(value, path, {"grid", "spacing", "volume_per_point", "depth", "max_points", "source", "note"},
                     ("spacing", "volume_per_point"))
    if data is None:
        return None
    grid = r.choice(data, "grid", path, m.GRIDS, "square")
    spacing = r.quantity(data, "spacing", path, u.LENGTH_KIND)
    volume = r.quantity(data, "volume_per_point", path, u.VOLUME_KIND)
    if grid is None or spacing is None or volume is None:
        return None
    return m.Technique(grid, spacing, volume, r.quantity(data, "depth", path, u.LENGTH_KIND),
                       r.count(data, "max_points", path), r.ident(data, "source", path), r.text(data, "note", path))


def read_component(r: Reader, value: Any, path: str) -> m.Component | None:
    data = r.mapping(value, path, {"agent", "concentration", "stock", "volume"}, ("agent",))
    if data is None:
        return None
    agent = r.ident(data, "agent", path)
    if "concentration" in data and ("stock" in data or "volume" in data):
        r.problem(path, "give either a final 'concentration', or a 'stock' and the 'volume' drawn from it,"
                  " not both", "mixed-forms")
        return None
    concentration = r.quantity(data, "concentration", path, u.CONCENTRATION)
    stock = stock_id = None
    raw_stock = data.get("stock")
    if isinstance(raw_stock, str) and ID_RE.match(raw_stock):
        stock_id = raw_stock
    elif raw_stock is not None:
        stock = r.quantity(data, "stock", path, u.CONCENTRATION)
    volume = r.quantity(data, "volume", path, u.VOLUME_KIND)
    if "concentration" not in data and ("stock" not in data or "volume" not in data):
        r.problem(path, "a component needs a final 'concentration', or a 'stock' and a 'volume'", "missing-key")
        return None
    if agent is None:
        return None
    return m.Component(agent, concentration, stock, stock_id, volume, r.doc.where(path))


def read_phase(r: Reader, value: Any, path: str) -> m.Phase | None:
    data = r.mapping(value, path, {"phase", "sessions", "every", "max_interval"}, ("phase", "sessions", "every"))
    if data is None:
        return None
    name = r.text(data, "phase", path)
    sessions = r.count(data, "sessions", path)
    every = r.interval(data, "every", path)
    longest = r.interval(data, "max_interval", path) if "max_interval" in data else None
    if name is None or sessions is None or every is None:
        return None
    return m.Phase(name, sessions, every, longest)


def read_cocktail(r: Reader, data: dict[str, Any]) -> m.Cocktail | None:
    cocktail_id = r.ident(data, "id", "", required=True)
    name = r.text(data, "name", "", required=True)
    technique = None
    if data.get("technique") is None:
        r.problem("", "missing required key 'technique'", "missing-key")
    else:
        technique = read_technique(r, data["technique"], "technique")
    components = r.items(data, "components", "", lambda v, p: read_component(r, v, p))
    if not data.get("components"):
        r.problem("", "missing required key 'components' (at least one agent)", "missing-key")
    forms = {c.concentration is not None for c in components}
    if len(forms) > 1:
        r.problem("components", "mixes both forms: give every component a final 'concentration', or every "
                  "component a 'stock' and 'volume'", "mixed-forms")
    diluent = None
    if data.get("diluent") is not None:
        d = r.mapping(data["diluent"], "diluent", {"name", "volume"}, ("volume",))
        if d is not None:
            volume = r.quantity(d, "volume", "diluent", u.VOLUME_KIND, minimum="non-negative")
            if volume is not None:
                diluent = m.Diluent(r.text(d, "name", "diluent") or "diluent", volume)
        if forms == {True}:
            r.problem("diluent", "a diluent goes with stock volumes, not with final concentrations", "mixed-forms")
    _unique(r, [c.agent for c in components], "components")
    if cocktail_id is None or name is None or technique is None or not components or len(forms) > 1:
        return None
    return m.Cocktail(
        id=cocktail_id, name=name, technique=technique, components=components,
        aliases=r.words(data, "aliases", "", ids=False),
        description=r.text(data, "description", ""), area=r.ident(data, "area", ""), diluent=diluent,
        protocol=r.items(data, "protocol", "", lambda v, p: read_phase(r, v, p)),
        notes=r.words(data, "notes", "", ids=False),
        sources=r.items(data, "sources", "", lambda v, p: read_source(r, v, p)),
        where=r.doc.where(""),
        technique_range=read_technique_range(r, data.get("technique_range"), "technique_range"),
        reference=read_reference(r, data.get("reference"), "reference"),
    )


def read_area(r: Reader, data: dict[str, Any]) -> m.Area | None:
    area_id = r.ident(data, "id", "", required=True)
    name = r.text(data, "name", "", required=True)
    region = r.choice(data, "region", "", m.REGIONS)
    surface = r.quantity(data, "surface", "", u.AREA_KIND, required=True)
    basis = r.choice(data, "basis", "", m.BASES)
    if basis is None and "basis" not in data:
        r.problem("", "missing required key 'basis' (sourced or assumption)", "missing-key")
    source = r.ident(data, "source", "")
    if basis == "sourced" and source is None:
        r.problem("", "a sourced area names no source", "missing-source", severity="warning")
    if area_id is None or name is None or surface is None or basis is None:
        return None
    sources = r.items(data, "sources", "", lambda v, p: read_source(r, v, p))
    _unique(r, [s.id for s in sources], "sources")
    band = r.mapping(data["no_inject"], "no_inject", {"below", "within", "source"}, ("below", "within")) \
        if "no_inject" in data else None
    return m.Area(area_id, name, region or "body", surface, basis, source, r.words(data, "aliases", "", ids=False),
                  r.text(data, "note", ""), r.doc.where(""), sources,
                  read_technique_range(r, data.get("technique_range"), "technique_range"),
                  r.text(band, "below", "no_inject") if band else None,
                  r.quantity(band, "within", "no_inject", u.LENGTH_KIND) if band else None,
                  r.ident(band, "source", "no_inject") if band else None)


def read_patient(r: Reader, data: dict[str, Any]) -> m.Patient | None:
    patient_id = r.ident(data, "id", "") or "patient"
    weight = r.quantity(data, "weight", "", u.WEIGHT_KIND)
    age = data.get("age")
    if age is not None and (isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 130):
        r.problem("age", f"expected an age in whole years from 0 to 130, got {_type_name(age)}", "wrong-type")
        age = None
    birth = data.get("birth_date")
    birth_date = None
    if birth is not None:
        import datetime

        text = birth.isoformat() if isinstance(birth, datetime.date) else birth
        try:
            birth_date = datetime.date.fromisoformat(text).isoformat() if isinstance(text, str) else None
        except ValueError:
            birth_date = None
        if birth_date is None:
            r.problem("birth_date", f"expected a date such as 1990-04-02, got {_type_name(birth)}", "wrong-type")
        elif birth_date > datetime.date.today().isoformat():
            r.problem("birth_date", f"{birth_date} is in the future", "bad-value")
            birth_date = None
    # the words people write ("Pregnancy", "breast feeding"): matched through the vocabulary, not as ids
    return m.Patient(patient_id, r.text(data, "name", ""), weight, r.text(data, "sex", ""),
                     r.words(data, "conditions", "", ids=False), r.words(data, "allergies", "", ids=False),
                     r.doc.where(""), age, birth_date, r.items(data, "sources", "", lambda v, p: read_source(r, v, p)))


def read_range_pair(r: Reader, data: dict[str, Any], key: str, path: str, kind: u.Kind) -> tuple[u.Q, u.Q] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        r.problem(_join(path, key), f"expected [lowest, highest], got {_type_name(value)}", "wrong-type")
        return None
    low = r.quantity({key: value[0]}, key, path, kind)
    high = r.quantity({key: value[1]}, key, path, kind)
    if low is None or high is None:
        return None
    if low.value > high.value:
        r.problem(_join(path, key), "the lowest value is above the highest", "bad-value")
        return None
    return low, high


def read_technique_range(r: Reader, value: Any, path: str) -> m.TechniqueRange | None:
    if value is None:
        return None
    data = r.mapping(value, path, RANGE_KEYS, ("basis",))
    if data is None:
        return None
    basis = r.choice(data, "basis", path, m.BASES)
    source = r.source_ref(data, path, "this technique range") if basis == "sourced" else r.ident(data, "source", path)
    volume = read_range_pair(r, data, "volume_per_point", path, u.VOLUME_KIND)
    spacing = read_range_pair(r, data, "spacing", path, u.LENGTH_KIND)
    if basis is None:
        return None
    return m.TechniqueRange(volume, spacing, basis, source, r.text(data, "note", path))


def read_reference(r: Reader, value: Any, path: str) -> m.Reference | None:
    if value is None:
        return None
    data = r.mapping(value, path, REFERENCE_KEYS)
    if data is None:
        return None
    volume = r.quantity(data, "volume", path, u.VOLUME_KIND)
    points = r.count(data, "points", path)
    if (volume is None) == (points is None):
        r.problem(path, "give the published session's 'volume' or its 'points' (one of them)", "missing-key")
        return None
    return m.Reference(volume, points, r.source_ref(data, path, "this reference session"), r.text(data, "note", path))


def read_condition_doc(r: Reader, data: dict[str, Any]) -> m.Condition | None:
    condition_id = r.ident(data, "id", "", required=True)
    name = r.text(data, "name", "", required=True)
    sources = r.items(data, "sources", "", lambda v, p: read_source(r, v, p))
    ages = {}
    for key in ("age_under", "age_from"):
        ages[key] = r.count(data, key, "")
    source = r.source_ref(data, "", "this age term") if any(ages.values()) else r.ident(data, "source", "")
    if condition_id is None or name is None:
        return None
    return m.Condition(condition_id, name, r.words(data, "synonyms", "", ids=False), source, r.text(data, "note", ""),
                       ages["age_under"], ages["age_from"], r.words(data, "excipients", ""), sources,
                       r.doc.where(""))


def read_region(r: Reader, data: dict[str, Any]) -> m.Region | None:
    region_id = r.choice(data, "id", "", m.REGIONS)
    name = r.text(data, "name", "", required=True)
    if region_id is None or name is None:
        if "id" not in data:
            r.problem("", "missing required key 'id' (scalp, face or body)", "missing-key")
        return None
    return m.Region(region_id, name, read_technique_range(r, data.get("technique_range"), "technique_range"),
                    r.text(data, "note", ""), r.items(data, "sources", "", lambda v, p: read_source(r, v, p)),
                    r.doc.where(""))


def _unique(r: Reader, ids: list[str], path: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(ids):
        if item in seen:
            r.problem(f"{path}[{i}]", f"'{item}' appears twice", "duplicate-id")
        seen.add(item)


# ---- issue 3: beyond-use tables (USP <797>) and the smallest measurable volume ----


def read_beyond_use_rule(r: Reader, value: Any, path: str) -> m.BeyondUseRule | None:
    data = r.mapping(value, path, BEYOND_USE_RULE_KEYS, ("category", "limit", "confirmed"))
    if data is None:
        return None
    if isinstance(data.get("category"), int) and not isinstance(data.get("category"), bool):
        data = {**data, "category": str(data["category"])}
    category = r.choice(data, "category", path, m.BUD_CATEGORIES)
    storage = r.choice(data, "storage", path, m.STORAGES)
    if category is not None and category != "immediate-use" and storage is None and "storage" not in data:
        r.problem(path, f"a category {category} rule needs a 'storage' (room, fridge or freezer)", "missing-key")
    limit = r.quantity(data, "limit", path, u.DURATION_KIND)
    confirmed = data.get("confirmed")
    if not isinstance(confirmed, bool):
        r.problem(_join(path, "confirmed"), f"expected true or false, got {_type_name(confirmed)}", "wrong-type")
    source = r.source_ref(data, path, "this beyond-use rule") if confirmed else r.ident(data, "source", path)
    if category is None or limit is None or not isinstance(confirmed, bool):
        return None
    return m.BeyondUseRule(category, storage, limit, confirmed, r.ident(data, "condition", path), source,
                           r.text(data, "note", path))


def read_beyond_use(r: Reader, data: dict[str, Any]) -> m.BeyondUseTable | None:
    table_id = r.ident(data, "id", "", required=True)
    name = r.text(data, "name", "", required=True)
    rules = r.items(data, "rules", "", lambda v, p: read_beyond_use_rule(r, v, p))
    if not data.get("rules"):
        r.problem("", "missing required key 'rules' (at least one)", "missing-key")
    sources = r.items(data, "sources", "", lambda v, p: read_source(r, v, p))
    _unique(r, [s.id for s in sources], "sources")
    if table_id is None or name is None or not rules:
        return None
    return m.BeyondUseTable(table_id, name, rules, r.text(data, "note", ""), sources, r.doc.where(""))


def read_measurability(r: Reader, data: dict[str, Any]) -> m.Measurability | None:
    rule_id = r.ident(data, "id", "", required=True)
    name = r.text(data, "name", "", required=True)
    min_volume = r.quantity(data, "min_volume", "", u.VOLUME_KIND, required=True)
    basis = r.choice(data, "basis", "", m.BASES)
    if basis is None and "basis" not in data:
        r.problem("", "missing required key 'basis' (sourced or assumption)", "missing-key")
    source = r.source_ref(data, "", "this measurability rule") if basis == "sourced" else r.ident(data, "source", "")
    sources = r.items(data, "sources", "", lambda v, p: read_source(r, v, p))
    if rule_id is None or name is None or min_volume is None or basis is None:
        return None
    return m.Measurability(rule_id, name, min_volume, basis, source, r.text(data, "note", ""), sources,
                           r.doc.where(""))


Model = (m.Agent | m.Cocktail | m.Area | m.Patient | m.Source | m.BeyondUseTable | m.Measurability | m.Condition
         | m.Region | m.Product | m.ClassLimit)


def read_document(doc: RawDocument, problems: list[Problem]) -> Model | None:
    """One document into its model object; problems are appended to `problems`."""
    r = Reader(doc, problems)
    if not isinstance(doc.data, dict):
        # a whole document of text is not quoted back: it may be any file (`--patient /etc/passwd`)
        got = "text" if isinstance(doc.data, str) else _type_name(doc.data)
        r.problem("", f"a document must be a mapping with a 'kind', got {got}", "wrong-type")
        return None
    kind = doc.data.get("kind")
    if kind not in KINDS:
        hint = did_you_mean(str(kind), KINDS) or f"one of: {', '.join(KINDS)}"
        r.problem("kind" if kind is not None else "", f"unknown kind {kind!r}" if kind is not None
                  else "missing required key 'kind'", "unknown-kind", hint)
        return None
    allowed = {"agent": AGENT_KEYS, "cocktail": COCKTAIL_KEYS, "area": AREA_KEYS, "patient": PATIENT_KEYS,
               "source": SOURCE_KEYS | {"kind"}, "beyond-use": BEYOND_USE_KEYS,
               "measurability": MEASURABILITY_KEYS, "condition": CONDITION_KEYS, "region": REGION_KEYS,
               "product": PRODUCT_KEYS, "class-limit": CLASS_LIMIT_KEYS}[kind]
    data = r.mapping(doc.data, "", allowed)
    if data is None:
        return None
    if kind in ("product", "class-limit"):  # issue 14
        from mesocalc.library.products import read_class_limit, read_product

        return read_product(r, data) if kind == "product" else read_class_limit(r, data)
    if kind == "agent":
        return read_agent(r, data)
    if kind == "cocktail":
        return read_cocktail(r, data)
    if kind == "area":
        return read_area(r, data)
    if kind == "patient":
        return read_patient(r, data)
    if kind == "beyond-use":
        return read_beyond_use(r, data)
    if kind == "measurability":
        return read_measurability(r, data)
    if kind == "condition":
        return read_condition_doc(r, data)
    if kind == "region":
        return read_region(r, data)
    return read_source(r, data, "")
