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
from typing import Any

from hypothesis import given, settings
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
# strings that look like numbers, quotes, backslashes and control characters; up to 20 leaves each, up to
# 6 of them side by side (drawing them is most of the test's time: 40 leaves cost a second more).
_leaf = (st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10**20, 10**20) | st.booleans()
         | st.none() | st.text(alphabet=st.sampled_from('0123456789.e-+ "\\\n\t√µx'), max_size=30))
_documents = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
                          | st.dictionaries(st.text(max_size=8), inner, max_size=5), max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _documents, max_size=6))
def test_dumps_writes_what_the_walking_reference_writes(doc):
    # e.g. 0.1 * 0.05 = 0.005000000000000001 is written 0.005 by both (SPEC §6); the largest doubles
    # round to infinity at 15 digits and are refused by both, with the same message
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
