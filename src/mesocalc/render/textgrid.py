"""The one table renderer of every command: a table that fits the width, or one block per row; never a cut value.

Columns are laid out at their natural width. When that is wider than the console, text columns (names,
scopes, sources, calculations) and long headers wrap between words, down to their longest word. When even
that does not fit (a 60-column terminal), each row is printed as a block of `Header  value` lines. A
value is never cut and never replaced by "…", and no line ends in spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Literal

from rich.cells import cell_len
from rich.text import Text

from mesocalc.lazyre import lazy
from mesocalc.render.words import NUMBER_UNIT_SPACE

if TYPE_CHECKING:
    from rich.console import Console

Cell = str | Text
GAP = 2  # spaces between columns
RULE = "─"


@dataclass(frozen=True)
class Column:
    header: str
    justify: Literal["left", "right"] = "left"
    wrap: bool = False  # text that may wrap between words; numbers (a dose, a date) never wrap
    hyphens: bool = False  # a word too long for the table (a long source id) may also break after a hyphen


@dataclass(frozen=True)
class Heading:
    """A line spanning the table (e.g. the agent a group of caps belongs to)."""

    text: Text


@dataclass
class TextTable:
    columns: list[Column]
    title: str | None = None
    rows: list[tuple[Text, ...] | Heading] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # printed below the table (conditions, long notes)

    def add_row(self, *cells: Cell) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(tuple(c if isinstance(c, Text) else plain(c) for c in cells))

    def add_heading(self, text: Cell) -> None:
        self.rows.append(Heading(text if isinstance(text, Text) else plain(text, "bold")))




def _words(plain: str) -> list[tuple[int, int]]:
    """(start, end) of each run of text between the spaces where a line may break."""
    glued = {match.start() for match in NUMBER_UNIT_SPACE.finditer(plain)}
    words: list[tuple[int, int]] = []
    start: int | None = None
    for index, char in enumerate(plain):
        if char == " " and index not in glued:
            if start is not None:
                words.append((start, index))
                start = None
        elif start is None:
            start = index
    if start is not None:
        words.append((start, len(plain)))
    return words


def _longest_word(text: str, hyphens: bool = False) -> int:
    words = [text[a:b] for line in text.split("\n") for a, b in _words(line)]
    if hyphens:  # "network-lipolysis-hasengschwandtner" may break as "network-lipolysis-" + "hasengschwandtner"
        words = [part for word in words for part in re.findall(r"[^-]*-|[^-]+$", word)]
    return max((cell_len(word) for word in words), default=0)


def wrap_text(text: Text, width: int, first: int | None = None) -> list[Text]:
    """Lines of at most `width` cells (the very first line `first`, when given), broken between words
    (never inside a number and its unit)."""
    width = max(width, 1)
    out: list[Text] = []
    for paragraph in text.split("\n", allow_blank=True):
        plain = paragraph.plain
        lead = len(plain) - len(plain.lstrip(" "))
        if out and lead and plain.strip() and width > lead + 12:  # an indented line: continued 2 further in
            inner = wrap_text(paragraph[lead:], width - lead - 2, first=width - lead)
            out += [Text(" " * (lead if k == 0 else lead + 2)) + line for k, line in enumerate(inner)]
            continue
        spans: list[tuple[int, int]] = []
        for a, b in _words(plain):
            room = first if first is not None and not out and len(spans) <= 1 else width
            if spans and cell_len(plain[spans[-1][0]:b]) <= room:
                spans[-1] = (spans[-1][0], b)
            else:
                spans.append((a if spans else 0, b))  # a paragraph keeps its indentation
        for a, b in spans or [(0, 0)]:
            piece = paragraph[a:b]
            while piece.cell_len > (room := first if first is not None and not out else width):
                # one word wider than the whole line: fold it, never cut it; after a hyphen where there is one
                cut = piece.plain.rfind("-", 0, room) + 1 or room
                out.append(piece[:cut])
                piece = piece[cut:]
            out.append(piece)
    return out


def fits_on_one_line(table: TextTable, width: int) -> bool:
    """Whether every row of the table is one line at this width (no cell wraps)."""
    return column_widths(table, width) == _natural_widths(table)


def _natural_widths(table: TextTable) -> list[int]:
    data = [row for row in table.rows if not isinstance(row, Heading)]
    return [max([cell_len(row[index].plain) for row in data] + [cell_len(column.header)])
            for index, column in enumerate(table.columns)]


def column_widths(table: TextTable, width: int) -> list[int] | None:
    """Each column's width so the table fits `width`, or None when it cannot fit without cutting a value."""
    data = [row for row in table.rows if not isinstance(row, Heading)]
    natural = _natural_widths(table)
    keep_headers, minimum, hyphenated = [], [], []
    for index, column in enumerate(table.columns):
        cells = [row[index].plain for row in data]
        widest = max((cell_len(c) for c in cells), default=0)
        cell_min = max((_longest_word(c) for c in cells), default=0) if column.wrap else widest
        keep_headers.append(max(cell_min, cell_len(column.header)))
        minimum.append(max(cell_min, _longest_word(column.header), 1))
        hyphenated.append(max(max((_longest_word(c, True) for c in cells), default=0), _longest_word(column.header), 1)
                          if column.hyphens else minimum[-1])
    gaps = GAP * (len(natural) - 1)
    if sum(natural) + gaps <= width:
        return natural
    # wrap the text columns first; a header wraps only when that is not enough; a long id breaks at a hyphen last
    for floor in (keep_headers, minimum, hyphenated):
        if sum(floor) + gaps <= width:
            return _shrink(natural, floor, sum(natural) + gaps - width)
    return None


def _shrink(natural: list[int], floor: list[int], excess: int) -> list[int]:
    widths = list(natural)
    while excess > 0:  # one column at a time, from the one with the most room to give
        index = max(range(len(widths)), key=lambda i: widths[i] - floor[i])
        widths[index] -= 1
        excess -= 1
    return widths


def _wrapped(text: Text, width: int, justify: str) -> list[Text]:
    out = []
    for line in wrap_text(text, width):
        pad = " " * (width - line.cell_len)
        out.append(Text(pad) + line if justify == "right" else line + Text(pad))
    return out


def _join(cells: list[list[Text]], widths: list[int]) -> list[Text]:
    lines = []
    for k in range(max(len(c) for c in cells)):
        line = Text()
        for index, cell in enumerate(cells):
            if index:
                line.append(" " * GAP)
            line.append_text(cell[k] if k < len(cell) else Text(" " * widths[index]))
        line.rstrip()
        lines.append(line)
    return lines


def print_table(table: TextTable, console: Console) -> None:
    """The table when it fits the console's width (text columns wrapped); otherwise one block per row."""
    widths = column_widths(table, console.width)
    if table.title:
        console.print(plain(table.title, "bold"))
    if widths is None:
        _print_stacked(table, console)
    else:
        header = [_wrapped(Text(c.header, style="bold"), w, c.justify)
                  for c, w in zip(table.columns, widths, strict=True)]
        for line in _join(header, widths):
            console.print(line)
        console.print(RULE * (sum(widths) + GAP * (len(widths) - 1)))
        for row in table.rows:
            if isinstance(row, Heading):
                print_wrapped(row.text, console, indent=0)
                continue
            cells = [_wrapped(cell, w, c.justify)
                     for cell, c, w in zip(row, table.columns, widths, strict=True)]
            for line in _join(cells, widths):
                console.print(line)
    for note in table.notes:
        print_wrapped(plain(note), console, indent=2)


def print_wrapped(text: Text, console: Console, indent: int) -> None:
    """Text wrapped to the width between words, continuation lines indented (the first line has the whole width)."""
    for number, line in enumerate(wrap_text(text, max(console.width - indent, 10), first=console.width)):
        console.print(Text(" " * indent) + line if number else line)


def _print_stacked(table: TextTable, console: Console) -> None:
    """Each row as a block: its first cell, then its other non-empty cells as `Header value`: short pairs as
    many to a line as fit (`Cap 2 mg   Actual 2 mg   Used 100 %`), longer ones (prose) on lines of their own."""
    width = console.width
    for row in table.rows:
        if isinstance(row, Heading):
            print_wrapped(row.text, console, indent=0)
            continue
        first = row[0].copy()
        if not first.style:
            first.stylize("bold")
        if first.plain.strip():  # a continuation row (e.g. a session's second agent) has no label of its own
            print_wrapped(first, console, indent=2)
        line = Text()
        for column, cell in zip(table.columns[1:], row[1:], strict=True):
            if not cell.plain.strip():
                continue
            piece = Text(f"{column.header} ") + cell
            short = piece.cell_len <= SHORT_PAIR
            if short and line.plain and cell_len(line.plain) + PAIR_GAP + piece.cell_len <= width:
                line.append(" " * PAIR_GAP)
                line.append_text(piece)
                continue
            if line.plain:
                console.print(line)
            if short:
                line = Text("  ") + piece
            elif 2 + piece.cell_len <= width:  # prose (items, doses, lots) on a line of its own
                console.print(Text("  ") + piece)
                line = Text()
            else:  # a long value: wrapped under itself
                print_wrapped(Text("  ") + piece, console, indent=4)
                line = Text()
        if line.plain:
            console.print(line)


PAIR_GAP = 3  # spaces between two `Header value` pairs on one line of a block
SHORT_PAIR = 24  # a pair up to this long (`Actual 0.833 mg/kg`) shares a line; a longer one has its own


# spaces (and the colour codes after them) at the end of a line
_TRAILING = lazy(r"[ \t]+((?:\x1b\[[0-9;]*m)*)(?=\n)")


def strip_trailing_spaces(text: str) -> str:
    return _TRAILING.sub(r"\1", text)


class NoTrailingSpaces:
    """A text stream that drops the spaces Rich leaves at the end of wrapped or padded lines."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        head, newline, tail = (self._pending + text).rpartition("\n")
        if newline:
            self._stream.write(strip_trailing_spaces(head + newline))
        self._pending = tail
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._pending)
            self._pending = ""
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding: those of the real stream
        return getattr(self._stream, name)


def plain(text: str, style: str = "") -> Text:
    """Library or user text as a Text, its hidden characters shown as escapes (`\\x08`), never dropped:
    Rich's Text would silently strip a backspace or a carriage return before the console could escape it."""
    from mesocalc.textsafe import visible

    return Text(visible(text), style=style)


def say(console: Console, line: str, indent: int = 10) -> None:
    """A `Label     value` line as plain text (never read as markup), wrapped under its value."""
    print_wrapped(plain(line), console, indent)
