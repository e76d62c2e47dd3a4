"""Forged records (issue 12 item 1, SPEC §6 "text is text"): library and user text reaches every
renderer as text. Never Rich markup, never a terminal escape sequence, escaped in Markdown, HTML and SVG;
hidden characters are refused in library files (with FILE:LINE) and shown as escapes wherever they
come from the command line. Error messages quote a short, escaped excerpt of what was typed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from mesocalc.textsafe import excerpt, hidden_character, markdown_text, visible, xml_valid

ESC = "\x1b"

# A cocktail in its own layer, named with Rich markup that must print as written.
MARKUP_COCKTAIL = """\
kind: cocktail
id: markup-dca
name: "{name}"
area: submental
technique: {{grid: square, spacing: "1 cm", volume_per_point: "0.2 mL"}}
components:
  - {{agent: deoxycholic-acid, concentration: "10 mg/mL"}}
"""


def cocktail_file(write: Any, name: str) -> Path:
    return write("layer/markup.yaml", MARKUP_COCKTAIL.format(name=name))


# ---- the one escaping function ------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "shown"), [
    ("Flanks [left and right]", "Flanks [left and right]"),  # printable text is left alone
    ("a\x1b[31mred", "a\\x1b[31mred"),                        # ESC: a terminal escape sequence
    ("line\nforged", "line\\nforged"),                         # a newline forges a line
    ("over\rwrite", "over\\rwrite"),                           # CR overwrites the line
    ("abc\u202edef", "abc\\u202edef"),                         # RIGHT-TO-LEFT OVERRIDE (Trojan Source)
    ("lido\u200bcaine", "lido\\u200bcaine"),                   # ZERO WIDTH SPACE: two look-alike names
    ("\u2066x\u2069", "\\u2066x\\u2069"),                      # bidi isolates
    ("25 cm² µ ×", "25 cm² µ ×"),                              # mesocalc's own symbols are text
])
def test_visible_shows_every_hidden_character_as_an_escape(raw, shown):
    assert visible(raw) == shown


def test_excerpt_is_short_and_escaped():
    long = "\x1b" + "a" * 99_000
    text = excerpt(long)
    assert len(text) < 120 and ESC not in text and "99,001 characters" in text


def test_hidden_character_allows_newlines_only_where_asked():
    assert hidden_character("two\nlines") == "\\n"
    assert hidden_character("two\nlines", allow_newlines=True) is None
    assert hidden_character("bidi\u202e", allow_newlines=True) == "\\u202e"


def test_markdown_text_cannot_start_markup():
    text = markdown_text("x | y <!-- [link](javascript:alert(1)) <script>\n# h")
    assert "|" not in text.replace("\\|", "")
    assert "<" not in text.replace("\\<", "")
    assert "\n" not in text and "[" not in text.replace("\\[", "")


# ---- Rich: no markup, no escape sequences --------------------------------------------------------

def test_a_name_with_square_brackets_prints_as_written(cli, write):
    path = cocktail_file(write, "Flanks [left and right]")
    run = cli("plan", "markup-dca", "--library", str(path.parent))
    assert run.exit_code == 0, run.stderr
    assert "Flanks [left and right] (markup-dca)" in run.stdout


def test_a_closing_tag_in_a_phase_name_does_not_crash_the_schedule(cli):
    # issue 12 reproducer: `[/]` used to raise MarkupError in every human command
    run = cli("schedule", "submental-dca", "--start", "2026-01-01", "--phase", "a [/]:2 every 1 month")
    assert run.exit_code == 0, run.stderr
    assert "a [/]: 2 every 1 month" in run.stdout
    assert "internal error" not in run.stderr


def test_a_link_in_a_name_never_becomes_a_link_in_the_html_export(cli, write, tmp_path):
    path = cocktail_file(write, "Chin [link=javascript:alert(1)]CLICK[/link]")
    report = tmp_path / "report.html"
    run = cli("plan", "markup-dca", "--library", str(path.parent), "--export", str(report))
    assert run.exit_code == 0, run.stderr
    html = report.read_text(encoding="utf-8")
    assert "<a " not in html and "href" not in html
    assert "[link=javascript:alert(1)]CLICK[/link]" in html  # shown as the text it is


def test_escape_sequences_typed_on_the_command_line_are_shown_escaped(cli):
    run = cli("schedule", "submental-dca", "--start", "2026-01-01", "--phase", "\x1b[2J\x1b[31mred:2 every 1 month")
    assert ESC not in run.stdout + run.stderr
    assert "\\x1b[2J\\x1b[31mred" in run.stdout


def test_escape_sequences_in_an_unknown_id_are_escaped_in_the_error(cli):
    run = cli("plan", "sub\x1b]8;;javascript:x\x07mental")
    assert run.exit_code == 2
    assert ESC not in run.stderr and "\x07" not in run.stderr
    assert "\\x1b]8;;javascript:x\\x07" in run.stderr


# ---- library files: hidden characters refused with FILE:LINE ---------------------------------------

@pytest.mark.parametrize(("name", "shown"), [
    ("\\e[31mRED\\e[0m", "\\x1b"),
    ("Lido\\u200bcaine", "\\u200b"),
    ("abc\\u202edcba", "\\u202e"),
    ("first\\nOK: within every hard cap", "\\n"),
])
def test_check_refuses_hidden_characters_in_a_name_with_file_and_line(cli, write, name, shown):
    path = cocktail_file(write, name)
    run = cli("check", str(path))
    assert run.exit_code == 1
    assert f"{path}:3: name: contains the hidden or control character {shown}" in run.stdout
    assert ESC not in run.stdout and "\u202e" not in run.stdout and "\u200b" not in run.stdout
    refused = cli("plan", "markup-dca", "--library", str(path.parent), "--json")
    assert refused.exit_code == 2 and refused.json["errors"][0]["code"] == "hidden-character"


def test_check_escapes_an_unknown_key_written_with_escape_sequences(cli, write):
    path = write("key.yaml", 'kind: agent\nid: x\nname: ok\n"\\e[31mlimts": 1\n')
    run = cli("check", str(path))
    assert run.exit_code == 1
    assert ESC not in run.stdout
    assert "unknown key '\\x1b[31mlimts'" in run.stdout and f"{path}:4:" in run.stdout


def test_a_multi_line_note_is_allowed_but_not_an_escape_in_it(cli, write):
    ok = write("ok.yaml", "kind: area\nid: chin\nname: Chin\nregion: face\nsurface: 4 cm^2\nbasis: assumption\n"
                          "note: |\n  first line\n  second line\n")
    assert cli("check", str(ok)).exit_code == 0
    bad = write("bad.yaml", 'kind: area\nid: chin\nname: Chin\nregion: face\nsurface: 4 cm^2\nbasis: assumption\n'
                            'note: "first\\nsecond \\e[8mhidden"\n')
    run = cli("check", str(bad))
    assert run.exit_code == 1 and "note: contains the hidden or control character \\x1b" in run.stdout


# ---- the compounding worksheet -----------------------------------------------------------------

FORGED = ("water\n\n## Final concentrations\n\n| Agent | Final concentration | Calculation |\n|---|---|---|\n"
          "| Deoxycholic acid | 1 mg/mL | forged |\n- Verified by: Dr Forger <script>alert(1)</script> <!--")


def test_markdown_worksheet_cannot_be_forged_by_a_diluent_name(cli, tmp_path):
    sheet = tmp_path / "record.md"
    run = cli("compound", "submental-dca", "--volume", "5 mL", "--diluent", FORGED, "--prepared",
              "2026-03-01T09:00", "--immediate-use", "--worksheet", str(sheet))
    assert run.exit_code == 0, run.stderr
    text = sheet.read_text(encoding="utf-8")
    assert text.count("## Final concentrations") == 1  # no second, forged section
    assert not re.search(r"^- Verified by: Dr Forger", text, re.M)  # no forged sign-off line
    assert "<script>" not in text and "<!--" not in text
    assert [line for line in text.splitlines() if line.startswith("- Verified by:")] == [
        "- Verified by: ______________  Date/time: ______________"]
    # every row of every table has its header's number of cells (an unescaped '|' ends a cell)
    cells = 0
    for line in text.splitlines():
        if line.startswith("|"):
            count = len(re.findall(r"(?<!\\)\|", line))
            cells = cells or count
            assert count == cells, line
        else:
            cells = 0


def test_html_worksheet_shows_hidden_characters_escaped(cli, tmp_path):
    sheet = tmp_path / "record.html"
    cli("compound", "submental-dca", "--volume", "5 mL", "--diluent", "saline\x1b[8m<!--", "--immediate-use",
        "--worksheet", str(sheet))
    text = sheet.read_text(encoding="utf-8")
    assert ESC not in text and "<!--" not in text and "saline\\x1b[8m&lt;!--" in text


# ---- the SVG map --------------------------------------------------------------------------------

def test_svg_map_stays_valid_xml_whatever_the_title(library):
    from mesocalc.core.injection_map import layout
    from mesocalc.core.plan import compute
    from mesocalc.render.svgmap import render_svg
    from mesocalc.request.plan import SessionOptions, resolve_session

    result = compute(resolve_session(library.cocktails["submental-dca"], SessionOptions(("4 cm^2",)), library),
                     library)
    svg = render_svg(layout(result), "a\x01b\x1b[31m<script>&\u202e", "sub\x00title")
    assert xml_valid(svg)
    root = ET.fromstring(svg.encode("utf-8"))
    title = root.find("{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text == "a\\x01b\\x1b[31m<script>&\\u202e"


# ---- error messages quote a short excerpt --------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("plan", "a" * 99_000),
    ("plan", "submental-dca", "--area", "z" * 99_000),
    ("plan", "submental-dca", "--grid", "h" * 99_000),
    ("convert", "1 " + "m" * 99_000, "mg"),
])
def test_an_error_never_repeats_a_long_input_in_full(cli, args):
    run = cli(*args)
    assert run.exit_code == 2
    assert len(run.stderr) < 1_000, len(run.stderr)


# ---- lost output: a bad batch line costs no other line its output --------------------------------

GOOD = '{"cocktail": "submental-dca", "area": "25 cm^2"}'  # label case: 25 points, 50 mg


@pytest.mark.parametrize("bad", [
    '{"cocktail": "submental-dca", "spacing": "1 (cm"}',
    '{"cocktail": "submental-dca", "area": "1e28 cm^2"}',
    '{"cocktail": "submental-dca", "volume_per_point": "1 ·"}',
    '{"cocktail": "submental-dca", "patient": "/etc/passwd"}',
    '{"cocktail": "submental-dca", "area": "' + "9" * 99_000 + ' cm^2"}',
    '{"cocktail": "submental-dca", "area": [' + "[" * 5_000 + "]" * 5_000 + "]}",
])
def test_a_bad_batch_line_is_an_error_object_and_every_other_line_is_planned(cli, bad):
    batch = "\n".join([GOOD] * 3 + [bad] + [GOOD] * 3) + "\n"
    run = cli("plan", "--batch", "-", input=batch)
    docs = [line for line in run.stdout.splitlines()]
    assert len(docs) == 7
    kinds = [doc.split('"kind": "', 1)[1].split('"', 1)[0] for doc in docs]
    assert kinds == ["plan"] * 3 + ["error"] + ["plan"] * 3
    assert '"line": 4' in docs[3]
    assert run.exit_code == 2
    assert len(run.stderr) < 1_000  # the long line is not repeated in full


def test_a_patient_file_that_is_not_yaml_is_not_echoed(cli):
    run = cli("plan", "--batch", "-", input='{"cocktail": "submental-dca", "patient": "/etc/passwd"}\n')
    assert "root:" not in run.stdout + run.stderr
    assert "a document must be a mapping with a 'kind', got text" in run.stderr


def test_a_line_over_the_limit_is_refused_without_being_held_and_the_next_line_is_read(tmp_path):
    # the reader keeps at most limit + 1 bytes of a line (here 1,000 of a 3 MB line)
    import io

    from mesocalc.system.boundedio import bounded_lines

    stream = io.BytesIO(b"first\n" + b"x" * 3_000_000 + b"\nlast")
    lines = list(bounded_lines(stream, 1_000))
    assert lines[0] == b"first" and len(lines[1]) == 1_001 and lines[2] == b"last"


def test_a_batch_line_longer_than_the_limit_is_its_own_error(cli, tmp_path):
    from mesocalc.cli.batch import MAX_LINE_BYTES

    path = tmp_path / "batch.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(GOOD + "\n" + '{"cocktail": "' + "a" * (MAX_LINE_BYTES + 10) + '"}\n' + GOOD + "\n")
    run = cli("plan", "--batch", str(path))
    docs = run.stdout.splitlines()
    assert len(docs) == 3 and '"kind": "error"' in docs[1] and "longer than 100,000 characters" in docs[1]
    assert '"kind": "plan"' in docs[0] and '"kind": "plan"' in docs[2]
