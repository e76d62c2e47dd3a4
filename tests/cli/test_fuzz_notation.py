"""Fuzzing the input notation (hypothesis), with the budget of tests/cli/test_fuzz.py (MESOCALC_FUZZ_EXAMPLES).

Generators for the notations of SPEC §2: numbers with commas, points, spaces and exponents; unit
strings with any case, superscripts, powers (whole, fractional, non-numeric), brackets and stray
operators; dimensions in every spelling; ratio strengths; ids in any case. Properties: every parser
answers with a value or an input error, never another exception; what mesocalc prints it reads back;
the comma rule holds for every decimal and thousands form; long values are answered at once.
"""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from test_fuzz import FUZZ, check_run

from mesocalc import notation
from mesocalc import units as u
from mesocalc.errors import Location, MesocalcError

UNIT_WORDS = ["mg", "mcg", "g", "kg", "mL", "L", "cm", "mm", "in", "lb", "units", "particles", "day", "week",
              "kilos", "lbs", "cc", "IU", "U", "µg", "%", "% w/v", "% v/v"]
KINDS = [u.AREA_KIND, u.LENGTH_KIND, u.VOLUME_KIND, u.WEIGHT_KIND, u.CONCENTRATION, u.AMOUNT, u.ANY_KIND]


def recase(draw: st.DrawFn, word: str) -> str:
    return draw(st.sampled_from([word, word.upper(), word.lower(), word.title(), word.swapcase()]))


@st.composite
def numbers(draw: st.DrawFn) -> str:
    """A number as people type it: grouped or decimal commas, points, spaces, signs, exponents."""
    whole = str(draw(st.integers(0, 10**7)))
    if draw(st.booleans()):
        groups = [whole[max(0, i - 3):i] for i in range(len(whole), 0, -3)][::-1]
        whole = draw(st.sampled_from([",", " ", ""])).join(groups)
    fraction = draw(st.sampled_from(["", "." + str(draw(st.integers(0, 999))), "," + str(draw(st.integers(0, 9999)))]))
    exponent = draw(st.sampled_from(["", "e3", "e-2", "E+30", "e309", "e-400"]))
    sign = draw(st.sampled_from(["", "", "-", "+"]))
    return f"{sign}{whole}{fraction}{exponent}"


@st.composite
def unit_strings(draw: st.DrawFn) -> str:
    """A unit expression: words in any case, superscripts, powers, brackets, operators."""
    parts = [recase(draw, draw(st.sampled_from(UNIT_WORDS)))]
    for _ in range(draw(st.integers(0, 3))):
        parts.append(draw(st.sampled_from(["/", "*", " ", "·", "^2", "²", "³", "^2.5", "^x", "**2", "**0.5", "^-1",
                                           "(", ")", "^", "/ /"])))
        parts.append(recase(draw, draw(st.sampled_from(UNIT_WORDS))))
    return "".join(parts)


@st.composite
def quantities(draw: st.DrawFn) -> str:
    spaces = draw(st.sampled_from(["", " ", "  "]))
    return f"{draw(numbers())}{spaces}{draw(unit_strings())}"


@st.composite
def dimensions(draw: st.DrawFn) -> str:
    separator = draw(st.sampled_from([" x ", "x", " X ", " × ", "×", "*", " * ", " by ", " x x "]))
    unit = draw(st.sampled_from(["cm", "mm", "in", "mL", ""]))
    first_unit = draw(st.sampled_from(["", f" {unit}"]))
    return f"{draw(numbers())}{first_unit}{separator}{draw(numbers())} {unit}".strip()


@st.composite
def ratios(draw: st.DrawFn) -> str:
    n = str(draw(st.integers(0, 10**7)))
    groups = [n[max(0, i - 3):i] for i in range(len(n), 0, -3)][::-1]
    joiner = draw(st.sampled_from([",", " ", "", ".", "  "]))
    return draw(st.sampled_from(["1:", "1 : ", "1/", "2:"])) + joiner.join(groups)


def parse_or_refuse(text: str, kind: u.Kind) -> u.Q | None:
    try:
        q = u.parse_quantity(text, kind, Location(key="fuzz"))
    except MesocalcError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        assert all(len(p.text()) < 600 for p in exc.problems), exc  # a short excerpt, never the whole input
        return None
    assert math.isfinite(q.value) and abs(q.value) <= u.MAX_MAGNITUDE
    assert q.dims in kind.allowed
    return q


@FUZZ
@given(st.one_of(quantities(), dimensions(), ratios(), st.text(max_size=60)), st.sampled_from(KINDS))
def test_any_notation_is_read_or_refused_as_an_input_error(text, kind):
    parse_or_refuse(text, kind)


@FUZZ
@given(st.floats(min_value=1e-17, max_value=1e17), st.sampled_from(
    [(u.MASS, u.AMOUNT), (u.VOLUME, u.VOLUME_KIND), (u.AREA, u.AREA_KIND), (u.PARTICLES, u.AMOUNT),
     (u.dims_div(u.MASS, u.VOLUME), u.CONCENTRATION), (u.ACTIVITY, u.AMOUNT)]))
def test_what_mesocalc_prints_it_reads_back(value, dims_kind):
    dims, kind = dims_kind
    shown = u.format_quantity(u.Q(value, dims))
    number = shown.split()[0]
    if number.count(",") == 1 and "." not in number and not number.endswith("00"):
        # `1,250 mg`: the comma rule of SPEC §2 refuses it (1250 or 1.25?), naming the reading printed
        with pytest.raises(MesocalcError, match=number.replace(",", "")):
            u.parse_quantity(shown, kind)
        return
    read = u.parse_quantity(shown, kind)  # "1,200 mg", "25 cm²", "1.23e+16 mg", "100,000 particles"
    # display keeps 3 significant figures (volumes at least 0.01 mL): the value read is the value shown
    assert read.dims == dims
    assert math.isclose(read.value, value, rel_tol=5e-3) or (dims == u.VOLUME and abs(read.value - value) <= 0.005)


@FUZZ
@given(st.integers(0, 999), st.sampled_from([1, 2]), st.data())
def test_a_comma_with_one_or_two_digits_is_a_decimal_comma(whole, places, data):
    fraction = data.draw(st.integers(0, 10**places - 1))
    digits = f"{fraction:0{places}d}"
    q = u.parse_quantity(f"{whole},{digits} mg", u.AMOUNT, minimum="any")
    assert q.value == pytest.approx(float(f"{whole}.{digits}"))


@FUZZ
@given(st.integers(1, 999), st.integers(0, 999))
def test_a_comma_with_three_digits_after_a_non_zero_group_is_refused_naming_both_readings(whole, fraction):
    digits = f"{fraction:03d}"
    text = f"{whole},{digits} mg"
    if digits.endswith("00"):  # `2,500`, `1,000`: only a thousands comma (no one writes 2.500 for 2.5)
        assert u.parse_quantity(text, u.AMOUNT).value == whole * 1000 + fraction
        return
    with pytest.raises(MesocalcError) as refused:
        u.parse_quantity(text, u.AMOUNT)
    message = str(refused.value)
    assert f"{whole}{digits}" in message and f"{whole}.{digits}".rstrip("0") in message


@FUZZ
@given(st.sampled_from(["submental-dca", "pcdc-abdomen", "mesohair-minoxidil", "kybella"]), st.data())
def test_ids_in_any_case_resolve_to_the_same_cocktail(typed, data):
    cased = "".join(data.draw(st.sampled_from([c.lower(), c.upper()])) for c in typed)
    check_run(["plan", cased, "--points", "1", "--json"])


@FUZZ
@given(st.sampled_from(["--area", "--weight", "--spacing", "--volume-per-point", "--grid", "--scalp"]),
       st.one_of(quantities(), dimensions(), ratios()))
def test_plan_with_generated_notation_answers_cleanly(option, value):
    check_run(["plan", "submental-dca", option, value, "--json"])


@FUZZ
@given(st.one_of(quantities(), ratios()), st.one_of(st.none(), unit_strings()))
def test_convert_with_generated_notation_answers_cleanly(text, unit):
    check_run(["convert", text, *([unit] if unit else []), "--json"])


@FUZZ
@given(st.text(alphabet=" ,.:x×*^()1234567890e-+/cmgL²", min_size=1, max_size=30), st.integers(100, 3000))
def test_long_values_are_answered_at_once(pattern, repeat):
    text = (pattern * repeat)[:100_000]
    assume(text.strip())
    u.registry()  # pint's registry is built once per process (about a second): not part of the parse
    start = time.perf_counter()
    for kind in (u.AREA_KIND, u.CONCENTRATION):
        parse_or_refuse(text, kind)
    try:
        notation.split_dimensions(text)
        notation.normalise_unit(text, Location())
    except MesocalcError:
        pass
    assert time.perf_counter() - start < 1.0
