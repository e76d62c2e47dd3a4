"""The data shipped pre-built in the package (mesocalc/shipped/): the validated built-in library and the
unit strings parsed by pint. They only save time: each must equal what the YAML files and pint give
today, and a stale or edited one is never used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import run_cli
from mesocalc import cache
from mesocalc import units as u
from mesocalc.errors import Location
from mesocalc.library import _raw_layers, builtin_dir, compiled, load_library
from mesocalc.shipped.build import COMMAND

STALE = (f"the shipped {{}} is stale (the built-in YAML, pharmacy_units.txt or the validating code changed): "
         f"regenerate it with `{COMMAND}` and commit src/mesocalc/shipped/")


def shipped_payload(file: str, name: str) -> str:
    text = cache.read_shipped(file, name)
    assert text is not None, STALE.format(file)
    return text


@pytest.fixture
def nothing_shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESOCALC_CACHE_DIR", "off")
    monkeypatch.setattr(cache, "use_shipped", False)
    cache.reset(units=True)
    u._PARSED.clear()
    yield
    cache.reset(units=True)
    u._PARSED.clear()


def test_the_shipped_library_is_the_built_in_yaml_validated_today(nothing_shipped):
    _, files, key = _raw_layers([builtin_dir()], [])
    name = compiled.cache_name(key)
    cache.use_shipped = True
    try:
        shipped = shipped_payload("library.json", name)
    finally:
        cache.use_shipped = False
    result = load_library(dirs=[builtin_dir()])  # YAML parsed and validated, pint for every unit
    assert not result.errors
    assert shipped == compiled.dumps(result.library, result.problems, result.files)
    assert json.loads(shipped.partition("\n")[0])["files"] == files


def test_every_shipped_unit_is_what_pint_says(nothing_shipped):
    cache.use_shipped = True
    try:
        table = json.loads(shipped_payload("units.json", cache.units_name()))
    finally:
        cache.use_shipped = False
    assert {"mg", "mL", "cm^2", "kg", "lb", "mg/mL", "mg/kg", "percent_wv"} <= set(table)
    for unit, (factor, dims) in table.items():
        assert u._pint_factor(unit, Location()) == (factor, tuple(dims)), unit


def test_every_unit_the_built_in_library_uses_is_shipped(nothing_shipped):
    load_library(dirs=[builtin_dir()])
    used = set(cache.unit_table())
    cache.use_shipped = True
    try:
        table = json.loads(shipped_payload("units.json", cache.units_name()))
    finally:
        cache.use_shipped = False
    assert used <= set(table), sorted(used - set(table))


def test_an_edited_shipped_library_is_not_used(tmp_path, monkeypatch):
    """Same header, other content (a hard cap turned soft): the digest no longer matches, YAML is used."""
    args = ["plan", "submental-dca-lidocaine", "--weight", "50 kg", "--json"]
    expected = run_cli(args)
    edited = tmp_path / "shipped"
    edited.mkdir()
    for name in ("library.json", "units.json"):
        data = (cache.SHIPPED / name).read_bytes()
        (edited / name).write_bytes(data.replace(b'\\"hard\\"', b'\\"soft\\"').replace(b'"mg":[1.0', b'"mg":[2.0'))
    monkeypatch.setattr(cache, "SHIPPED", edited)
    cache.reset(units=True)
    u._PARSED.clear()
    try:
        again = run_cli(args)
        assert (again.stdout, again.exit_code) == (expected.stdout, expected.exit_code)
    finally:
        cache.reset(units=True)
        u._PARSED.clear()


def test_a_plan_of_the_built_in_library_imports_neither_pint_nor_yaml(tmp_path):
    """A first run (empty cache) and a weight in pounds: everything comes from the shipped data."""
    code = ("import sys; from mesocalc.cli.app import run; "
            "code = run(['plan', 'submental-dca-lidocaine', '--weight', '154 lb', '--json']); "
            "print(code, 'pint' in sys.modules, 'yaml' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"MESOCALC_CACHE_DIR": str(tmp_path / "empty"), "PATH": "/usr/bin:/bin"})
    assert done.stderr.split()[-3:] == ["0", "False", "False"], done.stderr
    assert json.loads(done.stdout)["kind"] == "plan"
