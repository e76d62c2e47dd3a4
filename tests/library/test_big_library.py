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
