"""The one table renderer: text wraps between words, a number never splits from its unit or is cut."""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from mesocalc.render.textgrid import Column, NoTrailingSpaces, TextTable, print_table, wrap_text


def rendered(table: TextTable, width: int) -> list[str]:
    out = io.StringIO()
    print_table(table, Console(file=out, width=width, no_color=True, highlight=False, soft_wrap=False))
    return out.getvalue().splitlines()


def caps() -> TextTable:
    table = TextTable([Column("Agent", wrap=True), Column("Cap", "right"), Column("Source", wrap=True)])
    table.add_row("Lidocaine hydrochloride", "4.5 mg/kg", "xylocaine-label (high)")
    table.add_row("Deoxycholic acid", "100 mg", "kybella-pi (high)")
    return table


def test_a_table_that_fits_is_one_line_per_row():
    lines = rendered(caps(), 120)
    assert lines[2].split() == ["Lidocaine", "hydrochloride", "4.5", "mg/kg", "xylocaine-label", "(high)"]


def test_a_narrower_width_wraps_the_text_columns_and_keeps_the_numbers_on_their_row():
    # the longest words: "hydrochloride" 13 + "4.5 mg/kg" 9 + "xylocaine-label" 15 + 2 gaps of 2 = 41
    lines = rendered(caps(), 45)
    assert all(len(line) <= 45 for line in lines)
    row = next(line for line in lines if line.startswith("Lidocaine"))
    assert "4.5 mg/kg" in row
    assert any(line.strip() == "hydrochloride" or line.strip().startswith("hydrochloride") for line in lines)


def test_too_narrow_for_the_longest_words_the_rows_become_blocks():
    lines = rendered(caps(), 30)
    assert "Lidocaine hydrochloride" in lines
    assert ["Cap", "4.5", "mg/kg"] in [line.split() for line in lines]
    assert ["Source", "xylocaine-label"] in [line.split() for line in lines]  # an id is never split
    assert all(len(line) <= 30 for line in lines)


def test_no_line_ends_in_spaces():
    for width in (30, 45, 120):
        assert all(line == line.rstrip() for line in rendered(caps(), width))


def test_a_number_and_its_unit_stay_on_one_line():
    # "= 1 mL" at the end of a calculation: the line breaks before "1 mL", never between 1 and mL
    lines = [t.plain for t in wrap_text(Text("0.5 mL (recipe part) × 2 (batch / recipe) = 1 mL"), 16)]
    assert all(not line.endswith(" 1") for line in lines) and any(line.endswith("1 mL") for line in lines)
    assert all(len(line) <= 16 for line in lines)


def test_the_stream_drops_trailing_spaces_before_colour_codes_too():
    out = io.StringIO()
    stream = NoTrailingSpaces(out)
    stream.write("a  \x1b[0m\nb   ")
    stream.write("\nc")
    stream.flush()
    assert out.getvalue() == "a\x1b[0m\nb\nc"
