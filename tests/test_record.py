"""Records (record.py): however a record is built, it holds the same fields in the same order, and stays frozen."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import field

import pytest

from mesocalc.errors import Location, Problem
from mesocalc.record import Record, record


@record
class Dose(Record):
    agent: str
    amount: float
    unit: str = "mg"
    notes: list[str] = field(default_factory=list, compare=False)
    where: Location = field(default_factory=Location, compare=False)


def test_positional_keyword_and_default_fields_build_the_same_record() -> None:
    here = Location("agents/lidocaine.yaml", 3, "limits[0].max")
    given = [Dose("lidocaine", 4.5, "mg", [], here), Dose("lidocaine", 4.5, unit="mg", notes=[], where=here),
             Dose(agent="lidocaine", amount=4.5, where=here), Dose("lidocaine", 4.5, where=here)]
    for dose in given:
        assert vars(dose) == {"agent": "lidocaine", "amount": 4.5, "unit": "mg", "notes": [], "where": here}
        assert list(vars(dose)) == ["agent", "amount", "unit", "notes", "where"]
        assert dose == given[0] and hash(dose) == hash(given[0])  # over agent, amount, unit
    assert given[2].notes is not given[3].notes  # a default factory makes one value per record
    assert dataclasses.replace(given[0], amount=7.0).amount == 7.0
    assert Dose("lidocaine", 4.5, where=Location("other.yaml")) == given[0]  # `where` is not compared
    assert Dose("lidocaine", 4.5, "mcg") != given[0]
    assert repr(Location("a.yaml", 2)) == "Location(file='a.yaml', line=2, key=None)"


def test_a_record_refuses_wrong_arguments_and_stays_frozen() -> None:
    with pytest.raises(TypeError, match="missing argument 'amount'"):
        Dose("lidocaine")
    with pytest.raises(TypeError, match="unexpected or repeated arguments: agent"):
        Dose("lidocaine", 4.5, agent="procaine")
    with pytest.raises(TypeError, match="takes 5 arguments, 6 given"):
        Dose("lidocaine", 4.5, "mg", [], Location(), "extra")
    problem = Problem("unknown-agent", "unknown agent 'x'")
    assert problem.where == Location() and problem.severity == "error"
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.code = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del problem.message


def test_a_location_has_no_instance_dict_and_survives_pickling() -> None:
    """Location is slotted (ten per document of a big library); a batch worker's answers are pickled."""
    here = Location("agents/lidocaine.yaml", 3, "limits[0].max")
    assert not hasattr(here, "__dict__")
    assert pickle.loads(pickle.dumps(here, pickle.HIGHEST_PROTOCOL)) == here
    problem = Problem("unknown-agent", "unknown agent 'x'", here, "did you mean 'lidocaine'?", "warning")
    assert pickle.loads(pickle.dumps(problem, pickle.HIGHEST_PROTOCOL)) == problem
    assert dataclasses.replace(here, line=4) == Location("agents/lidocaine.yaml", 4, "limits[0].max")
    assert [f.name for f in dataclasses.fields(Location)] == ["file", "line", "key"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        here.line = 5  # type: ignore[misc]


def test_a_record_class_with_post_init_runs_it_as_a_dataclass_would() -> None:
    """Problem and Location bound what they quote in __post_init__ (issue 12: a 99,000-character input never
    comes back 99,000 characters long); @record builds them without the dataclass __init__ that calls it."""
    from mesocalc.textsafe import EXCERPT, MESSAGE

    typed = "x" * 99_000
    problem = Problem("unknown-cocktail", f"unknown cocktail '{typed}'", Location(typed, 1, typed), hint=typed)
    assert len(problem.message) <= MESSAGE + 60 and problem.message.startswith("unknown cocktail 'xxx")  # + cut note
    assert problem.hint is not None and len(problem.hint) <= MESSAGE + 60
    assert problem.where.file is not None and len(problem.where.file) <= 4 * EXCERPT + 30  # + "… (99,000 characters)"
    assert problem.where.file.endswith("(99,000 characters)")
    assert problem.where.key is not None and problem.where.key.endswith("(99,000 characters)")
    # by keyword, by position and through dataclasses.replace alike
    assert Location(file=typed) == Location(typed) == dataclasses.replace(Location("short"), file=typed)
    assert Location("agents/lidocaine.yaml", 3, "limits[0].max").file == "agents/lidocaine.yaml"  # short: kept


def test_a_problem_or_location_made_again_keeps_its_excerpt_and_its_count() -> None:
    """dataclasses.replace makes a record again (the batch puts each problem on its line that way): a text
    cut once is not cut again, so "(99,000 characters)" and "cut at 600 of 5,000" keep the typed length."""
    here = Location("f" * 99_000, 1, "k" * 5_000)
    moved = dataclasses.replace(dataclasses.replace(here, line=2), line=3)
    assert (moved.file, moved.key) == (here.file, here.key)
    assert moved.file is not None and moved.file.endswith("… (99,000 characters)")
    listed = Problem("unknown-cocktail", "known: " + ", ".join(f"cocktail-{i}" for i in range(600)))
    again = dataclasses.replace(listed, hint="check the library")
    assert again.message == listed.message and listed.message.endswith("characters)")
    # "known: " and 600 ids joined by ", " (10 x 10 + 90 x 11 + 500 x 12 characters, 599 x 2): 8,295 in all
    assert "cut at 600 of 8,295 characters" in listed.message
