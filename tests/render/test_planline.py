"""The batch's plan writer (render/planline.py) writes exactly what `dumps(plan_doc(result))` writes.

The writer keeps the text of a plan's fixed parts and writes only each line's numbers; SPEC §6's JSON is
defined by plan_doc and the rounding of jsondoc. Every case here compares the two texts byte for byte:
numbers of every size, plans of every built-in cocktail (patients, weights, --points, overrides, measured,
preset and W x H areas, scalp shares, over-cap plans), and a writer that goes wrong (the run then writes
every plan the slow way).
"""

from __future__ import annotations

import json
import math
import random
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.cli.test_batch_equivalence import random_request, reference_dumps

from mesocalc.cli.batch import BatchPlanner
from mesocalc.core import model as m
from mesocalc.render import planline
from mesocalc.render.jsondoc import dumps, plan_doc

SEED = 1616


@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10**20, 10**20) | st.booleans() | st.none())
@settings(max_examples=1000)
def test_a_number_is_written_as_the_rounded_json_number(value: Any) -> None:
    # the same value twice: the second answer comes from the writer's memory of numbers
    assert _written(value) == _written(value) == _reference(value)


def _written(value: Any) -> str:
    try:
        return planline.number(value)
    except planline._Unwritable:
        return "refused"


def _reference(value: Any) -> str:
    try:
        return reference_dumps(value)
    except ValueError:  # rounded to 15 digits, 1.7976931348623151e308 is beyond the largest double
        return "refused"


@pytest.mark.parametrize("value", [0.1 * 3, 0.1 * 0.05, 1e16, 1e15, 123456789012345.6, 1e-7, 5e-324, -0.0, 0.0,
                                   1.7976931348623157e308, 1.7976931348623151e308, 1.79769313486231e308,
                                   2.0**53 + 2, 0.30000000000000004, 100.0, 1e22,
                                   # %g's fixed range and its edges (exponent -4 to 14), and rounding across them
                                   0.0001, 0.00009999999999999999, 0.00012345678901234567, 99999999999999.99,
                                   999999999999999.9, 12345678901234.56, -0.1, -2.5e-4, 0.1 + 0.2 - 0.3])
def test_edge_numbers_are_written_as_dumps_writes_them(value: float) -> None:
    # 0.1 x 3 = 0.30000000000000004 in binary: written 0.3 (SPEC §6); 16+ character forms take the rounding
    assert _written(value) == _reference(value)
    assert _written(value) == "refused" or _written(value) == dumps({"v": value})[6:-1]


def test_80000_seeded_doubles_are_written_as_dumps_writes_them() -> None:
    # every kind of double: random bit patterns, every decade from 1e-8 to 1e18, decimals of 0-17 places
    # times 1/3 or 7, fractions with small denominators (the plan's own arithmetic); 20,000 of each (2,000,000
    # with other seeds when the %g way came in, none different)
    rng = random.Random(SEED)
    for make in (lambda: struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0],
                 lambda: rng.uniform(-1, 1) * 10 ** rng.randint(-8, 18),
                 lambda: round(rng.uniform(0, 1000), rng.randint(0, 17)) * rng.choice([1, 0.1, 0.01, 3, 7, 1 / 3]),
                 lambda: rng.randint(-10**6, 10**6) / rng.choice([1, 2, 4, 10, 100, 1000, 3, 7])):
        for value in (make() for _ in range(20_000)):
            planline._NUMBERS.clear()
            assert _written(value) == _round_trip(value), value


def _round_trip(value: float) -> str:
    # what jsondoc.without_noise and json.dumps write, spelt out: the shortest repr, unless it is longer than
    # 15 digits can be, then the value rounded to 15 significant digits
    if not math.isfinite(value):
        return "refused"
    if len(repr(value)) <= 16:
        return repr(value)
    rounded = float(f"{value:.15g}")
    return repr(rounded) if math.isfinite(rounded) else "refused"


def test_a_value_that_is_not_finite_fails_as_dumps_fails() -> None:
    with pytest.raises(planline._Unwritable):
        planline.number(math.inf)
    with pytest.raises(ValueError):
        dumps({"v": math.nan})


def _patient_file(tmp: Path, index: int, rng: random.Random) -> str:
    conditions = rng.choice([[], ["pregnancy"], ["hepatic impairment"], ["nonsense-term"]])
    allergies = rng.choice([[], ["lidocaine"], ["sulfite"]])
    path = tmp / f"patient-{index}.yaml"
    path.write_text(f"kind: patient\nid: patient-{index}\nweight: {rng.uniform(45, 120):.2f} kg\n"
                    f"conditions: {json.dumps(conditions)}\nallergies: {json.dumps(allergies)}\n", encoding="utf-8")
    return str(path)


def test_every_plan_of_every_cocktail_is_written_as_plan_doc_writes_it(library: m.Library, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    cocktails = sorted(library.cocktails)
    areas = sorted(library.areas)
    patients = [_patient_file(tmp_path, i, rng) for i in range(6)]
    planner = BatchPlanner(library)
    written: set[str] = set()
    with_patient = over = 0
    for number in range(1, 1601):
        try:
            request = json.loads(random_request(rng, cocktails, areas))
        except ValueError:
            continue  # one of the bad lines the generator mixes in
        if not isinstance(request, dict) or not isinstance(request.get("cocktail"), str):
            continue
        if rng.random() < 0.2:
            request["patient"] = rng.choice(patients)
        try:
            result = planner.plan(json.dumps(request), number)
        except Exception:  # a bad request: the error path is not this writer's
            continue
        expected = reference_dumps(plan_doc(result))
        assert planline.plan_line(result) == expected, request
        assert dumps(plan_doc(result)) == expected
        written.add(result.session.cocktail.id)
        with_patient += result.session.patient is not None
        over += result.exit_code == 1
    assert written == set(cocktails)  # every built-in cocktail was written at least once
    assert with_patient > 50 and over > 50  # patients' warnings and over-cap plans were compared too


def test_a_writer_that_disagrees_makes_the_run_write_every_plan_by_dumps(
        library: m.Library, monkeypatch: pytest.MonkeyPatch) -> None:
    planner = BatchPlanner(library)
    first = planner.plan('{"cocktail": "submental-dca", "area": "25 cm^2"}', 1)
    second = planner.plan('{"cocktail": "submental-dca", "area": "30 cm^2"}', 2)
    monkeypatch.setattr(planline, "plan_line", lambda result: '{"kind": "wrong"}')
    lines = planline.PlanLines()
    assert lines(first) == dumps(plan_doc(first))  # compared on the cocktail's first plan: they differ
    assert not lines.trusted
    assert lines(second) == dumps(plan_doc(second))  # from then on every plan is written by dumps


def test_a_trusted_writer_is_compared_once_per_cocktail(library: m.Library, monkeypatch: pytest.MonkeyPatch) -> None:
    planner = BatchPlanner(library)
    results = [planner.plan(f'{{"cocktail": "submental-dca", "area": "{20 + i} cm^2"}}', i) for i in range(1, 4)]
    lines = planline.PlanLines()
    assert [lines(r) for r in results] == [dumps(plan_doc(r)) for r in results]
    assert lines.trusted
    calls: list[Any] = []
    monkeypatch.setattr(planline.j, "plan_doc", lambda result: calls.append(result) or {})
    lines(results[0])  # a cocktail already compared: written by the fast writer alone
    assert calls == []
