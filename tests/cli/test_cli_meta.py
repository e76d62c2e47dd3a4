"""--version, shell completion, and an example in every command's help."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from docgen import command_tree  # tools/docgen.py
from mesocalc import __version__
from mesocalc.cli.app import app


def test_version_prints_the_package_version(cli):
    run = cli("--version")
    assert run.exit_code == 0
    assert run.stdout == f"mesocalc {__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", __version__)


def test_show_completion_prints_a_completion_script(cli):
    run = cli("--show-completion")
    assert run.exit_code == 0
    assert "complete" in run.stdout and "_COMPLETE" in run.stdout


def test_show_completion_with_no_shell_among_the_parent_processes_asks_the_shell_variable(cli, monkeypatch):
    # a detached job or an editor's task: shellingham finds no shell above the process, $SHELL still names one
    import shellingham

    def no_shell(*args: object, **kwargs: object) -> tuple[str, str]:
        raise shellingham.ShellDetectionFailure()

    monkeypatch.setattr(shellingham, "detect_shell", no_shell)
    monkeypatch.setenv("SHELL", "/usr/bin/zsh")
    run = cli("--show-completion")
    assert run.exit_code == 0, run.stderr
    assert "#compdef mesocalc" in run.stdout
    monkeypatch.delenv("SHELL")
    run = cli("--show-completion")  # nothing says which shell: Typer's refusal, exit 1
    assert run.exit_code == 1 and "not supported" in run.stderr


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o default -F _mesocalc_completion mesocalc"),
                                               ("zsh", "#compdef mesocalc"),
                                               ("fish", "complete --command mesocalc")])
def test_completion_script_for_a_named_shell_by_environment_variable(shell, marker):
    # the documented route: eval "$(_MESOCALC_COMPLETE=source_bash mesocalc)"
    result = CliRunner().invoke(app, [], env={"_MESOCALC_COMPLETE": f"source_{shell}"}, prog_name="mesocalc")
    assert result.exit_code == 0
    assert marker in result.stdout


def test_completion_completes_commands_and_options():
    env = {"_MESOCALC_COMPLETE": "complete_bash", "COMP_WORDS": "mesocalc plan --ma", "COMP_CWORD": "2"}
    result = CliRunner().invoke(app, [], env=env, prog_name="mesocalc")
    assert "--map" in result.stdout.split()


def test_every_command_help_has_an_example(cli):
    paths = [path for path, _ in command_tree()]
    assert ["plan"] in paths and ["check"] in paths
    for path in paths:
        run = cli(*path, "--help")
        assert run.exit_code == 0, path
        assert "Example: mesocalc " + " ".join(path) in run.stdout, f"no example in: mesocalc {' '.join(path)} --help"


def test_the_command_group_follows_typer_s_completion_test_switch_between_runs(cli, monkeypatch):
    # the Click group is built once per process (cli/runner.py) but again when the one variable Typer reads
    # while building it changes: with the switch set, --show-completion takes the shell's name
    assert cli("--version").exit_code == 0  # the group exists, built without the switch
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    run = cli("--show-completion", "zsh")
    assert run.exit_code == 0, run.stderr
    assert "#compdef mesocalc" in run.stdout
