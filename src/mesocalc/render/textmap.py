"""A compact injection map for the terminal (`plan --show-map`): one character cell per half spacing.

Square grids are rows of dots a spacing apart; hex grids shift every other row by half a spacing.
Only for small grids (at most TEXT_MAP_MAX_POINTS points): a larger map is unreadable in a terminal.
"""

from __future__ import annotations

from mesocalc.core.geometry import row_pitch
from mesocalc.core.injection_map import InjectionMap

TEXT_MAP_MAX_POINTS = 400
DOT = "o"


def text_map(drawing: InjectionMap) -> list[str]:
    """The map's lines, or a one-line note when the grid is too large to draw in a terminal."""
    count = len(drawing.points)
    if count > TEXT_MAP_MAX_POINTS:
        return [f"(map not drawn in the terminal: {count:,} points is more than {TEXT_MAP_MAX_POINTS}; "
                "use --map FILE.svg)"]
    pitch = row_pitch(drawing.grid, drawing.spacing)
    min_x = min(x for x, _ in drawing.points)
    min_y = min(y for _, y in drawing.points)
    cells: dict[tuple[int, int], str] = {}
    for x, y in drawing.points:
        cells[(round((y - min_y) / pitch), round((x - min_x) / drawing.spacing * 2))] = DOT
    rows = max(r for r, _ in cells) + 1
    cols = max(c for _, c in cells) + 1
    return ["".join(cells.get((r, c), " ") for c in range(cols)).rstrip() for r in range(rows)]
