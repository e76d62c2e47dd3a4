"""The injection grid's geometry, in one place: the skin each point stands for, the point count of an
area, and the distance between rows.

Conventions (SPEC §4): grids are cell-centred. A square grid's cell is s²; a hex grid's cell is the
rhombus (√3/2)·s², its rows (√3/2)·s apart, every other row shifted by half a spacing. So 25 cm² at
1 cm gives 25 points on a square grid, as the KYBELLA label's 2 mg/cm² at 0.2 mL of 10 mg/mL implies,
and ceil(2 × 25 / √3) = 29 on a hex grid.
"""

from __future__ import annotations

import math

from mesocalc import units as u
from mesocalc.core.model import Grid

SQRT3 = math.sqrt(3.0)


def cell_area(grid: str, spacing: u.Q) -> u.Q:
    """The skin area each injection point stands for: s² (square) or (√3/2)·s² (hex)."""
    square = spacing * spacing
    return square if grid == Grid.SQUARE else square * (SQRT3 / 2)


def exact_points(area: u.Q, grid: str, spacing: u.Q) -> float:
    """area / cell area, before rounding up to whole points (infinite for a zero spacing)."""
    return points_in(area, cell_area(grid, spacing))


def points_in(area: u.Q, cell: u.Q) -> float:
    """exact_points for a cell area already worked out."""
    return area.value / cell.value if cell.value > 0 else math.inf


def row_pitch(grid: str, spacing: float) -> float:
    """The distance between rows of points: s (square) or (√3/2)·s (hex)."""
    return spacing if grid == Grid.SQUARE else spacing * SQRT3 / 2


def odd_row_shift(grid: str, spacing: float, rows: int = 2) -> float:
    """How far a block of `rows` rows shifts its odd rows: half a spacing on a hex grid of more than one
    row, none on a square grid (or a single row)."""
    return spacing / 2 if grid == Grid.HEX and rows > 1 else 0.0


def points_rule(grid: str) -> str:
    """The rule for the point count, as written in --explain."""
    return "ceil(area / spacing²)" if grid == Grid.SQUARE else "ceil(2 × area / (√3 × spacing²))"
