"""Quantities: parsing unit strings (pint is the authority), the core's float quantities, formatting.

The core computes with `Q`: a float in a canonical unit plus a vector of dimension exponents.
Canonical units: mg (drug mass), cm (length, so cm^3 = mL and cm^2 for areas), units (biological
activity), particles, kg (body mass), day (time).

Body mass is kept apart from drug mass: a mass unit in a denominator (`mg/kg`, `mg/lb`) is read as
"per kg of body weight". In plain pint `mg/kg` is dimensionless; here it is drug mass per body mass,
so that a per-kg cap can never be compared with a dose or a concentration by mistake.

Every unit string a user or a file gives is parsed by pint, with a registry built from
`pharmacy_units.txt` alone. Each distinct unit string is parsed once: the result (a factor to the
canonical unit and the dimension vector) is remembered in memory and in a small cache file, so that
a start-up that has seen its unit strings before never imports pint. A quantity of the plain form
(`10.007 cm^2`) is read by one regex and that memory of its unit (_parse_plain); any other form by the
general reader, and both end in the same checks (_quantity).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache as memoised
from typing import Any

from mesocalc import cache, notation
from mesocalc.errors import Location, input_error
from mesocalc.lazyre import lazy
from mesocalc.record import HashedRecord, record

# Dimension exponents, in this order.
DIM_NAMES = ("mass", "length", "activity", "particle", "body mass", "time")
Dims = tuple[int, int, int, int, int, int]

DIMENSIONLESS: Dims = (0, 0, 0, 0, 0, 0)
MASS: Dims = (1, 0, 0, 0, 0, 0)
LENGTH: Dims = (0, 1, 0, 0, 0, 0)
AREA: Dims = (0, 2, 0, 0, 0, 0)
VOLUME: Dims = (0, 3, 0, 0, 0, 0)
ACTIVITY: Dims = (0, 0, 1, 0, 0, 0)
PARTICLES: Dims = (0, 0, 0, 1, 0, 0)
BODY_MASS: Dims = (0, 0, 0, 0, 1, 0)
TIME: Dims = (0, 0, 0, 0, 0, 1)

AMOUNTS = (MASS, ACTIVITY, PARTICLES)


# Dimension arithmetic and unit names are pure functions of a few distinct vectors: memoised, because
# they run for every quantity of every plan (a 10,000-line batch calls them about a million times).
@memoised
def dims_mul(a: Dims, b: Dims) -> Dims:
    return tuple(x + y for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


@memoised
def dims_div(a: Dims, b: Dims) -> Dims:
    return tuple(x - y for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


# Relative tolerance for "exactly at a cap is within it" and for whole-number grid counts (SPEC §4).
REL_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class Q:
    """A quantity: `value` in the canonical unit of `dims`."""

    value: float
    dims: Dims

    def __mul__(self, other: Q | float) -> Q:
        if isinstance(other, Q):
            return Q(self.value * other.value, dims_mul(self.dims, other.dims))
        return Q(self.value * other, self.dims)

    __rmul__ = __mul__

    def __truediv__(self, other: Q | float) -> Q:
        if isinstance(other, Q):
            return Q(self.value / other.value, dims_div(self.dims, other.dims))
        return Q(self.value / other, self.dims)

    def __add__(self, other: Q) -> Q:
        if other.dims != self.dims:
            raise ValueError(f"cannot add {unit_string(other.dims)} to {unit_string(self.dims)}")
        return Q(self.value + other.value, self.dims)

    def __sub__(self, other: Q) -> Q:
        if other.dims != self.dims:
            raise ValueError(f"cannot subtract {unit_string(other.dims)} from {unit_string(self.dims)}")
        return Q(self.value - other.value, self.dims)

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": unit_string(self.dims)}


# Q's __init__, without the dataclass's object.__setattr__ call per field: its slots' own descriptors set
# them (270 ns instead of 390 for each of the ~25 quantities of a plan). Still frozen: assigning to a field
# raises FrozenInstanceError as before.
_SET_VALUE = Q.__dict__["value"].__set__
_SET_DIMS = Q.__dict__["dims"].__set__


def _q_init(self: Q, value: float, dims: Dims) -> None:
    _SET_VALUE(self, value)
    _SET_DIMS(self, dims)


Q.__init__ = _q_init  # type: ignore[method-assign]


def at_most(actual: float, limit: float) -> bool:
    """actual <= limit, where float noise within REL_TOL of the limit counts as exactly at it."""
    return actual <= limit or math.isclose(actual, limit, rel_tol=REL_TOL)


def same(a: Q, b: Q) -> bool:
    """The same quantity: same dimensions, values equal within REL_TOL."""
    return a.dims == b.dims and math.isclose(a.value, b.value, rel_tol=REL_TOL)


def whole_ceil(x: float) -> int:
    """ceil(x), except that x within REL_TOL of a whole number counts as that number."""
    nearest = round(x)
    if math.isclose(x, nearest, rel_tol=REL_TOL, abs_tol=REL_TOL):
        return int(nearest)
    return math.ceil(x)


def whole_floor(x: float) -> int:
    """floor(x), except that x within REL_TOL of a whole number counts as that number."""
    nearest = round(x)
    if math.isclose(x, nearest, rel_tol=REL_TOL, abs_tol=REL_TOL):
        return int(nearest)
    return math.floor(x)


# ----------------------------------------------------------------------------------------------
# Unit names


_CANONICAL = ("mg", "cm", "units", "particles", "kg", "day")
_PINT_DIMS = {"[mass]": 0, "[length]": 1, "[activity]": 2, "[particle_count]": 3, "[time]": 5}


@memoised
def unit_string(dims: Dims) -> str:
    """The canonical unit of a dimension vector, as a string pint parses (e.g. `mg/mL`, `cm^2`)."""
    top: list[str] = []
    bottom: list[str] = []
    for index, exp in enumerate(dims):
        if exp == 0:
            continue
        name = _CANONICAL[index]
        side = top if exp > 0 else bottom
        power = abs(exp)
        if index == 1 and power == 3:
            side.append("mL")
        elif power == 1:
            side.append(name)
        else:
            side.append(f"{name}^{power}")
    text = "*".join(top) or "1"
    if bottom:
        text += "/" + ("/".join(bottom))
    return text


def describe_dims(dims: Dims) -> str:
    names = {
        MASS: "a mass",
        VOLUME: "a volume",
        AREA: "an area",
        LENGTH: "a length",
        ACTIVITY: "an amount in units of activity",
        PARTICLES: "a particle count",
        TIME: "a time",
        DIMENSIONLESS: "a plain number",
    }
    if dims in names:
        return names[dims]
    if dims in (dims_div(a, VOLUME) for a in AMOUNTS):
        return "a concentration"
    if dims in (dims_div(a, BODY_MASS) for a in AMOUNTS):
        return "a dose per kg of body weight"
    if dims in (dims_div(a, AREA) for a in AMOUNTS):
        return "a dose per area"
    return f"a quantity in {unit_string(dims)}"


# ----------------------------------------------------------------------------------------------
# What a field expects


@record
class Kind(HashedRecord):  # part of the parse memo's key, hashed for every quantity read
    """What a field accepts: its name, the dimension vectors allowed, and an example."""

    name: str
    allowed: tuple[Dims, ...]
    example: str
    percent_is_concentration: bool = False


CONCENTRATION = Kind(
    "a concentration",
    tuple(dims_div(a, VOLUME) for a in AMOUNTS),
    "10 mg/mL (or 2 %, 1:100,000, 500 units/mL)",
    percent_is_concentration=True,
)
AMOUNT = Kind("an amount (mass, units or particles)", AMOUNTS, "100 mg")
VOLUME_KIND = Kind("a volume", (VOLUME,), "0.2 mL")
AREA_KIND = Kind("an area", (AREA,), "25 cm^2")
LENGTH_KIND = Kind("a length", (LENGTH,), "1 cm")
WEIGHT_KIND = Kind("a body weight", (MASS,), "70 kg")
LIMIT_KIND = Kind(
    "a dose cap (an amount, an amount per kg, an amount per area, or a volume)",
    AMOUNTS
    + tuple(dims_div(a, BODY_MASS) for a in AMOUNTS)
    + tuple(dims_div(a, AREA) for a in AMOUNTS)
    + (VOLUME,),
    "100 mg (or 7 mg/kg, 2 mg/cm^2, 10 mL)",
)

DURATION_KIND = Kind("a duration", (TIME,), "12 h")
# Any dimension the registry knows, for `mesocalc convert` (a % or 1:N reads as a concentration).
ANY_KIND = Kind(
    "a quantity with a unit",
    tuple(dict.fromkeys(
        (MASS, VOLUME, LENGTH, AREA, TIME, ACTIVITY, PARTICLES, *CONCENTRATION.allowed, *LIMIT_KIND.allowed)
    )),
    "0.2 mg, 2 %, 1:100,000, 5 mL",
    percent_is_concentration=True,
)


# ----------------------------------------------------------------------------------------------
# Parsing

_UNIT_CHARS = lazy(r"^[A-Za-zµμ%/*^()·.\s\d_-]*$")
_PERCENT = lazy(r"%\s*(w\s*/\s*v|v\s*/\s*v|w\s*/\s*w)?", re.I)
_BARE_U = lazy(r"(?<![A-Za-z])[Uu](?![A-Za-z])")
_GLUED_POWER = lazy(r"\b([a-zA-Zµμ]+)([23])\b")
MAX_TEXT = 80
# The largest magnitude accepted, in the canonical unit (mg, cm, units, particles, kg, day), and its
# inverse the smallest non-zero one: far beyond any dose, area or count (1e18 mg is a million tonnes,
# 1e-18 mg an attogram), and far enough from float overflow that every product and quotient of a few
# accepted quantities (a dose per cm² of a tiny area) stays finite and printable.
MAX_MAGNITUDE = 1e18


def _shown(text: object) -> str:
    """What was typed, as an error message quotes it: printable, and at most MAX_TEXT characters."""
    return notation.excerpt(str(text), MAX_TEXT)


def parse_quantity(
    text: object,
    kind: Kind,
    where: Location | None = None,
    *,
    minimum: str = "positive",
) -> Q:
    """Parse `"10 mg/mL"`-style text into a Q of one of `kind`'s dimensions, or raise a clear error.

    minimum: "positive" (> 0), "non-negative" (>= 0) or "any".
    """
    if isinstance(text, str):
        key = (text, kind, minimum)
        known = _PARSED.get(key)
        if known is not None:
            return known
        parsed = _parse_plain(text, kind, where, minimum)
        if parsed is None:
            parsed = _parse_quantity(text, kind, where, minimum)
        if len(_PARSED) < 10_000:
            _PARSED[key] = parsed
        return parsed
    return _parse_quantity(text, kind, where, minimum)


# Successful parses by (text, kind, minimum): a library repeats "10 mg/mL" and a batch repeats its areas.
# Only successes are kept, so every error is raised again with its own location.
_PARSED: dict[tuple[str, Kind, str], Q] = {}

# The form nearly every quantity is written in: a plain decimal (ASCII digits, a point, no comma, sign or
# exponent), no space or one space, and a unit that starts with a letter, µ or %, and not with e or E
# when no space is between (`5e3mg` is read as 5000 mg). For such text (stripped, at most MAX_TEXT
# characters) notation.read_number reads exactly this number and this unit and refuses nothing, and
# notation.read_ratio finds no ratio (that needs `:` or `/` after a 1), so _parse_plain skips them;
# everything else goes the general way. tests/units/test_plain_quantities.py compares both over
# generated text.
_PLAIN = lazy(r"([0-9]+(?:\.[0-9]+)?)(?: |(?![eE]))([A-Za-zµμ%].*)")
_ANYWHERE = Location()


def _parse_plain(text: str, kind: Kind, where: Location | None, minimum: str) -> Q | None:
    """`text` read as _parse_quantity reads it, when it has the plain form above; else None."""
    if len(text) > MAX_TEXT:
        return None
    plain = _PLAIN.fullmatch(text.strip())
    if plain is None:
        return None
    number, unit_text = plain.groups()
    # At most 15 digits: float(number) is the double nearest a decimal of at most 15 significant digits,
    # which _clean (15 significant digits) gives back unchanged, so times a factor of exactly 1 it is done.
    return _quantity(float(number), unit_text, text, kind, where or _ANYWHERE, minimum, len(number) <= 15)


def _parse_quantity(text: object, kind: Kind, where: Location | None, minimum: str) -> Q:
    where = where or _ANYWHERE
    if isinstance(text, bool) or text is None:
        raise input_error(f"expected {kind.name} such as {kind.example}, got {text!r}", where)
    if isinstance(text, int | float):
        raise input_error(
            f"'{_shown(text)}' has no unit: expected {kind.name} such as {kind.example}",
            where,
            code="missing-unit",
        )
    if not isinstance(text, str):
        raise input_error(f"expected {kind.name} such as {kind.example} as a string", where)
    notation.check_length(text, where, "quantity text", MAX_TEXT)
    stripped = text.strip()
    if not stripped:
        raise input_error(f"empty value: expected {kind.name} such as {kind.example}", where)

    denominator = notation.read_ratio(stripped, where)
    if denominator is not None:
        if not kind.percent_is_concentration:
            raise input_error(
                f"'{_shown(text)}' is a ratio strength (a concentration); expected {kind.name}", where
            )
        if denominator <= 0:
            raise input_error(f"'{_shown(text)}': ratio strength 1:N needs N greater than zero", where)
        return Q(_clean(RATIO_MG_PER_ML / denominator), dims_div(MASS, VOLUME))

    read = notation.read_number(stripped, where)
    if read is None:
        raise input_error(
            f"'{notation.excerpt(text)}' is not a number with a unit: expected {kind.name} such as {kind.example}",
            where,
        )
    return _quantity(read.value, read.rest, text, kind, where, minimum)


def _quantity(number: float, unit_text: str, text: str, kind: Kind, where: Location, minimum: str,
              clean: bool = False) -> Q:
    """The number read from `text` times its unit, checked against `kind` and `minimum`. `clean`: the
    number is one _clean leaves as it is."""
    if not math.isfinite(number):
        raise input_error(f"'{_shown(text)}' is too large", where)
    if not unit_text:
        raise input_error(
            f"'{_shown(text)}' has no unit: expected {kind.name} such as {kind.example}",
            where,
            code="missing-unit",
        )
    factor, dims = unit_factor(unit_text, kind, where)
    value = number if clean and factor == 1.0 else _clean(number * factor)
    if not abs(value) <= MAX_MAGNITUDE:
        raise input_error(f"'{notation.excerpt(text)}' is too large: mesocalc computes with at most "
                          f"{MAX_MAGNITUDE:.0e} {unit_string(dims)}", where, code="too-large")
    if 0 < abs(value) < 1 / MAX_MAGNITUDE:
        raise input_error(f"'{notation.excerpt(text)}' is too small: mesocalc computes with at least "
                          f"{1 / MAX_MAGNITUDE:.0e} {unit_string(dims)}", where, code="too-small")
    if dims not in kind.allowed:
        raise input_error(
            f"'{_shown(text)}' is {describe_dims(dims)}; expected {kind.name} such as {kind.example}",
            where,
            code="wrong-dimension",
        )
    if minimum == "positive" and value <= 0:
        raise input_error(f"'{_shown(text)}' must be greater than zero", where, code="not-positive")
    if minimum == "non-negative" and value < 0:
        raise input_error(f"'{_shown(text)}' must not be negative", where, code="negative")
    return Q(value, dims)


# Ratio strength 1:N means 1 g in N mL, so mg/mL = 1000 / N (USP ratio-strength table), both ways.
RATIO_MG_PER_ML = 1000.0


def ratio_denominator(concentration: Q) -> float:
    """N of ratio strength 1:N for a mass concentration (the inverse of parsing '1:N')."""
    return _clean(RATIO_MG_PER_ML / concentration.value)


def _clean(x: float) -> float:
    """Round to 15 significant digits: drops binary noise from unit factors (2 % -> 20 mg/mL,
    not 19.999999999999996) while staying far inside the 1e-9 comparison tolerance."""
    return float(f"{x:.15g}") if math.isfinite(x) else x


def unit_factor(unit_text: str, kind: Kind, where: Location) -> tuple[float, Dims]:
    """Factor from `unit_text` to the canonical unit, and its dimension vector."""
    notation.check_length(unit_text, where, "unit", MAX_TEXT)
    typed = (unit_text, kind.percent_is_concentration)  # all a success depends on (a kind's name is for errors)
    known = cache.typed_units.get(typed)
    if known is None:
        known = _unit_factor(unit_text, kind, where)
        if len(cache.typed_units) >= cache.TYPED_UNITS_SIZE:
            cache.typed_units.clear()
        cache.typed_units[typed] = known
    return known


def _unit_factor(unit_text: str, kind: Kind, where: Location) -> tuple[float, Dims]:
    unit_text = notation.normalise_unit(unit_text, where)
    if not _UNIT_CHARS.match(unit_text):
        raise input_error(f"'{_shown(unit_text)}' is not a unit mesocalc knows", where, code="unknown-unit")
    if _BARE_U.search(unit_text):
        raise input_error(
            f"'{_shown(unit_text)}': 'U' is an error-prone abbreviation (ISMP); write 'units'",
            where,
            code="unknown-unit",
        )
    percent = _PERCENT.search(unit_text)
    if percent:
        qualifier = (percent.group(1) or "w/v").replace(" ", "").lower()
        if not kind.percent_is_concentration:
            raise input_error(
                f"'{_shown(unit_text)}': a percent is a concentration (% w/v); expected {kind.name}",
                where,
                code="wrong-dimension",
            )
        if qualifier != "w/v":
            raise input_error(
                f"'% {qualifier}' is not a drug concentration mesocalc can use"
                " (it would need a density); give % w/v or mg/mL",
                where,
                code="unknown-unit",
            )
        unit_text = _PERCENT.sub("percent_wv", unit_text)
    unit_text = unit_text.replace("·", "*")
    key = " ".join(unit_text.split())
    known = cache.lookup_unit(key)
    if known is not None:
        return known[0], known[1]
    factor, dims = _pint_factor(key, where)
    cache.remember_unit(key, factor, dims)
    return factor, dims


_REGISTRY: Any = None


def registry() -> Any:
    """The one pint registry, built from pharmacy_units.txt alone (imports pint on first use)."""
    global _REGISTRY
    if _REGISTRY is None:
        import pint

        ureg: Any = pint.UnitRegistry(None, autoconvert_offset_to_baseunit=False)
        ureg.load_definitions(str(cache.definitions_path()))
        _REGISTRY = ureg
    return _REGISTRY


def _pint_factor(unit_text: str, where: Location) -> tuple[float, Dims]:
    ureg = registry()
    try:
        parsed = ureg.parse_units(unit_text)
        dims = [0, 0, 0, 0, 0, 0]
        factor = 1.0
        for name, exp in parsed._units.items():
            if exp != int(exp):  # never truncate mL^1.2 to mL (notation.normalise_unit refuses it first)
                raise ValueError(f"fractional power {exp} of {name}")
            term_dims = dict(ureg.get_dimensionality(name).items())
            body = term_dims == {"[mass]": 1} and exp < 0
            canonical = []
            for dim_name, dim_exp in term_dims.items():
                index = _PINT_DIMS[dim_name]
                unit = "kg" if body else _CANONICAL[index]
                if body:
                    index = 4
                dims[index] += int(dim_exp * exp)
                canonical.append(f"{unit}**{dim_exp}")
            term = ureg.Quantity(1.0, name).to(" * ".join(canonical)).magnitude
            factor *= float(term) ** exp
        factor = _clean(factor)
    except (OverflowError, ZeroDivisionError, RecursionError) as exc:
        raise input_error(f"'{_shown(unit_text)}' cannot be used as a unit", where, code="unknown-unit") from exc
    except Exception as exc:  # pint's parser fails in many ways on a stray operator ('mg/', '*/mg'): all mean
        # "not a unit"; the text was already checked for brackets, powers and characters
        hint = notation.spelling_hint(unit_text)
        glued = _GLUED_POWER.search(unit_text)
        if glued:
            hint = f"write {glued.group(1)}^{glued.group(2)}"
        raise input_error(
            f"'{_shown(unit_text)}' is not a unit mesocalc knows", where, code="unknown-unit", hint=hint
        ) from exc
    if not math.isfinite(factor) or factor == 0:
        raise input_error(f"'{_shown(unit_text)}' cannot be used as a unit", where, code="unknown-unit")
    return factor, tuple(dims)  # type: ignore[return-value]


def convert_value(q: Q, unit_text: str, where: Location | None = None) -> float:
    """q's value in `unit_text` (which must have q's dimensions)."""
    where = where or Location()
    kind = Kind("a unit of the same kind", (q.dims,), unit_string(q.dims), True)
    factor, dims = unit_factor(unit_text, kind, where)
    if dims != q.dims:
        raise input_error(
            f"cannot convert {describe_dims(q.dims)} ({unit_string(q.dims)}) to '{_shown(unit_text)}',"
            f" which is {describe_dims(dims)}",
            where,
            code="wrong-dimension",
        )
    return _clean(q.value / factor)


def body_weight_kg(weight: Q) -> Q:
    """A patient's weight (a mass) as body mass in kg, for per-kg caps."""
    return Q(weight.value / 1e6, BODY_MASS)


# ----------------------------------------------------------------------------------------------
# Formatting for people (ISMP): mL not cc, mcg not µg, units not U/IU, leading zeros,
# no trailing zeros, thousands separators. Display rounding only; JSON keeps full precision.

_PRETTY = {"cm^2": "cm²", "cm^3": "mL"}
# From 1e15 on a float has no exact whole-number digits left to show, and below 1e-6 a fixed-point
# number is a row of zeros to count: scientific notation instead (2e-14, 1.23e+16).
_SCIENTIFIC = 15
_SMALLEST_FIXED = -6


def group_thousands(text: str) -> str:
    """A number written with thousands commas (`f"{x:,}"`), the commas kept only where mesocalc's own reader
    takes them as thousands (SPEC §2, notation.read_number): two or more groups (`1,250,000`), a decimal
    part (`1,250.5`), or a last group ending in 00 (`2,500`, `100,000`). One comma before three other digits
    (`1,682`) may be read as a decimal comma (1.682): that number is printed `1682`, so that what mesocalc
    prints it reads back, and no reader of a printout takes 1682 mg for 1.682 mg."""
    if text.count(",") == 1 and "." not in text and not text.endswith("00"):
        return text.replace(",", "")
    return text


def format_percent(fraction: float, decimals: int = 0) -> str:
    """A share as a whole percentage (`80 %`, `1682 %`, `1,200 %`), grouped as the doses beside it are."""
    return f"{group_thousands(f'{fraction * 100:,.{decimals}f}')} %"


def format_number(x: float, *, volume: bool = False, digits: int = 3) -> str:
    """3 significant figures (volumes to at least 0.01 mL), never rounding the whole-number part."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    magnitude = math.floor(math.log10(abs(x)))
    if not _SMALLEST_FIXED <= magnitude < _SCIENTIFIC:  # 1.23e+30, 1e-20: readable, and mesocalc reads it back
        mantissa, _, exponent = f"{x:.{digits - 1}e}".partition("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent):+d}"
    decimals = max(0, digits - 1 - magnitude)
    if volume:
        decimals = max(decimals, 2)
    text = _half_up(x, decimals, magnitude)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else group_thousands(text)


def _half_up(x: float, decimals: int, magnitude: int) -> str:
    """x as written (its repr) rounded half up to `decimals` places, with thousands commas: 2.675 -> 2.68.

    Formatting the double itself rounds its exact binary value instead. Up to 15 significant places
    (magnitude + 1 + decimals; a double holds 15 decimal digits exactly) the two agree, except when the repr
    sits exactly on a tie: its last digit a 5 just after `decimals` (no tie lies strictly between the double
    and its repr, which is the shortest and nearest text that reads back as it). A tie, a repr with an
    exponent, and more than 15 places (a volume of 1e13 mL to 0.01) take Decimal (about 1.5 µs more)."""
    written = repr(x)
    if magnitude + 1 + decimals <= 15 and "e" not in written and \
            (len(written) - written.find(".") - 1 != decimals + 1 or written[-1] != "5"):
        return f"{x:,.{decimals}f}"
    rounded = Decimal(written).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{decimals}f}"


def display(q: Q) -> tuple[float, str]:
    """The value and unit a person reads: mg, or mcg below 1 mg; mL; cm²; units; particles."""
    dims = q.dims
    value = q.value
    per = _PER_MASS.get(dims)
    if per is not None:
        if 0 < abs(value) < 1:
            return value * 1000, "mcg" + per
        return value, "mg" + per
    if dims == LENGTH and 0 < abs(value) < 1:
        return value * 10, "mm"
    return value, _pretty_unit(dims)


@memoised
def _pretty_unit(dims: Dims) -> str:
    unit = unit_string(dims)
    for raw, pretty in _PRETTY.items():
        unit = unit.replace(raw, pretty)
    return unit


_PER_MASS = {dims_div(MASS, VOLUME): "/mL", dims_div(MASS, AREA): "/cm²", MASS: ""}  # mg or mcg, per what


def format_quantity(q: Q, digits: int = 3) -> str:
    # Remembered (bounded): a plan formats the same caps and concentrations into its texts on every line of a
    # batch. Only a non-zero finite float with whole-number dimensions is a key whose equality means the
    # same text (0.0 and -0.0 are equal keys, and so are 2 and 2.0, which format differently).
    value = q.value
    dims = q.dims
    if type(value) is float and value and math.isfinite(value) and type(digits) is int and _whole(dims):
        key = (value, dims, digits)
        text = _FORMATTED.get(key)
        if text is None:
            text = _format_quantity(q, digits)
            if len(_FORMATTED) >= _FORMATTED_SIZE:
                _FORMATTED.clear()
            _FORMATTED[key] = text
        return text
    return _format_quantity(q, digits)


_FORMATTED: dict[tuple[float, Dims, int], str] = {}
_FORMATTED_SIZE = 4096


def _whole(dims: Dims) -> bool:
    """Whether every exponent is an int (dims with a float exponent are equal keys to int ones, yet may be
    written otherwise; never memoised for that reason)."""
    for exponent in dims:  # noqa: SIM110 (a loop, not all(...): no generator made per quantity formatted)
        if type(exponent) is not int:
            return False
    return True


def _format_quantity(q: Q, digits: int) -> str:
    value, unit = display(q)
    if unit.startswith("particles") and abs(value) >= 10 ** digits:
        # a vendor-declared count (nanoparticle tracking) is not known to 9 digits: 3 significant figures
        magnitude = math.floor(math.log10(abs(value)))
        rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(magnitude - digits + 1), rounding=ROUND_HALF_UP)
        return f"{group_thousands(f'{rounded:,.0f}')} {unit}"
    text = format_number(value, volume=unit == 'mL', digits=digits)
    if text == "1,000" and unit.startswith("mcg"):  # 999.7 mcg rounds to 1 mg: said in mg, as 1 mg is
        return f"1 mg{unit[3:]}"
    return f"{text} {unit}"


def format_in(q: Q, unit_text: str, digits: int = 3) -> str:
    """q written in a unit the user asked for (e.g. mcg/mL), ISMP-safe."""
    value = convert_value(q, unit_text)
    shown = ismp_unit(unit_text)
    return f"{format_number(value, volume=shown == 'mL', digits=digits)} {shown}"


def ismp_unit(unit_text: str) -> str:
    """A unit as typed, rewritten ISMP-safe: mcg (never the micro sign), mL not cc, units not IU."""
    shown = unit_text.strip()
    for bad, good in (("\u00b5g", "mcg"), ("\u03bcg", "mcg"), ("ug", "mcg"), ("cc", "mL"), ("IU", "units")):
        shown = shown.replace(bad, good)
    return shown


def format_like(q: Q, like: Q) -> str:
    """q in the unit `like` is shown in (0.8 mg next to 2 mg, not 800 mcg), so a line of arithmetic has one
    unit: a 1000-fold slip hides in `270 mg / 800 mcg`."""
    shown, unit = display(like)
    if like.dims != q.dims or like.value == 0 or display(q)[1] == unit:
        return format_quantity(q)
    return f"{format_number(q.value * shown / like.value, volume=unit == 'mL')} {unit}"


def converted_first(q: Q, like: Q) -> str:
    """'800 mcg = 0.8 mg; ' when q is shown in another unit than `like`, else nothing."""
    same = format_like(q, like)
    return "" if same == format_quantity(q) else f"{format_quantity(q)} = {same}; "
