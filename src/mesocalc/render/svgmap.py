"""The injection map as SVG (`plan --map FILE.svg`): outline, every point, spacing, dimensions, scale bar.

Pure string building; every text is XML-escaped and its hidden characters shown (textsafe.xml_text),
so a control character in a name cannot make the document invalid XML. Drawn at true size: user units
are millimetres and the document's width and height are given in mm, so a print at 100 % matches the patient's skin.
"""

from __future__ import annotations

from mesocalc.core.injection_map import InjectionMap
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


def _width(text: str, size: float = FONT) -> float:
    """A generous estimate of a sans-serif text's width (0.6 em a character), so a title always fits."""
    return len(text) * size * 0.6


def render_svg(drawing: InjectionMap, title: str, subtitle: str) -> str:
    spacing_mm = drawing.spacing * MM_PER_CM
    radius = max(0.4, min(1.2, spacing_mm * 0.15))
    band_mm = max((r.band.within * MM_PER_CM for r in drawing.regions if r.band is not None), default=0.0)
    body: list[str] = []
    texts: list[tuple[float, str, float]] = []  # (x where the text starts, text, size): to size the page
    for index, region in enumerate(drawing.regions):
        x0, y0 = region.x * MM_PER_CM, region.y * MM_PER_CM
        w, h = region.width * MM_PER_CM, region.height * MM_PER_CM
        top = y0 - (region.band.within * MM_PER_CM if region.band is not None else 0.0)
        if region.band is not None:
            # the label's no-inject strip below the landmark, and the landmark (jaw line) itself
            band = region.band
            source = f" ({band.source})" if band.source else ""
            body += [
                f'<rect class="no-inject" x="{_n(x0)}" y="{_n(top)}" width="{_n(w)}" height="{_n(y0 - top)}" '
                f'fill="#f5c6c6" stroke="none"/>',
                f'<line class="landmark" x1="{_n(x0 - 3)}" y1="{_n(top)}" x2="{_n(x0 + w + 3)}" y2="{_n(top)}" '
                f'stroke="black" stroke-width="0.8"/>',
                _text(x0 + 1, top + FONT + 0.5, f"no injection within {_cm(band.within)}{source}", size=2.8),
                _text(x0 + w + 4, top + FONT / 3, band.landmark, size=2.8),
            ]
            texts += [(x0 + 1, f"no injection within {_cm(band.within)}{source}", 2.8),
                      (x0 + w + 4, band.landmark, 2.8)]
        label = region.label
        body += [
            _text(x0, top - 2 * FONT - 8, label, extra=' font-weight="bold"'),
            # the outline of the treated area
            f'<rect class="outline" x="{_n(x0)}" y="{_n(y0)}" width="{_n(w)}" height="{_n(h)}" fill="none" '
            f'stroke="black" stroke-width="0.4"/>',
            # dimensions: width above, height to the left
            f'<line x1="{_n(x0)}" y1="{_n(top - 5)}" x2="{_n(x0 + w)}" y2="{_n(top - 5)}" stroke="gray" '
            f'stroke-width="0.2"/>',
            _text(x0 + w / 2, top - 7, f"{_cm(region.width)} ({region.shape})", "middle"),
            f'<line x1="{_n(x0 - 5)}" y1="{_n(y0)}" x2="{_n(x0 - 5)}" y2="{_n(y0 + h)}" stroke="gray" '
            f'stroke-width="0.2"/>',
            _text(x0 - 7, y0 + h / 2, _cm(region.height), "middle",
                  f' transform="rotate(-90 {_n(x0 - 7)} {_n(y0 + h / 2)})"'),
        ]
        texts.append((x0, label, FONT))
        for number, (x, y) in enumerate(region.points, start=1):
            body.append(f'<circle class="point" cx="{_n(x * MM_PER_CM)}" cy="{_n(y * MM_PER_CM)}" '
                        f'r="{_n(radius)}" fill="#c0392b"><title>point {number}</title></circle>')
        first_row = sorted(x for x, y in region.points if y == region.points[0][1]) if region.points else []
        if index == 0 and len(first_row) >= 2:
            # the spacing, marked below the outline under the first two points of the first row: never over
            # a point
            a, b = first_row[0] * MM_PER_CM, first_row[1] * MM_PER_CM
            bottom = max([y0 + h, *(y * MM_PER_CM for _, y in region.points)]) + 4
            body += [
                f'<line class="spacing" x1="{_n(a)}" y1="{_n(bottom)}" x2="{_n(b)}" y2="{_n(bottom)}" '
                f'stroke="#2c3e50" stroke-width="0.25"/>',
                f'<line x1="{_n(a)}" y1="{_n(bottom - 1.2)}" x2="{_n(a)}" y2="{_n(bottom + 1.2)}" stroke="#2c3e50" '
                f'stroke-width="0.25"/>',
                f'<line x1="{_n(b)}" y1="{_n(bottom - 1.2)}" x2="{_n(b)}" y2="{_n(bottom + 1.2)}" stroke="#2c3e50" '
                f'stroke-width="0.25"/>',
                _text((a + b) / 2, bottom + 4, f"{_cm(drawing.spacing)} spacing", "middle", ' fill="#2c3e50"', 2.8),
            ]
    xs = [x * MM_PER_CM for x, _ in drawing.points]
    ys = [y * MM_PER_CM for _, y in drawing.points]
    w_all, h_all = drawing.width * MM_PER_CM, drawing.height * MM_PER_CM
    base = max([h_all, *ys]) + 16
    bar_cm = 5.0 if drawing.width >= 10 else 1.0
    bar = bar_cm * MM_PER_CM
    footer = [f"{_cm(bar_cm)} (true size when printed at 100 %)",
              f"{len(xs):,} injection points, {drawing.grid} grid, {_cm(drawing.spacing)} spacing; "
              f"treated area {format_number(drawing.area)} cm²",
              f"Outline: {drawing.note}"]
    texts += [(bar + 2, footer[0], FONT), (0.0, footer[1], FONT), (0.0, footer[2], FONT)]
    top = -band_mm - 2 * FONT - 8 - FONT - 2 - 2 * FONT - 6  # above the region labels: the two title lines
    left = min([0.0, *xs]) - MARGIN
    texts += [(left + 4, title, FONT * 1.05), (left + 4, subtitle, FONT)]
    right = max([w_all, *xs, *(x + _width(t, size) for x, t, size in texts)]) + 4
    bottom = base + 18
    width, height = right - left, bottom - top
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}mm" height="{_n(height)}mm" '
        f'viewBox="{_n(left)} {_n(top)} {_n(width)} {_n(height)}" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(width)}" height="{_n(height)}" fill="white"/>',
        _text(left + 4, top + FONT + 1, title, extra=' font-weight="bold"'),
        _text(left + 4, top + 2 * FONT + 3, subtitle),
        *body,
        f'<g class="scale-bar"><line x1="0" y1="{_n(base)}" x2="{_n(bar)}" y2="{_n(base)}" stroke="black" '
        f'stroke-width="0.8"/>',
        f'<line x1="0" y1="{_n(base - 1.5)}" x2="0" y2="{_n(base + 1.5)}" stroke="black" stroke-width="0.3"/>',
        f'<line x1="{_n(bar)}" y1="{_n(base - 1.5)}" x2="{_n(bar)}" y2="{_n(base + 1.5)}" stroke="black" '
        f'stroke-width="0.3"/>',
        _text(bar + 2, base + FONT / 3, footer[0]) + "</g>",
        _text(0, base + 8, footer[1]),
        _text(0, base + 13, footer[2]),
        "</svg>",
    ]
    return "\n".join(out) + "\n"
