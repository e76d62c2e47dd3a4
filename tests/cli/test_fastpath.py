"""The fast path (cli/fastpath.py) reads a command line exactly as the Typer app does, or leaves it to the app.

Three guards: its table of commands equals the live Click commands (every spelling, flag, repeatable option,
type, required-ness and default); for thousands of random command lines, each command function receives
the same arguments by both paths (or the fast path declines); and real runs print the same stdout and stderr
and end with the same exit code both ways. `mesocalc --help` printed from cli/roothelp.py equals Typer's.
"""

from __future__ import annotations

import errno
import inspect
import random
from pathlib import Path
from typing import Any

import pytest

from mesocalc.cli import commands, fastpath, runner


def click_command(name: str) -> Any:
    from mesocalc.cli.app import app
    from mesocalc.cli.clickapp import lazy_command

    return lazy_command(app).commands[name]


def kind_of(param: Any) -> str:
    if getattr(param, "is_flag", False):
        return fastpath.FLAG
    if getattr(param, "multiple", False) or param.nargs == -1:
        return fastpath.TEXTS
    assert param.type.name in ("int", "str"), f"{param.name}: a {param.type.name} option is new to the fast path"
    return fastpath.INT if param.type.name == "int" else fastpath.TEXT


@pytest.mark.parametrize("name", sorted(fastpath.COMMANDS))
def test_the_table_is_the_typer_apps_declaration(name):
    command, table = click_command(name), fastpath.COMMANDS[name]
    options = {}
    arguments = []
    for param in command.params:
        # what Typer passes when it is not given: False for a flag, None for an empty list, else the default
        default = None if param.default in (False, ()) else param.default
        if param.param_type_name == "argument":
            arguments.append(fastpath.Param(param.name, kind_of(param), param.required, default))
        elif param.name != "help":
            for spelling in (*param.opts, *param.secondary_opts):
                options[spelling] = fastpath.Param(param.name, kind_of(param), param.required, default)
            assert kind_of(param) != fastpath.FLAG or param.default is False, param.name
            assert param.envvar is None and not param.is_eager and param.callback is None, param.name
    assert tuple(arguments) == table.arguments
    assert options == table.options
    assert set(inspect.signature(getattr(commands, name, commands.browse)).parameters) >= {
        p.name for p in (*table.arguments, *table.options.values())} - {"agent_id", "cocktail_id", "area_id"}


def calls(monkeypatch: pytest.MonkeyPatch, args: list[str], fast: bool) -> list[tuple[str, dict[str, Any]]]:
    """Which command function runs, with which arguments (by name), when `args` are read one way."""
    seen: list[tuple[str, dict[str, Any]]] = []
    for name in ("plan", "schedule", "convert", "compound", "conditions", "check", "schema", "browse", "visit",
                 "record", "history", "lots"):
        original = getattr(commands, name)

        def record(*a: Any, _name: str = name, _original: Any = original, **k: Any) -> int:
            seen.append((_name, dict(inspect.signature(_original).bind(*a, **k).arguments)))
            return 0

        monkeypatch.setattr(commands, name, record)
    if not fast:
        monkeypatch.setattr(fastpath, "parse", lambda args: None)
    runner.run(args)
    monkeypatch.undo()
    return seen


WORDS = ["submental-dca", "25 cm^2", "5 cm x 4 cm", "-", "", "70 kg", "40%", "12", "007", "x", "1:100000", "mg/mL",
         "-5", "--json", "a=b", "1.5", "٣", "--", "é"]


def random_args(rng: random.Random, name: str) -> list[str]:
    """A command line for `name`: options of the table (and a few others), values and words, in any order."""
    spellings = [*fastpath.COMMANDS[name].options, "--help", "--nope", "-x", "--area=1 cm^2", "-a3"]
    args = [name]
    for _ in range(rng.randint(0, 6)):
        roll = rng.random()
        if roll < 0.6:
            spelling = rng.choice(spellings)
            args.append(spelling)
            param = fastpath.COMMANDS[name].options.get(spelling)
            if param is not None and param.kind != fastpath.FLAG and rng.random() < 0.95:
                args.append(rng.choice(["3", "12", "1 cm", "x", "-1", "25 cm^2"] if param.kind == fastpath.INT
                                       else WORDS))
        else:
            args.append(rng.choice(WORDS))
    command = fastpath.COMMANDS[name]
    for spelling, param in command.options.items():  # what is required, most of the time, anywhere
        if param.required and rng.random() < 0.8:
            at = rng.randint(1, len(args))
            args[at:at] = [spelling, rng.choice(WORDS[:8])]
    for argument in command.arguments:
        if argument.required and rng.random() < 0.8:
            args.insert(rng.randint(1, len(args)), rng.choice(WORDS[:8]))
    return args


@pytest.mark.parametrize("name", sorted(fastpath.COMMANDS))
def test_random_command_lines_reach_the_same_function_with_the_same_arguments(monkeypatch, capsys, name):
    rng = random.Random(f"fastpath-{name}")
    taken = 0
    for _ in range(150):
        args = random_args(rng, name)
        if fastpath.parse(args) is None:
            continue
        taken += 1
        by_typer = calls(monkeypatch, args, fast=False)
        by_fast = calls(monkeypatch, args, fast=True)
        assert by_fast == by_typer, args
    capsys.readouterr()
    assert taken >= 10, "the fast path took too few of the random command lines to prove anything"


CASES = [
    ["plan", "submental-dca", "--area", "25 cm^2", "--json"],
    ["plan", "submental-dca", "--area", "25 cm^2"],
    ["plan", "submental-dca", "-a", "10 cm^2", "-a", "15 cm^2", "--weight", "60 kg", "--strict"],
    ["plan", "mesohair-dutasteride", "--scalp", "40%", "--json", "--points", "12"],
    ["plan", "submental-dca", "--area", "25 cm^2", "--explain", "--show-map"],
    ["plan", "--json"],
    ["plan", "no-such-cocktail", "--json"],
    ["plan", "submental-dca", "--area", "25 furlongs"],
    ["plan", "submental-dca", "--area", "25 cm^2", "--grid", "triangle", "--json"],
    ["convert", "1:100000", "mg/mL"],
    ["convert", "2 %", "--json"],
    ["convert", "2 parsecs", "mg"],
    ["schedule", "submental-dca", "--start", "2027-01-31", "--area", "25 cm^2"],
    ["schedule", "mesohair-minoxidil", "--start", "2026-01-01", "--phase", "intensive:4 every 1 week", "--json"],
    ["compound", "submental-dca-lidocaine", "--volume", "5 mL", "--category", "1", "--storage", "fridge"],
    ["agents", "lidocaine"],
    ["agents", "--json"],
    ["cocktails", "submental-dca", "--json"],
    ["areas", "nowhere"],
    ["conditions", "pregnancy"],
    ["check", "--json"],
    ["schema", "plan"],
    ["schema", "nope"],
    ["--help"],
]


def both_ways(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[Any, Any]:
    """(exit code, stdout, stderr) of `args` run by the fast path, then by the Typer app."""
    assert fastpath.parse(args) is not None, "a plain command line the fast path should read"
    fast = runner.run(args), *capsys.readouterr()
    with monkeypatch.context() as patch:
        patch.setattr(fastpath, "parse", lambda args: None)
        typer = runner.run(args), *capsys.readouterr()
    return fast, typer


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a) or "(none)")
def test_the_same_output_and_exit_code_both_ways(monkeypatch, capsys, args):
    monkeypatch.setenv("COLUMNS", "100")
    fast, typer = both_ways(monkeypatch, capsys, args)
    assert fast == typer


@pytest.mark.parametrize("args", [
    ["plan", "--help"], ["plan", "x", "--area=25 cm^2"], ["plan", "x", "-a25 cm^2"], ["plan", "x", "y"],
    ["plan", "x", "--json", "--json"], ["plan", "x", "--points", "1e3"], ["plan", "x", "--points", "٣"],
    ["plan", "x", "--points", "9" * 5000],
    ["plan", "x", "--area", "-5 cm^2"], ["plan", "x", "--", "--json"], ["convert"], ["compound", "x"],
    ["--version"], ["plan", "x", "--area"], ["ledger", "check"], ["history"], ["pla", "x"], [],
])
def test_anything_unusual_is_left_to_typer(args):
    assert fastpath.parse(args) is None


def test_completion_requests_are_left_to_typer(monkeypatch):
    monkeypatch.setenv("_MESOCALC_COMPLETE", "bash_complete")
    assert fastpath.parse(["plan", "submental-dca"]) is None


@pytest.mark.parametrize("columns", [80, 81, 100, 200])
def test_the_stored_root_help_is_what_typer_prints(columns):
    import docgen  # tools/docgen.py
    from mesocalc.cli.roothelp import TEXT

    assert docgen.typer_root_help(columns) == TEXT


def test_a_narrow_terminal_gets_typers_own_help(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    assert fastpath.parse(["--help"]) is None
    monkeypatch.setenv("COLUMNS", "80")
    assert fastpath.parse(["--help"]) == ("help", {})


def test_a_batch_on_standard_input_gives_the_same_output_both_ways(monkeypatch, capsys):
    # `--batch -` (how scripts and the benchmark feed a batch): Click takes `-` as the option's value, so the
    # fast path does too; a good line, a bad one and a blank one, planned both ways
    import io

    lines = ('{"cocktail": "submental-dca", "area": "25 cm^2"}\n\n{"cocktail": "nope"}\n'
             '{"cocktail": "mesohair-dutasteride", "scalp": "40%"}\n')
    monkeypatch.setenv("COLUMNS", "100")
    assert fastpath.parse(["plan", "--batch", "-"]) is not None
    for args in (["plan", "--batch", "-"], ["plan", "--batch", "-", "--jobs", "1"], ["visit", "--batch", "-"]):
        with monkeypatch.context() as patch:
            patch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(lines.encode()), encoding="utf-8"))
            fast = runner.run(args), *capsys.readouterr()
            patch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(lines.encode()), encoding="utf-8"))
            patch.setattr(fastpath, "parse", lambda args: None)
            typer = runner.run(args), *capsys.readouterr()
        assert fast == typer, args
        assert fast[1].count("\n") == 3, args  # one output line per request line


def test_a_visit_file_gives_the_same_output_both_ways(monkeypatch, capsys, tmp_path):
    # docs/examples.md's 4-item submental visit (the benchmark's visit row), human and JSON, and a bad file
    text = (Path(__file__).resolve().parents[2] / "docs" / "examples.md").read_text(encoding="utf-8")
    visit = tmp_path / "visit.yaml"
    visit.write_text(text.split("`submental-visit.yaml`:", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0],
                     encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("kind: visit\nitems: 3\n", encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "100")
    for args in (["visit", str(visit)], ["visit", str(visit), "--json", "--explain"],
                 ["visit", str(tmp_path / "bad.yaml"), "--json"], ["visit"]):
        fast, typer = both_ways(monkeypatch, capsys, args)
        assert fast == typer, args


def test_the_ledger_commands_give_the_same_output_both_ways(monkeypatch, capsys, tmp_path):
    # a session recorded (by the Typer app), then read back both ways; recording refused both ways
    ledger, plan = str(tmp_path / "ledger.sqlite3"), tmp_path / "plan.json"
    monkeypatch.setenv("COLUMNS", "100")
    assert runner.run(["plan", "mesohair-minoxidil", "--points", "40", "--json"]) == 0
    plan.write_text(capsys.readouterr()[0], encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setattr(fastpath, "parse", lambda args: None)
        assert runner.run(["record", str(plan), "--patient", "P-1", "--ledger", ledger, "--date", "2026-01-01",
                           "--lot", "minoxidil=L1"]) == 0
    capsys.readouterr()
    for args in (["history", "P-1", "--ledger", ledger], ["history", "P-1", "--ledger", ledger, "--json", "--all"],
                 ["lots", "l1", "--ledger", ledger], ["lots", "L1", "--ledger", ledger, "--json"],
                 ["history", "P-NONE", "--ledger", ledger], ["record", str(plan), "--ledger", ledger, "--json"],
                 ["record", str(tmp_path / "missing.json"), "--patient", "P-2", "--ledger", ledger],
                 ["record", "--void", "0000", "--ledger", ledger, "--json"]):
        fast, typer = both_ways(monkeypatch, capsys, args)
        assert fast == typer, args


@pytest.mark.parametrize("problem", [EOFError(), KeyboardInterrupt(), BrokenPipeError(errno.EPIPE, "Broken pipe"),
                                     OSError(errno.EACCES, "Permission denied"), RuntimeError("a bug")],
                         ids=lambda e: type(e).__name__)
def test_an_end_of_input_ctrl_c_broken_pipe_or_bug_inside_a_command_ends_the_same_both_ways(monkeypatch, capsys,
                                                                                            problem):
    def convert(*args: Any, **kwargs: Any) -> int:
        raise problem

    monkeypatch.setattr(commands, "convert", convert)
    fast, typer = both_ways(monkeypatch, capsys, ["convert", "2 %", "mg/mL", "--json"])
    assert fast == typer
