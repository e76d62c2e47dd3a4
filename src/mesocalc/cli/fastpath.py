"""The common command lines, read without importing Typer and Click (≈ 4×F of every run's start-up).

`parse(args)` reads a command line only when it is plain: a command of COMMANDS, then its arguments and
its options each spelt exactly as declared (`--area VALUE`, `-a VALUE`, `--json`), in any order. Anything
else returns None and the Typer app reads it as before: `--help`, `--version`, completion, `--opt=value`,
`-aVALUE`, `--`, a value that starts with `-` (except `-` alone: standard input, as Click takes it), an
unknown or repeated option, a missing or extra argument, a number that is not plain digits. So every
error message and every help text still comes from Typer.

What a plain command line means is what the Typer app makes of it: each command's parameters, with the
defaults Typer passes, are listed here, and tests/cli/test_fastpath.py checks this table against the live
Click command (names, spellings, flags, repeatable, types, defaults) and runs many command lines both ways,
comparing stdout, stderr and the exit code. `--help` of the whole app (`mesocalc --help`) is printed from
the text Typer printed when the docs were generated (cli/roothelp.py, written by tools/docgen.py; a test
checks it), at the usual width of 80 columns or more; any other width goes to Typer.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NamedTuple


class Param(NamedTuple):
    name: str  # the Python parameter of cli.commands' function
    kind: str  # "flag", "text", "int", "texts" (repeatable)
    required: bool = False
    default: str | None = None  # what Typer passes when it is not given (a flag: False)


FLAG, TEXT, INT, TEXTS = "flag", "text", "int", "texts"

LIBRARY, JSON = Param("library", TEXTS), Param("json_out", FLAG)
SESSION = {  # plan and schedule: what the session is
    "--area": Param("area", TEXTS), "-a": Param("area", TEXTS), "--scalp": Param("scalp", TEXT),
    "--spacing": Param("spacing", TEXT), "--volume-per-point": Param("volume_per_point", TEXT),
    "--grid": Param("grid", TEXT), "--points": Param("points", INT), "--weight": Param("weight", TEXT),
    "--patient": Param("patient", TEXT), "--library": LIBRARY, "-L": LIBRARY, "--json": JSON,
    "--strict": Param("strict", FLAG), "--patient-id": Param("patient_id", TEXT), "--ledger": Param("ledger", TEXT),
}
BROWSE = {"--library": LIBRARY, "-L": LIBRARY, "--json": JSON}
RECORD = {  # plan and visit: the course ledger
    "--patient-id": Param("patient_id", TEXT), "--ledger": Param("ledger", TEXT), "--record": Param("record", FLAG),
    "--date": Param("date", TEXT), "--lot": Param("lot", TEXTS), "--by": Param("by", TEXT),
    "--note": Param("note", TEXT), "--override": Param("override", TEXT), "--again": Param("again", FLAG),
}


class Command(NamedTuple):
    arguments: tuple[Param, ...]
    options: dict[str, Param]


# command name -> its arguments (in order) and options, as the Typer app declares them (cli/app.py)
COMMANDS: dict[str, Command] = {
    "plan": Command((Param("cocktail", TEXT),), {
        **SESSION, "--batch": Param("batch", TEXT), "--jobs": Param("jobs", INT), "--explain": Param("explain", FLAG),
        "--map": Param("map_file", TEXT), "--show-map": Param("show_map", FLAG), "--export": Param("export", TEXT),
        **RECORD}),
    "schedule": Command((Param("cocktail", TEXT, required=True),), {
        **SESSION, "--start": Param("start", TEXT), "--phase": Param("phase", TEXTS),
        "--history": Param("history", TEXT)}),
    "convert": Command((Param("quantity", TEXT, required=True), Param("unit", TEXT)), {"--json": JSON}),
    "compound": Command((Param("cocktail", TEXT, required=True),), {
        "--volume": Param("volume", TEXT, required=True), "--stock": Param("stock", TEXTS),
        "--overfill": Param("overfill", TEXT), "--diluent": Param("diluent", TEXT),
        "--category": Param("category", TEXT), "--storage": Param("storage", TEXT),
        "--prepared": Param("prepared", TEXT), "--immediate-use": Param("immediate_use", FLAG),
        "--worksheet": Param("worksheet", TEXT), "--patient": Param("patient", TEXT), **BROWSE,
        "--explain": Param("explain", FLAG), "--strict": Param("strict", FLAG)}),
    "visit": Command((Param("file", TEXT),), {
        **BROWSE, "--strict": Param("strict", FLAG), "--explain": Param("explain", FLAG),
        "--export": Param("export", TEXT), "--batch": Param("batch", TEXT), "--jobs": Param("jobs", INT), **RECORD}),
    "record": Command((Param("file", TEXT, default="-"),), {
        "--patient": Param("patient", TEXT), "--void": Param("void", TEXT), "--reason": Param("reason", TEXT),
        **BROWSE, **{k: v for k, v in RECORD.items() if k not in ("--patient-id", "--record")}}),
    "history": Command((Param("patient", TEXT, required=True),), {
        "--all": Param("show_all", FLAG), "--ledger": Param("ledger", TEXT), **BROWSE}),
    "lots": Command((Param("lot", TEXT, required=True),), {"--ledger": Param("ledger", TEXT), "--json": JSON}),
    "agents": Command((Param("agent_id", TEXT),), BROWSE),
    "cocktails": Command((Param("cocktail_id", TEXT),), BROWSE),
    "areas": Command((Param("area_id", TEXT),), BROWSE),
    "conditions": Command((Param("condition_id", TEXT),), BROWSE),
    "check": Command((Param("paths", TEXTS),), {**BROWSE, "--strict": Param("strict", FLAG)}),
    "schema": Command((Param("name", TEXT),), {"--json": JSON}),
}

COMPLETE_VAR = "_MESOCALC_COMPLETE"  # Click's completion request (`_{PROG}_COMPLETE`)
ROOT_HELP = ("--help",)


def parse(args: list[str]) -> tuple[str, dict[str, Any]] | None:
    """(command, keyword arguments of its cli.commands function), or None: let the Typer app read it."""
    if not args or os.environ.get(COMPLETE_VAR) is not None:
        return None
    if tuple(args) == ROOT_HELP:
        return ("help", {}) if help_width_is_usual() else None
    command = COMMANDS.get(args[0])
    if command is None:
        return None
    values: dict[str, Any] = {}
    positional: list[str] = []
    words = iter(args[1:])
    for word in words:
        if word[:1] != "-" or word == "-":
            positional.append(word)
            continue
        param = command.options.get(word)
        if param is None or (param.name in values and param.kind != TEXTS):
            return None  # unknown, `--opt=value`, `-aVALUE`, `--`, `--help`, or given twice: Typer reads it
        if param.kind == FLAG:
            values[param.name] = True
            continue
        value = next(words, None)
        if value is None or (value[:1] == "-" and value != "-"):  # `-` alone is a value (`--batch -`: stdin)
            return None
        if param.kind == INT:
            if not (value.isascii() and value.isdigit() and len(value) <= 18):  # Click's int(), never its error
                return None
            values[param.name] = int(value)
        elif param.kind == TEXTS:
            values.setdefault(param.name, []).append(value)
        else:
            values[param.name] = value
    if any(p.required and p.name not in values for p in command.options.values()):
        return None
    arguments = command.arguments
    if arguments and arguments[-1].kind == TEXTS:  # [PATH]...: every word
        values[arguments[-1].name] = positional or None
    else:
        if len(positional) > len(arguments) or any(a.required for a in arguments[len(positional):]):
            return None
        values.update(zip((a.name for a in arguments), positional, strict=False))
    for param in (*arguments, *command.options.values()):
        values.setdefault(param.name, False if param.kind == FLAG else param.default)
    return args[0], values


def help_width_is_usual() -> bool:
    """Click lays help out at min(terminal columns, 80) - 2: the same text at any width of 80 or more."""
    import shutil

    return shutil.get_terminal_size().columns >= 80


def root_help() -> int:
    from mesocalc.cli.roothelp import TEXT

    sys.stdout.write(TEXT)
    return 0


def call(name: str, values: dict[str, Any]) -> Any:
    """Run the command as the Typer app would: its function, with Click's handling of Ctrl-C, end of input
    and a broken pipe (typer.core._main)."""
    import errno

    if name == "help":
        return root_help()
    from mesocalc.cli import commands

    try:
        if name in ("agents", "cocktails", "areas"):
            return commands.browse(name, values[f"{name[:-1]}_id"], values["library"], values["json_out"])
        return getattr(commands, name)(**values)
    except KeyboardInterrupt:
        return 130  # Typer: Exit(130), reported by the runner
    except EOFError as exc:
        sys.stderr.write("\n")
        raise Aborted from exc
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise SystemExit(1) from exc
        raise


class Aborted(Exception):
    """End of input where an answer was expected (Click's Abort)."""
