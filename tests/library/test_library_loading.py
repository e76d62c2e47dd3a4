"""The library: strict keys, file:line:key messages, layering, the built-in ids, browsing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import plain_install

REQUIRED = {
    "agents": ["deoxycholic-acid", "phosphatidylcholine", "lidocaine", "epinephrine", "minoxidil", "finasteride",
               "dutasteride", "biotin", "dexpanthenol", "hyaluronic-acid", "exosomes"],
    "cocktails": ["submental-dca", "pcdc-abdomen", "mesohair-dutasteride", "mesohair-minoxidil"],
    "areas": ["submental", "scalp"],
}

AGENT = """kind: agent
id: test-agent
name: Test agent
limits:
  - {scope: session, max: 10 mg, severity: hard, source: s1}
sources:
  - {id: s1, title: A test source, confidence: low}
"""


def test_builtin_library_passes_check_strict(cli: Any) -> None:
    run = cli("check", "--strict")
    assert run.exit_code == 0, run.stdout
    assert "0 problem(s)" in run.stdout


@pytest.mark.parametrize("kind", sorted(REQUIRED))
def test_builtin_ids_exist(cli: Any, kind: str) -> None:
    doc = cli(kind, "--json").json
    assert doc["kind"] == kind and doc["version"] == 1
    ids = {item["id"] for item in doc["items"]}
    assert set(REQUIRED[kind]) <= ids
    for item_id in REQUIRED[kind]:
        one = cli(kind, item_id, "--json").json
        assert one["id"] == item_id and one["name"]


def test_scalp_is_sourced_and_presets_are_assumptions(library: Any) -> None:
    scalp = library.areas["scalp"]
    assert scalp.basis == "sourced" and scalp.surface.value == 500.0  # Bernstein & Rassman 1997
    assert library.source_for(scalp.source) is not None
    scalp_presets = [a for a in library.areas.values() if a.region == "scalp" and a.id != "scalp"]
    body = [a for a in library.areas.values() if a.region == "body"]
    assert scalp_presets and body
    assert all(a.basis == "assumption" for a in scalp_presets + body)


def test_lidocaine_caps_depend_on_epinephrine(library: Any) -> None:
    lido = library.agents["lidocaine"]
    assert "amide-local-anesthetic" in lido.classes
    caps = {(lim.max.value, lim.basis, lim.when_with, lim.when_without) for lim in lido.limits}
    # Xylocaine label: 4.5 mg/kg and 300 mg without epinephrine; 7 mg/kg and 500 mg with it
    assert caps == {(4.5, "per-kg", None, "epinephrine"), (300.0, "amount", None, "epinephrine"),
                    (7.0, "per-kg", "epinephrine", None), (500.0, "amount", "epinephrine", None)}


def test_every_builtin_cap_cites_a_source_with_confidence(library: Any) -> None:
    for agent in library.agents.values():
        for limit in agent.limits:
            source = library.source_for(limit.source, agent)
            assert source is not None and source.confidence in ("high", "medium", "low"), (agent.id, limit)


def test_misspelt_key_names_file_line_and_hint(cli: Any, write: Any) -> None:
    path = write("lib/bad.yaml", AGENT.replace("limits:", "limts:"))
    run = cli("check", str(path.parent))
    assert run.exit_code == 1
    assert f"{path}:4: limts: unknown key 'limts' (did you mean 'limits'?)" in run.stdout
    plan = cli("plan", "submental-dca", "-L", str(path.parent))
    assert plan.exit_code == 2 and "did you mean 'limits'" in plan.stderr


def test_missing_source_fails_check_only_with_strict(cli: Any, write: Any) -> None:
    path = write("lib/nosource.yaml", AGENT.replace(", source: s1", ""))
    assert cli("check", str(path.parent)).exit_code == 0
    strict = cli("check", "--strict", str(path.parent))
    assert strict.exit_code == 1 and "names no source" in strict.stdout


def test_same_id_twice_in_one_layer_names_both_files(cli: Any, write: Any) -> None:
    a = write("lib/a.yaml", AGENT)
    b = write("lib/b.yaml", AGENT)
    run = cli("check", str(a.parent))
    assert run.exit_code == 1
    assert str(a) in run.stdout and str(b) in run.stdout and "defined twice" in run.stdout


def test_later_layer_redefines_and_says_so(cli: Any, write: Any) -> None:
    text = AGENT.replace("test-agent", "biotin").replace("Test agent", "Biotin (site copy)")
    path = write("lib/biotin.yaml", text)
    run = cli("check", "-L", str(path.parent))
    assert run.exit_code == 0
    assert "agent 'biotin'" in run.stdout and "replaces" in run.stdout
    doc = cli("agents", "biotin", "-L", str(path.parent), "--json").json
    assert doc["name"] == "Biotin (site copy)"


def test_mesocalc_library_environment_variable(cli: Any, write: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write("envlib/agent.yaml", AGENT)
    monkeypatch.setenv("MESOCALC_LIBRARY", str(path.parent))
    doc = cli("agents", "test-agent", "--json").json
    assert doc["limits"][0]["max"] == {"value": 10.0, "unit": "mg"}


def test_multi_document_file_and_cross_references(cli: Any, write: Any) -> None:
    text = AGENT + """---
kind: cocktail
id: test-cocktail
name: Test
technique: {spacing: 1 cm, volume_per_point: 0.1 mL}
components: [{agent: test-agnet, concentration: 1 mg/mL}]
"""
    path = write("lib/multi.yaml", text)
    run = cli("check", str(path.parent))
    assert run.exit_code == 1
    assert "unknown agent 'test-agnet' (did you mean 'test-agent'?)" in run.stdout
    assert f"{path}:13:" in run.stdout


def test_plan_from_a_cocktail_file(cli: Any, write: Any) -> None:
    path = write("one.yaml", """kind: cocktail
id: my-dca
name: My DCA
technique: {spacing: 1 cm, volume_per_point: 0.1 mL}
components: [{agent: deoxycholic-acid, concentration: 10 mg/mL}]
""")
    doc = cli("plan", str(path), "--area", "20 cm^2", "--json").json
    assert doc["cocktail"]["id"] == "my-dca"
    assert doc["components"][0]["dose"]["value"] == pytest.approx(20.0)  # 20 × 0.1 mL × 10 mg/mL


def test_agent_browse_shows_caps_and_sources(cli: Any) -> None:
    run = cli("agents", "deoxycholic-acid")
    assert run.exit_code == 0
    # each cap names its source; the legend under the caps gives each source's confidence once
    assert "kybella-pi high" in run.stdout and "100 mg  hard      kybella-pi" in run.stdout
    doc = cli("agents", "exosomes", "--json").json
    assert doc["limits"] == [] and doc["limits_note"] == "no established dose limits"


def test_plain_install_ships_the_builtin_library(tmp_path: Path) -> None:
    """`pip install .` (not editable) must carry formulations/, the unit definitions and the shipped data
    (pre-validated library, pre-parsed units), and a first run from it needs neither pint nor YAML."""
    target = plain_install()  # started in the background when the tests were collected (conftest.py)
    env = dict(os.environ, PYTHONPATH=str(target), MESOCALC_CACHE_DIR=str(tmp_path / "cache"))
    code = ("import sys; from mesocalc.cli.app import run; code = run(sys.argv[1:]); "
            "print(code, 'pint' in sys.modules, 'yaml' in sys.modules, file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code, "plan", "submental-dca", "--area", "25 cm^2", "--json"],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.stderr.split()[-3:] == ["0", "False", "False"], (
        f"{out.stderr}\n(pint or YAML imported: is src/mesocalc/shipped/ stale? python -m mesocalc.shipped.build)")
    assert '"points": 25' in out.stdout
    assert (target / "mesocalc" / "formulations" / "agents" / "lidocaine.yaml").is_file()
    assert (target / "mesocalc" / "pharmacy_units.txt").is_file()
    assert {p.name for p in (target / "mesocalc" / "shipped").iterdir()} >= {"library.json", "units.json"}


def test_every_package_of_the_source_tree_is_installed():
    """pyproject.toml lists the packages by hand (formulations/ is mapped in from the top of the repository):
    a new sub-package of src/mesocalc must be added there, or a plain install would lack it."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(root / "src").parts) for p in (root / "src").rglob("*.py")
             if "__pycache__" not in p.parts}  # render/ is a namespace package (no __init__.py)
    assert found | {"mesocalc.formulations"} == listed


def test_loading_the_library_again_in_one_process_gives_the_same_library_with_tables_of_its_own() -> None:
    """A program that loads the built-in library twice (the Python API) gets it the second time without
    decoding it again, equal to the first, and what it adds to one load's tables is not in the next."""
    from mesocalc import cache
    from mesocalc.library import compiled, load_library

    first = load_library()
    cache.reset()
    second = load_library()
    assert second.library == first.library and second.problems == first.problems and second.files == first.files
    assert compiled._last and compiled._last[0][2][0].areas is not second.library.areas
    second.library.areas["mine"] = second.library.areas["submental"]
    second.problems.append(first.problems[0] if first.problems else None)  # type: ignore[arg-type]
    cache.reset()
    third = load_library()
    assert "mine" not in third.library.areas and third.problems == first.problems
    assert third.library.agents["lidocaine"] is second.library.agents["lidocaine"]  # decoded once


def test_documents_recalled_by_two_libraries_keep_each_library_s_own_file_labels(tmp_path: Path) -> None:
    """Two layer folders with the same files store the same texts (each folder replaced by its layer's mark),
    and a process decodes a recalled text once (library/pack.py, _DECODED): the document still names the
    file of the library that uses it."""
    from mesocalc import cache
    from mesocalc.library import load_library, pack

    area = "kind: area\nid: my-area\nname: Mine\nsurface: 30 cm^2\nbasis: assumption\n"
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        folder.mkdir()
        (folder / "area.yaml").write_text(area, encoding="utf-8")
        (folder / "other.yaml").write_text(area.replace("my-area", "other"), encoding="utf-8")
    seen = []
    for folder in folders:
        cache.reset()
        load_library([str(folder)])
        (folder / "other.yaml").write_text(area.replace("my-area", "other").replace("30", "31"), encoding="utf-8")
        cache.reset()
        result = load_library([str(folder)])  # other.yaml validated again, area.yaml recalled and decoded
        assert pack.STATS["parsed_files"] == 1 and not result.errors
        seen.append(result.library.areas["my-area"])
    assert [a.where.file for a in seen] == [str(folder / "area.yaml") for folder in folders]
    assert seen[0] == pack._DECODED[next(k for k in pack._DECODED if k[4] == str(folders[0]))]
