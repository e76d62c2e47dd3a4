"""The quick ways of reading a request (issue 16) answer exactly what the general ways answer.

`units.parse_quantity` reads text of the plain form (`10.007 cm^2`, `50.123 kg`, `25cm²`) by one short
regex and a memo of unit factors (`units._parse_plain`), and gives everything else to the general reader
(`units._parse_quantity`: the comma rule, ratio strength, superscripts, refusals). For thousands of seeded
random strings, valid and invalid (the corner cases of SPEC §2 and tests/corpus/notation.json among them),
in every kind and minimum, the quick reader either declines or gives the same value to the bit, or the same
error (code, message, location, hint). The memo of unit factors answers what the unit reader says, keeps
no error and is forgotten with the unit tables. `notation.IdIndex` finds what a scan of every id and alias
finds (the rule as written before the index), and a batch line's keys are checked only when the quick test
cannot show there is nothing to report.
"""

from __future__ import annotations

import dataclasses
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesocalc import cache, notation
from mesocalc import units as u
from mesocalc.cli.batch import KEYS, BatchPlanner, _loads
from mesocalc.core import model as m
from mesocalc.errors import Location, MesocalcError
from mesocalc.record import replace
from mesocalc.request import plan as rq

SEED = 16  # issue 16
KINDS = [u.AREA_KIND, u.LENGTH_KIND, u.WEIGHT_KIND, u.VOLUME_KIND, u.CONCENTRATION, u.AMOUNT, u.LIMIT_KIND,
         u.DURATION_KIND, u.ANY_KIND, u.Kind("an amount of product (g)", (u.MASS,), "5 g")]
MINIMUMS = ["positive", "non-negative", "any"]

NUMBERS = ["0", "00", "1", "10", "25", "10.007", "50.123", "1.0042", "0.5", ".5", "5.", "007", "1,250", "1,25",
           "0,2", "2,500", "1,000,000", "1,250.5", "1e3", "1E3", "1e+3", "1e-30", "-1", "+1", "-0", "1.2.3",
           "\u0661\u0662", "\u00b2", "9" * 15, "9" * 16, "1" * 14 + ".5", "1" * 15 + ".5", "9" * 20 + ".5",
           "1" * 90, "0.000000000000000001", "0." + "0" * 17 + "1", "123456789012345.6", "0.1", "0.3",
           "2.675", "1e18", "1000000000000000000", "1000000000000000001", "999999999999999999999"]
SPACES = ["", " ", "", " ", "  ", "\t", "\u00a0", "\n", "\u2003"]
UNITS = ["cm^2", "cm²", "cm2", "cm³", "mm^2", "mm²", "cm", "mm", "m", "in", "kg", "lb", "g", "mg", "mcg", "µg",
         "μg", "ug", "mL", "ml", "L", "uL", "µL", "cc", "ML", "MG", "KG", "Kg", "Ml", "kilos", "lbs", "gr", "e",
         "em", "e3", "E5mg", "Em", "%", "% w/v", "% w/w", "%w/v", "percent", "mg/mL", "mg / mL", "mg/kg",
         "mg/lb", "mg/cm^2", "mg/cm²", "units", "units/mL", "U", "IU", "particles", "h", "min", "day", "days",
         "week", "x", "x 4 cm", "cm x 4 cm", "X4 cm", "*4 cm", "(mg", "mg)", "(mg)", "mg/", "*/mg", "cm^2.5",
         "cm**2", "cm ^ 2", "cm^-2", "cm^(2)", ":100", ": 200 000", "/mL", "/ 5", "notaunit", "foo bar",
         "cm\u00a0", "cm\u200b", "1", "..", "·", "mg·mL^-1", "mg⋅mL^-1", "mg*mL^-1", "µ", "μm", "mm\u00b2",
         "kg\t", "kg\n", "k g", "m g", "mg mL", "mg mg", "Δ", "ß", "ﬁ", "ml^3", "cm^2^2", "cm^99", "cm^9999"]
EDGES = ["", " ", "\t", "\u2003", "\u00a0"]
WHOLE = ["1:1000", "1:100,000", "1 : 200 000", "1:1e+18", "1/200000", "1 / 5", "1:0", "25 cm x 4 cm", "5x4 cm",
         "five mg", "mg", "%", "1", "1.", "10 ", " 10 cm^2", "x" * 81, "1 " + "m" * 79, "1 " + "m" * 78,
         "1" + " " * 100 + "cm"]


def random_text(rng: random.Random) -> str:
    """A quantity text built from the pieces above, or a whole corner case, or random characters."""
    roll = rng.random()
    if roll < 0.05:
        return rng.choice(WHOLE)
    if roll < 0.10:
        return "".join(rng.choice("0123456789.,:/ eE+-xX×*^²%µmgcLk()\u00a0") for _ in range(rng.randrange(12)))
    if roll < 0.40:  # a number never seen before, as a batch line gives it
        number = f"{rng.randrange(10 ** rng.randrange(1, 9))}"
        if rng.random() < 0.8:
            number += "." + "".join(rng.choice("0123456789") for _ in range(rng.randrange(1, 9)))
    else:
        number = rng.choice(NUMBERS)
    return rng.choice(EDGES) + number + rng.choice(SPACES) + rng.choice(UNITS) + rng.choice(EDGES)


def outcome(read: Any, text: str, kind: u.Kind, minimum: str) -> Any:
    """What a reader gives: None (declined), the value's exact bits and dimensions, or the error in full."""
    try:
        q = read(text, kind, Location(key="--area"), minimum)
    except MesocalcError as exc:
        return ("error", [(p.code, p.message, p.where, p.hint, p.severity) for p in exc.problems])
    if q is None:
        return None
    return ("value", q.value.hex(), type(q.value), q.dims)


def compare(text: str, kind: u.Kind, minimum: str) -> bool:
    """Whether the quick reader took `text` (and, if it did, gave what the general reader gives)."""
    quick = outcome(u._parse_plain, text, kind, minimum)
    general = outcome(u._parse_quantity, text, kind, minimum)
    if quick is not None:
        assert quick == general, (text, kind.name, minimum)
    return quick is not None


def test_the_quick_reader_gives_what_the_general_reader_gives_for_seeded_random_text() -> None:
    rng = random.Random(SEED)
    taken = values = 0
    for _ in range(5000):
        text = random_text(rng)
        if rng.random() < 0.3:
            cache.typed_units.clear()  # from the unit reader itself as often as from the memo
        kind, minimum = rng.choice(KINDS), rng.choice(MINIMUMS)
        if compare(text, kind, minimum):
            taken += 1
            values += outcome(u._parse_quantity, text, kind, minimum)[0] == "value"
    assert taken > 1000 and values > 150, (taken, values)  # the quick reader is not idle (1525 and 240 taken)


@pytest.mark.parametrize("text", ["10.007 cm^2", "50.123 kg", "1.0042 cm", "25cm²", "0.2 mL", "70 kg", "154 lb",
                                  "10 mg/mL", "2 %", "100 units", "12 h", "25 cm^2", "1 cm"])
def test_the_forms_a_batch_uses_are_read_the_quick_way(text: str) -> None:
    kind = next(k for k in KINDS if outcome(u._parse_quantity, text, k, "positive")[0] == "value")
    assert compare(text, kind, "positive")


@pytest.mark.parametrize("unit", ["cm", "cm^2", "cm²", "mL", "mg", "units", "kg", "mm", "lb"])
def test_every_number_is_rounded_to_15_significant_digits_as_the_general_reader_rounds_it(unit: str) -> None:
    # a factor of exactly 1 (cm, cm², mL, mg) leaves a number of at most 15 digits as _clean would
    rng = random.Random(SEED)
    numbers = ["1" * 15 + ".5", "1" * 14 + ".55", "123456789012345.6", "0.1234567890123456", "9" * 16, "1" * 16,
               "0.30000000000000004", "2.675", "1" * 15, "0.000000000000001"]
    numbers += [f"{rng.random() * 10 ** rng.randrange(-3, 17):.{rng.randrange(0, 20)}f}" for _ in range(300)]
    kind = next(k for k in (u.LENGTH_KIND, u.AREA_KIND, u.VOLUME_KIND, u.AMOUNT, u.WEIGHT_KIND)
                if outcome(u._parse_quantity, f"1 {unit}", k, "any")[0] == "value")
    factor, _ = u.unit_factor(unit, kind, Location())
    for number in numbers:
        assert compare(f"{number} {unit}", kind, "any"), number
        # and both are the number times the factor at 15 significant digits (units._clean), whatever path
        got = outcome(u._parse_plain, f"{number} {unit}", kind, "any")
        assert got[0] == "error" or got[1] == float(f"{float(number) * factor:.15g}").hex(), number


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789.,: eE+-xX×*^²³%µμmgcLkhdlbunitsw/()\t\u00a0\u2003", max_size=24),
       st.sampled_from(KINDS), st.sampled_from(MINIMUMS))
def test_the_quick_reader_agrees_on_any_text(text: str, kind: u.Kind, minimum: str) -> None:
    compare(text, kind, minimum)


def test_corpus_quantities_are_read_alike() -> None:
    """Every quantity text of the malformed-input corpus and of the notation tests, in every kind."""
    from pathlib import Path

    corpus = json.loads((Path(__file__).resolve().parent.parent / "corpus" / "notation.json").read_text("utf-8"))
    texts = {arg for case in corpus["options"] for arg in case["args"] if arg[:1].isdigit() or arg[:1] in ".+- "}
    texts |= {"25 cm²", "25 cm^2", "2,500 mm²", "2500 mm^2", "0,2 mL", "1,5 cm", "0,125 mg", "1,25 mg",
              "1,000,000 mg", "1,250.5 mg", "100,000 particles", "500 mcg", "1.5e+16 mcg", "60 kilos", "1,250 mg",
              "1,682 mg", "2e-14 mg", "1.23e+16 mg"}
    assert len(texts) > 20
    for text in sorted(texts):
        for kind in KINDS:
            for minimum in MINIMUMS:
                compare(text, kind, minimum)


def test_parse_quantity_is_the_general_reader_with_a_memo() -> None:
    rng = random.Random(SEED + 1)
    for _ in range(800):
        text, kind, minimum = random_text(rng), rng.choice(KINDS), rng.choice(MINIMUMS)
        u._PARSED.pop((text, kind, minimum), None)
        general = outcome(u._parse_quantity, text, kind, minimum)
        for _ in range(2):  # read afresh, then from the memo
            assert outcome(lambda t, k, w, mi: u.parse_quantity(t, k, w, minimum=mi), text, kind, minimum) == general


# ---- the memo of unit factors ---------------------------------------------------------------------

def unit_outcome(read: Any, unit: str, kind: u.Kind) -> Any:
    try:
        factor, dims = read(unit, kind, Location(key="--weight"))
    except MesocalcError as exc:
        return ("error", [(p.code, p.message, p.where, p.hint) for p in exc.problems])
    return ("unit", factor.hex(), dims)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_the_unit_memo_answers_what_the_unit_reader_says_and_keeps_no_error(kind: u.Kind) -> None:
    for unit in UNITS:
        cache.typed_units.clear()
        direct = unit_outcome(u._unit_factor, unit, kind)
        assert unit_outcome(u.unit_factor, unit, kind) == direct  # the memo filled
        assert unit_outcome(u.unit_factor, unit, kind) == direct  # the memo answering
        assert ((unit, kind.percent_is_concentration) in cache.typed_units) == (direct[0] == "unit"), unit


def test_the_unit_memo_is_forgotten_with_the_unit_tables() -> None:
    u.unit_factor("cm^2", u.AREA_KIND, Location())
    assert cache.typed_units
    cache.reset(units=True)  # what a new process starts with (tests/library/test_cache_integrity.py)
    assert not cache.typed_units


def test_a_kind_hashes_as_its_fields_do() -> None:
    twin = u.Kind(u.AREA_KIND.name, u.AREA_KIND.allowed, u.AREA_KIND.example)
    assert twin == u.AREA_KIND and hash(twin) == hash(u.AREA_KIND) == hash(u.AREA_KIND._key())
    assert dataclasses.replace(u.AREA_KIND, example="4 cm^2") != u.AREA_KIND


# ---- ids and aliases ------------------------------------------------------------------------------

def scan(text: str, table: dict[str, Any], aliases: Any) -> Any:
    """notation.find_by_id as it was written before the index: the id as typed, else the first id equal
    ignoring case, else the first entry with an alias equal ignoring case."""
    if text in table:
        return table[text]
    wanted = text.strip().casefold()
    for key, value in table.items():
        if key.casefold() == wanted:
            return value
    if aliases is not None:
        for value in table.values():
            if any(alias.casefold() == wanted for alias in aliases(value)):
                return value
    return None


@dataclasses.dataclass(frozen=True)
class Entry:
    id: str
    aliases: tuple[str, ...]


NAMES = ["abc", "Abc", "ABC", "straße", "STRASSE", "strasse", "ſ", "s", "\u212a", "k", "K", "ﬁ", "fi", "a b",
         "a  b", " abc", "abc ", "25 cm^2", "10.007 cm^2", "37.5%", "scalp", "scalp-40pct", "x", "", "-", "İ", "i̇"]


def test_the_id_index_finds_what_a_scan_finds() -> None:
    rng = random.Random(SEED)
    for _ in range(400):
        table = {}
        for name in rng.sample(NAMES, rng.randrange(1, 10)):
            table[name] = Entry(name, tuple(rng.sample(NAMES, rng.randrange(0, 4))))
        with_aliases = rng.random() < 0.8
        aliases = (lambda entry: entry.aliases) if with_aliases else None
        index = notation.IdIndex(table, aliases)
        for text in NAMES + [n.upper() for n in NAMES] + [f" {n}\t" for n in NAMES] + [n.title() for n in NAMES]:
            expected = scan(text, table, aliases)
            assert index.find(text) is expected, (text, table)
            assert notation.find_by_id(text, table, aliases) is expected


def test_the_kept_area_index_is_the_scan_of_the_librarys_areas(library: m.Library) -> None:
    texts = [*library.areas, *(a for area in library.areas.values() for a in area.aliases)]
    texts += [t.upper() for t in texts] + [f"  {t} " for t in texts] + ["10.007 cm^2", "37.5%", "whole", "nowhere"]
    for text in texts:
        assert rq.find_area(text, library) is scan(text, library.areas, lambda area: area.aliases), text
    # another library (a --library folder with its own areas) is indexed afresh, never answered from the last
    other_area = dataclasses.replace(library.areas["submental"], aliases=("10.007 cm^2",))
    other = dataclasses.replace(library, areas={**library.areas, "submental": other_area})
    assert rq.find_area("10.007 CM^2", other) is other_area
    assert rq.find_area("10.007 CM^2", library) is None


def test_text_without_a_separator_has_no_dimensions() -> None:
    rng = random.Random(SEED)
    for _ in range(3000):
        text = random_text(rng).strip()
        if not any(sep in text for sep in "xX×*"):
            assert notation._SEPARATOR.findall(text) == []
            assert notation.split_dimensions(text) is None


# ---- records ---------------------------------------------------------------------------------------

def test_record_replace_is_dataclasses_replace(library: m.Library) -> None:
    technique = library.cocktails["submental-dca"].technique
    area = rq.area_use(library.areas["submental"])
    options = rq.SessionOptions(("25 cm^2",), None, "1 cm")
    for obj, changes in [(technique, {"spacing": u.Q(1.5, u.LENGTH)}), (technique, {"grid": "hex", "note": "x"}),
                         (technique, {}), (area, {"surface": u.Q(3.0, u.AREA), "note": None}),
                         (options, {"points": 9}), (Location(key="--area"), {"line": 3})]:
        ours, theirs = replace(obj, **changes), dataclasses.replace(obj, **changes)  # type: ignore[type-var]
        assert type(ours) is type(theirs) and ours == theirs and ours is not obj
        assert _fields(ours) == _fields(theirs)  # every field, compared or not (Location has no __dict__)
    with pytest.raises(TypeError):
        replace(technique, spacing=u.Q(1.0, u.LENGTH), depth_cm=1)


def _fields(obj: object) -> list[tuple[str, object]]:
    return [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)]  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", [rq.AreaUse, rq.SessionOptions, rq.Session])
def test_a_written_out_init_takes_the_fields_in_order_with_their_defaults(cls: type) -> None:
    import inspect

    from mesocalc.record import Record

    def default(f: dataclasses.Field[Any]) -> Any:
        if f.default is not dataclasses.MISSING:
            return f.default
        return inspect.Parameter.empty if f.default_factory is dataclasses.MISSING else f.default_factory()

    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    fields = dataclasses.fields(cls)
    assert [(p.name, p.default) for p in parameters] == [(f.name, default(f)) for f in fields]
    rng = random.Random(SEED)
    for count in range(len(fields) + 1):
        args = [object() for _ in range(count)]
        if count < sum(p.default is inspect.Parameter.empty for p in parameters):
            continue
        ours = cls(*args)
        generic = object.__new__(cls)
        Record.__init__(generic, *args)
        assert vars(ours) == vars(generic)
        named = {f.name: object() for f in rng.sample(fields, len(fields))}
        theirs = object.__new__(cls)
        Record.__init__(theirs, **named)
        assert vars(cls(**named)) == vars(theirs)


def test_session_options_hash_as_their_fields_do() -> None:
    first = rq.SessionOptions(("25 cm^2",), None, "1 cm")
    twin = rq.SessionOptions(("25 cm^2",), None, "1 cm")
    assert hash(first) == hash(twin) == hash(first._key()) and first == twin
    assert hash(replace(first, spacing="2 cm")) == hash(rq.SessionOptions(("25 cm^2",), None, "2 cm"))


# ---- batch request lines ---------------------------------------------------------------------------

VALUES: list[Any] = ["submental-dca", "25 cm^2", "x", "", None, 3, 2.5, True, False, [], ["25 cm^2"], [3], {}]


def test_a_request_is_refused_exactly_when_its_keys_have_something_to_report(library: m.Library) -> None:
    planner = BatchPlanner(library)
    rng = random.Random(SEED)
    names = [*KEYS, "wieght", "Area", ""]
    for _ in range(3000):
        data = {rng.choice(names): rng.choice(VALUES) for _ in range(rng.randrange(5))}
        try:
            BatchPlanner._check_keys(data)
            expected = None
        except MesocalcError as exc:
            expected = exc.problems
        try:
            planner.read_request(json.dumps(data), 1)
            got = None
        except MesocalcError as exc:
            got = exc.problems
        assert got == expected, data


def test_a_line_is_decoded_as_json_loads_decodes_it() -> None:
    rng = random.Random(SEED)
    pieces = ['{"cocktail": "submental-dca"}', '{"a": 1}', "{}", "[]", "{", "}", '"x"', "3", " ", "\t", "\ufeff",
              "x", ",", '{"a": [1, {"b": null}]}', '{"a": NaN}', '{"a": 1e999}', '{"a": "\\ud800"}', "\n", "{" * 3]
    texts = ["{" * 100_000, "[" * 100_000, '{"a": ' * 5000 + "1" + "}" * 5000]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 4))) for _ in range(3000)]
    for text in texts:
        def read(decode: Any, text: str = text) -> Any:
            try:
                return ("value", repr(decode(text)))
            except (ValueError, RecursionError) as exc:
                return ("error", type(exc), str(exc))
        assert read(_loads) == read(json.loads), text[:40]
