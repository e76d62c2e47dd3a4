"""Input notation (SPEC §2): what mesocalc prints it reads; commas are never guessed; ids ignore case.

The refusals (ambiguous commas, all-capitals units, fractional powers, brackets, huge values, dates
past 9999, long values) are in the malformed-input corpus, tests/corpus/notation.json. Here: the
notations that must be read, and what they must be read as; and the parsers' time on long input.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest

from mesocalc import notation
from mesocalc import units as u
from mesocalc.errors import Location, MesocalcError

# ---- what mesocalc prints, it reads ---------------------------------------------------------------


@pytest.mark.parametrize("area", ["25 cm²", "25 cm^2", "2,500 mm²", "2500 mm^2", "5 cm x 5 cm", "5 x 5 cm",
                                  "5x5 cm", "5 × 5 cm", "5*5 cm", "5 X 5 cm", "50 mm x 5 cm", "0,5 dm x 5 cm"])
def test_a_25_cm2_surface_however_written_is_the_label_25_points(cli: Any, area: str) -> None:
    # KYBELLA label grid: 1 cm spacing, so 25 cm² / 1 cm² per point = 25 points; 100 mm² = 1 cm².
    doc = cli("plan", "submental-dca", "--area", area, "--json").json
    assert doc["area"] == {"value": pytest.approx(25), "unit": "cm^2"}
    assert doc["points"] == 25


def test_dimensions_show_the_decimal_comma_as_the_point_it_was_read_as(cli: Any) -> None:
    run = cli("plan", "submental-dca", "--area", "0,5 dm x 5 cm")  # 5 cm x 5 cm = 25 cm²
    assert "0.5 dm x 5 cm: 25 cm²" in run.stdout


@pytest.mark.parametrize(("text", "unit", "value"), [
    ("0,2 mL", "mL", 0.2),          # a comma and one digit: a decimal comma
    ("1,5 cm", "mm", 15),           # 1.5 cm = 15 mm
    ("0,125 mg", "mcg", 125),       # after a leading 0 the comma is decimal, whatever follows
    ("1,25 mg", "mcg", 1250),       # two digits: decimal
    ("1,000,000 mg", "g", 1000),    # two groups: only thousands separators can be meant
    ("1,250.5 mg", "mg", 1250.5),   # a comma before the point groups thousands
    ("100,000 particles", "particles", 100_000),  # as mesocalc prints a particle count (ISMP)
    ("500 mcg", "mg", 0.5),
    ("25 cm²", "mm^2", 2500),
    ("1.5e+16 mcg", "mg", 1.5e13),  # the scientific form mesocalc prints from 1e15 on reads back
])
def test_numbers_are_read_by_the_comma_rule(cli: Any, text: str, unit: str, value: float) -> None:
    doc = cli("convert", text, unit, "--json").json
    assert doc["to"]["value"] == pytest.approx(value)


def test_a_decimal_comma_is_echoed_as_the_point_it_was_read_as(cli: Any) -> None:
    assert cli("convert", "0,2 mL", "mL").stdout.startswith("0.2 mL = 0.2 mL")


@pytest.mark.parametrize("ratio", ["1:200000", "1:200,000", "1:200 000", "1 : 200 000"])
def test_ratio_strength_groups_thousands_with_commas_or_spaces(cli: Any, ratio: str) -> None:
    # 1:N = 1 g in N mL, so 1:200,000 = 1000 / 200,000 mg/mL = 0.005 mg/mL (USP ratio strength)
    doc = cli("convert", ratio, "mg/mL", "--json").json
    assert doc["to"]["value"] == pytest.approx(0.005)


def test_a_fraction_for_a_ratio_strength_is_refused_with_the_ratio_spelling(cli: Any) -> None:
    run = cli("convert", "1/200000", "mg/mL")
    assert run.exit_code == 2 and "1:200000" in run.stderr


def test_a_scalp_share_may_be_written_with_a_decimal_comma(cli: Any) -> None:
    # 37,5 % of the 500 cm² whole scalp (library preset) = 187.5 cm²
    doc = cli("plan", "mesohair-minoxidil", "--scalp", "37,5 %", "--json").json
    assert doc["area"] == {"value": pytest.approx(187.5), "unit": "cm^2"}


def test_kilos_is_not_taken_for_kiloseconds(cli: Any) -> None:
    run = cli("plan", "submental-dca", "--weight", "60 kilos")
    assert run.exit_code == 2 and "write kg" in run.stderr and "time" not in run.stderr


# ---- ids and word values ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["SUBMENTAL-DCA", "Submental-DCA", "kybella", "KYBELLA"])
def test_cocktail_ids_ignore_case_and_aliases_resolve_to_the_id(cli: Any, typed: str) -> None:
    doc = cli("plan", typed, "--json").json
    assert doc["cocktail"]["id"] == "submental-dca"  # the output names the id it resolved to


@pytest.mark.parametrize(("typed", "agent"), [("xylocaine", "lidocaine"), ("LIDOCAINE", "lidocaine"),
                                              ("kybella", "deoxycholic-acid"), ("ADRENALINE", "epinephrine")])
def test_agent_aliases_are_accepted_wherever_the_id_is(cli: Any, typed: str, agent: str) -> None:
    assert cli("agents", typed, "--json").json["id"] == agent
    assert cli("agents", typed).stdout.splitlines()[0].endswith(f"({agent})")


def test_area_ids_ignore_case(cli: Any) -> None:
    assert cli("plan", "submental-dca", "--area", "SUBMENTAL", "--json").json["points"] == 25


def test_word_values_ignore_case(cli: Any) -> None:
    assert cli("plan", "submental-dca", "--grid", "HEX", "--json").json["technique"]["grid"] == "hex"
    doc = cli("compound", "submental-dca", "--volume", "5 mL", "--category", "1", "--storage", "FRIDGE",
              "--prepared", "2026-03-01T09:00", "--json").json
    assert doc["beyond_use"].startswith("2026-03-02T09:00")  # category 1 refrigerated: 24 h (USP <797>)


def test_stock_agent_and_stock_ids_ignore_case(cli: Any) -> None:
    # the cocktail is mixed from the 2 % vial: naming it in capitals, through the Xylocaine alias, draws
    # the same 1 mL (20 mg) as the default recipe
    doc = cli("compound", "submental-dca-lidocaine", "--volume", "5 mL", "--stock", "XYLOCAINE=LIDOCAINE-2-PERCENT",
              "--json").json
    lidocaine = next(i for i in doc["ingredients"] if i["agent"] == "lidocaine")
    assert lidocaine["stock"]["id"] == "lidocaine-2-percent"
    assert lidocaine["volume"] == {"value": pytest.approx(1.0), "unit": "mL"}
    assert lidocaine["amount"] == {"value": pytest.approx(20.0), "unit": "mg"}


# ---- display of very large and very small values --------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [(1e28, "1e+28"), (1.234e30, "1.23e+30"), (1e-300, "1e-300"),
                                              (2e-14, "2e-14"), (123456.7, "123457"), (0.000123456, "0.000123")])
def test_every_finite_value_can_be_shown(value: float, shown: str) -> None:
    assert u.format_number(value) == shown


@pytest.mark.parametrize(("value", "volume", "shown"), [
    (2.675, False, "2.68"),  # the double is 2.67499999...: rounded as written (a tie, half up), not as stored
    (1.005, True, "1.01"), (0.125, False, "0.125"), (0.0125, True, "0.0125"), (1.125, True, "1.13"),
    (-2.675, False, "-2.68"), (99.95, False, "100"), (0.0999, True, "0.0999"),
    (1234.5, False, "1235"),  # one comma before 3 digits is left out (units.group_thousands)
    (90637612658324.6, True, "90,637,612,658,324.6"),  # 16 places: beyond a double's 15 digits
])
def test_a_number_is_rounded_half_up_as_it_is_written(value: float, volume: bool, shown: str) -> None:
    assert u.format_number(value, volume=volume) == shown


def test_80000_seeded_values_are_rounded_as_their_written_decimal() -> None:
    # format_number rounds the double itself where that is the same (units._half_up); this is the definition:
    # the repr as a Decimal, rounded half up (random doubles, every decade, decimals times 1/3 or 7, fractions;
    # 20,000 of each here, 3,000,000 with other seeds when units._half_up came in, none different)
    import math
    import random
    import struct
    from decimal import ROUND_HALF_UP, Decimal

    def written(x: float, volume: bool, digits: int) -> str:
        magnitude = math.floor(math.log10(abs(x)))
        decimals = max(0, digits - 1 - magnitude)
        decimals = max(decimals, 2) if volume else decimals
        text = f"{Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,.{decimals}f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
        return "0" if text in ("-0", "") else u.group_thousands(text)

    rng = random.Random(2675)
    makers = (lambda: struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0],
              lambda: rng.uniform(-1, 1) * 10 ** rng.randint(-6, 14),
              lambda: round(rng.uniform(0, 1000), rng.randint(0, 8)) * rng.choice([1, 0.1, 3, 7, 1 / 3, 1000]),
              lambda: rng.randint(-10**6, 10**6) / rng.choice([1, 2, 8, 10, 100, 1000, 3, 7, 16, 200, 40]))
    for make in makers:
        for _ in range(20_000):
            x, volume, digits = make(), rng.random() < 0.3, rng.choice([3, 3, 6, 9, 12])
            if x and math.isfinite(x) and -6 <= math.floor(math.log10(abs(x))) < 15:
                assert u.format_number(x, volume=volume, digits=digits) == written(x, volume, digits), x


def test_a_value_shown_in_scientific_form_is_read_back(cli: Any) -> None:
    assert u.parse_quantity(f"{u.format_number(1.234e16)} mg", u.AMOUNT).value == pytest.approx(1.23e16)
    # 1e-15 mg/mL as a ratio strength: 1000 / 1e-15 = 1e18, printed 1:1e+18, and read back as 1e-15 mg/mL
    shown = cli("convert", "1e-15 mg/mL", "ratio", "--json").json["to"]["text"]
    assert shown == "1:1e+18"
    assert u.parse_quantity(shown, u.CONCENTRATION).value == pytest.approx(1e-15)


# ---- linear time: every parser on long input, the length cap lifted ---------------------------------

LONG = 40_000


@pytest.fixture
def no_length_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notation, "MAX_VALUE", 10 * LONG)
    monkeypatch.setattr(u, "MAX_TEXT", 10 * LONG)


def _quick(function: Any, text: str) -> None:
    start = time.perf_counter()
    with contextlib.suppress(MesocalcError):
        function(text)
    assert time.perf_counter() - start < 1.0, (function, text[:20])


@pytest.mark.usefixtures("no_length_cap")
@pytest.mark.parametrize("text", ["1" + " " * LONG + "z", " " * LONG + "1", "1" + "," * LONG, "1," + "0" * LONG,
                                  "5 x" + " " * LONG + "4 cm", "1:" + " 000" * (LONG // 4) + "x",
                                  "1 " + "cm^2 " * (LONG // 5), "1 " + "(" * LONG, "1 " + "^" * LONG,
                                  "a" + " " * LONG + ":2 every 1 week", "a:2 every" + " " * LONG + "x",
                                  "0" * LONG + ",5 mg", "1" * LONG + ",25 mg", "9" * LONG + ",250 mg"])
def test_parsers_take_linear_time_on_long_input(text: str) -> None:
    from mesocalc.request.schedule import parse_phase

    where = Location()
    _quick(lambda t: notation.read_number(t, where), text)
    _quick(lambda t: notation.read_ratio(t, where), text)
    _quick(notation.split_dimensions, text)
    _quick(lambda t: notation.normalise_unit(t, where), text)
    _quick(parse_phase, text)


def test_history_doses_name_agents_in_any_case_or_by_alias(cli: Any, write: Any) -> None:
    # 80 mg given under the KYBELLA alias, then 0,5 mg (a decimal comma: 0.5 mg): 80.5 mg so far
    history = write("given.yaml", "- {date: 2026-01-15, doses: {KYBELLA: 80 mg}}\n"
                                  "- {date: 2026-02-16, doses: {Deoxycholic-Acid: '0,5 mg'}}\n")
    doc = cli("schedule", "submental-dca", "--history", str(history), "--area", "25 cm²", "--json").json
    given = [s["doses"]["deoxycholic-acid"] for s in doc["sessions"][:2]]
    assert [d["dose"]["value"] for d in given] == [pytest.approx(80), pytest.approx(0.5)]
    assert given[1]["cumulative"] == {"value": pytest.approx(80.5), "unit": "mg"}


def test_a_99_kb_batch_line_is_refused_at_once_and_the_next_line_is_planned(cli: Any) -> None:
    import json

    long_area = json.dumps({"cocktail": "submental-dca", "area": "1" + " " * 99_000 + "z"})
    good = json.dumps({"cocktail": "SUBMENTAL-DCA", "area": "25 cm²"})
    start = time.perf_counter()
    run = cli("plan", "--batch", "-", input=f"{long_area}\n{good}\n")
    assert time.perf_counter() - start < 3.0  # was 135 s; the library load is most of what remains
    first, second = (json.loads(line) for line in run.stdout.splitlines())
    assert first["kind"] == "error" and "too long (99,002 characters" in first["errors"][0]["message"]
    assert len(first["errors"][0]["message"]) < 200  # a short excerpt, not the 99 KB typed
    assert second["kind"] == "plan" and second["points"] == 25  # label: 25 cm² at 1 cm = 25 points
    assert run.exit_code == 2


# ---- what mesocalc prints it reads back (SPEC §2) ---------------------------------------------------


@pytest.mark.parametrize("text", ["2,500 mm²", "1,000 mg", "100,000 particles", "1:100,000"])
def test_the_thousands_commas_spec_names_are_read(cli: Any, text: str) -> None:
    # SPEC §2: "25 cm², 2,500 mm², 1:100,000, 500 mcg are valid input"; a group ending in 00 cannot be a
    # decimal comma (no one writes 2,500 for 2.5)
    assert cli("convert", text).exit_code == 0


@pytest.mark.parametrize(("text", "readings"), [("1,250 mg", ("1250", "1.25")), ("1,682 mg", ("1682", "1.682")),
                                                ("12,345 mL", ("12345", "12.345"))])
def test_one_comma_before_three_digits_is_refused_naming_both_readings(cli: Any, text: str,
                                                                       readings: tuple[str, str]) -> None:
    run = cli("convert", text)
    assert run.exit_code == 2
    assert f"{readings[0]} (thousands comma) or {readings[1]} (decimal comma)?" in run.stderr


UNITS_PRINTED = ("mg", "mcg", "mL", "cm²", "mg/mL", "mg/kg", "mg/cm²", "units", "particles", "kg", "g")


def test_every_value_mesocalc_prints_reads_back_as_the_value_shown() -> None:
    # over 16 orders of magnitude and every digit pattern (1,682 and 2,500; 123,457 and 1,234,567), in each
    # unit mesocalc prints: the printed text parses, and prints again the same (what was shown is what is read)
    import random

    rng = random.Random(20261125)
    values = [rng.uniform(1, 10) * 10.0 ** exponent for exponent in range(-5, 11) for _ in range(40)]
    values += [1682.0, 2500.0, 1250.0, 2002.0, 1067.0, 123456.7, 1234567.0, 100_000.0, 999.5, 1000.0]
    for unit in UNITS_PRINTED:
        for value in values:
            given = u.parse_quantity(f"{value!r} {unit}", u.ANY_KIND)
            printed = u.format_quantity(given)
            read = u.parse_quantity(printed, u.ANY_KIND)
            assert read.value == pytest.approx(given.value, rel=0.005), (value, unit, printed)  # 3 figures
            assert u.format_quantity(read) == printed, (value, unit, printed)
