"""The malformed-input corpus (tests/corpus/cases.json): each case is refused with its exit code and a
message that names what is wrong (file, line, key path where there is one), and never a traceback.

Python tags that would run `touch /tmp/mesocalc-pwned` are in the corpus: the test also proves that
nothing was run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import Run

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CASES: dict[str, list[dict[str, Any]]] = {}
for _file in sorted(CORPUS.glob("*.json")):  # cases.json, and one file per theme (notation.json, ...)
    for _section, _cases in json.loads(_file.read_text(encoding="utf-8")).items():
        CASES.setdefault(_section, []).extend(_cases)
PWNED = Path("/tmp/mesocalc-pwned")


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def assert_clean_refusal(run: Run, exit_code: int, fragment: str) -> None:
    assert run.exit_code == exit_code, (run.exit_code, run.stdout[-500:], run.stderr[-500:])
    assert "Traceback" not in run.stderr + run.stdout
    assert "internal error" not in run.stderr, run.stderr
    assert fragment in run.stderr + run.stdout, (fragment, run.stderr[-800:])
    assert not PWNED.exists(), "a corpus input ran code"


def test_the_corpus_has_at_least_100_cases():
    assert sum(len(v) for v in CASES.values()) >= 100
    assert len(CASES["library"]) >= 100


@pytest.mark.parametrize("case", CASES["library"], ids=lambda c: c["file"])
def test_malformed_library_file_fails_check_with_file_line_and_message(cli, case):
    path = f"tests/corpus/library/{case['file']}"
    run = cli("check", path)
    assert_clean_refusal(run, 1, case["message"])
    lines = [line for line in run.stdout.splitlines() if case["message"] in line]
    prefix = f"{path}:{case['line']}:" if "line" in case else f"{path}:"
    assert any(line.startswith(prefix) for line in lines), (prefix, run.stdout[-800:])


@pytest.mark.parametrize("case", CASES["library"], ids=lambda c: c["file"])
def test_malformed_library_file_stops_plan_with_exit_2_and_an_error_document(cli, case):
    path = f"tests/corpus/library/{case['file']}"
    run = cli("plan", "submental-dca", "--library", path, "--json")
    assert_clean_refusal(run, 2, case["message"])
    errors = run.json["errors"]
    assert any(case["message"] in e["message"] and e.get("file") == path for e in errors), errors
    if "line" in case:
        assert any(e.get("line") == case["line"] for e in errors if case["message"] in e["message"]), errors


@pytest.mark.parametrize("case", CASES["patient"], ids=lambda c: c["file"])
def test_malformed_patient_file_is_an_input_error(cli, case):
    path = f"tests/corpus/patient/{case['file']}"
    run = cli("plan", "submental-dca", "--patient", path, "--json")
    assert_clean_refusal(run, 2, case["message"])
    assert run.json["kind"] == "error"
    if "line" in case:
        assert f"{path}:{case['line']}:" in run.stderr, run.stderr


@pytest.mark.parametrize("case", CASES["options"], ids=lambda c: " ".join(c["args"])[:60])
def test_malformed_option_value_is_refused_with_a_clear_message(cli, case):
    run = cli(*case["args"])
    assert_clean_refusal(run, case["exit"], case["message"])
    assert run.stderr.startswith("mesocalc: error: "), run.stderr


@pytest.mark.parametrize("case", CASES["options"][::7], ids=lambda c: " ".join(c["args"])[:60])
def test_with_json_the_refusal_is_one_error_document_on_stdout(cli, case):
    run = cli(*case["args"], "--json")
    assert run.exit_code == case["exit"]
    assert run.json["kind"] == "error"  # the cli fixture has checked it against the error schema
