"""Hostile files (issue 12 items 2 and 4, issue 10 item 7, SPEC §3 and §6).

Only regular files are read where a file is expected: a FIFO, a device (also behind a symlink), a
folder or a dangling link is an input error naming it, at once, without blocking; sizes are checked
before a byte is read. Library layers are read completely or not at all: an unreadable entry stops a
plan (exit 2) and `check` reports it (exit 1: a problem found in the library, like any other).
Output files (--export, --map, --worksheet) are complete or untouched, and a symlink's target is
never written.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from mesocalc.library import builtin_dir

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and symlinks")

# A valid clinic layer: one area, so that a layer with one bad entry differs only by that entry.
AREA = "kind: area\nid: clinic-chin\nname: Chin\nregion: face\nsurface: 4 cm^2\nbasis: assumption\n"


@pytest.fixture
def layer(tmp_path: Path) -> Path:
    folder = tmp_path / "clinic"
    folder.mkdir()
    (folder / "chin.yaml").write_text(AREA, encoding="utf-8")
    return folder


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


# ---- a file where a file is expected -------------------------------------------------------------

@pytest.mark.parametrize("option", [("plan", "{path}"), ("plan", "submental-dca", "--patient", "{path}"),
                                    ("schedule", "submental-dca", "--start", "2026-01-01", "--history", "{path}"),
                                    ("plan", "--batch", "{path}")],
                         ids=["cocktail", "patient", "history", "batch"])
def test_a_fifo_where_a_file_is_expected_is_refused_at_once(cli, tmp_path, option):
    path = fifo(tmp_path / "pipe.yaml")  # nobody writes to it: reading it would block forever
    run = cli(*(arg.format(path=path) for arg in option), "--json")
    assert run.exit_code == 2
    assert f"{path}" in run.stderr and "FIFO" in run.stderr


def test_a_symlink_to_dev_zero_as_the_patient_is_refused_without_reading_it(cli, tmp_path):
    link = tmp_path / "patient.yaml"
    link.symlink_to("/dev/zero")
    run = cli("plan", "submental-dca", "--patient", str(link))
    assert run.exit_code == 2
    assert f"{link}: is a device, not a file" in run.stderr


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(cli, tmp_path):
    big = tmp_path / "patient.yaml"
    with big.open("wb") as handle:  # a sparse 3 GB file: refused by its size, never read
        handle.truncate(3_000_000_000)
    run = cli("plan", "submental-dca", "--patient", str(big))
    assert run.exit_code == 2
    assert "file is 3,000,000,000 bytes; the limit is 1,000,000" in run.stderr


# ---- library layers: completely or not at all ------------------------------------------------------

def make_dangling(folder: Path) -> str:
    (folder / "caps.yaml").symlink_to(folder / "missing.yaml")
    return "is a symbolic link to a file that does not exist"


def make_fifo(folder: Path) -> str:
    fifo(folder / "caps.yaml")
    return "is a FIFO (named pipe), not a file"


def make_folder(folder: Path) -> str:
    (folder / "caps.yaml").mkdir()
    return "is a folder, not a file"


def make_device(folder: Path) -> str:
    (folder / "caps.yaml").symlink_to("/dev/zero")
    return "is a device, not a file"


def make_too_large(folder: Path) -> str:
    with (folder / "caps.yaml").open("wb") as handle:
        handle.truncate(3_000_000_000)
    return "file is 3,000,000,000 bytes; the limit is 1,000,000"


def make_unreadable(folder: Path) -> str:
    path = folder / "caps.yaml"
    path.write_text(AREA.replace("clinic-chin", "clinic-neck"), encoding="utf-8")
    path.chmod(0)
    return "cannot read file: Permission denied"


BROKEN = [make_dangling, make_fifo, make_folder, make_device, make_too_large,
          pytest.param(make_unreadable, marks=pytest.mark.skipif(os.geteuid() == 0, reason="root reads anything"))]


@pytest.mark.parametrize("broken", BROKEN)
def test_an_unreadable_library_entry_stops_the_plan_naming_its_path(cli, layer, broken):
    message = broken(layer)
    run = cli("plan", "submental-dca", "--library", str(layer), "--json")
    assert run.exit_code == 2
    assert f"{layer / 'caps.yaml'}: {message}" in run.stderr
    assert run.json["errors"][0]["file"] == str(layer / "caps.yaml")


@pytest.mark.parametrize("broken", BROKEN)
def test_check_reports_an_unreadable_library_entry(cli, layer, broken):
    message = broken(layer)
    run = cli("check", str(layer))
    assert run.exit_code == 1
    assert f"{layer / 'caps.yaml'}: {message}" in run.stdout
    assert "1 problem(s)" in run.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists any folder")
def test_a_sub_folder_that_cannot_be_listed_is_an_error(cli, layer):
    sub = layer / "private"
    sub.mkdir()
    sub.chmod(0)
    try:
        run = cli("plan", "submental-dca", "--library", str(layer))
    finally:
        sub.chmod(0o755)
    assert run.exit_code == 2 and f"{sub}: cannot read library folder" in run.stderr


def test_a_missing_library_folder_is_an_error(cli, tmp_path):
    run = cli("plan", "submental-dca", "--library", str(tmp_path / "no-such-clinic"))
    assert run.exit_code == 2
    assert f"{tmp_path / 'no-such-clinic'}: library folder does not exist" in run.stderr


def test_a_readable_layer_in_a_symlinked_sub_folder_is_read(cli, layer, tmp_path):
    elsewhere = tmp_path / "shared"
    elsewhere.mkdir()
    (elsewhere / "neck.yaml").write_text(AREA.replace("clinic-chin", "clinic-neck"), encoding="utf-8")
    (layer / "shared").symlink_to(elsewhere)
    (layer / "loop").symlink_to(layer)  # a loop of links is followed once, not forever
    run = cli("areas", "clinic-neck", "--library", str(layer), "--json")
    assert run.exit_code == 0, run.stderr
    assert run.json["id"] == "clinic-neck"


# ---- output files: complete or untouched -------------------------------------------------------------

def test_an_export_over_a_symlink_replaces_the_link_and_never_writes_its_target(cli, tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("not a report", encoding="utf-8")
    link = tmp_path / "report.txt"
    link.symlink_to(target)
    run = cli("plan", "submental-dca", "--export", str(link))
    assert run.exit_code == 0, run.stderr
    assert target.read_text(encoding="utf-8") == "not a report"
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == run.stdout


@pytest.mark.parametrize("option", [("plan", "submental-dca", "--export", "{path}.html"),
                                    ("plan", "submental-dca", "--map", "{path}.svg"),
                                    ("compound", "submental-dca", "--volume", "5 mL", "--immediate-use",
                                     "--worksheet", "{path}.md")],
                         ids=["export", "map", "worksheet"])
def test_a_failed_write_leaves_the_old_file_untouched(cli, tmp_path, monkeypatch, option):
    args = [arg.format(path=tmp_path / "out") for arg in option]
    path = Path(args[-1])
    path.write_text("the good report of yesterday", encoding="utf-8")

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    run = cli(*args)
    assert run.exit_code == 2
    assert f"cannot write '{path}': No space left on device" in run.stderr
    assert path.read_text(encoding="utf-8") == "the good report of yesterday"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left behind


def test_an_export_destination_that_is_a_fifo_is_refused(cli, tmp_path):
    path = fifo(tmp_path / "report.txt")
    run = cli("plan", "submental-dca", "--export", str(path))
    assert run.exit_code == 2 and "is not a regular file" in run.stderr


def test_columns_0_writes_the_same_report_as_the_default_width(cli, tmp_path, monkeypatch):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    cli("plan", "submental-dca", "--export", str(first))
    monkeypatch.setenv("COLUMNS", "0")
    cli("plan", "submental-dca", "--export", str(second))
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    assert "50 mg" in second.read_text(encoding="utf-8")  # label: 10 mg/mL × 5 mL


def test_a_replaced_export_keeps_its_permissions(cli, tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o600)
    cli("plan", "submental-dca", "--export", str(path))
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_builtin_library_has_no_entry_that_is_not_a_file():
    assert all(p.is_file() for p in builtin_dir().rglob("*.yaml"))
