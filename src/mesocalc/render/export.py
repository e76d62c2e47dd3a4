"""The human report saved to a file: plain text as shown, or HTML and SVG laid out for paper.

HTML and SVG are drawn again at PRINT_COLUMNS, the width of an A4 or US Letter page in 9 pt monospace
(A4 is 210 mm, Letter 215.9 mm; less 2 × 14 mm margins leaves 182 mm; a 9 pt monospace cell is
0.6 × 9 pt = 1.9 mm, so 92 columns take 175 mm). The HTML has a title and a print stylesheet that wraps
any longer line instead of clipping it; the SVG is light, for printing, and self-contained (no font or
anything else fetched from the network when it is opened).
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable

from rich.console import Console
from rich.terminal_theme import TerminalTheme

from mesocalc.render.textgrid import strip_trailing_spaces

PRINT_COLUMNS = 92

# Dark enough on white paper: black text; red, green, yellow and cyan darkened for print.
PRINT_THEME = TerminalTheme(
    (255, 255, 255), (0, 0, 0),
    [(0, 0, 0), (170, 0, 0), (0, 110, 0), (130, 90, 0), (0, 0, 170), (130, 0, 130), (0, 100, 120),
     (80, 80, 80)],
    [(60, 60, 60), (200, 0, 0), (0, 130, 0), (150, 100, 0), (0, 0, 220), (160, 0, 160), (0, 120, 140),
     (0, 0, 0)],
)

HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
@page {{ margin: 14mm; }}
body {{ margin: 1.5em; color: #000; background: #fff; }}
pre {{ font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", "Courier New", monospace;
       font-size: 9pt; line-height: 1.3; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }}
@media print {{ body {{ margin: 0; }} }}
</style>
</head>
<body>
<pre><code>{code}</code></pre>
</body>
</html>
"""

# Rich's SVG frame without its window chrome and without the web font it fetches from a CDN.
SVG_PAGE = """<svg class="rich-terminal" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">
    <style>
    .{unique_id}-matrix {{
        font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", "Courier New", monospace;
        font-size: {char_height}px;
        line-height: {line_height}px;
        font-variant-east-asian: full-width;
    }}
    .{unique_id}-title {{ font-size: 18px; font-weight: bold; font-family: sans-serif; }}
    {styles}
    </style>
    <defs>
    <clipPath id="{unique_id}-clip-terminal">
      <rect x="0" y="0" width="{terminal_width}" height="{terminal_height}" />
    </clipPath>
    {lines}
    </defs>
    <rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff" />
    <g transform="translate({terminal_x}, {terminal_y})" clip-path="url(#{unique_id}-clip-terminal)">
    {backgrounds}
    <g class="{unique_id}-matrix">
    {matrix}
    </g>
    </g>
</svg>
"""


def page_console() -> Console:
    """A console that only records, at the page's width, with styles kept for the export."""
    return Console(file=io.StringIO(), width=PRINT_COLUMNS, record=True, force_terminal=True,
                   color_system="truecolor", highlight=False, soft_wrap=False, emoji=False)


def export_text(draw: Callable[[Console], None], suffix: str, title: str, shown: Console | None = None) -> str:
    """The report in the file format of `suffix` (html, svg or txt); txt is `shown`'s record when given."""
    if suffix == "txt" and shown is not None:
        return strip_trailing_spaces(shown.export_text())
    console = page_console()
    draw(console)
    if suffix == "html":
        body = console.export_html(theme=PRINT_THEME, inline_styles=True, code_format="{code}")
        return HTML_PAGE.format(title=html.escape(title), code=strip_trailing_spaces(body))
    if suffix == "svg":
        return console.export_svg(title=title, theme=PRINT_THEME, code_format=SVG_PAGE)
    return strip_trailing_spaces(console.export_text())
