"""Each command's output on stdout: the JSON document with --json, the tables or text otherwise.

cli.py computes a result and hands it here; plan's and visit's richer outputs (map, export, ledger lines)
are in plan_report.py, the library browsers in browse.py. Input errors are reported here too.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mesocalc.core.compound import CompoundResult
    from mesocalc.core.conversion import Conversion
    from mesocalc.core.schedule import ScheduleResult
    from mesocalc.errors import Problem
    from mesocalc.library.check import LibraryCheck


def emit_json(doc: dict[str, Any]) -> None:
    from mesocalc.render.jsondoc import dumps

    sys.stdout.write(dumps(doc) + "\n")


def present_error(problems: list[Problem], as_json: bool) -> None:
    """One message per problem on stderr, and the error document on stdout with --json."""
    from mesocalc.system.streams import OutputError, silence_stdout
    from mesocalc.textsafe import visible

    if as_json:
        from mesocalc.render.jsondoc import dumps, error_doc

        try:
            sys.stdout.write(dumps(error_doc(problems)) + "\n")
            sys.stdout.flush()
        except OutputError:  # stdout closed or full: the message on stderr still says what went wrong
            silence_stdout()
    for problem in problems:
        sys.stderr.write(f"mesocalc: error: {visible(problem.text())}\n")


def present_text(text: str) -> None:
    """Text as it is (a schema, a list of names), ending in one newline."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def present_schedule(result: ScheduleResult, json_out: bool) -> None:
    if json_out:
        from mesocalc.render.schedule_json import schedule_doc

        emit_json(schedule_doc(result))
    else:
        from mesocalc.render.schedule_table import render_schedule
        from mesocalc.render.table import make_console

        render_schedule(result, make_console())


def present_compound(result: CompoundResult, json_out: bool, explain: bool, worksheet: str | None) -> None:
    """The recipe (and its derivation with --explain); the worksheet, when asked for, is written first."""
    if worksheet is not None:
        from mesocalc.render.worksheet import write_worksheet

        write_worksheet(result, worksheet)
    steps = None
    if explain:
        from mesocalc.render.explain import compound_steps

        steps = compound_steps(result)
    if json_out:
        from mesocalc.render.jsondoc import compound_doc, steps_doc

        doc = compound_doc(result)
        if steps is not None:
            doc["explain"] = steps_doc(steps)
        emit_json(doc)
    else:
        from mesocalc.render.pharmacy import render_compound
        from mesocalc.render.table import make_console, render_steps

        console = make_console()
        render_compound(result, console)
        if steps is not None:
            render_steps(steps, console)
        if worksheet is not None:
            console.print(f"Worksheet written to {worksheet}")


def present_conversion(result: Conversion, json_out: bool) -> None:
    if json_out:
        from mesocalc.render.jsondoc import conversion_doc

        emit_json(conversion_doc(result))
    else:
        from mesocalc.render.conversion_text import conversion_text

        sys.stdout.write(conversion_text(result))


def present_check(result: LibraryCheck, json_out: bool) -> None:
    if json_out:
        from mesocalc.render.jsondoc import check_doc

        emit_json(check_doc(result))
    else:
        from mesocalc.render.check_text import check_text

        sys.stdout.write(check_text(result))
