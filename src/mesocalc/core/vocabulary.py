"""The patient vocabulary: the words in a patient file matched against what the library knows (SPEC §3).

Conditions resolve through condition ids and synonyms (`kind: condition`); allergies through agent ids,
aliases and classes, the `excipients` of the stock drawn, and conditions that name excipients (a sulfite
sensitivity). Matching ignores case and treats spaces, underscores and hyphens alike. A term that resolves
to nothing is never ignored: it gets a soft `unmatched-term` warning with the nearest known terms.
Age terms (e.g. under-18) come from `age` or `birth_date`, only for conditions whose source defines them.
"""

from __future__ import annotations

import datetime
import weakref
from collections.abc import Iterable, Mapping

from mesocalc.core import model as m
from mesocalc.core.checks import Warning
from mesocalc.errors import Location, Problem
from mesocalc.lazyre import lazy
from mesocalc.record import Record, record

_SEPARATORS = lazy(r"[\s_\-]+")
# British and American spellings of the same word match (anaesthetic/anesthetic, sulphite/sulfite,
# methaemoglobinaemia/methemoglobinemia, paediatric/pediatric, goitre/goiter).
_SPELLINGS = (("anaesth", "anesth"), ("aemia", "emia"), ("haem", "hem"), ("sulph", "sulf"), ("paed", "ped"),
              ("oedema", "edema"), ("goitre", "goiter"))


def norm(term: str) -> str:
    """`Breast feeding`, `breast_feeding` and `BREAST-FEEDING` are one word; so are British and American
    spellings (`amide local anaesthetic` = `amide-local-anesthetic`)."""
    key = _SEPARATORS.sub("-", term.strip().lower()).strip("-")
    for british, american in _SPELLINGS:
        key = key.replace(british, american)
    return key


def condition_index(library: m.Library) -> dict[str, str]:
    """Every written form of a condition → its id: condition ids and synonyms, and the conditions that
    agents name (a clinic layer's own condition word matches itself even without a vocabulary entry)."""
    index: dict[str, str] = {}
    for agent in library.agents.values():
        for rule in (*agent.contraindications, *agent.cautions):
            index.setdefault(norm(rule.condition), rule.condition)
    for condition in library.conditions.values():
        index[norm(condition.id)] = condition.id
    for condition in library.conditions.values():
        for word in condition.synonyms:
            index.setdefault(norm(word), condition.id)
    return index


def allergy_words(library: m.Library) -> set[str]:
    """Every written form an allergy can resolve through: agent ids, aliases, classes, stock excipients, and
    the words of conditions that name excipients."""
    words: set[str] = set()
    for agent in library.agents.values():
        words |= {norm(w) for w in (agent.id, agent.name, *agent.aliases, *agent.classes)}
        for stock in agent.stocks:
            words |= {norm(e) for e in stock.excipients}
    for condition in library.conditions.values():
        if condition.excipients:
            words |= {norm(w) for w in (condition.id, *condition.synonyms)}
    return words


@record
class Resolved(Record):
    """A patient's terms as the library knows them."""

    conditions: dict[str, str]  # condition id → the term the patient file wrote (or the age it came from)
    sensitivities: dict[str, str]  # excipient (normalised) → the term that named it
    allergies: tuple[str, ...]  # normalised allergy terms
    unmatched: tuple[tuple[str, str, tuple[str, ...]], ...]  # (field, term, nearest known terms)


# "No known allergies" written in a patient file is an answer, not an unmatched term.
NOTHING_KNOWN = frozenset(norm(w) for w in ("none", "nil", "no", "nkda", "nka", "no known allergies",
                                            "no known drug allergies", "no allergies", "none known"))


def age_in_years(patient: m.Patient, today: datetime.date) -> int | None:
    if patient.age is not None:
        return patient.age
    if patient.birth_date is None:
        return None
    born = datetime.date.fromisoformat(patient.birth_date)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


_KNOWN: dict[int, tuple[weakref.ref[m.Library], dict[str, str], set[str]]] = {}


def known_words(library: m.Library) -> tuple[dict[str, str], set[str]]:
    """The condition index and the allergy words of a library, worked out once per loaded library (a batch
    of plans with a patient, or a large library, would otherwise walk every agent for every plan)."""
    entry = _KNOWN.get(id(library))
    if entry is not None and entry[0]() is library:
        return entry[1], entry[2]
    index, words = condition_index(library), allergy_words(library)
    _KNOWN[id(library)] = (weakref.ref(library), index, words)
    return index, words


def resolve(patient: m.Patient, library: m.Library, today: datetime.date | None = None) -> Resolved:
    index, allergy_known = known_words(library)
    by_id = library.conditions
    conditions: dict[str, str] = {}
    sensitivities: dict[str, str] = {}
    unmatched: list[tuple[str, str, tuple[str, ...]]] = []

    def sensitive(condition_id: str, term: str) -> None:
        found = by_id.get(condition_id)
        for excipient in found.excipients if found else ():
            sensitivities.setdefault(norm(excipient), term)

    for term in patient.conditions:
        key = norm(term)
        if key in NOTHING_KNOWN:
            continue
        if key in index:
            conditions.setdefault(index[key], term)
            sensitive(index[key], term)
        else:
            unmatched.append(("conditions", term, nearest(key, index)))
    allergies = []
    for term in patient.allergies:
        key = norm(term)
        if key in NOTHING_KNOWN:
            continue
        condition = by_id.get(index.get(key, ""))
        matched = False
        if condition is not None and condition.excipients:  # "sulfite": a sensitivity to named excipients
            sensitive(condition.id, term)
            conditions.setdefault(condition.id, term)
            matched = True
        if key in allergy_known:
            allergies.append(key)
            matched = True
        if not matched:
            unmatched.append(("allergies", term, nearest(key, allergy_known)))
    age = age_in_years(patient, today or datetime.date.today())
    if age is not None:
        for condition in by_id.values():
            below = condition.age_under is None or age < condition.age_under
            above = condition.age_from is None or age >= condition.age_from
            if (condition.age_under is not None or condition.age_from is not None) and below and above:
                conditions.setdefault(condition.id, f"age {age}")
    return Resolved(conditions, sensitivities, tuple(allergies), tuple(unmatched))


def nearest(key: str, known: Iterable[str]) -> tuple[str, ...]:
    """Up to three known terms: those that contain the term as whole words first ("beta blocker" →
    "non-selective-beta-blocker"), then the closest spellings."""
    import difflib

    words = sorted(set(known))
    containing = [w for w in words if f"-{key}-" in f"-{w}-" or f"-{w}-" in f"-{key}-"]
    close = difflib.get_close_matches(key, words, n=3, cutoff=0.6)
    return tuple(dict.fromkeys(sorted(containing, key=len) + close))[:3]


def stock_excipients(agent: m.Agent, component: m.Component | None) -> tuple[tuple[str, ...], bool]:
    """The excipients of the vial this component is drawn from, and whether that vial is known.

    A stock named by id is known; a concentration that equals one of the agent's stocks picks those stocks;
    otherwise the vial is unknown and every stock of the agent counts (an allergy is never waved through
    because the cocktail did not say which vial)."""
    if component is not None and component.stock_id is not None:
        stock = agent.stock(component.stock_id)
        return (stock.excipients if stock else ()), stock is not None
    given = None if component is None else (component.stock or component.concentration)
    if given is not None:
        same = [s for s in agent.stocks if s.concentration.dims == given.dims
                and abs(s.concentration.value - given.value) <= 1e-9 * max(abs(given.value), 1e-300)]
        if same:
            return tuple(sorted({e for s in same for e in s.excipients})), True
    return tuple(sorted({e for s in agent.stocks for e in s.excipients})), False


def patient_warnings(agents: list[m.Agent], patient: m.Patient | None, library: m.Library,
                     components: Mapping[str, m.Component] | None = None,
                     today: datetime.date | None = None) -> list[Warning]:
    """Contraindications, cautions, allergies and sensitivities of this patient against these agents, and
    every term of the patient file that matched nothing (an age from a birth date on `today`, default now)."""
    if patient is None:
        return []
    found = resolve(patient, library, today)
    out: list[Warning] = []
    for field, term, near in found.unmatched:
        hint = f"nearest known terms: {', '.join(near)}" if near else \
            "no close match (see `mesocalc conditions` and `mesocalc agents`)"
        what = "condition" if field == "conditions" else "allergy"
        out.append(Warning("unmatched-term", m.Severity.SOFT, f"the patient's {what} '{term}' matches nothing in the "
                           f"library, so no rule was checked for it; {hint}"))
    for agent in agents:
        for rule in agent.contraindications:
            if rule.condition in found.conditions:
                out.append(Warning("contraindication", m.Severity(rule.severity),
                                   f"{agent.name} is contraindicated for this patient: "
                                   f"{_condition_text(rule, found, library)}", agent.id, rule.source))
        for rule in agent.cautions:
            if rule.condition in found.conditions:
                out.append(Warning("caution", m.Severity.SOFT,
                                   f"{agent.name}: use with caution for this patient: "
                                   f"{_condition_text(rule, found, library)}", agent.id, rule.source))
        names = {norm(w): w for w in (agent.id, agent.name, *agent.aliases, *agent.classes)}
        for allergy in dict.fromkeys(found.allergies):
            if allergy in names:
                kind = "a class" if names[allergy] in agent.classes else "a name"
                what = "" if allergy == norm(agent.id) else f" ({kind} of {agent.name})"
                out.append(Warning("contraindication", m.Severity.HARD,
                                   f"patient is allergic to {_written(patient.allergies, allergy)}{what}: "
                                   f"{agent.name} ({agent.id}) must not be given", agent.id))
        excipients, known = stock_excipients(agent, (components or {}).get(agent.id))
        for excipient in excipients:
            named: str | None = found.sensitivities.get(norm(excipient))
            if named is None and norm(excipient) in found.allergies:
                named = _written(patient.allergies, norm(excipient))
            if named is None:
                continue
            vial = "the vial drawn contains" if known else "the stocks of this agent in the library contain"
            out.append(Warning("contraindication", m.Severity.HARD,
                               f"patient is allergic to {named}: {vial} {excipient}; {agent.name} ({agent.id}) "
                               "must not be given from such a vial", agent.id))
    return out


def _written(terms: tuple[str, ...], key: str) -> str:
    return next((t for t in terms if norm(t) == key), key)


def _condition_text(rule: m.ConditionRule, found: Resolved, library: m.Library) -> str:
    condition = library.conditions.get(rule.condition)
    name = condition.name if condition else rule.condition
    written = found.conditions[rule.condition]
    shown = name if norm(written) in (norm(name), norm(rule.condition)) else f"{name} (patient file: '{written}')"
    return shown + (f". {rule.note}" if rule.note else "")


def term_clashes(library: m.Library) -> list[Problem]:
    """A word claimed by two conditions."""
    problems: list[Problem] = []
    claimed: dict[str, str] = {}
    for condition in library.conditions.values():
        for word in (condition.id, *condition.synonyms):
            other = claimed.setdefault(norm(word), condition.id)
            if other != condition.id:
                problems.append(Problem("duplicate-term", f"'{word}' names both condition '{other}' and "
                                        f"'{condition.id}'", Location(condition.where.file, condition.where.line,
                                                                      "synonyms")))
    return problems


def unknown_conditions(agent: m.Agent, library: m.Library) -> list[Problem]:
    """The conditions one agent names that the vocabulary lacks (checked when the vocabulary is not empty)."""
    problems: list[Problem] = []
    for key, rules in (("contraindications", agent.contraindications), ("cautions", agent.cautions)):
        for i, rule in enumerate(rules):
            if rule.condition not in library.conditions:
                problems.append(Problem(
                    "unknown-condition", f"condition '{rule.condition}' is not in the patient vocabulary: "
                    "patients' words (synonyms) cannot reach it",
                    Location(rule.where.file, rule.where.line, f"{key}[{i}].condition"),
                    "add a `kind: condition` document with its synonyms", severity="warning"))
    return problems
