"""The cache can never change a result (issue 10, item 8).

Whatever happens to a file in the user cache (edited into other valid JSON, truncated, replaced by
another entry, NaN or negative numbers, a hard cap turned soft, written by another user), a command
prints exactly what it prints with no cache at all. The reference output of each case is an uncached
run (MESOCALC_CACHE_DIR=off), so the expected numbers are mesocalc's own arithmetic from the YAML
library, not copied from a cache.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from mesocalc import cache
from mesocalc import units as u

EXAMPLES = int(os.environ.get("MESOCALC_FUZZ_EXAMPLES", "30"))

# A clinic layer, so that the validated-library and parsed-YAML caches are used as well as the unit cache:
# lidocaine 1 % (10 mg/mL, Xylocaine label) at 0.4 mL on 100 points = 40 mL = 400 mg, over the label's
# 300 mg without epinephrine (a hard cap), so the plan exits 1.
CLINIC_COCKTAIL = """kind: cocktail
id: clinic-lidocaine
name: Clinic lidocaine 1 %
area: submental
technique: {grid: square, spacing: "1 cm", volume_per_point: "0.4 mL"}
components:
  - {agent: lidocaine, concentration: "1 %"}
"""

COMMANDS = [
    ("convert", "2 %", "mg/mL"),  # 2 % w/v = 2 g/100 mL = 20 mg/mL
    ("plan", "clinic-lidocaine", "--points", "100", "--weight", "154 lb", "--json"),
    ("plan", "clinic-lidocaine", "--points", "100", "--weight", "70 kg"),
    ("plan", "submental-dca", "--area", "5 cm x 4 cm", "--json"),
    ("agents", "lidocaine", "--json"),
    ("check", "--json"),
]


def fresh_process() -> None:
    """What a new process starts with: nothing remembered in memory, only what the cache files hold."""
    cache.reset(units=True)
    u._PARSED.clear()


def outputs(monkeypatch: pytest.MonkeyPatch, cache_dir: str) -> list[tuple[int, str, str]]:
    monkeypatch.setenv("MESOCALC_CACHE_DIR", cache_dir)
    out = []
    for args in COMMANDS:
        fresh_process()
        run = run_cli(args)
        out.append((run.exit_code, run.stdout, run.stderr))
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, str, str]], Path]:
    """Once per module: the clinic layer, the uncached outputs, and a cache filled by the same commands."""
    folder = tmp_path_factory.mktemp("clinic")
    (folder / "clinic-lidocaine.yaml").write_text(CLINIC_COCKTAIL, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MESOCALC_LIBRARY", str(folder))
        patch.setattr(cache, "use_shipped", False)
        expected = outputs(patch, "off")
        filled = tmp_path_factory.mktemp("filled") / "cache"
        outputs(patch, str(filled))
    assert expected[0][1].startswith("2 % = 20 mg/mL"), expected[0]
    assert expected[1][0] == 1 and json.loads(expected[1][1])["components"][0]["concentration"]["value"] == 10
    assert {p.name.split("-")[0] for p in filled.iterdir()} >= {"units", "layer", "validated"}
    return folder, expected, filled


@pytest.fixture
def uncached(reference, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str, str]]:
    folder, expected, _ = reference
    monkeypatch.setenv("MESOCALC_LIBRARY", str(folder))
    # Without the data shipped in the package (as when it is stale), every unit and library comes from the
    # user cache, so every kind of entry is exercised.
    monkeypatch.setattr(cache, "use_shipped", False)
    return expected


@pytest.fixture
def filled(reference, tmp_path: Path) -> Path:
    """A copy of a cache filled by the same commands (the file modes of a cache mesocalc wrote)."""
    folder = tmp_path / "cache"
    shutil.copytree(reference[2], folder)
    return folder


def payload_of(path: Path) -> tuple[bytes, bytes]:
    head, _, payload = path.read_bytes().partition(b"\n")
    return head + b"\n", payload


def test_an_untouched_cache_gives_the_uncached_output(uncached, filled, monkeypatch):
    folder = filled
    assert outputs(monkeypatch, str(folder)) == uncached


def _edit_all(folder: Path, edit) -> int:
    edited = 0
    for path in folder.iterdir():
        head, payload = payload_of(path)
        new = edit(payload)
        if new != payload:
            path.write_bytes(head + new)  # the digest line is kept: only the content changes
            edited += 1
    return edited


# Each edit is one the issue reports, or one that would change a number if the cache were trusted.
EDITS = {
    # the unit cache: % w/v read as 1 mg/mL instead of 10 (2 % printed as 2 mg/mL)
    "percent factor 10 -> 1": lambda b: b.replace(b'"percent_wv":[10.0,', b'"percent_wv":[1.0,')
    .replace(b'"percent_wv":[10,', b'"percent_wv":[1,'),
    "hard cap turned soft": lambda b: b.replace(b'"hard"', b'"soft"').replace(b'\\"hard\\"', b'\\"soft\\"'),
    "a number made negative": lambda b: b.replace(b"[10.0,", b"[-10.0,").replace(b"[300.0,", b"[-300.0,"),
    "NaN": lambda b: b.replace(b"[10.0,", b"[NaN,").replace(b"300.0", b"NaN"),
    "300 mg cap raised to 3000": lambda b: b.replace(b"300.0", b"3000.0"),
    "truncated": lambda b: b[: len(b) // 2],
    "emptied": lambda b: b"",
    "valid JSON of another shape": lambda b: b"{}",
}


@pytest.mark.parametrize("name", list(EDITS))
def test_an_edited_cache_file_is_ignored(uncached, filled, monkeypatch, name):
    folder = filled
    assert _edit_all(folder, EDITS[name]) >= 1
    assert outputs(monkeypatch, str(folder)) == uncached


def test_a_file_replaced_by_another_entry_is_ignored(uncached, filled, monkeypatch):
    """Each entry's digest covers its name: a valid entry copied over another one is not accepted."""
    folder = filled
    files = sorted(folder.iterdir())
    assert len(files) >= 2
    contents = [p.read_bytes() for p in files]
    for path, data in zip(files, contents[1:] + contents[:1], strict=True):
        path.write_bytes(data)
    assert outputs(monkeypatch, str(folder)) == uncached


def test_a_digest_recomputed_for_other_content_still_cannot_pass_as_another_name(uncached, filled, monkeypatch):
    folder = filled
    for path in folder.iterdir():
        _, payload = payload_of(path)
        path.write_bytes(cache.seal("some-other-entry.json", payload.replace(b'"hard"', b'"soft"')))
    assert outputs(monkeypatch, str(folder)) == uncached


def test_a_cache_folder_writable_by_others_is_not_used_and_said_once(uncached, filled, monkeypatch):
    folder = filled
    _edit_all(folder, EDITS["percent factor 10 -> 1"])
    folder.chmod(0o777)
    before = sorted(p.name for p in folder.iterdir())
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(folder))
    fresh_process()
    run = run_cli(COMMANDS[1])
    assert (run.exit_code, run.stdout) == uncached[1][:2]
    assert run.stderr.count("mesocalc: note:") == 1 and "writable by other users" in run.stderr
    assert str(folder) in run.stderr
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written into it either


def test_a_cache_file_writable_by_others_is_ignored(uncached, filled, monkeypatch):
    folder = filled
    for path in folder.iterdir():
        path.chmod(0o666)
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(folder))
    fresh_process()
    run = run_cli(["convert", "2 %", "mg/mL"])
    assert run.stdout == uncached[0][1]


def test_a_cache_owned_by_another_user_is_not_used(uncached, filled, monkeypatch):
    folder = filled
    _edit_all(folder, EDITS["hard cap turned soft"])
    monkeypatch.setattr(cache, "_my_uid", lambda: os.getuid() + 1)  # as if another user had written it
    got = outputs(monkeypatch, str(folder))
    assert [(code, out) for code, out, _ in got] == [(code, out) for code, out, _ in uncached]
    assert all(err.count("mesocalc: note:") == 1 and "owned by another user" in err for _, _, err in got)


@st.composite
def mutation(draw: st.DrawFn) -> tuple[int, list[tuple[str, int, bytes]]]:
    """A few random edits of the payloads of real cache files: bytes replaced, inserted, deleted, digits
    changed (a number that is still valid JSON), words swapped."""
    seed = draw(st.integers(0, 2**32 - 1))
    edits = []
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["digit", "replace", "insert", "delete", "word"]))
        edits.append((action, draw(st.integers(0, 10**9)), draw(st.binary(min_size=1, max_size=4))))
    return seed, edits


def _mutate(payload: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    data = bytearray(payload)
    for action, at, blob in edits:
        if not data:
            break
        at %= len(data)
        if action == "digit":
            digits = [i for i, c in enumerate(data) if 48 <= c <= 57]
            if digits:
                i = digits[at % len(digits)]
                data[i] = 48 + (data[i] - 48 + 1 + at % 9) % 10
        elif action == "replace":
            data[at] = blob[0]
        elif action == "insert":
            data[at:at] = blob
        elif action == "delete":
            del data[at:at + 1 + blob[0] % 16]
        else:
            for a, b in ((b'"hard"', b'"soft"'), (b"true", b"false"), (b"mg", b"mL"), (b"null", b"0")):
                if a in data:
                    data = bytearray(bytes(data).replace(a, b, 1 + at % 3))
                    break
    return bytes(data)


def test_random_edits_of_real_cache_files_never_change_an_output(uncached, filled, monkeypatch):
    """Hundreds of random edits (MESOCALC_FUZZ_EXAMPLES for a longer run): each output equals the uncached one."""
    folder = filled
    pristine = {p.name: p.read_bytes() for p in folder.iterdir()}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 30,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(mutation())
    def check(case: tuple[int, list[tuple[str, int, bytes]]]) -> None:
        seed, edits = case
        rng = random.Random(seed)
        for name, data in pristine.items():
            head, _, payload = data.partition(b"\n")
            changed = _mutate(payload, [(a, rng.randrange(10**9) ^ at, b) for a, at, b in edits])
            (folder / name).write_bytes(head + b"\n" + changed)
        for index in rng.sample(range(len(COMMANDS)), 1):
            fresh_process()
            monkeypatch.setenv("MESOCALC_CACHE_DIR", str(folder))
            run = run_cli(COMMANDS[index])
            assert (run.exit_code, run.stdout, run.stderr) == uncached[index], COMMANDS[index]

    check()


def test_the_cache_folder_is_pruned_oldest_first_to_a_bounded_size(tmp_path):
    """Entries written beyond the bound remove the oldest ones (down to 3/4 of it), never the new entry."""
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    for i in range(10):
        (folder / f"old-{i}.json").write_bytes(b"x" * 1000)
        os.utime(folder / f"old-{i}.json", ns=(i * 10**9, i * 10**9))
    cache.prune(folder, keep="old-0.json", limit=8000)  # 10,000 bytes held, 6,000 allowed after pruning
    assert sorted(p.name for p in folder.iterdir()) == ["old-0.json"] + [f"old-{i}.json" for i in range(5, 10)]


def test_a_library_with_errors_is_cached_parsed_and_an_edit_of_that_entry_changes_nothing(tmp_path, monkeypatch):
    """A clinic area with a misspelt key ('surfce'): `check` reports it each time, from the YAML or from the
    parsed-YAML entry, and the same after that entry is edited."""
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "area.yaml").write_text("kind: area\nid: patch\nname: Patch\nsurfce: 10 cm^2\nbasis: assumption\n")
    args = ("check", str(folder), "--json")
    monkeypatch.setenv("MESOCALC_CACHE_DIR", "off")
    expected = run_cli(args)
    assert expected.exit_code == 1 and "surfce" in expected.stdout
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(tmp_path / "cache"))
    first, second = run_cli(args), run_cli(args)
    parsed = [p for p in (tmp_path / "cache").iterdir() if p.name.startswith("library-")]
    assert len(parsed) == 1
    assert (first.stdout, first.exit_code) == (second.stdout, second.exit_code) == (expected.stdout, 1)
    head, _, payload = parsed[0].read_bytes().partition(b"\n")
    parsed[0].write_bytes(head + b"\n" + payload.replace(b"surfce", b"surface"))
    third = run_cli(args)
    assert (third.stdout, third.exit_code) == (expected.stdout, 1)
