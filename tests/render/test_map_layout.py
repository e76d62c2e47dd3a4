"""Maps per SPEC §6: each area its own outline with exactly its points, rows filled evenly, labels clear.

Counts are the plan's (cell-centred): square ceil(area / s²), hex ceil(2·area / (√3·s²)).
"""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

SVG = "{http://www.w3.org/2000/svg}"


def drawn(path: Path) -> tuple[list[tuple[float, float]], list[tuple[float, float, float, float]], ET.Element]:
    root = ET.parse(path).getroot()
    points = [(float(c.get("cx", "nan")), float(c.get("cy", "nan")))
              for c in root.iter(f"{SVG}circle") if c.get("class") == "point"]
    outlines = [tuple(float(r.get(k, "nan")) for k in ("x", "y", "width", "height"))
                for r in root.iter(f"{SVG}rect") if r.get("class") == "outline"]
    return points, outlines, root  # type: ignore[return-value]


def rows_of(points: list[tuple[float, float]]) -> list[list[float]]:
    by_y: dict[float, list[float]] = {}
    for x, y in points:
        by_y.setdefault(round(y, 2), []).append(x)
    return [sorted(by_y[y]) for y in sorted(by_y)]


def plan_map(cli, tmp_path, *args: str) -> tuple[dict, list, list, ET.Element]:
    target = tmp_path / "map.svg"
    run = cli("plan", *args, "--map", str(target), "--json")
    assert run.exit_code in (0, 1), run.stderr
    points, outlines, root = drawn(target)
    return run.json, points, outlines, root


def test_36_points_over_10_by_8_cm_are_6_rows_of_6_not_7_by_5_and_a_lone_point(cli, tmp_path):
    # the reproducer: 80 cm² / (1.5 cm)² = 35.6 -> 36 points
    doc, points, _outlines, _ = plan_map(cli, tmp_path, "pcdc-abdomen", "--area", "10 cm x 8 cm")
    assert doc["points"] == 36 and len(points) == 36
    assert [len(row) for row in rows_of(points)] == [6] * 6


@pytest.mark.parametrize(("dims", "spacing", "grid"), [
    ("10 cm x 8 cm", "1.5 cm", "square"), ("5 cm x 4 cm", "1 cm", "hex"), ("7 cm x 3 cm", "1 cm", "square"),
    ("12 cm x 5 cm", "1.5 cm", "hex"), ("6.5 cm x 6.5 cm", "1 cm", "square"), ("3 cm x 9 cm", "1 cm", "hex"),
    ("11 cm x 7 cm", "2 cm", "square"),
])
def test_every_point_inside_on_the_lattice_rows_even_and_a_partial_row_centred(cli, tmp_path, dims, spacing, grid):
    doc, points, outlines, _ = plan_map(cli, tmp_path, "pcdc-abdomen", "--area", dims, "--spacing", spacing,
                                        "--grid", grid)
    assert len(points) == doc["points"]
    (x0, y0, w, h), = outlines
    assert all(x0 < x < x0 + w and y0 < y < y0 + h for x, y in points)
    s = float(spacing.split()[0]) * 10  # mm in the drawing
    rows = rows_of(points)
    assert len({len(row) for row in rows[:-1]}) <= 1  # every full row the same
    assert len(rows[-1]) <= len(rows[0])
    for row in rows:  # neighbours in a row one spacing apart
        assert all(math.isclose(b - a, s, abs_tol=1e-3) for a, b in itertools.pairwise(row))
    pitch = s if grid == "square" else s * math.sqrt(3) / 2
    ys = sorted({round(y, 2) for _, y in points})
    assert all(math.isclose(b - a, pitch, abs_tol=0.01) for a, b in itertools.pairwise(ys))
    # the partial last row sits in the middle of the outline, within half a spacing, never in a corner
    last = rows[-1]
    assert abs((last[0] + last[-1]) / 2 - (x0 + w / 2)) <= s / 2 + 1e-6


def test_two_areas_are_two_outlines_each_with_exactly_its_points(cli, tmp_path):
    # 5 cm × 4 cm (20 cm²) and 20 cm² at 1.5 cm: ceil(40 / 2.25) = 18 points, 9 for each equal surface
    doc, points, outlines, _ = plan_map(cli, tmp_path, "pcdc-abdomen", "--area", "5 cm x 4 cm", "--area", "20 cm^2")
    assert len(outlines) == 2 and doc["points"] == 18
    inside = [sum(1 for x, y in points if ox < x < ox + w and oy < y < oy + h) for ox, oy, w, h in outlines]
    assert inside == [9, 9] and sum(inside) == len(points) == 18
    assert outlines[0][2:] == (50.0, 40.0)  # the measured rectangle, to scale (mm)
    assert math.isclose(outlines[1][2], math.sqrt(20) * 10, rel_tol=1e-3)  # the surface as a square


def test_the_spacing_label_is_below_every_point_and_the_title_fits(cli, tmp_path):
    _doc, points, _, root = plan_map(cli, tmp_path, "submental-dca-lidocaine", "--area", "5 cm x 5 cm", "--grid", "hex")
    label = next(t for t in root.iter(f"{SVG}text") if (t.text or "").endswith("spacing"))
    assert float(label.get("y", "0")) > max(y for _, y in points) + 2
    title = next(t for t in root.iter(f"{SVG}text") if t.get("font-weight") == "bold")
    view_x, _, view_w, _ = (float(v) for v in root.get("viewBox", "").split())
    # a sans-serif character is at most about 0.6 em wide: the whole title lies inside the drawing
    assert float(title.get("x", "0")) + len(title.text or "") * 3.5 * 0.6 <= view_x + view_w


def test_the_submental_map_marks_the_jaw_line_and_the_no_inject_band_from_the_label(cli, tmp_path):
    # KYBELLA label: no injection above the inferior border of the mandible or within 1-1.5 cm below it
    _doc, points, _outlines, root = plan_map(cli, tmp_path, "submental-dca")
    text = ET.tostring(root, encoding="unicode")
    assert 'class="landmark"' in text and 'class="no-inject"' in text
    assert "mandible" in text and "no injection within 1.5 cm (kybella-pi)" in text
    band = next(r for r in root.iter(f"{SVG}rect") if r.get("class") == "no-inject")
    band_bottom = float(band.get("y", "0")) + float(band.get("height", "0"))
    assert math.isclose(float(band.get("height", "0")), 15.0)  # 1.5 cm, in mm
    assert all(y > band_bottom for _, y in points)  # no point in the band


def test_a_map_of_a_body_area_has_no_jaw_line(cli, tmp_path):
    _, _, _, root = plan_map(cli, tmp_path, "pcdc-abdomen", "--area", "10 cm x 8 cm")
    assert not re.search("mandible", ET.tostring(root, encoding="unicode"))


def test_the_hex_terminal_map_has_even_rows(cli):
    out = cli("plan", "submental-dca", "--area", "5 cm x 5 cm", "--grid", "hex", "--show-map").stdout
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Injection map"))
    counts = Counter(line.count("o") for line in lines[start + 1:start + 7])
    # ceil(2 × 25 / √3) = 29 points: 5 rows of 5 and a last row of 4
    assert counts == Counter({5: 5, 4: 1})
