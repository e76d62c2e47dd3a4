"""`plan --batch` at speed gives, line for line, the text the single-request path gives (issue 16).

The batch remembers resolved cocktails, sessions and repeated lines, and writes JSON through the fast
`dumps`. None of that may change a byte: each line of a long batch of distinct requests (valid ones,
over-cap ones and bad ones, seeded so a failure can be replayed) is compared with the same request
planned alone, by a planner that has seen nothing else, and written by the walking reference below (the
noise removal SPEC §6 describes, as it was written before the fast path).
"""

from __future__ import annotations

import io
import json
import math
import random
import struct
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mesocalc.cli.batch import BatchPlanner, run
from mesocalc.core import model as m
from mesocalc.render.jsondoc import dumps

SEED = 16  # issue 16


def reference_without_noise(value: Any) -> Any:
    """SPEC §6 as first written: every float the shortest form of its 15-significant-digit rounding."""
    if isinstance(value, float):
        return float(f"{value:.15g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {key: reference_without_noise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [reference_without_noise(item) for item in value]
    return value


def reference_dumps(doc: Any) -> str:
    return json.dumps(reference_without_noise(doc), allow_nan=False, ensure_ascii=False, separators=(", ", ": "))


def random_request(rng: random.Random, cocktails: list[str], areas: list[str]) -> str:
    """One request line: mostly valid and never repeated (the numbers carry 3-4 random decimals), with
    over-cap areas, unit variants, scalp shares, overrides and a share of bad values and bad lines."""
    roll = rng.random()
    if roll < 0.02:
        return rng.choice(["not json", "[]", '{"cocktail": 3}', '{"area": "25 cm^2"}',
                           '{"cocktail": "submental-dca", "wieght": "70 kg"}'])
    request: dict[str, Any] = {"cocktail": rng.choice(cocktails)}
    shape = rng.randrange(6)
    if shape == 0:
        request["area"] = f"{rng.uniform(0.5, 400):.3f} {rng.choice(['cm^2', 'cm²', 'cm2'])}"
    elif shape == 1:
        request["area"] = f"{rng.uniform(1, 20):.2f}x{rng.uniform(1, 20):.2f} cm"
    elif shape == 2:
        request["scalp"] = rng.choice([f"{rng.uniform(1, 100):.3f}%", "whole"])
    elif shape == 3:
        request["area"] = [rng.choice(areas), f"{rng.uniform(1, 50):.4f} cm^2"]
    elif shape == 4:
        request["points"] = rng.randrange(1, 400)
    if rng.random() < 0.4:
        request["weight"] = f"{rng.uniform(40, 140):.3f} {rng.choice(['kg', 'kg', 'lb'])}"
    if rng.random() < 0.15:
        request["spacing"] = f"{rng.uniform(0.5, 2.5):.4f} cm"
    if rng.random() < 0.15:
        request["volume_per_point"] = f"{rng.uniform(0.01, 0.5):.4f} mL"
    if rng.random() < 0.05:
        request["strict"] = True
    if rng.random() < 0.03:
        request["area"] = rng.choice(["-3 cm^2", "25 mL", "nowhere", ""])
    return json.dumps(request, ensure_ascii=False)


def alone(text: str, number: int, library: m.Library) -> str:
    """The output line of one request planned by a fresh planner, written by the reference writer."""
    doc, _ = BatchPlanner(library).plan_line(text, number)
    return reference_dumps(doc)


def test_every_line_of_a_long_distinct_batch_is_the_request_planned_alone(library):
    rng = random.Random(SEED)
    cocktails = sorted(library.cocktails)
    areas = sorted(library.areas)
    requests = [random_request(rng, cocktails, areas) for _ in range(2500)]
    out = io.StringIO()
    run([text + "\n" for text in requests], BatchPlanner(library), out, io.StringIO())
    produced = out.getvalue().splitlines()
    assert len(produced) == len(requests)
    kinds = {json.loads(line)["kind"] for line in produced}
    assert kinds == {"plan", "error"}  # both kinds were compared, not only one
    for number, (text, line) in enumerate(zip(requests, produced, strict=True), start=1):
        assert line == alone(text, number, library), f"line {number}: {text}"


def test_a_batch_repeating_its_lines_gives_each_the_same_text_as_the_first_time(library):
    rng = random.Random(SEED + 1)
    cocktails = sorted(library.cocktails)
    distinct = [random_request(rng, cocktails, sorted(library.areas)) for _ in range(300)]
    requests = [rng.choice(distinct) for _ in range(900)]  # each line repeated about three times
    out = io.StringIO()
    run([text + "\n" for text in requests], BatchPlanner(library), out, io.StringIO())
    for number, (text, line) in enumerate(zip(requests, out.getvalue().splitlines(), strict=True), start=1):
        assert line == alone(text, number, library), f"line {number}: {text}"


# JSON-like documents with floats of every size (noise and all), whole numbers, bools, None, tuples and
# strings that look like numbers, quotes, backslashes and control characters, nested up to 4 deep.
#
# Hypothesis spends 30-50 µs on each value it draws: 400 documents of ~16 drawn leaves took 2-3 s of the
# suite. Here it draws one byte string per document, and `document_from` spends those bytes on the
# document's shape and leaves: ~40 leaves per document for a tenth of the time, and a failure still shrinks
# (shorter and smaller bytes make a smaller document). What hypothesis' own float strategy aims at is in
# NASTY_FLOATS; the rest of the floats are arbitrary bit patterns (every exponent, subnormals) and the
# decimals that a plan's arithmetic makes (0.1 × 0.05, 2.5 / 3 …), which carry the binary noise SPEC §6
# removes.
NASTY_FLOATS = (0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 0.005000000000000001,
                5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308,
                -1.7976931348623157e308, 1.7976931348623155e308, 9.999999999999999e22, 1e22, 1e21, 1e16,
                9007199254740993.0, 9007199254740992.0, 4503599627370496.5, 1e15, 999999999999999.9,
                123456789012345.67, 0.1 + 0.2, 1e-5, 1e-7, 1.5e-7, 0.0001, 0.000123456789012345, 1e-300,
                2.5, 0.25, 0.125, 1.05, 2.675, 1.005, 0.035, 1e100, 1.2345678901234567e-100, 3.141592653589793)
STRING_CHARS = '0123456789.e-+ "\\\n\t√µx'
KEY_CHARS = STRING_CHARS + "\x00\x1f\x7f\u2028\u2029\u00e9\U0001f600\ufeff'/<>&"


class _Bytes:
    """The bytes hypothesis drew, read from the front; zeros once they are spent."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def byte(self) -> int:
        self.at += 1
        return self.data[self.at - 1] if self.at <= len(self.data) else 0

    def number(self, size: int) -> int:
        return int.from_bytes(bytes(self.byte() for _ in range(size)), "big")

    def text(self, chars: str, most: int) -> str:
        return "".join(chars[self.byte() % len(chars)] for _ in range(self.byte() % (most + 1)))


def float_from(data: _Bytes) -> float:
    how = data.byte() % 4
    if how == 0:  # any bit pattern but NaN and infinity
        value = struct.unpack(">d", bytes(data.byte() for _ in range(8)))[0]
        return value if math.isfinite(value) else NASTY_FLOATS[data.byte() % len(NASTY_FLOATS)]
    if how == 1:
        return NASTY_FLOATS[data.byte() % len(NASTY_FLOATS)]
    decimal = (data.number(3) - 2**23) / 10 ** (data.byte() % 10)
    if how == 2:  # a product or quotient of two decimals, as a plan's arithmetic makes them
        other = (data.number(2) + 1) / 10 ** (data.byte() % 6)
        return decimal * other if data.byte() % 2 else decimal / other
    return decimal * 10.0 ** (data.byte() % 60 - 30)


def value_from(data: _Bytes, depth: int, leaves: list[int]) -> Any:
    """A container (mostly near the top), or a leaf: 5 in 10 a float, then whole numbers, text, bool, None."""
    if data.byte() % 8 < (5 if depth < 3 else 1) and depth < 5 and leaves[0] > 0:
        shape = data.byte() % 3
        if shape == 0:
            return [value_from(data, depth + 1, leaves) for _ in range(data.byte() % 6)]
        if shape == 1:
            return (value_from(data, depth + 1, leaves), value_from(data, depth + 1, leaves))
        return {data.text(KEY_CHARS, 8): value_from(data, depth + 1, leaves) for _ in range(data.byte() % 6)}
    leaves[0] -= 1
    kind = data.byte() % 10
    if kind <= 4:
        return float_from(data)
    if kind <= 6:  # whole numbers of 1 to 9 bytes: beyond a double's exact range too (about ±2.4e21)
        size = 1 + data.byte() % 9
        return data.number(size) - 2 ** (8 * size - 1)
    if kind == 7:
        return bool(data.byte() % 2)
    if kind == 8:
        return None
    return data.text(STRING_CHARS, 30)


def document_from(raw: bytes) -> dict[str, Any]:
    """Entries until the bytes are spent (or 60 leaves are made); a key drawn twice keeps its last value."""
    data, leaves, doc = _Bytes(raw), [60], {}
    while data.at < len(raw) and leaves[0] > 0:
        doc[data.text(KEY_CHARS, 8)] = value_from(data, 1, leaves)
    return doc


def test_the_documents_have_every_kind_of_value():
    """The generator above reaches what the test needs: every leaf kind, every container, the nasty floats."""
    rng = random.Random(SEED)
    seen: set[Any] = set()

    def walk(value: Any) -> None:
        seen.add(type(value))
        if isinstance(value, float) and value in NASTY_FLOATS:
            seen.add(("nasty", math.copysign(1, value) if value == 0 else value))
        for item in value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else ():
            walk(item)

    for _ in range(400):
        walk(document_from(rng.randbytes(rng.randrange(2000))))
    assert {dict, list, tuple, float, int, bool, str, type(None)} <= seen
    assert {("nasty", 1.0), ("nasty", -1.0), ("nasty", 5e-324), ("nasty", 1.7976931348623157e308)} <= seen


@settings(max_examples=400, deadline=None)
@given(st.binary(min_size=300, max_size=800))
@example(b"")  # the empty document
def test_dumps_writes_what_the_walking_reference_writes(raw):
    # e.g. 0.1 * 0.05 = 0.005000000000000001 is written 0.005 by both (SPEC §6); the largest doubles
    # round to infinity at 15 digits and are refused by both, with the same message
    doc = document_from(raw)
    assert outcome(dumps, doc) == outcome(reference_dumps, doc)


def outcome(write: Any, doc: Any) -> tuple[str, str]:
    try:
        return "text", write(doc)
    except ValueError as exc:
        return "ValueError", str(exc)


def test_dumps_refuses_what_the_reference_refuses():
    for bad in (math.nan, math.inf, -math.inf, 1.7976931348623157e308):  # the last rounds to inf at 15 digits
        doc = {"value": [1.5, {"x": bad}]}
        refused = outcome(reference_dumps, doc)
        assert refused[0] == "ValueError"
        assert outcome(dumps, doc) == refused
