"""`mesocalc schema`: the JSON Schemas of every output kind and of the YAML library files.

Every `--json` run through the `cli` fixture is validated against its kind's schema (conftest); these
tests cover the command itself, the schemas' own validity, and the library schema against real files.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import SCHEMAS, strict_json
from mesocalc.library import builtin_dir

OWN = ("plan", "error", "library", "check", "agents", "agent", "cocktails", "cocktail", "areas", "area")


def test_schema_without_a_name_lists_every_schema_file(cli):
    run = cli("schema")
    assert run.exit_code == 0
    listed = run.stdout.split()
    assert listed == sorted(p.stem for p in SCHEMAS.glob("*.json"))
    assert set(OWN) <= set(listed)


@pytest.mark.parametrize("name", OWN)
def test_each_schema_prints_as_a_valid_draft_2020_12_schema(cli, name):
    run = cli("schema", name)
    assert run.exit_code == 0, run.stderr
    schema = strict_json(run.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_an_unknown_schema_name_is_an_input_error_with_a_hint(cli):
    run = cli("schema", "plann", "--json")
    assert run.exit_code == 2
    assert "unknown schema 'plann'" in run.stderr and "did you mean 'plan'" in run.stderr
    assert run.json["kind"] == "error"


def _library_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMAS / "library.json").read_text()))


def _documents(path: Path) -> list[object]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


@pytest.mark.parametrize("path", sorted(builtin_dir().rglob("*.yaml")), ids=lambda p: p.name)
def test_every_builtin_library_document_matches_the_library_schema(path):
    validator = _library_validator()
    for doc in _documents(path):
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
        assert not errors, errors[:5]


def test_library_schema_catches_what_the_loader_catches_a_misspelt_limits_key():
    doc = {"kind": "agent", "id": "x", "name": "X", "limts": [{"scope": "session", "max": "1 mg"}]}
    assert not _library_validator().is_valid(doc)


def test_library_schema_refuses_mixing_both_component_forms():
    doc = {"kind": "cocktail", "id": "c", "name": "C",
           "technique": {"spacing": "1 cm", "volume_per_point": "0.2 mL"},
           "components": [{"agent": "a", "concentration": "1 mg/mL"}, {"agent": "b", "stock": "2 %", "volume": "1 mL"}]}
    assert not _library_validator().is_valid(doc)


def test_browse_outputs_validate_for_every_item_of_the_builtin_library(cli, library):
    # the cli fixture validates each document against its kind's schema
    for kind, table in (("agents", library.agents), ("cocktails", library.cocktails), ("areas", library.areas)):
        assert cli(kind, "--json").exit_code == 0
        for item_id in table:
            assert cli(kind, item_id, "--json").exit_code == 0


def test_plan_outputs_validate_for_every_builtin_cocktail(cli, library):
    for cocktail, found in library.cocktails.items():
        size = () if found.area else ("--points", "10")  # a ring-block cocktail has no default area
        run = cli("plan", cocktail, "--weight", "70 kg", *size, "--json")
        assert run.exit_code in (0, 1), run.stderr
        assert run.json["kind"] == "plan"
