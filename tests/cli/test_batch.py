"""`plan --batch`: one JSON request per line in, one plan JSON per line out, in order (SPEC §5)."""

from __future__ import annotations

import json

import pytest

from mesocalc import cache
from mesocalc.core import model as m
from mesocalc.library import compiled, load_library

LABEL = '{"cocktail": "submental-dca", "area": "25 cm^2"}'  # KYBELLA label: 25 points, 50 mg, within caps
OVER = '{"cocktail": "submental-dca", "area": "60 cm^2"}'  # 60 points x 2 mg = 120 mg > the 100 mg session cap


def lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_each_line_gives_its_plan_in_the_order_given(cli):
    batch = "\n".join([LABEL, '{"cocktail": "submental-dca", "area": "10 cm^2"}', LABEL]) + "\n"
    run = cli("plan", "--batch", "-", input=batch)
    docs = lines(run.stdout)
    assert run.exit_code == 0, run.stderr
    assert [d["kind"] for d in docs] == ["plan"] * 3
    assert [d["points"] for d in docs] == [25, 10, 25]  # 1 cm grid: points = cm²
    assert docs[0]["components"][0]["dose"] == {"value": 50.0, "unit": "mg"}  # 10 mg/mL x 25 x 0.2 mL


def test_a_bad_line_gives_an_error_object_on_its_line_and_the_batch_goes_on(cli):
    batch = "\n".join([LABEL, "not json", '{"cocktail": "submental-dca", "area": "25 mL"}', LABEL])
    run = cli("plan", "--batch", "-", input=batch)
    docs = lines(run.stdout)
    assert [d["kind"] for d in docs] == ["plan", "error", "error", "plan"]
    assert docs[1]["line"] == 2 and docs[1]["version"] == 1
    assert docs[2]["line"] == 3 and docs[2]["errors"][0]["code"] == "wrong-dimension"
    assert docs[2]["errors"][0]["key"] == "area"
    assert "line 3" in run.stderr


def test_exit_code_is_the_worst_lines(cli):
    assert cli("plan", "--batch", "-", input=LABEL + "\n" + LABEL).exit_code == 0
    over = cli("plan", "--batch", "-", input=LABEL + "\n" + OVER)
    assert over.exit_code == 1  # a hard cap over on line 2
    assert lines(over.stdout)[1]["ok"] is False
    assert cli("plan", "--batch", "-", input=OVER + "\n{}\n" + LABEL).exit_code == 2  # an input error beats a cap


def test_unknown_key_is_an_error_for_that_line_with_a_hint(cli):
    run = cli("plan", "--batch", "-", input='{"cocktail": "submental-dca", "wieght": "70 kg"}\n')
    (doc,) = lines(run.stdout)
    assert run.exit_code == 2
    assert doc["kind"] == "error" and doc["line"] == 1
    assert doc["errors"][0]["code"] == "unknown-key"
    assert doc["errors"][0]["hint"] == "did you mean 'weight'?"


def test_keys_are_named_like_the_options(cli):
    request = {"cocktail": "pcdc-abdomen", "area": ["5 cm x 4 cm", "20 cm^2"], "spacing": "2 cm",
               "volume_per_point": "0.5 mL", "grid": "square", "weight": "70 kg", "strict": False}
    (doc,) = lines(cli("plan", "--batch", "-", input=json.dumps(request)).stdout)
    assert doc["kind"] == "plan", doc
    assert doc["area"] == {"value": 40.0, "unit": "cm^2"}  # 5 x 4 + 20
    assert doc["points"] == 10  # 40 cm² / (2 cm)²
    assert doc["total_volume"] == {"value": 5.0, "unit": "mL"}  # 10 x 0.5 mL
    (forced,) = lines(cli("plan", "--batch", "-", input='{"cocktail": "submental-dca", "points": 7}').stdout)
    assert forced["points"] == 7


def test_wrong_types_and_a_missing_cocktail_are_line_errors(cli):
    run = cli("plan", "--batch", "-", input='{"area": 25}\n[1, 2]\n{"cocktail": "submental-dca", "points": true}\n')
    docs = lines(run.stdout)
    assert [d["kind"] for d in docs] == ["error"] * 3
    assert {e["code"] for e in docs[0]["errors"]} == {"wrong-type", "missing-key"}
    assert docs[2]["errors"][0]["key"] == "points"


def test_blank_lines_are_skipped_and_line_numbers_stay_those_of_the_input(cli):
    docs = lines(cli("plan", "--batch", "-", input=f"\n{LABEL}\n\nnope\n").stdout)
    assert [(d["kind"], d.get("line")) for d in docs] == [("plan", None), ("error", 4)]


def test_batch_from_a_file(cli, write):
    path = write("requests.jsonl", LABEL + "\n" + OVER + "\n")
    run = cli("plan", "--batch", str(path))
    assert [d["points"] for d in lines(run.stdout)] == [25, 60]
    missing = cli("plan", "--batch", str(path) + ".nope")
    assert missing.exit_code == 2 and lines(missing.stdout)[0]["kind"] == "error"


def test_session_options_on_the_command_line_are_refused_with_batch(cli):
    run = cli("plan", "submental-dca", "--batch", "-", input=LABEL)
    assert run.exit_code == 2
    assert "COCKTAIL" in run.stderr


def test_plan_without_cocktail_or_batch_is_a_usage_error(cli):
    run = cli("plan")
    assert run.exit_code == 2 and "COCKTAIL" in run.stderr


def test_the_validated_library_cache_gives_back_the_same_library(tmp_path, monkeypatch):
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "use_shipped", False)  # the user cache, not the copy shipped in the package
    fresh = load_library()
    assert any(p.name.startswith(compiled.FORMAT) for p in (tmp_path / "cache").iterdir())
    cached = load_library()
    assert isinstance(cached.library, m.Library)
    assert cached.library == fresh.library
    assert compiled.encode(cached.library) == compiled.encode(fresh.library)  # file and line marks too
    assert cached.problems == fresh.problems and cached.files == fresh.files


def test_a_changed_library_file_is_validated_again(tmp_path, monkeypatch, write):
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(tmp_path / "cache"))
    area = write("lib/area.yaml", "kind: area\nid: test-patch\nname: Patch\nsurface: 10 cm^2\nbasis: assumption\n")
    assert not load_library([str(area.parent)]).errors
    area.write_text("kind: area\nid: test-patch\nname: Patch\nsurfce: 10 cm^2\nbasis: assumption\n")
    assert [p.code for p in load_library([str(area.parent)]).errors][:1] == ["unknown-key"]


def test_a_tampered_cache_entry_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "use_shipped", False)
    fresh = load_library()
    for entry in (tmp_path / "cache").glob(f"{compiled.FORMAT}-*.json"):
        entry.write_text('{"library": {"$c": ["os.system", "true"]}, "problems": [], "files": []}')
    assert load_library().library == fresh.library


def test_cached_agents_are_decoded_only_when_used(tmp_path, monkeypatch):
    # A plan needs the agents of its cocktail, not the whole library: the cached table decodes on demand.
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(compiled, "_last", [])  # not the library an earlier test of this process decoded
    fresh = load_library().library
    cached = load_library().library
    assert isinstance(cached.agents, compiled.LazyAgents)
    assert "lidocaine" in cached.agents and len(cached.agents) == len(fresh.agents)
    assert cached.agents._done == {}  # nothing decoded yet
    assert cached.agents["lidocaine"] == fresh.agents["lidocaine"]
    assert list(cached.agents._done) == ["lidocaine"]


def test_a_damaged_cached_agent_is_a_clear_error(tmp_path, monkeypatch):
    from mesocalc.errors import MesocalcError

    lazy = compiled.LazyAgents({"lidocaine": '{"$c": ["NotAClass"]}'})
    with pytest.raises(MesocalcError, match="damaged"):
        lazy["lidocaine"]


def test_a_repeated_request_gives_the_same_line_and_a_repeated_error_its_own_line_number(cli):
    """Repeated lines are answered from the batch's memo: the same plan text as the first time (25 cm² at
    1 cm = 25 points, KYBELLA label), while each bad line still names its own line number."""
    good = '{"cocktail": "submental-dca", "area": "25 cm^2"}'
    bad = '{"cocktail": "submental-dca", "area": "25 cm^2", "colour": "red"}'
    run = cli("plan", "--batch", "-", "--json", input="\n".join([good, bad, good, bad, good]) + "\n")
    lines = run.stdout.splitlines()
    assert run.exit_code == 2 and len(lines) == 5
    assert lines[0] == lines[2] == lines[4] and json.loads(lines[0])["points"] == 25
    assert [json.loads(lines[i])["line"] for i in (1, 3)] == [2, 4]
    assert cli("plan", "--batch", "-", "--json", input=good + "\n").stdout.strip() == lines[0]


def test_a_patient_file_is_read_once_per_batch_whatever_the_lines_around_it(cli, write, monkeypatch):
    from mesocalc.request import plan as rq

    patient = write("patient.yaml", "kind: patient\nid: batch-patient\nweight: 62 kg\nconditions: [pregnancy]\n")
    reads: list[str] = []
    real = rq.load_patient
    monkeypatch.setattr(rq, "load_patient", lambda text, library: reads.append(text) or real(text, library))
    requests = [json.dumps({"cocktail": "mesohair-dutasteride", "scalp": f"{10 + i}%", "patient": str(patient)})
                for i in range(40)]
    run = cli("plan", "--batch", "-", input="\n".join(requests) + "\n")
    docs = lines(run.stdout)
    assert reads == [str(patient)]
    # every line still has the patient: 62 kg, and dutasteride's pregnancy contraindication (exit 1)
    assert all(d["patient"] == "batch-patient" and d["weight"] == {"value": 62.0, "unit": "kg"} for d in docs)
    assert all(any(w["code"] == "contraindication" for w in d["warnings"]) for d in docs)
    assert run.exit_code == 1
