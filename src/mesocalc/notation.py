"""Input notation: what mesocalc prints, it reads (SPEC §2), and what it refuses rather than guesses.

Everything here is plain text work that runs before pint sees a unit string: the number in front of
a unit (the comma rule), superscript powers (`cm²`), dimensions (`5x4 cm`), ratio strength with
grouped thousands (`1:200 000`), and the refusals that keep a typo from becoming a wrong dose
(all-capitals units, fractional powers, unbalanced brackets, words pint misreads such as `kilos`).

Every pattern here is anchored and free of nested or adjacent unbounded repeats, so its time is
linear in the length of the text; on top of that, no value longer than MAX_VALUE characters is
parsed at all (the error quotes a short, escaped excerpt).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Generic, TypeVar

from mesocalc.errors import Location, MesocalcError, Problem, did_you_mean, input_error
from mesocalc.lazyre import lazy

# The longest option value or quantity text mesocalc parses: a quantity with a unit ("0.125 mg/cm^2",
# "5 cm x 4 cm") is a few dozen characters; anything far longer is a paste accident or an attack.
MAX_VALUE = 200
EXCERPT = 32


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """A short, printable excerpt of what was typed, for an error message (control characters escaped)."""
    short = text if len(text) <= limit else text[:limit]
    shown = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in short)
    if len(text) > limit:
        shown += f"... ({len(text):,} characters)"
    return shown


def check_length(text: str, where: Location, what: str = "value", limit: int | None = None) -> None:
    """Refuse, at once, a value too long to be what the option asks for."""
    limit = MAX_VALUE if limit is None else limit
    if len(text) > limit:
        raise input_error(f"{what} is too long ({len(text):,} characters, at most {limit}): "
                          f"'{excerpt(text)}'", where, code="too-long")


# ---- numbers: the comma rule -----------------------------------------------------------------

# A number as typed: digits with commas (thousands or a decimal comma), an optional point part and an
# optional exponent. The comma rule below decides what the commas mean.
_NUMBER = lazy(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_THOUSANDS = lazy(r"\d{1,3}(?:,\d{3})+(?:\.\d*)?")


class Number:
    """A number read from the start of a text (a plain class: nothing to build at start-up)."""

    __slots__ = ("raw", "rest", "text", "value")

    def __init__(self, value: float, raw: str, text: str, rest: str) -> None:
        self.value = value
        self.raw = raw  # the number as typed
        self.text = text  # the number as read, with a decimal point (`0,2` -> `0.2`), for echoing
        self.rest = rest  # what follows the number (the unit), stripped


def read_number(text: str, where: Location) -> Number | None:
    """The number at the start of `text` (stripped) by the comma rule of SPEC §2, or None if none.

    In a ratio strength commas and spaces group thousands (handled by read_ratio); elsewhere:
    - a comma followed by one or two digits, or after a leading 0 (`0,2`, `1,5`, `0,125`), is a
      decimal comma: read as a point;
    - commas that can only be thousands separators (`1,000,000`, `1,250.5`) group thousands;
    - a comma followed by exactly three digits after a non-zero group (`1,250`) is ambiguous:
      refused, naming both readings; so is a space inside a number (`1 250`). One exception keeps
      what mesocalc prints readable (SPEC §2: `2,500 mm²`, `100,000 particles`): three digits ending
      in `00` can only be a thousands group, since a decimal comma is never followed by trailing zeros.
    """
    match = _NUMBER.match(text)
    if match is None:
        return None
    raw = match.group()
    rest = text[match.end():].strip()
    mantissa, _, exponent = raw.partition("e") if "e" in raw else raw.partition("E")
    exponent_text = f"e{exponent}" if exponent else ""
    if text[match.end():match.end() + 1] in (",", "."):  # 1.250,5 or 1.2.3: separators mixed or repeated
        raise _unreadable(text, where)
    if "," in mantissa:
        mantissa = _comma(mantissa, text, where)
    if rest[:1].isdigit() and text[match.end():match.end() + 1].isspace():
        after = excerpt(rest.split()[0])
        joined = excerpt(f"{raw}{rest.split()[0]}")
        raise input_error(f"'{excerpt(text)}' has a space inside a number: {joined} or {excerpt(raw)} and "
                          f"{after}?", where, code="ambiguous-number",
                          hint=f"write the number without spaces, e.g. {joined}")
    number_text = mantissa + exponent_text
    try:
        value = float(number_text.replace(",", ""))
    except ValueError:
        return None
    return Number(value, raw, number_text, rest)


def _unreadable(text: str, where: Location) -> MesocalcError:
    return input_error(f"'{excerpt(text)}' is not a number mesocalc can read (mixed or misplaced separators)",
                       where, code="ambiguous-number",
                       hint="write a decimal point (0.2) and no thousands separators (1250)")


def _comma(mantissa: str, text: str, where: Location) -> str:
    sign = mantissa[:1] if mantissa[:1] in "+-" else ""
    digits = mantissa[len(sign):]
    if _THOUSANDS.fullmatch(digits) and (digits.count(",") > 1 or "." in digits):
        return mantissa  # only thousands separators can be meant
    whole, _, fraction = digits.partition(",")
    if "," in fraction or "." in digits or not whole or not fraction.isdigit():
        raise _unreadable(text, where)
    if not whole.strip("0") or len(fraction) in (1, 2):  # (no int(): a 5,000-digit group is refused by int)
        return f"{sign}{whole}.{fraction}"  # a decimal comma: read as a point
    if len(fraction) == 3 and fraction.endswith("00") and len(whole) <= 3:
        # `2,500`, `1,000`, `100,000` (as mesocalc prints them): read as decimals they would end in two
        # or three zeros, which no one writes after a decimal comma (2,5; 1; 100), so only a thousands
        # comma is meant. `1,250` could be either, and is refused below.
        return mantissa
    if len(fraction) == 3:
        thousands = excerpt(f"{sign}{whole}{fraction}")
        decimal = excerpt(f"{sign}{whole}.{fraction}".rstrip("0").rstrip("."))
        raise input_error(f"'{excerpt(text)}' is ambiguous: {thousands} (thousands comma) or "
                          f"{decimal} (decimal comma)?", where, code="ambiguous-number",
                          hint=f"write {thousands} or {decimal}")
    raise input_error(f"'{excerpt(text)}': a comma followed by {len(fraction)} digits is neither a decimal "
                      "comma mesocalc reads nor a thousands group", where, code="ambiguous-number",
                      hint=f"write {sign}{whole}.{fraction} with a decimal point")


def significant_digits(text: str) -> int:
    """How many significant figures the number at the start of `text` was given with (`1,000.5 mg`: 5,
    `0.0250 mg`: 3, `2500 mg`: 2, since trailing zeros of a whole number say nothing), 0 when there is
    no number mesocalc reads. A converted value keeps them: 1,000.5 mg is 1,000.5 mg, not 1,001 mg."""
    try:
        number = read_number(text.strip(), Location())
    except MesocalcError:
        return 0
    if number is None:
        return 0
    mantissa = number.text.lower().partition("e")[0].lstrip("+-").replace(",", "")
    digits = mantissa.replace(".", "").lstrip("0")
    return len(digits if "." in mantissa else digits.rstrip("0"))


def as_read(text: str) -> str:
    """The quantity text with its number as read (`0,2 mL` -> `0.2 mL`), to echo what was understood."""
    stripped = text.strip()
    try:
        number = read_number(stripped, Location())
    except MesocalcError:
        return stripped
    if number is None or number.raw == number.text.replace(",", "") or "," in number.text:
        return stripped  # no decimal comma: the text says what was read
    return f"{number.text} {number.rest}".strip()


# ---- ratio strength ----------------------------------------------------------------------------

# 1:N, where commas or single spaces group N's thousands (`1:100,000`, `1:200 000`), or N in the
# scientific form mesocalc prints from 1e15 on (`1:1e+18`).
_RATIO = lazy(r"1 ?: ?(\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d+(?:\.\d+)?(?:[eE]\+?\d+)?)")
_SLASH_RATIO = lazy(r"1 ?/ ?\d[\d, ]*")


def read_ratio(text: str, where: Location) -> float | None:
    """N of a ratio strength `1:N` (text stripped), or None when the text is not one."""
    match = _RATIO.fullmatch(text)
    if match:
        return float(match.group(1).replace(",", "").replace(" ", ""))
    if _SLASH_RATIO.fullmatch(text):
        denominator = text.partition("/")[2].strip()
        raise input_error(f"'{excerpt(text)}' is a fraction, not a unit", where, code="missing-unit",
                          hint=f"a ratio strength is written 1:{denominator} (1 g in {denominator} mL)")
    return None


# ---- unit strings -----------------------------------------------------------------------------

_SUPERSCRIPTS = str.maketrans({"²": "^2", "³": "^3", "¹": "^1", "·": "*", "⋅": "*"})
# A power: `^` or `**`, then what follows it (checked to be a whole number).
_POWER = lazy(r"\^|\*\*")
_WHOLE_POWER = lazy(r" ?[+-]?\d+(?![\d.,])")
_WORD = lazy(r"[A-Za-zµμ]+")
# Spellings people type for units, by case-folded form: an all-capitals variant is refused with the
# right spelling (SPEC §2: units are case-sensitive; `MG` is never guessed to be mg).
_SPELLINGS = {w.casefold(): w for w in (
    "mg", "mcg", "g", "kg", "ug", "mL", "L", "uL", "µL", "cm", "mm", "m", "in", "lb", "units", "particles",
    "day", "days", "week", "weeks", "month", "months", "h", "min", "mmol", "percent")}
_SPELLINGS.update(cc="mL", iu="units")  # cc is read as mL; IU is read as units (both ISMP-refused on output)
# Words pint reads as something else entirely (`kilos` is kilo-seconds, a time): refused with a hint.
_MISREAD = {"kilo": "kg", "kilos": "kg", "kgs": "kg", "lbs": "lb", "mgs": "mg", "mls": "mL", "mcgs": "mcg",
            "gr": "g (or mg: 'gr' is a grain, 64.8 mg)", "grs": "g", "gm": "g", "gms": "g"}


def normalise_unit(unit_text: str, where: Location) -> str:
    """A unit string as pint should see it (`cm²` -> `cm^2`), after the refusals of SPEC §2."""
    text = unit_text.translate(_SUPERSCRIPTS)
    for word in _WORD.findall(text):
        folded = word.casefold()
        quoted = f"'{word}'" if word == unit_text.strip() else f"'{excerpt(unit_text)}': '{word}'"
        if folded in _MISREAD:
            raise input_error(f"{quoted} is not a unit mesocalc reads", where, code="unknown-unit",
                              hint=f"write {_MISREAD[folded]}")
        right = _SPELLINGS.get(folded)
        if right is not None and word != right and len(word) > 1 and word.isupper() and word != "IU":
            raise input_error(f"{quoted} is not a unit (units are case-sensitive)", where, code="unknown-unit",
                              hint=f"did you mean '{right}'?")
    depth = 0
    for ch in text:
        depth += 1 if ch == "(" else -1 if ch == ")" else 0
        if depth < 0:
            break
    if depth:
        raise input_error(f"'{excerpt(unit_text)}' has an unbalanced bracket", where, code="unknown-unit")
    for power in _POWER.finditer(text):
        if not _WHOLE_POWER.match(text, power.end()):
            raise input_error(f"'{excerpt(unit_text)}': a power must be a whole number", where,
                              code="unknown-unit", hint="fractional or non-numeric powers (in^2.5) are refused, "
                              "never truncated")
    return text


def spelling_hint(unit_text: str) -> str | None:
    """'did you mean' for a unit pint did not know, written in another case (`Kg`, `Ml`, `Units`)."""
    for word in _WORD.findall(unit_text):
        right = _SPELLINGS.get(word.casefold())
        if right is not None and word != right:
            return f"did you mean '{right}'? units are case-sensitive"
    return None


# ---- dimensions: `5 cm x 4 cm`, `5 x 4 cm`, `5x4 cm`, `5 × 4 cm`, `5*4 cm` ---------------------

# A separator between two sides: x, X, × or *, between what ends a side (a digit, a letter, a point,
# a space) and what starts one (a digit or a point), with optional single spaces around it.
# (ASCII classes: a Unicode \w class costs milliseconds to compile at every start-up.)
_SEPARATOR = lazy(r"(?<=[0-9A-Za-z.µ²³)]) ?[xX×*] ?(?=[+-]?[0-9.])")


def split_dimensions(text: str) -> tuple[str, str] | None:
    """The two sides of `W x H` (text stripped), the unit written once applying to both; else None."""
    if "x" not in text and "X" not in text and "×" not in text and "*" not in text:
        return None  # no separator _SEPARATOR could find (most areas: `25 cm^2`, an id)
    found = _SEPARATOR.findall(text)
    if len(found) != 1:
        return None
    first, second = (side.strip() for side in _SEPARATOR.split(text))
    if not first or not second or not (first[:1].isdigit() or first[:1] == "."):
        return None
    unit_of_second = _NUMBER.sub("", second, count=1).strip()
    if _NUMBER.fullmatch(first) and unit_of_second:
        first = f"{first} {unit_of_second}"  # "5 x 4 cm": the unit written once applies to both sides
    return first, second


# ---- ids and word values: case-insensitive, aliases, did-you-mean ------------------------------

T = TypeVar("T")


def find_by_id(text: str, table: Mapping[str, T], aliases: Callable[[T], Iterable[str]] | None = None) -> T | None:
    """An entry by id, ignoring case, or by one of its aliases (ignoring case); None when none matches."""
    return IdIndex(table, aliases).find(text)


class IdIndex(Generic[T]):
    """A table's ids and aliases, case-folded, each to the entry it names: `find` is the one rule of
    find_by_id (the id as typed; else an id ignoring case, the first in the table's order; else an alias
    ignoring case, of the first entry that has it). Each index is built on first need (a lazy table's
    entries are read only when an alias is looked for), so a lookup kept for a table answers a text never
    seen in one dict look-up, where a scan of every id and alias took ~8 µs per text for the built-in
    areas. The table must not change while its index is kept (a loaded library does not)."""

    __slots__ = ("_aliases", "_aliases_of", "_ids", "table")

    def __init__(self, table: Mapping[str, T], aliases: Callable[[T], Iterable[str]] | None = None) -> None:
        self.table = table
        self._aliases_of = aliases
        self._ids: dict[str, str] | None = None
        self._aliases: dict[str, str] | None = None

    def find(self, text: str) -> T | None:
        table = self.table
        if text in table:
            return table[text]
        wanted = text.strip().casefold()
        ids = self._ids
        if ids is None:
            ids = self._ids = {}
            for name in table:
                ids.setdefault(name.casefold(), name)
        key = ids.get(wanted)
        if key is None and self._aliases_of is not None:
            named = self._aliases
            if named is None:
                named = self._aliases = {}
                for owner, value in table.items():
                    for alias in self._aliases_of(value):
                        named.setdefault(alias.casefold(), owner)
            key = named.get(wanted)
        return None if key is None else table[key]


def lookup(text: str, table: Mapping[str, T], what: str, where: Location) -> T:
    """An entry of a library table (agents, cocktails, areas) by id or alias, ignoring case, or an
    'unknown ...' error with a did-you-mean hint (or the known ids)."""
    check_length(text, where, what)
    found = find_by_id(text, table, lambda entry: getattr(entry, "aliases", ()))
    if found is None:
        raise input_error(f"unknown {what} '{excerpt(text)}'", where, code=f"unknown-{what}",
                          hint=near_miss(text, list(table)) or f"known: {', '.join(sorted(table))}")
    return found


def near_miss(text: str, choices: Iterable[str]) -> str | None:
    """A did-you-mean hint that ignores case (`SUBMENTAL-DCS` -> 'submental-dca')."""
    if len(text) > MAX_VALUE:
        return None
    names = list(choices)
    folded = {name.casefold(): name for name in names}
    hint = did_you_mean(text.strip().casefold(), list(folded))
    if hint is None:
        return None
    close = hint.split("'")[1]
    return f"did you mean '{folded[close]}'?"


def word_value(text: str, choices: Iterable[str], where: Location, what: str) -> str:
    """A word value (`--grid HEX`, `--storage FRIDGE`) matched without regard to case."""
    options = list(choices)
    check_length(text, where)
    chosen = next((c for c in options if c.casefold() == text.strip().casefold()), None)
    if chosen is None:
        listed = " or ".join([", ".join(options[:-1]), options[-1]] if len(options) > 1 else options)
        near = near_miss(text, options)
        raise input_error(f"unknown {what} '{excerpt(text)}'", where, code=f"unknown-{what}",
                          hint=f"{listed}; {near}" if near else listed)
    return chosen


def alias_clashes(kind: str, table: Mapping[str, T]) -> list[Problem]:
    """An alias that is also another entry's id or alias (ignoring case) would make a name resolve to
    either entry: reported by `check` as an error naming both."""
    owner: dict[str, str] = {key.casefold(): key for key in table}
    problems: list[Problem] = []
    for key, entry in table.items():
        for i, alias in enumerate(getattr(entry, "aliases", ())):
            folded = alias.casefold()
            other = owner.setdefault(folded, key)
            if other != key:
                where: Location = getattr(entry, "where", Location())
                problems.append(Problem("alias-clash", f"alias '{alias}' of {kind} '{key}' also names {kind} "
                                        f"'{other}'", Location(where.file, where.line, f"aliases[{i}]"),
                                        "an id or alias names one entry only"))
    return problems
