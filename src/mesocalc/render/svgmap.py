"""The injection map as SVG (`plan --map FILE.svg`): outline, every point, spacing, dimensions, scale bar.

Pure string building; every text is XML-escaped and its hidden characters shown (textsafe.xml_text),
so a control character in a name cannot make the document invalid XML. Drawn at true size: user units
are millimetres and the document's width and height are given in mm, so a print at 100 % matches the patient's skin.
"""

from __future__ import annotations

from mesocalc.injection_map import InjectionMap
from mesocalc.textsafe import xml_text as escape
from mesocalc.units import format_number

MM_PER_CM = 10.0
MARGIN = 18.0  # mm around the outline, for dimension labels
FOOTER = 30.0  # mm below, for the legend and the scale bar
FONT = 3.5  # mm


def _n(x: float) -> str:
    """A coordinate: at most 3 decimals, no trailing zeros."""
    text = f"{x:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text(x: float, y: float, content: str, anchor: str = "start", extra: str = "", size: float = FONT) -> str:
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}"{extra}>'
            f"{escape(content)}</text>")


def _cm(x_cm: float) -> str:
    return f"{format_number(x_cm)} cm"


def render_svg(drawing: InjectionMap, title: str, subtitle: str) -> str:
    w = drawing.width * MM_PER_CM
    h = drawing.height * MM_PER_CM
    xs = [p[0] * MM_PER_CM for p in drawing.points]
    ys = [p[1] * MM_PER_CM for p in drawing.points]
    # the lattice may reach past the outline (e.g. with --points); keep it all on the page
    left = min([0.0, *xs]) - MARGIN
    top = min([0.0, *ys]) - MARGIN - 2 * FONT
    right = max([w, *xs]) + MARGIN
    bottom = max([h, *ys]) + FOOTER
    longest = max(len(title), len(subtitle), 60)
    width = max(right - left, longest * FONT * 0.55 + 8)  # room for the title line (sans-serif ≈ 0.55 em)
    height = bottom - top
    spacing_mm = drawing.spacing * MM_PER_CM
    radius = max(0.4, min(1.2, spacing_mm * 0.15))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}mm" height="{_n(height)}mm" '
        f'viewBox="{_n(left)} {_n(top)} {_n(width)} {_n(height)}" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(width)}" height="{_n(height)}" fill="white"/>',
        _text(left + 4, top + FONT + 1, title, extra=' font-weight="bold"'),
        _text(left + 4, top + 2 * FONT + 3, subtitle),
        # the outline of the treated area
        f'<rect class="outline" x="0" y="0" width="{_n(w)}" height="{_n(h)}" fill="none" stroke="black" '
        f'stroke-width="0.4"/>',
        # dimensions: width above, height to the left
        f'<line x1="0" y1="-5" x2="{_n(w)}" y2="-5" stroke="gray" stroke-width="0.2"/>',
        _text(w / 2, -7, f"{_cm(drawing.width)} ({drawing.shape})", "middle"),
        f'<line x1="-5" y1="0" x2="-5" y2="{_n(h)}" stroke="gray" stroke-width="0.2"/>',
        _text(-7, h / 2, _cm(drawing.height), "middle", f' transform="rotate(-90 {_n(-7)} {_n(h / 2)})"'),
    ]
    for index, (x, y) in enumerate(zip(xs, ys, strict=True), start=1):
        out.append(f'<circle class="point" cx="{_n(x)}" cy="{_n(y)}" r="{_n(radius)}" fill="#c0392b">'
                   f"<title>point {index}</title></circle>")
    if len(xs) >= 2 and drawing.columns >= 2:
        # the spacing, marked between the first two points of the first row
        y = ys[0] + radius + 2.5
        out.append(f'<line class="spacing" x1="{_n(xs[0])}" y1="{_n(y)}" x2="{_n(xs[1])}" y2="{_n(y)}" '
                   f'stroke="#2c3e50" stroke-width="0.25"/>')
        out.append(_text((xs[0] + xs[1]) / 2, y + FONT + 0.5, _cm(drawing.spacing), "middle",
                         ' fill="#2c3e50"', 2.8))
    base = max([h, *ys]) + 8
    bar_cm = 5.0 if drawing.width >= 10 else 1.0
    bar = bar_cm * MM_PER_CM
    out += [
        f'<g class="scale-bar"><line x1="0" y1="{_n(base)}" x2="{_n(bar)}" y2="{_n(base)}" stroke="black" '
        f'stroke-width="0.8"/>',
        f'<line x1="0" y1="{_n(base - 1.5)}" x2="0" y2="{_n(base + 1.5)}" stroke="black" stroke-width="0.3"/>',
        f'<line x1="{_n(bar)}" y1="{_n(base - 1.5)}" x2="{_n(bar)}" y2="{_n(base + 1.5)}" stroke="black" '
        f'stroke-width="0.3"/>',
        _text(bar + 2, base + FONT / 3, f"{_cm(bar_cm)} (true size when printed at 100 %)") + "</g>",
        _text(0, base + 8, f"{len(xs):,} injection points, {drawing.grid} grid, {_cm(drawing.spacing)} spacing; "
                           f"treated area {format_number(drawing.area)} cm²"),
        _text(0, base + 13, f"Outline: {drawing.note}"),
        "</svg>",
    ]
    return "\n".join(out) + "\n"
