"""Docs that cannot drift: the command reference and the worked examples match the live app, and every
command a guide shows runs."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

import docgen  # tools/docgen.py (conftest puts tools/ on the path)

DOCS = Path(__file__).resolve().parents[1] / "docs"
GUIDES = ("practitioner.md", "pharmacist.md", "scripts.md", "library-format.md")


def test_generated_docs_are_fresh():
    for path, text in docgen.generated_files(DOCS).items():
        assert path.exists(), f"{path} is missing: run python tools/docgen.py"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run python tools/docgen.py"


def test_every_command_and_option_is_in_the_command_reference():
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    for path, command in docgen.command_tree():
        assert f"## mesocalc {' '.join(path)}\n" in reference, f"mesocalc {' '.join(path)} is undocumented"
        section = reference.split(f"## mesocalc {' '.join(path)}\n", 1)[1].split("\n## ", 1)[0]
        for option in docgen.option_names(command):
            assert option in section, f"mesocalc {' '.join(path)} {option} is undocumented"
    for option in ("--version", "--install-completion", "--show-completion"):
        assert option in reference


def test_guides_exist_and_link_the_reference():
    for name in GUIDES:
        assert (DOCS / name).exists(), name
    for name in ("practitioner.md", "pharmacist.md", "scripts.md"):
        assert "(cli.md)" in (DOCS / name).read_text(encoding="utf-8"), name
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    for name in (*GUIDES, "cli.md", "examples.md"):
        assert f"docs/{name}" in readme, f"README does not link docs/{name}"


def _guide_commands() -> list[str]:
    commands = []
    for name in GUIDES:
        text = (DOCS / name).read_text(encoding="utf-8")
        for block in text.split("```sh\n")[1:]:
            for line in block.split("```", 1)[0].splitlines():
                if line.startswith("mesocalc ") and "|" not in line:
                    commands.append(line)
    return commands


@pytest.mark.parametrize("command", _guide_commands())
def test_every_command_in_the_guides_runs(command, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # --map / --export write here
    args = shlex.split(command, comments=True)[1:]
    run = cli(*args)
    assert run.exit_code in (0, 1), f"{command}: exit {run.exit_code}: {run.stderr}"


def test_library_format_examples_load(cli, tmp_path):
    text = (DOCS / "library-format.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    assert len(blocks) == 5  # agent, cocktail, region, condition, product
    (tmp_path / "product.yaml").write_text(blocks[4].replace("id: emla-cream", "id: doc-emla"), encoding="utf-8")
    agent = blocks[0].replace("id: deoxycholic-acid", "id: doc-dca").replace("kybella-pi", "doc-pi")
    agent = agent.replace("[DCA, ATX-101, Kybella]", "[doc-dca-example]")  # the built-in agent owns those names
    (tmp_path / "agent.yaml").write_text(agent, encoding="utf-8")
    (tmp_path / "cocktail.yaml").write_text(blocks[1], encoding="utf-8")
    (tmp_path / "region.yaml").write_text(blocks[2], encoding="utf-8")
    (tmp_path / "condition.yaml").write_text(blocks[3].replace("id: pregnant", "id: doc-pregnant")
                                             .replace("[pregnancy, gravid, pregnant woman]", "[doc-gravid]"),
                                             encoding="utf-8")
    assert cli("check", "--library", str(tmp_path)).exit_code == 0
    run = cli("plan", "dca-with-lidocaine", "--library", str(tmp_path), "--weight", "60 kg", "--json")
    assert run.exit_code in (0, 1), run.stderr
    # 0.5 mL of 2 % (20 mg/mL) in 2.5 mL: 4 mg/mL
    assert run.json["components"][0]["concentration"] == {"value": 4.0, "unit": "mg/mL"}
