"""The public Python API: `import mesocalc` is cheap, its functions give the results the CLI renders, and
docs/python-api.md runs as written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mesocalc
from mesocalc import units as u
from mesocalc.core import model as m

DOCS = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"


def test_import_mesocalc_loads_no_heavy_module():
    """`python -c "import mesocalc"` imports none of pint, YAML, Rich or Typer (lazy re-exports)."""
    code = ("import sys, mesocalc; "
            "print(','.join(m for m in ('pint', 'yaml', 'rich', 'typer', 'click') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_every_public_name_resolves():
    for name in mesocalc.__all__:
        assert getattr(mesocalc, name) is not None, name
    assert set(mesocalc.__all__) == {"__version__", *mesocalc._EXPORTS}
    with pytest.raises(AttributeError):
        mesocalc.no_such_function  # noqa: B018


def test_api_functions_win_over_the_core_modules_of_the_same_name():
    # the core modules plan, schedule and compound are imported by now (the CLI tests, the API itself)
    import mesocalc.core.compound
    import mesocalc.core.plan
    import mesocalc.core.schedule
    import mesocalc.core.visit
    from mesocalc import api

    assert mesocalc.plan is api.plan and mesocalc.schedule is api.schedule and mesocalc.compound is api.compound
    assert mesocalc.visit is api.visit


# Each case: the API call and the command line that must print the same JSON document.
CASES = [
    ("plan", ("submental-dca",), {"area": "25 cm^2"}, ["plan", "submental-dca", "--area", "25 cm^2"]),
    ("plan", ("submental-dca",), {"area": "5 cm x 4 cm", "grid": "hex"},
     ["plan", "submental-dca", "--area", "5 cm x 4 cm", "--grid", "hex"]),
    ("plan", ("submental-dca-lidocaine",), {"weight": "60 kg"},
     ["plan", "submental-dca-lidocaine", "--weight", "60 kg"]),
    ("plan", ("pcdc-abdomen",), {"area": ["100 cm^2", "50 cm^2"], "weight": "70 kg", "spacing": "1.5 cm"},
     ["plan", "pcdc-abdomen", "--area", "100 cm^2", "--area", "50 cm^2", "--weight", "70 kg", "--spacing", "1.5 cm"]),
    ("plan", ("mesohair-dutasteride",), {"scalp": "40%", "points": 120, "volume_per_point": "0.05 mL"},
     ["plan", "mesohair-dutasteride", "--scalp", "40%", "--points", "120", "--volume-per-point", "0.05 mL"]),
    ("compound", ("submental-dca-lidocaine", "5 mL"),
     {"category": 1, "storage": "fridge", "prepared": "2026-03-01T09:00"},
     ["compound", "submental-dca-lidocaine", "--volume", "5 mL", "--category", "1", "--storage", "fridge",
      "--prepared", "2026-03-01T09:00"]),
    ("compound", ("submental-dca-lidocaine", "10 mL"),
     {"stock": {"lidocaine": "2 %"}, "overfill": "0.5 mL", "immediate_use": True, "prepared": "2026-03-01T09:00"},
     ["compound", "submental-dca-lidocaine", "--volume", "10 mL", "--stock", "lidocaine=2 %", "--overfill", "0.5 mL",
      "--immediate-use", "--prepared", "2026-03-01T09:00"]),
    ("compound", ("submental-dca", "3 mL"), {"category": "2", "storage": "fridge", "prepared": "2026-03-01T09:00"},
     ["compound", "submental-dca", "--volume", "3 mL", "--category", "2", "--storage", "fridge",
      "--prepared", "2026-03-01T09:00"]),
    ("schedule", ("submental-dca",), {"start": "2027-01-31", "area": "25 cm^2"},
     ["schedule", "submental-dca", "--start", "2027-01-31", "--area", "25 cm^2"]),
    ("schedule", ("mesohair-minoxidil",),
     {"start": "2026-01-01", "phases": ["intensive:4 every 1 week", "maintenance:3 every 1 month"]},
     ["schedule", "mesohair-minoxidil", "--start", "2026-01-01", "--phase", "intensive:4 every 1 week",
      "--phase", "maintenance:3 every 1 month"]),
    ("convert", ("1:100000", "mg/mL"), {}, ["convert", "1:100000", "mg/mL"]),
    ("convert", ("2 %",), {}, ["convert", "2 %"]),
    ("check", (), {"strict": True}, ["check", "--strict"]),
]


@pytest.mark.parametrize(("function", "args", "kwargs", "argv"), CASES, ids=[" ".join(c[3]) for c in CASES])
def test_api_result_rendered_as_json_is_the_cli_json(cli, function, args, kwargs, argv):
    result = getattr(mesocalc, function)(*args, **kwargs)
    run = cli(*argv, "--json")
    assert run.stdout == mesocalc.json_text(result) + "\n"
    assert run.json == mesocalc.json_document(result)
    assert run.exit_code == result.exit_code if hasattr(result, "exit_code") else run.exit_code == 0


VISIT = """kind: visit
weight: 60 kg
date: 2027-01-15
items:
  - {product: emla-cream, mass: 5 g, area: "50 cm^2"}
  - {cocktail: lidocaine-1-percent, volume: 5 mL, site: submental, note: ring block}
  - {cocktail: submental-dca, area: "5 cm x 5 cm"}
  - {product: ha-filler-lidocaine, volume: 1 mL}
"""


@pytest.mark.parametrize("strict", [False, True])
def test_api_visit_rendered_as_json_is_the_cli_visit_json(cli, write, strict):
    """`mesocalc.visit(FILE)` gives the VisitResult whose document is what `mesocalc visit FILE --json`
    prints: a submental session at 60 kg with a lidocaine ring block (5 mL of 1 % = 50 mg), a filler
    touch-up (1 mL at 3 mg/mL = 3 mg) and EMLA (5 g x 25 mg/g = 125 mg applied, shown beside)."""
    path = write("session.yaml", VISIT)
    result = mesocalc.visit(path, strict=strict)
    run = cli("visit", str(path), "--json", *(["--strict"] if strict else []))
    assert run.stdout == mesocalc.json_text(result) + "\n"
    assert run.json == mesocalc.json_document(result)
    assert run.exit_code == result.exit_code
    lidocaine = next(t for t in result.totals if t.agent.id == "lidocaine")
    assert u.format_quantity(lidocaine.total) == "53 mg" and u.format_quantity(lidocaine.beside) == "125 mg"


def test_api_visit_takes_a_mapping_with_the_keys_of_a_visit_file(write):
    as_file = mesocalc.visit(write("session.yaml", VISIT))
    as_mapping = mesocalc.visit({"kind": "visit", "weight": "60 kg", "date": "2027-01-15", "items": [
        {"product": "emla-cream", "mass": "5 g", "area": "50 cm^2"},
        {"cocktail": "lidocaine-1-percent", "volume": "5 mL", "site": "submental", "note": "ring block"},
        {"cocktail": "submental-dca", "area": "5 cm x 5 cm"},
        {"product": "ha-filler-lidocaine", "volume": "1 mL"}]})
    assert mesocalc.json_document(as_mapping)["totals"] == mesocalc.json_document(as_file)["totals"]


def test_schedule_history_from_a_file_as_on_the_command_line(cli, write):
    # two sessions already given: 5 mL of 10 mg/mL (50 mg) and 80 mg, then the course continues
    history = write("given.yaml", "- {date: 2026-01-15, volume: 5 mL}\n- {date: 2026-02-16, doses: "
                                  "{deoxycholic-acid: 80 mg}}\n")
    result = mesocalc.schedule("submental-dca", history=history, area="25 cm^2")
    run = cli("schedule", "submental-dca", "--history", str(history), "--area", "25 cm^2", "--json")
    assert run.json == mesocalc.json_document(result)
    assert u.format_quantity(result.sessions[1].doses["deoxycholic-acid"].cumulative) == "130 mg"  # 50 + 80


def test_schedule_same_day_lets_a_history_session_on_the_start_date_stand(write):
    # A history file's last session on the start date itself is bad input (the course would begin twice that
    # day); a ledger's history (same_day=True, as `schedule --patient-id` passes it) keeps it and lets the
    # minimum interval judge the new session instead.
    history = write("given.yaml", "- {date: 2027-01-31, volume: 5 mL}\n")
    with pytest.raises(mesocalc.MesocalcError) as refused:
        mesocalc.schedule("submental-dca", start="2027-01-31", history=history, area="25 cm^2")
    assert refused.value.problems[0].code == "bad-history"
    result = mesocalc.schedule("submental-dca", start="2027-01-31", history=history, area="25 cm^2", same_day=True)
    assert result.sessions[0].date.isoformat() == "2027-01-31"


def test_python_values_give_the_same_result_as_text():
    """A quantity, a date, a Patient or a Cocktail object stands for the text the CLI would read."""
    from datetime import date, datetime

    as_text = mesocalc.plan("submental-dca-lidocaine", area="5 cm x 4 cm", spacing="0.8 cm", weight="154 lb")
    as_values = mesocalc.plan(
        mesocalc.load_library().cocktails["submental-dca-lidocaine"],
        area=u.parse_quantity("20 cm^2", u.AREA_KIND), spacing=u.parse_quantity("8 mm", u.LENGTH_KIND),
        patient=m.Patient("p1", weight=u.parse_quantity("154 lb", u.WEIGHT_KIND)))
    assert as_values.points == as_text.points == 32  # ceil(20 cm² / 0.64 cm²) = ceil(31.25)
    assert [c.dose for c in as_values.components] == [c.dose for c in as_text.components]
    assert as_values.session.weight == as_text.session.weight  # 154 lb = 69.85 kg

    by_date = mesocalc.schedule("submental-dca", start=date(2027, 1, 31))
    assert [s.date for s in by_date.sessions] == [s.date for s in mesocalc.schedule(
        "submental-dca", start="2027-01-31").sessions]
    at = datetime(2026, 3, 1, 9, 0)
    assert mesocalc.compound("submental-dca", "3 mL", immediate_use=True, prepared=at).beyond_use.until == \
        datetime(2026, 3, 1, 13, 0)  # USP <797> immediate use: 4 h
    assert mesocalc.convert(u.parse_quantity("2 %", u.CONCENTRATION), "mg/mL").value == 20.0  # 1 % w/v = 10 mg/mL


def test_an_area_object_is_an_area_preset():
    # a clinic's own preset of 30 cm² (an assumption) plans like the surface it stands for: 30 points at 1 cm
    patch = m.Area("chin-patch", "Chin patch", "face", u.parse_quantity("30 cm^2", u.AREA_KIND), "assumption")
    result = mesocalc.plan("submental-dca", area=[patch])
    assert result.points == mesocalc.plan("submental-dca", area="30 cm^2").points == 30
    assert mesocalc.json_document(result)["areas"][0]["id"] == "chin-patch"
    assert any(w.code == "assumption" for w in result.warnings)


def test_bad_input_raises_the_cli_problem():
    with pytest.raises(mesocalc.MesocalcError) as caught:
        mesocalc.compound("submental-dca", "5 mL", storage="attic", category=1)
    assert caught.value.problems[0].where.key == "--storage"
    with pytest.raises(mesocalc.MesocalcError) as caught:
        mesocalc.schedule("submental-dca", start="2026-13-01")
    assert caught.value.problems[0].code == "bad-date"


def _doc_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("index", range(len(_doc_blocks())))
def test_the_python_api_guide_runs_as_written(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = compile(_doc_blocks()[index], f"docs/python-api.md block {index + 1}", "exec")
    exec(code, {"__name__": "__main__"})


def test_the_guide_shows_every_public_function():
    text = DOCS.read_text(encoding="utf-8")
    for name in mesocalc.__all__:
        if name[0].islower() and not name.startswith("__"):
            assert f"mesocalc.{name}(" in text, name


def test_json_document_refuses_what_it_cannot_render():
    with pytest.raises(TypeError):
        mesocalc.json_document(object())
    assert json.loads(mesocalc.json_text(mesocalc.convert("0.2 mg", "mcg")))["to"]["value"] == pytest.approx(200)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["submental-dca", "submental-dca-lidocaine", "pcdc-abdomen", "mesohair-minoxidil"]),
       st.integers(1, 900), st.sampled_from(["square", "hex"]), st.sampled_from([None, "0.8 cm", "1.2 cm"]),
       st.one_of(st.none(), st.integers(35, 140)))
def test_random_plans_through_the_api_are_the_cli_documents(cli, cocktail, area_cm2, grid, spacing, weight_kg):
    weight = None if weight_kg is None else f"{weight_kg} kg"
    result = mesocalc.plan(cocktail, area=f"{area_cm2} cm^2", grid=grid, spacing=spacing, weight=weight)
    argv = ["plan", cocktail, "--area", f"{area_cm2} cm^2", "--grid", grid, "--json"]
    argv += ["--spacing", spacing] if spacing else []
    argv += ["--weight", weight] if weight else []
    run = cli(*argv)
    assert run.stdout == mesocalc.json_text(result) + "\n" and run.exit_code == result.exit_code
