"""The ledger's documents are shaped in render/ (render/ledger_json.py); the ledger's own formats (the
content column, the export file) stay in ledger/ (content.py, codec.py), writer beside reader.

A KYBELLA session on a 5 cm × 5 cm submental area (REFERENCE §1.1): 25 points × 0.2 mL × 10 mg/mL = 50 mg.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import mesocalc
from mesocalc.ledger import api, codec


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ledger.sqlite3"
    monkeypatch.setenv("MESOCALC_LEDGER", str(path))
    return path


@pytest.fixture
def recorded(cli: Any, tmp_path: Path, ledger: Path) -> Path:
    """Two monthly sessions of patient P-7, the first with a lot, the second voided."""
    plan = tmp_path / "plan.json"
    plan.write_text(cli("plan", "submental-dca", "--area", "5 cm x 5 cm", "--json").stdout, encoding="utf-8")
    first = cli("record", str(plan), "--patient", "P-7", "--date", "2025-01-15", "--lot", "kybella-10=C1:2026-03",
                "--json")
    second = cli("record", str(plan), "--patient", "P-7", "--date", "2025-02-15", "--json")
    assert first.exit_code == 0 and second.exit_code == 0, first.stderr + second.stderr
    assert cli("record", "--void", second.json["session"]["session"], "--reason", "entered twice").exit_code == 0
    return ledger


def test_the_python_api_gives_the_documents_the_cli_prints(cli, recorded, library):
    history = api.patient_history(recorded, "P-7", library)
    assert mesocalc.json_document(history) == cli("history", "P-7", "--json").json
    assert mesocalc.json_document(api.lots(recorded, "C1")) == cli("lots", "C1", "--json").json
    assert mesocalc.json_document(api.check(recorded)) == cli("ledger", "check", "--json").json
    doc = mesocalc.json_document(history)
    assert doc["sessions_given"] == 1 and doc["sessions_void"] == 1
    assert doc["agents"][0]["total"] == {"value": 50.0, "unit": "mg"}  # one counted session of 50 mg


def test_the_export_file_reads_back_as_the_sessions_it_was_written_from(recorded):
    """codec.py's writer and reader are one format: every stored field survives the round trip."""
    exported = api.export(recorded, None)
    sessions = codec.read_export(json.dumps(exported), "export.json")
    assert [s.uuid for s in sessions] == [s["uuid"] for s in exported["sessions"]]
    again = codec.export_doc(sessions, None)
    assert again["sessions"] == exported["sessions"]


def test_the_stored_content_is_canonical_json_as_before(recorded):
    """The content column keeps its format (sorted keys, no spaces), so ledgers written earlier still read
    and their content hashes still match."""
    with sqlite3.connect(recorded) as con:
        content, = con.execute("SELECT content FROM sessions ORDER BY given_at LIMIT 1").fetchone()
    assert content == (
        '{"doses":{"deoxycholic-acid":{"unit":"mg","value":50.0}},"items":[{"area":{"unit":"cm^2","value":25.0},'
        '"doses":{"deoxycholic-acid":{"unit":"mg","value":50.0}},"points":25,"ref":"submental-dca",'
        '"volume":{"unit":"mL","value":5.0},"what":"cocktail"}],"solution":{"deoxycholic-acid":5.0},'
        '"source":"plan","weight":null}')


def test_an_export_whose_content_mesocalc_cannot_read_is_refused_whole(cli, recorded, tmp_path):
    """The reader decodes every item of the content as the store will: an item volume in a unit the ledger
    never stores is refused at import (exit 2, naming the key), not found later by `history`."""
    exported = api.export(recorded, None)
    exported["sessions"][0]["content"]["items"][0]["volume"] = {"unit": "teaspoon", "value": 1.0}
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    run = cli("ledger", "import", str(path), "--ledger", str(tmp_path / "other.sqlite3"))
    assert run.exit_code == 2
    assert "sessions[0].content" in run.stderr and "cannot read" in run.stderr
