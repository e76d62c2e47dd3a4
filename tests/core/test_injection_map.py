"""--map FILE.svg and --show-map: the outline, every injection point, spacing, dimensions and a scale."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

SVG = "{http://www.w3.org/2000/svg}"


def _points(path: Path) -> list[tuple[float, float]]:
    root = ET.parse(path).getroot()  # well-formed XML, or this raises
    return [(float(c.get("cx", "nan")), float(c.get("cy", "nan")))
            for c in root.iter(f"{SVG}circle") if c.get("class") == "point"]


def test_5_by_5_cm_square_grid_at_1_cm_draws_all_25_points_inside_the_outline(cli, tmp_path):
    # label technique: 25 cm² / (1 cm)² = 25 cell-centred points, 1 cm (10 mm in the drawing) apart
    target = tmp_path / "grid.svg"
    run = cli("plan", "submental-dca", "--area", "5 cm x 5 cm", "--map", str(target))
    assert run.exit_code == 0, run.stderr
    points = _points(target)
    assert len(points) == 25
    assert all(0 < x < 50 and 0 < y < 50 for x, y in points)  # the 5 cm × 5 cm outline is 50 mm × 50 mm
    assert sorted({x for x, _ in points}) == [5.0, 15.0, 25.0, 35.0, 45.0]  # cell-centred, 10 mm apart
    text = target.read_text(encoding="utf-8")
    assert 'class="outline"' in text and 'width="50" height="50"' in text
    assert 'class="scale-bar"' in text and "1 cm (true size" in text
    assert 'class="spacing"' in text
    assert "5 cm (rectangle)" in text


def test_rectangle_5_by_4_cm_draws_20_points_in_4_rows(cli, tmp_path):
    target = tmp_path / "rect.svg"
    cli("plan", "submental-dca", "--area", "5 cm x 4 cm", "--map", str(target))
    points = _points(target)
    assert len(points) == 20  # 20 cm² / 1 cm²
    assert len({y for _, y in points}) == 4
    assert all(0 < x < 50 and 0 < y < 40 for x, y in points)


def test_hex_grid_is_drawn_as_hex(cli, tmp_path):
    # hex: ceil(2 × 25 / √3) = 29 points, rows √3/2 cm apart, every other row shifted by half a spacing
    target = tmp_path / "hex.svg"
    run = cli("plan", "submental-dca", "--area", "25 cm^2", "--grid", "hex", "--map", str(target), "--json")
    assert run.json["points"] == 29
    points = _points(target)
    assert len(points) == 29
    rows = sorted({round(y, 3) for _, y in points})
    assert math.isclose(rows[1] - rows[0], 10 * math.sqrt(3) / 2, rel_tol=1e-3)
    first = sorted(x for x, y in points if round(y, 3) == rows[0])
    second = sorted(x for x, y in points if round(y, 3) == rows[1])
    assert math.isclose(second[0] - first[0], 5.0, rel_tol=1e-6)  # half of the 10 mm spacing
    # nearest neighbours are one spacing (10 mm) apart
    x0, y0 = first[0], rows[0]
    nearest = min(math.dist((x0, y0), p) for p in points if p != (x0, y0))
    assert math.isclose(nearest, 10.0, rel_tol=1e-6)


def test_preset_area_is_drawn_as_a_square_of_the_same_surface_and_says_so(cli, tmp_path):
    target = tmp_path / "preset.svg"
    cli("plan", "submental-dca", "--map", str(target))
    text = target.read_text(encoding="utf-8")
    assert "square of the same surface" in text
    assert len(_points(target)) == 25


def test_text_in_the_drawing_is_escaped(cli, tmp_path, write):
    cocktail = write("odd.yaml", """kind: cocktail
id: odd-name
name: "DCA <test> & friends"
technique: {grid: square, spacing: 1 cm, volume_per_point: 0.2 mL}
components:
  - {agent: deoxycholic-acid, concentration: 10 mg/mL}
""")
    target = tmp_path / "odd.svg"
    run = cli("plan", str(cocktail), "--area", "4 cm^2", "--map", str(target))
    assert run.exit_code in (0, 1), run.stderr
    text = target.read_text(encoding="utf-8")
    assert "DCA &lt;test&gt; &amp; friends" in text
    assert len(_points(target)) == 4


def test_show_map_prints_one_o_per_point_in_the_terminal(cli):
    run = cli("plan", "submental-dca", "--area", "5 cm x 5 cm", "--show-map")
    lines = run.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Injection map"))
    grid = lines[start + 1:start + 6]
    assert grid == ["  o o o o o"] * 5


def test_show_map_hex_rows_are_offset(cli):
    run = cli("plan", "submental-dca", "--area", "25 cm^2", "--grid", "hex", "--show-map")
    lines = run.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Injection map"))
    assert lines[start + 1].startswith("  o") and lines[start + 2].startswith("   o")
    assert sum(line.count("o") for line in lines[start + 1:start + 7]) == 29


def test_large_grid_is_not_drawn_in_the_terminal_but_said_so(cli):
    run = cli("plan", "submental-dca", "--area", "500 cm^2", "--spacing", "0.5 cm", "--show-map")
    assert "map not drawn in the terminal" in run.stdout


def test_map_needs_an_svg_file_name(cli, tmp_path):
    run = cli("plan", "submental-dca", "--map", str(tmp_path / "grid.png"))
    assert run.exit_code == 2
    assert "--map" in run.stderr and ".svg" in run.stderr


def test_map_of_too_many_points_is_refused_with_a_clear_message(cli, tmp_path):
    run = cli("plan", "submental-dca", "--points", "20000", "--map", str(tmp_path / "big.svg"))
    assert run.exit_code == 2
    assert "too many to draw" in run.stderr
    assert not (tmp_path / "big.svg").exists()


def test_map_with_json_names_the_file(cli, tmp_path):
    target = tmp_path / "grid.svg"
    run = cli("plan", "submental-dca", "--map", str(target), "--json")
    assert run.json["map"] == str(target) and target.exists()
