"""Big libraries: unchanged files are recognised by their status (library/fingerprint.py), changed ones are
always read again, and the cache stays bounded."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mesocalc import cache
from mesocalc.library import load_library

AREA = "kind: area\nid: clinic-patch\nname: Clinic patch\nsurface: {} cm^2\nbasis: assumption\n"


def settled(path: Path, seconds_ago: int = 3600) -> None:
    """Give a file a modification time well in the past (as for a library that was not just edited)."""
    then = time.time_ns() - seconds_ago * 10**9
    os.utime(path, ns=(then, then))


def surface(folder: Path) -> float:
    result = load_library([str(folder)])
    assert not result.errors, result.errors
    return result.library.areas["clinic-patch"].surface.value


@pytest.fixture
def area(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clinic layer with one 30 cm² area file, and a cache of its own."""
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "clinic").mkdir()
    path = tmp_path / "clinic" / "area.yaml"
    path.write_text(AREA.format(30))
    return path


def test_an_edit_that_keeps_size_and_modification_time_is_still_seen(area):
    """30 -> 40 cm², same byte count, modification time put back: the change time differs, so it is read."""
    folder = area.parent
    settled(area)
    assert surface(folder) == 30 and surface(folder) == 30  # the second run trusts the recorded status
    before = area.stat()
    area.write_text(AREA.format(40))
    os.utime(area, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert area.stat().st_size == before.st_size and area.stat().st_mtime_ns == before.st_mtime_ns
    assert surface(folder) == 40


def test_a_file_written_just_now_is_read_every_time_until_it_settles(area):
    folder = area.parent
    assert surface(folder) == 30
    area.write_text(AREA.format(50))  # within the same second: the status alone might not tell
    assert surface(folder) == 50


def test_a_relative_and_an_absolute_path_share_one_manifest(area, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "use_shipped", False)
    folder = area.parent
    settled(area)
    monkeypatch.chdir(tmp_path)
    assert surface(Path("clinic")) == surface(folder) == 30
    manifests = [p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith("layer-")]
    assert len(manifests) == 2  # the built-in folder's and the clinic folder's, once each


# ---- a library with folders of its own, validated file by file (library/pack.py) ----------------------

AGENT = """kind: agent
id: {id}
name: {name}
stocks:
  - {{id: vial, label: "{mg} mg/mL vial", concentration: "{mg} mg/mL", volume: "5 mL"}}
limits:
  - {{scope: session, max: "{cap} mg", source: clinic-note}}
sources:
  - {{id: clinic-note, title: "Clinic note", confidence: low}}
"""
COCKTAIL = """kind: cocktail
id: {id}
name: {name}
area: submental
technique: {{grid: square, spacing: "1 cm", volume_per_point: "0.1 mL"}}
components:
  - {{agent: {agent}, stock: {stock}, volume: "1 mL"}}
"""


@pytest.fixture
def clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clinic folder of five agents and five cocktails (one file each, settled), and a cache of its own."""
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "clinic"
    folder.mkdir()
    for i in range(5):
        (folder / f"agent-{i}.yaml").write_text(AGENT.format(id=f"clinic-agent-{i}", name=f"Agent {i}", mg=i + 1,
                                                             cap=100 + i))
        (folder / f"cocktail-{i}.yaml").write_text(COCKTAIL.format(id=f"clinic-cocktail-{i}", name=f"Cocktail {i}",
                                                                   agent=f"clinic-agent-{i}", stock="vial"))
    for path in folder.iterdir():
        settled(path)
    return folder


def entries(tmp_path: Path, prefix: str) -> list[str]:
    return sorted(p.name for p in (tmp_path / "cache").iterdir() if p.name.startswith(prefix))


def test_an_unchanged_library_is_answered_from_its_index_without_parsing(clinic):
    from mesocalc.library import pack

    first = load_library([str(clinic)])
    assert not first.errors and pack.STATS["parsed_files"] >= 10  # the built-in files and the clinic's ten
    second = load_library([str(clinic)])
    assert pack.STATS["from_index"] == 1 and pack.STATS["parsed_files"] == 0
    assert second.library.agents["clinic-agent-3"] == first.library.agents["clinic-agent-3"]
    assert second.files == first.files and second.problems == first.problems


def test_one_edited_file_is_the_only_one_parsed_and_the_result_has_the_edit(clinic):
    """agent-2's session cap 102 mg -> 250 mg: that file alone is parsed and validated again."""
    from mesocalc.library import pack

    assert load_library([str(clinic)]).library.agents["clinic-agent-2"].limits[0].max.value == 102  # mg
    (clinic / "agent-2.yaml").write_text(AGENT.format(id="clinic-agent-2", name="Agent 2", mg=3, cap=250))
    result = load_library([str(clinic)])
    assert not result.errors
    assert result.library.agents["clinic-agent-2"].limits[0].max.value == 250
    assert (pack.STATS["parsed_files"], pack.STATS["validated_documents"]) == (1, 1)


def test_an_agent_edit_checks_the_cocktail_that_uses_it_again(clinic):
    """cocktail-1 draws from agent-1's stock 'vial'; agent-1 renames it 'ampoule': only agent-1.yaml is
    parsed, and cocktail-1 (another file) is cross-checked again and now names the missing stock."""
    from mesocalc.library import pack

    assert not load_library([str(clinic)]).errors
    (clinic / "agent-1.yaml").write_text(AGENT.format(id="clinic-agent-1", name="Agent 1", mg=2, cap=101)
                                         .replace("id: vial", "id: ampoule"))
    result = load_library([str(clinic)])
    assert pack.STATS["parsed_files"] == 1
    assert [(p.code, p.where.file, p.where.key) for p in result.errors] == [
        ("unknown-stock", str(clinic / "cocktail-1.yaml"), "components[0].stock")]
    assert "ampoule" in result.errors[0].hint


def test_duplicate_ids_across_two_files_name_both_after_a_partial_revalidation(clinic):
    from mesocalc.library import pack

    assert not load_library([str(clinic)]).errors
    (clinic / "agent-4.yaml").write_text(AGENT.format(id="clinic-agent-0", name="Agent 0 again", mg=1, cap=100))
    result = load_library([str(clinic)])
    assert pack.STATS["parsed_files"] == 1
    # agent-4.yaml now defines clinic-agent-0 again (and no longer clinic-agent-4, which cocktail-4 uses)
    duplicate, unknown = result.errors
    assert duplicate.code == "duplicate-id" and duplicate.where.file == str(clinic / "agent-4.yaml")
    assert (unknown.code, unknown.where.file) == ("unknown-agent", str(clinic / "cocktail-4.yaml"))
    assert duplicate.message == (f"agent id 'clinic-agent-0' is defined twice in one layer "
                                 f"(also at {clinic / 'agent-0.yaml'}:1)")
    # the same problems as a run without any cache
    uncached = _uncached(clinic)
    assert [p.text() for p in uncached.problems] == [p.text() for p in result.problems]


def _uncached(folder: Path):
    import os

    saved = os.environ.get("MESOCALC_CACHE_DIR")
    os.environ["MESOCALC_CACHE_DIR"] = "off"
    try:
        return load_library([str(folder)])
    finally:
        os.environ["MESOCALC_CACHE_DIR"] = saved or ""


def test_a_file_added_or_deleted_between_runs(clinic):
    from mesocalc.library import pack

    assert "clinic-agent-9" not in load_library([str(clinic)]).library.agents
    (clinic / "agent-9.yaml").write_text(AGENT.format(id="clinic-agent-9", name="Agent 9", mg=9, cap=109))
    added = load_library([str(clinic)])
    assert "clinic-agent-9" in added.library.agents and pack.STATS["parsed_files"] == 1
    assert str(clinic / "agent-9.yaml") in added.files
    (clinic / "agent-3.yaml").unlink()  # cocktail-3 uses it
    deleted = load_library([str(clinic)])
    assert pack.STATS["parsed_files"] == 0  # nothing new to read; cocktail-3 is checked again
    assert "clinic-agent-3" not in deleted.library.agents
    assert [(p.code, p.where.file) for p in deleted.errors] == [("unknown-agent", str(clinic / "cocktail-3.yaml"))]
    assert str(clinic / "agent-3.yaml") not in deleted.files


def test_a_relative_and_an_absolute_path_share_the_library_entries(clinic, tmp_path, monkeypatch):
    """Each names the files as it was given them; the cache holds one index and one build for both."""
    from mesocalc.library import pack

    monkeypatch.chdir(tmp_path)
    absolute = load_library([str(clinic)])
    relative = load_library(["clinic"])
    assert pack.STATS["from_index"] == 1 and pack.STATS["parsed_files"] == 0
    assert entries(tmp_path, "validated-5-index-") == entries(tmp_path, "validated-5-index-")[:1]
    assert len(entries(tmp_path, "library-")) == 1
    assert "clinic/agent-0.yaml" in relative.files and str(clinic / "agent-0.yaml") in absolute.files
    assert relative.library.agents["clinic-agent-0"].where.file == "clinic/agent-0.yaml"
    assert absolute.library.agents["clinic-agent-0"].where.file == str(clinic / "agent-0.yaml")
    assert relative.library.agents["clinic-agent-0"].limits[0].where.file == "clinic/agent-0.yaml"


def test_the_cache_stays_under_its_bound_as_libraries_come_and_go(clinic, tmp_path, monkeypatch):
    """Ten libraries in turn with a 60 kB bound: the folder never holds more, and each still loads right."""
    bound = 60_000
    monkeypatch.setattr(cache, "MAX_TOTAL_BYTES", bound)
    monkeypatch.setattr(cache, "PRUNE_CHECK_BYTES", 0)
    folder = tmp_path / "cache"
    for n in range(10):
        other = tmp_path / f"clinic-{n}"
        other.mkdir()
        (other / "agent.yaml").write_text(AGENT.format(id=f"clinic-agent-{n}", name=f"Agent {n}", mg=1, cap=100 + n))
        result = load_library([str(other)])
        assert not result.errors
        assert result.library.agents[f"clinic-agent-{n}"].limits[0].max.value == 100 + n
        assert sum(p.stat().st_size for p in folder.iterdir()) <= bound


def test_a_damaged_chunk_of_documents_is_validated_afresh(clinic, tmp_path):
    """The index is sound but a chunk of agents' texts was edited: the agent comes from its YAML file."""
    expected = load_library([str(clinic)]).library.agents["clinic-agent-2"]
    for chunk in (tmp_path / "cache").glob("docs-*.json"):
        chunk.write_bytes(chunk.read_bytes().replace(b"102", b"999"))
    assert load_library([str(clinic)]).library.agents["clinic-agent-2"] == expected


def test_a_folder_inside_another_keeps_each_layer_naming_its_own_files(clinic, tmp_path, monkeypatch):
    """`--library clinic --library clinic/extra` given relatively, then the first as an absolute path: a file
    has a label in each layer, and each run names the files as it was given them (as with no cache)."""
    (clinic / "extra").mkdir()
    (clinic / "extra" / "agent-9.yaml").write_text(AGENT.format(id="clinic-agent-9", name="Agent 9", mg=1, cap=100))
    settled(clinic / "extra" / "agent-9.yaml")
    monkeypatch.chdir(tmp_path)
    for layers in (["clinic", "clinic/extra"], [str(clinic), "clinic/extra"], ["clinic", "clinic/extra"]):
        cached = load_library(layers)
        monkeypatch.setenv("MESOCALC_CACHE_DIR", "off")
        uncached = load_library(layers)
        monkeypatch.setenv("MESOCALC_CACHE_DIR", str(tmp_path / "cache"))
        assert cached.library.overrides == uncached.library.overrides
        assert f"agent 'clinic-agent-9' from clinic/extra/agent-9.yaml replaces the one in {layers[0]}/extra/" \
               "agent-9.yaml" in cached.library.overrides and not cached.errors
        assert cached.files == uncached.files
        assert cached.library.agents["clinic-agent-9"] == uncached.library.agents["clinic-agent-9"]


def test_a_library_seen_for_the_first_time_recalls_the_builtin_files_from_another_library(clinic, tmp_path):
    """A second, different user layer over the built-in one: the 35 built-in files are recalled from the
    first library's build (same content digests, same validating code), only the new layer's file is parsed,
    and the result is the one a run without any cache gives."""
    from mesocalc.library import pack

    assert not load_library([str(clinic)]).errors
    other = tmp_path / "other"
    other.mkdir()
    (other / "agent.yaml").write_text(AGENT.format(id="other-agent", name="Other", mg=2, cap=120))
    settled(other / "agent.yaml")
    result = load_library([str(other)])
    assert (pack.STATS["parsed_files"], pack.STATS["validated_documents"]) == (1, 1)
    uncached = _uncached(other)
    assert result.files == uncached.files
    assert [p.text() for p in result.problems] == [p.text() for p in uncached.problems]
    for table in ("agents", "cocktails", "areas", "sources"):
        ours, theirs = getattr(result.library, table), getattr(uncached.library, table)
        assert sorted(ours) == sorted(theirs), table
        assert all(ours[key] == theirs[key] for key in theirs), table


def test_a_builtin_record_whose_chunk_has_gone_is_validated_afresh(clinic, tmp_path):
    """The seed names chunks of the first library; with those chunks deleted the second library still gets
    every built-in agent, from the YAML files."""
    from mesocalc.library import load_library as load

    load([str(clinic)])
    for chunk in (tmp_path / "cache").glob("docs-*.json"):
        chunk.unlink()
    other = tmp_path / "other"
    other.mkdir()
    (other / "agent.yaml").write_text(AGENT.format(id="other-agent", name="Other", mg=2, cap=120))
    settled(other / "agent.yaml")
    result = load([str(other)])
    uncached = _uncached(other)
    assert not result.errors
    assert all(result.library.agents[key] == uncached.library.agents[key] for key in uncached.library.agents)


def test_a_thousand_warnings_are_stored_and_read_back_as_a_run_without_cache_gives_them(clinic, tmp_path):
    """1,001 agents in one file, each naming a condition the vocabulary does not know (a soft warning): the
    warnings entry is written a few hundred at a time (pack.Build._store), named by the digest of its whole
    text, and read back by the next run in the order a run without any cache gives."""
    import json

    from mesocalc.library import pack

    agents = [AGENT.format(id=f"clinic-extra-{i}", name=f"Extra {i}", mg=1, cap=100)
              + f"contraindications:\n  - {{condition: made-up-condition-{i}, source: clinic-note}}\n"
              for i in range(1001)]
    (clinic / "extra.yaml").write_text("---\n".join(agents))
    first = load_library([str(clinic)])
    second = load_library([str(clinic)])
    assert pack.STATS["from_index"] == 1
    expected = [p.text() for p in _uncached(clinic).problems]
    assert sum("made-up-condition" in text for text in expected) == 1001
    assert [p.text() for p in first.problems] == [p.text() for p in second.problems] == expected
    (stored,) = (tmp_path / "cache").glob("validated-5-warnings-*.json")
    text = stored.read_bytes().split(b"\n", 1)[1].decode()
    assert stored.name == f"validated-5-warnings-{cache.content_key(text)}.json"
    assert len(json.loads(text)) == len(expected)


def test_every_file_status_is_the_one_its_path_gives(tmp_path, monkeypatch):
    # the status key of a layer (pack._stat_all: names looked up from the folder's descriptor) is made of
    # os.stat of each path, whatever the layer: a folder with a sub-folder and a link to a file, ".", one file
    from mesocalc.library import pack

    folder = tmp_path / "lib"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.yaml", "sub/b.yml", "target.yaml"):
        (folder / name).write_text(f"# {name}\n", encoding="utf-8")
    (folder / "link.yaml").symlink_to(folder / "target.yaml")
    monkeypatch.chdir(folder)
    for layer in (folder, Path("."), folder / "a.yaml"):
        names, _, infos, _, _ = pack.Layers([layer]).layers[0]
        assert infos == [os.stat(name) for name in names], layer
        assert len(names) == (1 if layer.name == "a.yaml" else 4)
