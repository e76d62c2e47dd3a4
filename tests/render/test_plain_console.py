"""Human output into a pipe: the plain console writes what Rich's SafeConsole would, byte for byte.

render/plain_console.py writes a line that needs no layout itself and hands every other line to a
SafeConsole with the same settings; here each kind of line is printed both ways and compared, and whole
commands are run with and without the plain lines.
"""

from __future__ import annotations

import io

import pytest
from rich.text import Text

from mesocalc.render import plain_console
from mesocalc.render.safe_console import SafeConsole
from mesocalc.render.textgrid import NoTrailingSpaces

SETTINGS = {"no_color": True, "soft_wrap": False, "record": False, "color_system": None}
WIDTH = 40

LINES = [
    (), ("",), ("plain words",), ("x" * WIDTH,), ("x" * (WIDTH + 1),), ("a few words " * 6,),
    ("trailing spaces   ",), ("[bold]not markup[/]",), ("tab\there",), ("two\nlines",), ("esc \x1b[31m red",),
    ("bidi \u202e override",), ("zero\u200bwidth",), ("wide " + "漢字" * 10,), ("wide " + "漢字" * 20,),
    ("e\u0301 combining",), ("5 mg/cm² ≤ 2 mg/cm² ✗ — µ",), (Text("bold text", style="bold"),),
    (Text.assemble(("OK", "bold green"), ": fine"),),
    (Text("right", justify="right"),), (Text("ends", end=""),), (Text("no wrap " * 8, no_wrap=True),),
    (Text("a" * 50, overflow="ellipsis"),), (Text("  ") + Text("indented", style="dim"),), ("a", "b"),
    (Text("tab\tin text"),), (Text("x" * WIDTH),), (Text("x " * 30),),
]


def printed(console_class: type, lines: list[tuple[object, ...]], options: dict[str, object] | None = None) -> str:
    out = io.StringIO()
    stream = NoTrailingSpaces(out)
    console = console_class(file=stream, width=WIDTH, **SETTINGS) if console_class is SafeConsole else \
        console_class(stream, WIDTH, **SETTINGS)
    for objects in lines:
        console.print(*objects, **(options or {}))
    stream.flush()
    return out.getvalue()


@pytest.mark.parametrize("objects", LINES, ids=lambda o: repr(o)[:40])
def test_each_kind_of_line_is_written_as_rich_writes_it(objects):
    assert printed(plain_console.PlainConsole, [objects]) == printed(SafeConsole, [objects])


def test_lines_written_plain_and_by_rich_keep_their_order():
    assert printed(plain_console.PlainConsole, LINES) == printed(SafeConsole, LINES)


def test_print_options_go_to_rich():
    assert printed(plain_console.PlainConsole, LINES[:4], {"style": "bold"}) == printed(SafeConsole, LINES[:4],
                                                                                      {"style": "bold"})


@pytest.mark.parametrize("args", [
    ["plan", "submental-dca", "--area", "5 cm x 5 cm", "--explain", "--show-map"],
    ["plan", "pcdc-abdomen", "--area", "10 cm x 8 cm", "--weight", "70 kg", "--explain"],
    ["agents", "lidocaine"], ["conditions"], ["schedule", "mesohair-dutasteride", "--scalp", "40%", "--start",
                                              "2027-01-15"],
    ["compound", "submental-dca-lidocaine", "--volume", "5 mL", "--category", "1", "--storage", "fridge",
     "--prepared", "2026-03-01T09:30", "--explain"],
])
@pytest.mark.parametrize("columns", ["60", "80", "200"])
def test_commands_print_the_same_with_and_without_plain_lines(cli, monkeypatch, args, columns):
    monkeypatch.setenv("COLUMNS", columns)
    plain = cli(*args)
    monkeypatch.setattr(plain_console.PlainConsole, "_plain", lambda self, objects, options: None)
    rich = cli(*args)
    assert (plain.exit_code, plain.stdout, plain.stderr) == (rich.exit_code, rich.stdout, rich.stderr)
