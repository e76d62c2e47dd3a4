"""A plan's JSON line written straight from its result: `dumps(plan_doc(result))`, byte for byte, faster.

`plan --batch` writes one plan document per request line. Built as dicts, passed through the rounding
pass and encoded, a 4 KB plan costs about 120 µs; most of that text never changes from line to line of a
batch (the cocktail's name, every cap's scope, source, condition and note). This writer keeps the text of
those parts, encoded once per model object, and writes only the numbers and statuses of each line:

- the fixed parts are encoded by `jsondoc` itself (the same part functions and the same encoder), once per
  cocktail, technique, agent, cap and area preset, and remembered by the object (bounded);
- a number is written as `dumps` writes it: an int as itself, a float rounded to 15 significant digits
  and then in Python's shortest form (jsondoc.without_noise), remembered by value (bounded);
- anything out of the ordinary (a value that is not finite, a float subclass) is written by `dumps`
  itself, so it fails or formats exactly as it always has.

`plan_doc` stays the definition of the document. tests/render/test_planline.py compares the two on 1,600
seeded requests over every built-in cocktail (tests/cli/test_batch_equivalence.py on 2,500 more, through
the batch), and `PlanLines` compares them again on the first plan of each cocktail it meets (if they ever
differ, it writes every plan of the run with `dumps`).
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring  # the C string encoder `dumps` uses (ensure_ascii=False)
from math import isfinite
from typing import TYPE_CHECKING, Any, TypeVar

from mesocalc.render import jsondoc as j
from mesocalc.units import unit_string

if TYPE_CHECKING:
    from mesocalc.core.checks import Check, Warning
    from mesocalc.core.plan import Capacity, ComponentResult, PlanResult
    from mesocalc.core.practice import ReferenceShare
    from mesocalc.request.plan import AreaUse, Session
    from mesocalc.units import Q

CACHE_SIZE = 4096  # entries per cache; a cache is emptied beyond this, so memory stays flat
T = TypeVar("T")


class _Unwritable(Exception):
    """A value this writer does not write itself (not finite, or of an unusual type): `dumps` writes it."""


_NUMBERS: dict[float, str] = {}


def number(value: Any) -> str:
    """A JSON number (or null, true, false) exactly as `dumps` writes it."""
    if type(value) is float:
        written = _NUMBERS.get(value)
        return written if written is not None else _float(value)
    if type(value) is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    raise _Unwritable


def _float(value: float) -> str:
    # The value rounded to 15 significant digits, as %g writes it. In fixed notation with a point (%g's
    # fixed range, -4 <= exponent < 15, lies inside repr's, -4 <= exponent < 16), that is the very text of
    # `dumps`: the shortest digits that read back as the rounded double are these digits, since two distinct
    # decimals of 15 digits or fewer are always distinct doubles (DBL_DIG = 15); and it is repr's own text
    # of an unrounded value of 15 digits or fewer. Anything else (an exponent, a whole number, which repr
    # writes with ".0", inf, nan) takes the general way below.
    written = f"{value:.15g}"
    if "." in written and "e" not in written:
        return _remember(value, written)
    if not isfinite(value):
        raise _Unwritable
    written = float.__repr__(value)
    # Python writes the shortest digits that read back as the value. Up to 15 significant digits (16
    # characters at most with the point, sign or exponent) those digits are also the value rounded to 15
    # (a double holds any 15-digit decimal exactly: DBL_DIG), so the rounding would change nothing.
    if len(written) > 16:
        rounded = float(f"{value:.15g}")
        if not isfinite(rounded):  # within the last 15-digit step below the largest double: dumps refuses it
            raise _Unwritable
        written = float.__repr__(rounded)
    return _remember(value, written)


def _remember(value: float, written: str) -> str:
    if value:  # 0.0 and -0.0 are one key: neither is remembered (each keeps its sign)
        if len(_NUMBERS) >= CACHE_SIZE:
            _NUMBERS.clear()
        _NUMBERS[value] = written
    return written


def text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


_UNITS: dict[Any, str] = {}


def quantity(q: Q | None, injections: bool = False) -> str:
    """{"value", "unit"} as Q.to_json gives it (a count of injections in `injections`, as limit_quantity)."""
    if q is None:
        return "null"
    value = q.value
    written = (_NUMBERS.get(value) or _float(value)) if type(value) is float else number(value)
    if injections:
        return f'{{"value": {written}, "unit": "injections"}}'
    unit = _UNITS.get(q.dims)
    if unit is None:
        unit = _UNITS[q.dims] = ', "unit": ' + encode_basestring(unit_string(q.dims)) + "}"
    return f'{{"value": {written}{unit}'


def encoded(value: Any) -> str:
    """A fixed part of the document, encoded by `dumps` (with its rounding)."""
    return j.dumps(value)


def _remembered(cache: dict[Any, tuple[Any, str]], key: Any, owner: Any, make: Callable[[], str]) -> str:
    # Keyed by id(owner) (plus what else the text depends on): the entry holds the owner, so the id cannot
    # be reused by another object while the entry lives, and `is` confirms the hit.
    hit = cache.get(key)
    if hit is not None and hit[0] is owner:
        return hit[1]
    made = make()
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = (owner, made)
    return made


_FIXED: dict[Any, tuple[Any, str]] = {}


def _inner(doc_text: str) -> str:
    """The members of an encoded object, without its braces: `{"a": 1}` -> `"a": 1`."""
    return doc_text[1:-1]


def plan_line(result: PlanResult) -> str:
    """`dumps(plan_doc(result))`, written from the fixed parts' text and this plan's numbers."""
    try:
        return _plan_line(result)
    except _Unwritable:
        return j.dumps(j.plan_doc(result))


def _plan_line(result: PlanResult) -> str:
    session = result.session
    cocktail = session.cocktail
    technique = session.technique
    known = _FIXED.get(("cocktail", id(cocktail)))
    head = known[1] if known is not None and known[0] is cocktail else _remembered(
        _FIXED, ("cocktail", id(cocktail)), cocktail, lambda: _inner(encoded(
            {"kind": "plan", "version": j.VERSION, "cocktail": {"id": cocktail.id, "name": cocktail.name}})))
    if technique is cocktail.technique:
        key = ("technique", id(technique), session.overrides)
        known = _FIXED.get(key)
        tech = known[1] if known is not None and known[0] is technique else _remembered(
            _FIXED, key, technique, lambda: _technique(session))
    else:
        tech = _technique(session)
    patient = session.patient
    areas = session.areas
    line = (
        f'{{{head}, "area": {quantity(result.area)}, '
        f'"areas": [{_area_use(areas[0]) if len(areas) == 1 else ", ".join(map(_area_use, areas))}], '
        f'"technique": {tech}, "points": {number(result.points)}, '
        f'"points_from": {_encoded_word(j.points_from(session))}, '
        f'"total_volume": {quantity(result.session_volume)}, "weight": {quantity(session.weight)}, '
        f'"patient": {text(patient.id if patient is not None else None)}, '
        f'"components": [{", ".join(map(_component, result.components))}], '
        f'"capacity": {_capacity(result.capacity)}, "warnings": [{", ".join(map(_warning, result.warnings))}], '
        f'"ok": {number(result.ok)}, "exit_code": {number(result.exit_code)}'
    )
    if result.mix_total is not None:
        line += f', "mix_volume": {quantity(result.mix_total)}'
    if result.reference is not None:
        line += f', "reference": {_reference(result.reference)}'
    return line + "}"


_WORDS: dict[str, str] = {}  # the few words of a plan written as JSON strings (points_from)


def _encoded_word(word: str) -> str:
    known = _WORDS.get(word)
    if known is None:
        known = encode_basestring(word)
        if len(_WORDS) < CACHE_SIZE:
            _WORDS[word] = known
    return known


def _area_use(area: AreaUse) -> str:
    out = f'{{"id": {text(area.id)}, "surface": {quantity(area.surface)}, "basis": {encode_basestring(area.basis)}'
    if area.name:
        out += f', "name": {encode_basestring(area.name)}'
    if area.site and area.site != area.id:
        out += f', "site": {encode_basestring(area.site)}'
    if area.width is not None and area.height is not None:
        out += f', "width": {quantity(area.width)}, "height": {quantity(area.height)}'
    if area.source:
        out += f', "source": {encode_basestring(area.source)}'
    return out + "}"


def _technique(session: Session) -> str:
    technique = session.technique
    out = ['{"grid": ', encode_basestring(technique.grid), ', "spacing": ', quantity(technique.spacing),
           ', "volume_per_point": ', quantity(technique.volume_per_point),
           ', "max_points": ', number(technique.max_points)]
    if technique.depth is not None:
        out += ', "depth": ', quantity(technique.depth)
    if session.overrides:
        out += ', "overridden": [', ", ".join(map(encode_basestring, session.overrides)), "]"
    out.append("}")
    return "".join(out)


def _reference(ref: ReferenceShare) -> str:
    # a shape's plans of one session volume share their reference share (core/plan.py _reference)
    known = _same_as_before(ref)
    return known if known is not None else _written(ref, _new_reference(ref))


def _new_reference(ref: ReferenceShare) -> str:
    doses = ", ".join('{"agent": ' + encode_basestring(agent) + ', "dose": ' + quantity(dose)
                      + ', "reference_dose": ' + quantity(published) + "}" for agent, dose, published in ref.doses)
    return "".join(('{"volume": ', quantity(ref.volume), ', "points": ', number(ref.points),
                    ', "source": ', text(ref.source), ', "share": ', number(ref.share), ', "doses": [', doses, "]}"))


_COMPONENTS: dict[Any, tuple[Any, str, str, str]] = {}


def _component(comp: ComponentResult) -> str:
    # the agent, its concentration, per-point dose and stock are a plan shape's own objects (core/plan.py
    # prepare), shared by the plans of that shape: their text is kept by identity (the entry holds them)
    agent, concentration, per_point, stock = owners = comp.agent, comp.concentration, comp.dose_per_point, comp.stock
    key = (id(agent), id(concentration), id(per_point), id(stock))
    fixed = _COMPONENTS.get(key)
    if fixed is None:
        fixed = _fixed_component(key, owners, comp)
    else:
        known = fixed[0]
        if known[0] is not agent or known[1] is not concentration or known[2] is not per_point or known[3] is not stock:
            fixed = _fixed_component(key, owners, comp)
    return (f'{fixed[1]}, "dose": {quantity(comp.dose)}{fixed[2]}, "dose_per_area": {quantity(comp.dose_per_area)}, '
            f'"dose_per_kg": {quantity(comp.dose_per_kg)}, "solution_volume": {quantity(comp.solution_volume)}, '
            f'"checks": [{", ".join(map(_check, comp.checks))}]{fixed[3]}')


def _fixed_component(key: Any, owners: tuple[Any, ...], comp: ComponentResult) -> tuple[Any, str, str, str]:
    """A component's text before its dose, between dose and per-area dose, and after its checks."""
    agent = comp.agent
    head = ('{"agent": ' + text(agent.id) + ', "name": ' + text(agent.name) + ', "concentration": '
            + quantity(comp.concentration))
    tail = _inner(encoded(j.component_tail(comp)))
    if len(_COMPONENTS) >= CACHE_SIZE:
        _COMPONENTS.clear()
    fixed = _COMPONENTS[key] = (owners, head, ', "dose_per_point": ' + quantity(comp.dose_per_point),
                                (", " + tail if tail else "") + "}")
    return fixed


_CHECKS: dict[Any, tuple[Any, str, str, bool]] = {}


_WRITTEN: dict[int, tuple[Any, str]] = {}  # checks and warnings written, by identity (see _same_as_before)


def _same_as_before(obj: Any) -> str | None:
    """The text of a check or warning written before, if this is that very object. A plan's prepared part
    (core/plan.py prepare: not-applicable and per-point checks, the warnings around the numbers) is one set
    of objects shared by every plan of its shape; the entry holds its object, so the id stays its own."""
    known = _WRITTEN.get(id(obj))
    return known[1] if known is not None and known[0] is obj else None


def _written(obj: Any, text: str) -> str:
    if len(_WRITTEN) >= CACHE_SIZE:
        _WRITTEN.clear()
    _WRITTEN[id(obj)] = (obj, text)
    return text


def _check(check: Check) -> str:
    known = _same_as_before(check)
    return known if known is not None else _written(check, _new_check(check))


def _new_check(check: Check) -> str:
    limit = check.limit
    key = (id(limit), check.status, check.confidence, check.reason)
    fixed = _CHECKS.get(key)
    if fixed is None or fixed[0] is not limit:
        fixed = _fixed_check(key, check)
    actual = check.actual
    return (f'{fixed[1]}{quantity(actual, fixed[3]) if actual is not None else "null"}, '
            f'"fraction": {number(check.fraction)}{fixed[2]}')


def _fixed_check(key: Any, check: Check) -> tuple[Any, str, str, bool]:
    """The text before a check's actual (scope, basis, cap) and after its fraction (status, notes)."""
    limit = check.limit
    injections = limit.counts_injections
    head = ('{"scope": ' + encode_basestring(limit.scope) + ', "basis": ' + encode_basestring(limit.basis)
            + ', "max": ' + quantity(limit.max, injections) + ', "actual": ')
    tail = ', "status": ' + encode_basestring(check.status) + ", " + _inner(encoded(j.check_notes(check))) + "}"
    if len(_CHECKS) >= CACHE_SIZE:
        _CHECKS.clear()
    fixed = _CHECKS[key] = (limit, head, tail, injections)
    return fixed


def _capacity(capacity: Capacity) -> str:
    binding = capacity.binding
    if binding is not None:
        limit = binding.check.limit
        limited_by = _remembered(_FIXED, ("binding", id(limit), binding.agent), limit,
                                 lambda: encoded(j.limited_by(capacity)))
    elif capacity.limited_by_technique:
        limited_by = '{"technique": "max_points", "max_points": ' + number(capacity.technique_max) + "}"
    else:
        limited_by = "null"
    out = (f'{{"max_points": {number(capacity.max_points)}, "max_area": {quantity(capacity.max_area)}, '
           f'"limited_by": {limited_by}')
    if capacity.unbounded_reason:
        out += f', "note": {encode_basestring(capacity.unbounded_reason)}'
    return out + "}"


def _warning(warning: Warning) -> str:
    known = _same_as_before(warning)
    return known if known is not None else _written(warning, _new_warning(warning))


def _new_warning(warning: Warning) -> str:
    out = (f'{{"code": {encode_basestring(warning.code)}, "severity": {encode_basestring(warning.severity)}, '
           f'"message": {encode_basestring(warning.message)}')
    if warning.agent:
        out += f', "agent": {encode_basestring(warning.agent)}'
    if warning.source:
        out += f', "source": {encode_basestring(warning.source)}'
    return out + "}"


class PlanLines:
    """Writes the plan lines of one run; the first plan of each cocktail is also written by `dumps`, and
    the two must agree (else every later plan of the run is written by `dumps`: slower, never different)."""

    def __init__(self) -> None:
        self.trusted = True
        self._seen: set[int] = set()
        self._kept: list[Any] = []  # the cocktails compared, so their ids stay theirs

    def __call__(self, result: PlanResult) -> str:
        if not self.trusted:
            return j.dumps(j.plan_doc(result))
        cocktail = result.session.cocktail
        if id(cocktail) in self._seen:
            return plan_line(result)
        reference = j.dumps(j.plan_doc(result))
        if plan_line(result) != reference:
            self.trusted = False
        elif len(self._seen) < CACHE_SIZE:
            self._seen.add(id(cocktail))
            self._kept.append(cocktail)
        return reference
