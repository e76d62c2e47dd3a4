"""--export saves the human report as shown; piped output is plain text with one row per agent."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ESCAPE = re.compile(r"\x1b\[")


def test_export_txt_is_exactly_what_was_printed(cli, tmp_path):
    target = tmp_path / "report.txt"
    run = cli("plan", "submental-dca", "--area", "25 cm^2", "--export", str(target))
    assert run.exit_code == 0, run.stderr
    assert target.read_text(encoding="utf-8") == run.stdout
    assert "50 mg" in run.stdout  # label: 10 mg/mL × 5 mL


def test_export_html_holds_the_report(cli, tmp_path):
    target = tmp_path / "report.html"
    cli("plan", "submental-dca", "--area", "25 cm^2", "--explain", "--export", str(target))
    html = target.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    for expected in ("Deoxycholic acid", "50 mg", "Dose caps", "How each number was found"):
        assert expected in html


def test_export_svg_holds_the_report(cli, tmp_path):
    target = tmp_path / "report.svg"
    cli("plan", "submental-dca", "--area", "25 cm^2", "--export", str(target))
    svg = target.read_text(encoding="utf-8")
    assert "<svg" in svg
    plain = svg.replace("&#160;", " ")
    assert "Deoxycholic" in plain and "mg/mL" in plain


def test_export_with_json_keeps_stdout_one_json_document(cli, tmp_path):
    target = tmp_path / "report.txt"
    run = cli("plan", "submental-dca", "--json", "--export", str(target))
    assert run.json["kind"] == "plan"
    assert "Dose caps" in target.read_text(encoding="utf-8")


def test_export_to_an_unknown_format_is_an_input_error(cli, tmp_path):
    run = cli("plan", "submental-dca", "--export", str(tmp_path / "report.pdf"))
    assert run.exit_code == 2
    assert "--export" in run.stderr and ".html, .svg or .txt" in run.stderr


def test_export_to_a_missing_folder_is_an_input_error(cli, tmp_path):
    run = cli("plan", "submental-dca", "--export", str(tmp_path / "no" / "such" / "report.txt"))
    assert run.exit_code == 2
    assert "cannot write" in run.stderr and "Traceback" not in run.stderr


def test_piped_output_has_no_escape_codes_and_one_line_per_agent_dose(cli):
    # a three-agent cocktail with long names: each agent's row stays whole at the pipe width
    run = cli("plan", "pcdc-abdomen", "--weight", "70 kg")
    assert not ESCAPE.search(run.stdout)
    doc = cli("plan", "pcdc-abdomen", "--weight", "70 kg", "--json").json
    lines = run.stdout.splitlines()
    for component in doc["components"]:
        rows = [line for line in lines if line.startswith(component["name"])]
        assert rows, component["name"]
        assert re.search(r"\d+(\.\d+)? (mg|mcg)\b", rows[0]), rows[0]  # the doses are on the name's line


def test_force_color_gives_colour_and_no_color_wins(cli, monkeypatch):
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ESCAPE.search(cli("plan", "submental-dca").stdout)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ESCAPE.search(cli("plan", "submental-dca").stdout)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipe")
def test_real_pipe_has_no_escape_codes(tmp_path):
    # a real pipe, not the in-process runner: stdout is not a terminal
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "COLUMNS")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src")
    env["MESOCALC_CACHE_DIR"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-m", "mesocalc", "plan", "submental-dca-lidocaine", "--weight", "60 kg"],
                         capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout
    lidocaine = [line for line in out.stdout.splitlines()
                 if line.startswith("Lidocaine hydrochloride") and "mg/mL" in line]
    # 0.5 mL of 2 % in 2.5 mL = 4 mg/mL; × 5 mL = 20 mg; / 60 kg = 0.333 mg/kg, all on one line
    assert len(lidocaine) == 1
    assert all(figure in lidocaine[0] for figure in ("4 mg/mL", "20 mg", "0.333 mg/kg"))


def test_export_write_error_with_json_gives_only_the_error_document(cli, tmp_path):
    run = cli("plan", "submental-dca", "--json", "--export", str(tmp_path / "missing" / "report.html"))
    assert run.exit_code == 2
    assert run.json["kind"] == "error"  # one document: the plan was not printed before the error


def test_narrow_width_wraps_names_and_keeps_every_number_whole(cli, monkeypatch):
    # at 80 columns the dose table wraps the agents' names, never a number
    # (pcdc-abdomen: PC 25 mg/mL, deoxycholate 21 mg/mL; 600 cm² at 1.5 cm -> 267 points × 0.3 mL = 80.1 mL;
    # PC 25 mg/mL × 80.1 mL ≈ 2002 mg, / 70 kg = 28.6 mg/kg)
    monkeypatch.setenv("COLUMNS", "80")
    run = cli("plan", "pcdc-abdomen", "--weight", "70 kg")
    assert "…" not in run.stdout
    lines = run.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    row = next(line for line in lines if line.startswith("Phosphatidylcholine") and "mg/mL" in line)
    assert "25 mg/mL" in row and "28.6 mg/kg" in row
    row = next(line for line in lines if line.startswith("Deoxycholic") and "mg/mL" in line)
    assert "21 mg/mL" in row


def test_at_60_columns_rows_become_blocks_of_whole_values(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    run = cli("plan", "pcdc-abdomen", "--weight", "70 kg")
    lines = run.stdout.splitlines()
    assert all(len(line) <= 60 for line in lines)
    start = lines.index("Phosphatidylcholine")
    # short `Header value` pairs share a line, three spaces apart: PC 25 mg/mL × 80.1 mL = 2002 mg, / 70 kg
    assert lines[start + 1].strip().split("   ")[0] == "Concentration 25 mg/mL"
    pairs = [pair for line in lines[start + 1:start + 4] for pair in line.strip().split("   ")]
    assert "Session dose 2002 mg" in pairs and "Per kg 28.6 mg/kg" in pairs
