"""Where the injection points go: the outline of the treated area and one position per point.

Pure geometry (cm) for the renderers (`render/svgmap.py`, the terminal map in `render/table.py`).

- The outline is the measured W × H rectangle when the area was given as `5 cm x 4 cm` (one area);
  otherwise a square of the same surface, and the drawing says so (presets and surfaces have no shape).
- Points are cell-centred on the session's lattice: a square grid puts them `spacing` apart in rows and
  columns; a hex grid puts rows `spacing × √3/2` apart, every other row shifted by half a spacing.
- Exactly `points` positions are laid out, row by row (the last row may be partial), with as many
  columns as fit the outline's width (`round(width / spacing)`, at least 1), centred on the outline:
  5 cm × 5 cm at 1 cm is 5 rows of 5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mesocalc import geometry as g
from mesocalc.plan import PlanResult

# More points than this make an SVG of megabytes that no one can read; the map is refused instead.
MAX_MAP_POINTS = 10_000


@dataclass(frozen=True)
class InjectionMap:
    width: float  # outline, cm
    height: float
    shape: str  # "rectangle" (measured W x H) or "square" (same surface as the area)
    grid: str  # square | hex
    spacing: float  # cm
    points: tuple[tuple[float, float], ...]  # (x, y) in cm from the outline's top-left corner
    columns: int
    rows: int
    area: float  # cm², the treated surface
    note: str  # says how the outline was chosen


def layout(result: PlanResult) -> InjectionMap:
    session = result.session
    technique = session.technique
    spacing = technique.spacing.value
    areas = session.areas
    single = areas[0] if len(areas) == 1 else None
    if single is not None and single.width is not None and single.height is not None:
        width, height, shape = single.width.value, single.height.value, "rectangle"
        note = f"measured rectangle {single.name or ''}".strip()
    else:
        surface = result.area.value if result.area is not None else result.points * spacing ** 2
        width = height = math.sqrt(surface)
        shape = "square"
        note = "square of the same surface (the area has no measured shape)"
    area = result.area.value if result.area is not None else width * height
    if session.points is not None:
        note += "; points given with --points"

    row_pitch = g.row_pitch(technique.grid, spacing)
    columns = max(1, round(width / spacing))
    rows = max(1, math.ceil(result.points / columns))
    # centre the lattice block on the outline (cell-centred: half a cell of margin on each side)
    block_w = columns * spacing
    block_h = rows * row_pitch
    x0 = (width - block_w) / 2 + spacing / 2
    y0 = (height - block_h) / 2 + row_pitch / 2
    positions = []
    for index in range(result.points):
        row, col = divmod(index, columns)
        positions.append((x0 + col * spacing + g.row_shift(technique.grid, spacing, row), y0 + row * row_pitch))
    return InjectionMap(width, height, shape, technique.grid, spacing, tuple(positions), columns, rows, area, note)
