"""The one Rich console every human output goes through: library and user text is shown as text.

SPEC §6: text from a library or a user is never read as Rich markup and never passed through as a
terminal escape sequence. Two rules, both here and nowhere else:

- markup is off for the whole console: `Flanks [left and right]` prints as written, `[/]` cannot
  raise, and `[link=javascript:...]` never becomes a link in an `--export` HTML file. mesocalc's own
  colours are set with `Text(..., style=...)`, never with markup.
- every string and `Text` is passed through `textsafe.visible` before it is laid out (so a table
  measures the escaped text), and every segment once more just before it is written (a net for any
  renderable built some other way). ESC, bidi overrides, zero-width characters and newlines inside a
  name are shown as `\\x1b`, `\\u202e`, `\\u200b`, `\\n`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Span, Text

from mesocalc.textsafe import visible


def safe_text(text: Text) -> Text:
    """A copy of `text` whose hidden characters are escapes; its styles stay on the same characters."""
    plain = text.plain
    if plain.isprintable():
        return text
    pieces = [visible(char) for char in plain]
    offsets = [0]
    for piece in pieces:
        offsets.append(offsets[-1] + len(piece))
    return Text("".join(pieces), style=text.style, justify=text.justify, overflow=text.overflow,
                no_wrap=text.no_wrap, end=text.end, tab_size=text.tab_size,
                spans=[Span(offsets[s.start], offsets[min(s.end, len(plain))], s.style) for s in text.spans])


def _safe(renderable: Any) -> Any:
    if isinstance(renderable, str):
        return visible(renderable)
    if isinstance(renderable, Text):
        return safe_text(renderable)
    tables = sys.modules.get("rich.table")  # not imported: no renderable is a Table (saves its import, start-up)
    if tables is not None and isinstance(renderable, tables.Table):
        if renderable.title is not None:
            renderable.title = _safe(renderable.title)
        for column in renderable.columns:
            column.header = _safe(column.header)
            column.footer = _safe(column.footer)
            cells = column._cells  # Rich keeps a column's cells here; escaped before the table is measured
            cells[:] = [_safe(cell) for cell in cells]
    return renderable


class SafeConsole(Console):
    """A Rich Console that never interprets markup and never writes a hidden character it was given."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["markup"] = False
        kwargs["emoji"] = False
        kwargs["highlight"] = False
        super().__init__(**kwargs)

    def render_str(self, text: str, *, style: Any = "", justify: Any = None, overflow: Any = None,
                   emoji: bool | None = None, markup: bool | None = None, highlight: bool | None = None,
                   highlighter: Any = None) -> Text:
        return super().render_str(visible(text), style=style, justify=justify, overflow=overflow, emoji=False,
                                  markup=False, highlight=False, highlighter=None)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        for segment in super().render(_safe(renderable), options):
            text = segment.text
            if segment.control is None and not text.isprintable() and text != "\n":
                lines = text.split("\n")  # Rich's own line breaks stay; anything else hidden is shown
                yield Segment("\n".join(visible(line) for line in lines), segment.style, None)
            else:
                yield segment
