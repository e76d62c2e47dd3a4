"""--help in the order a user meets the commands, summaries whole, readable metavars; shell completion."""

from __future__ import annotations

import re

import pytest

from mesocalc.cli.help import COMMAND_ORDER


def commands_listed(text: str) -> list[str]:
    section = text.split("Commands:", 1)[1]
    return re.findall(r"^  (\w+)  ", section, flags=re.MULTILINE)


def test_help_lists_the_commands_in_the_order_a_user_meets_them(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    listed = commands_listed(cli("--help").stdout)
    known = [name for name in COMMAND_ORDER if name in listed]
    assert listed[:len(known)] == known
    assert listed[:4] == ["plan", "compound", "schedule", "convert"] or listed[:2] == ["plan", "visit"]


def test_help_summaries_are_whole_sentences(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    text = cli("--help").stdout
    assert "..." not in text.split("Commands:", 1)[1]
    assert "maximum sessions and minimum intervals." in " ".join(text.split())  # schedule's summary, whole


def test_option_metavars_say_what_to_type(cli):
    for command in ("plan", "compound", "schedule", "agents"):
        text = cli(command, "--help").stdout
        assert "<str>" not in text and "<int>" not in text, command
    plan = cli("plan", "--help").stdout
    assert "--grid square|hex" in plan and "--area AREA" in plan
    assert "--storage room|fridge|freezer" in cli("compound", "--help").stdout


def test_every_command_and_subcommand_has_readable_metavars_in_help_and_in_docs(cli):
    # the ledger's sub-commands too (`ledger export --patient`, `ledger import FILE|-`), and docs/cli.md,
    # generated from the same commands, shows what a terminal shows
    from pathlib import Path

    commands = [("plan",), ("visit",), ("compound",), ("schedule",), ("record",), ("history",), ("lots",),
                ("convert",), ("ledger", "export"), ("ledger", "import"), ("ledger", "check"), ("ledger", "backup")]
    for command in commands:
        text = cli(*command, "--help").stdout
        assert not re.search(r"<(str|int|float|path)>|\{[a-z]", text), command
    assert "--patient ID" in cli("record", "--help").stdout  # a patient id, not plan's patient FILE
    assert "--patient ID" in cli("ledger", "export", "--help").stdout
    assert "Usage: mesocalc ledger import [OPTIONS] FILE|-" in cli("ledger", "import", "--help").stdout
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert not re.search(r"<(str|int|float|path)>|\[OPTIONS\] [\[{]?[a-z]", docs)


@pytest.mark.parametrize(("command", "usage"), [
    ("plan", "mesocalc plan [OPTIONS] [COCKTAIL]"), ("compound", "mesocalc compound [OPTIONS] COCKTAIL"),
    ("schedule", "mesocalc schedule [OPTIONS] COCKTAIL"), ("history", "mesocalc history [OPTIONS] PATIENT"),
    ("lots", "mesocalc lots [OPTIONS] LOT"), ("convert", "mesocalc convert [OPTIONS] QUANTITY [UNIT]")])
def test_usage_lines_name_the_arguments_as_spec_writes_them(cli, command, usage):
    # SPEC §5: `mesocalc compound COCKTAIL --volume 10 mL`, `mesocalc lots LOT`: never Typer's "{cocktail}"
    assert f"Usage: {usage}" in cli(command, "--help").stdout
    missing = cli(command)
    assert missing.exit_code == 2 and "{" not in missing.stderr


def complete(cli, monkeypatch, words: str) -> list[str]:
    monkeypatch.setenv("_MESOCALC_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(len(words.split(" ")) - 1))
    return cli().stdout.split()


def test_completion_offers_library_ids_and_word_values(cli, monkeypatch):
    assert complete(cli, monkeypatch, "mesocalc plan submental") == ["submental-dca", "submental-dca-lidocaine"]
    assert complete(cli, monkeypatch, "mesocalc areas flank") == ["flank-left", "flank-right", "flanks"]
    assert "lidocaine" in complete(cli, monkeypatch, "mesocalc agents li")
    assert complete(cli, monkeypatch, "mesocalc plan submental-dca --grid ") == ["square", "hex"]
    assert complete(cli, monkeypatch, "mesocalc compound submental-dca --storage f") == ["fridge", "freezer"]
    # --stock AGENT=STOCK_ID: lidocaine's three label strengths (0.5, 1 and 2 %)
    assert complete(cli, monkeypatch, "mesocalc compound submental-dca-lidocaine --stock lido") == [
        "lidocaine=lidocaine-0-5-percent", "lidocaine=lidocaine-1-percent", "lidocaine=lidocaine-2-percent"]
    scalp = complete(cli, monkeypatch, "mesocalc plan mesohair-minoxidil --scalp ")
    assert "whole" in scalp and "scalp-vertex" in scalp and "abdomen" not in scalp


def test_completion_reads_an_extra_library_layer(cli, monkeypatch, write):
    folder = str(write("extra/my.yaml", "kind: cocktail\nid: submental-custom\nname: x\n").parent)
    monkeypatch.setenv("MESOCALC_LIBRARY", folder)
    assert "submental-custom" in complete(cli, monkeypatch, "mesocalc plan submental")


def test_completion_does_not_load_pint(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, _MESOCALC_COMPLETE="complete_bash", COMP_WORDS="mesocalc plan sub", COMP_CWORD="2",
               MESOCALC_CACHE_DIR=str(tmp_path))
    code = ("import sys; from mesocalc.cli.app import run; run(); "
            "sys.stderr.write('PINT' if 'pint' in sys.modules else 'NOPINT')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert "submental-dca" in out.stdout and "NOPINT" in out.stderr
