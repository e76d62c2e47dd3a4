"""A cache or home directory that cannot be written never breaks a command, and nothing mesocalc runs
writes into a library folder (cache.py: every cache failure falls back to doing the work again)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def _unwritable(tmp_path: Path) -> Path:
    """A folder that cannot be created or written, even by root: it sits under a regular file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    return blocker / "cache"


COMMANDS = [
    ("plan", "submental-dca", "--area", "25 cm^2", "--json"),
    ("plan", "submental-dca-lidocaine", "--weight", "154 lb", "--json"),
    ("agents", "--json"),
    ("check", "--json"),
    ("schema", "plan"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_an_unwritable_cache_dir_changes_nothing(cli, monkeypatch, tmp_path, args):
    expected = cli(*args)
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(_unwritable(tmp_path)))
    run = cli(*args)
    assert run.exit_code == expected.exit_code == 0, run.stderr
    assert run.stdout == expected.stdout and run.stderr == ""


def test_a_read_only_cache_dir_changes_nothing(cli, monkeypatch, tmp_path):
    cache = tmp_path / "ro-cache"
    cache.mkdir()
    (cache / "garbage.json").write_text("{not json")
    cache.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        monkeypatch.setenv("MESOCALC_CACHE_DIR", str(cache))
        run = cli("plan", "submental-dca", "--area", "25 cm^2", "--json")
        assert run.exit_code == 0 and run.json["points"] == 25, run.stderr
    finally:
        cache.chmod(stat.S_IRWXU)


@pytest.mark.parametrize("home", ["missing", "unwritable"])
def test_a_missing_or_unwritable_home_changes_nothing(cli, monkeypatch, tmp_path, home):
    monkeypatch.delenv("MESOCALC_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "no-such-home" if home == "missing" else _unwritable(tmp_path)))
    run = cli("plan", "submental-dca", "--area", "25 cm^2", "--json")
    assert run.exit_code == 0 and run.json["points"] == 25, run.stderr  # label: 25 cm² at 1 cm = 25 points


def test_a_corrupt_cache_is_ignored(cli, monkeypatch, tmp_path):
    from mesocalc import cache as user_cache

    monkeypatch.setattr(user_cache, "use_shipped", False)  # so that the plan fills the user cache
    cache = tmp_path / "cache"
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(cache))
    first = cli("plan", "submental-dca", "--area", "25 cm^2", "--json")
    for path in cache.iterdir():
        path.write_bytes(b"\xff\x00garbage")
    again = cli("plan", "submental-dca", "--area", "25 cm^2", "--json")
    assert again.exit_code == 0 and again.stdout == first.stdout


def test_nothing_is_ever_written_into_a_library_folder(cli, monkeypatch, tmp_path):
    from mesocalc.library import builtin_dir

    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "area.yaml").write_text("kind: area\nid: my-area\nname: Mine\nsurface: 30 cm^2\nbasis: assumption\n")
    before, builtin_before = _snapshot(folder), _snapshot(builtin_dir())
    monkeypatch.setenv("MESOCALC_LIBRARY", str(folder))
    for args in [("plan", "submental-dca", "--area", "my-area", "--json"), ("check", str(folder)),
                 ("areas", "--library", str(folder)), ("plan", "submental-dca", "--library", str(folder))]:
        assert cli(*args).exit_code in (0, 1)
    monkeypatch.delenv("MESOCALC_CACHE_DIR")  # the default cache location must not be a library either
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cli("plan", "submental-dca", "--library", str(folder), "--json").exit_code == 0
    assert _snapshot(folder) == before
    assert _snapshot(builtin_dir()) == builtin_before
    assert os.listdir(tmp_path / "xdg")  # the cache went where it belongs
