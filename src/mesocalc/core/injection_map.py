"""Where the injection points go: each treated area's outline and one position per point (SPEC §6).

Pure geometry (cm) for the renderers (`render/svgmap.py`, `render/textmap.py`).

- Each area of the session is its own region with its own outline: the measured W × H rectangle when it
  was given as `5 cm x 4 cm`, otherwise a square of the same surface (presets and bare surfaces have no
  shape), and the drawing says which. Regions are drawn side by side, 2 cm apart.
- The plan counts points on the summed surface; each region gets its share of exactly that count, in
  proportion to its surface (largest remainders), so the map's points add up to the plan's.
- Points sit on the session's lattice: a square grid puts them `spacing` apart in rows and columns; a hex
  grid puts rows `spacing × √3/2` apart, every other row shifted by half a spacing. Every row holds the
  same number of points except the last, which is centred (as nearly as the lattice allows), never a
  lone point in a corner: the number of columns is chosen so the rows fill evenly and the block keeps
  the outline's proportions (10 cm × 8 cm at 1.5 cm: 36 points are 6 rows of 6, not 7 × 5 + 1). Points
  stay strictly inside the outline unless --points asks for more than it holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from mesocalc.core import geometry as g
from mesocalc.core import model as m
from mesocalc.core.plan import PlanResult
from mesocalc.units import format_number

# More points than this make an SVG of megabytes that no one can read; the map is refused instead.
MAX_MAP_POINTS = 10_000
GAP_CM = 2.0  # between two regions' outlines
EPS = 1e-9


class Shape(StrEnum):
    """How a region's outline is drawn: as measured, or a square of the area's surface (not a grid)."""

    RECTANGLE = "rectangle"  # measured W x H
    SQUARE = "square"  # same surface as the area


@dataclass(frozen=True)
class Region:
    """One treated area: its outline (cm, from the drawing's origin) and exactly its points."""

    label: str
    x: float
    y: float
    width: float
    height: float
    shape: Shape
    area: float  # cm²
    points: tuple[tuple[float, float], ...]
    columns: int
    rows: int
    site: str | None = None  # the anatomical site (area id), e.g. "submental"
    band: NoInjectBand | None = None  # drawn above the outline: the landmark and the strip below it


@dataclass(frozen=True)
class NoInjectBand:
    """The label's no-inject strip: `within` cm below `landmark` (the submental jaw line, KYBELLA label)."""

    landmark: str
    within: float  # cm
    source: str | None


@dataclass(frozen=True)
class InjectionMap:
    regions: tuple[Region, ...]
    grid: str  # square | hex
    spacing: float  # cm
    note: str  # how the outlines were chosen

    @property
    def points(self) -> tuple[tuple[float, float], ...]:
        return tuple(p for region in self.regions for p in region.points)

    @property
    def width(self) -> float:
        return max(r.x + r.width for r in self.regions)

    @property
    def height(self) -> float:
        return max(r.y + r.height for r in self.regions)

    @property
    def area(self) -> float:
        return sum(r.area for r in self.regions)

    @property
    def columns(self) -> int:
        return max(r.columns for r in self.regions)

    @property
    def rows(self) -> int:
        return max(r.rows for r in self.regions)

    @property
    def shape(self) -> str:
        return self.regions[0].shape if len(self.regions) == 1 else "regions"


def shares(total: int, surfaces: list[float]) -> list[int]:
    """`total` split in proportion to `surfaces`, whole numbers adding up to `total` (largest remainders)."""
    whole = sum(surfaces)
    if whole <= 0:
        return [total] + [0] * (len(surfaces) - 1)
    quotas = [total * s / whole for s in surfaces]
    counts = [math.floor(q + EPS) for q in quotas]
    order = sorted(range(len(quotas)), key=lambda i: counts[i] - quotas[i])
    for index in order[:total - sum(counts)]:
        counts[index] += 1
    return counts


def lattice_shape(count: int, width: float, height: float, grid: str, spacing: float) -> tuple[int, int]:
    """Columns and rows for `count` points in a width × height outline, rows filled evenly.

    Among the shapes that keep every point strictly inside the outline, the fewest empty places in the
    last row win, then the block whose proportions are closest to the outline's, then a last row that can
    be centred exactly on the lattice (an even number of empty places).
    """
    pitch = g.row_pitch(grid, spacing)
    max_rows = max(1, math.ceil(height / pitch - EPS))
    candidates = []
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        span = (columns - 1) * spacing + g.odd_row_shift(grid, spacing, rows)
        if span >= width - EPS and columns > 1:
            break
        if rows > max_rows:
            continue
        empty = columns * rows - count
        fill_x = (span + spacing) / width
        fill_y = rows * pitch / height
        candidates.append((empty, abs(math.log(fill_x / fill_y)), empty % 2, columns, rows))
    if not candidates:  # --points asks for more than the outline holds: as wide as fits, rows run on below
        columns = max(1, math.ceil((width - g.odd_row_shift(grid, spacing)) / spacing - EPS))
        return columns, math.ceil(count / columns)
    best = min(candidates)
    return best[3], best[4]


def place(count: int, width: float, height: float, grid: str, spacing: float) -> tuple[list[tuple[float, float]],
                                                                                        int, int]:
    """Positions (cm from the outline's top-left) of `count` points, the block centred on the outline."""
    if count <= 0:
        return [], 0, 0
    columns, rows = lattice_shape(count, width, height, grid, spacing)
    pitch = g.row_pitch(grid, spacing)
    hex_shift = g.odd_row_shift(grid, spacing, rows)
    x0 = (width - ((columns - 1) * spacing + hex_shift)) / 2
    # centred; when --points asks for more than the outline holds, from half a row in, running on below
    y0 = (height - (rows - 1) * pitch) / 2 if (rows - 1) * pitch < height else pitch / 2
    positions = []
    for row in range(rows):
        in_row = min(columns, count - row * columns)
        shift = hex_shift if row % 2 == 1 else 0.0
        # a partial last row, centred on the outline as nearly as the lattice allows
        start = min({(columns - in_row) // 2, (columns - in_row + 1) // 2}, key=lambda first: abs(
            x0 + shift + (first + (in_row - 1) / 2) * spacing - width / 2))
        for col in range(start, start + in_row):
            positions.append((x0 + col * spacing + shift, y0 + row * pitch))
    return positions, columns, rows


def layout(result: PlanResult, library: m.Library | None = None) -> InjectionMap:
    """The regions of the session's areas, each with its points; `library` gives the no-inject bands."""
    session = result.session
    technique = session.technique
    spacing = technique.spacing.value
    areas = list(session.areas)
    notes = []
    outlines: list[tuple[str, float, float, Shape, float, str | None]] = []
    for area in areas:
        label = area.name or area.id or "measured area"
        if area.width is not None and area.height is not None:
            width, height, shape = area.width.value, area.height.value, Shape.RECTANGLE
            dims = f"{format_number(width)} cm × {format_number(height)} cm"
            label = f"{label}: {dims}" if area.id else f"measured area {dims}"
        else:
            width = height = math.sqrt(area.surface.value)
            shape = Shape.SQUARE
            label += f": {format_number(area.surface.value)} cm²"
        outlines.append((label, width, height, shape, area.surface.value, area.site or area.id))
    if not outlines:  # --points alone: a square of the points' cells
        side = math.sqrt(result.points) * spacing
        outlines.append(("points given with --points", side, side, Shape.SQUARE, side * side, None))
    if any(o[3] == Shape.SQUARE for o in outlines):
        notes.append("square of the same surface (the area has no measured shape)")
    if all(o[3] == Shape.RECTANGLE for o in outlines):
        notes.append("measured rectangle" if len(outlines) == 1 else "measured rectangles")
    if session.points is not None:
        notes.append("points given with --points")
    counts = shares(result.points, [o[4] for o in outlines])
    regions = []
    x = 0.0
    for (label, width, height, shape, surface, site), count in zip(outlines, counts, strict=True):
        positions, columns, rows = place(count, width, height, technique.grid, spacing)
        points = tuple((x + px, py) for px, py in positions)
        known = library.areas.get(site) if library is not None and site else None
        band = (NoInjectBand(known.no_inject_below, known.no_inject_within.value, known.no_inject_source)
                if known is not None and known.no_inject_below and known.no_inject_within is not None else None)
        regions.append(Region(f"{label}, {count:,} points", x, 0.0, width, height, shape, surface, points,
                              columns, rows, site, band))
        x += width + GAP_CM
    return InjectionMap(tuple(regions), technique.grid, spacing, "; ".join(notes))
