"""Every command at 60, 80 and 120 columns and piped: no value cut, no "…", no trailing space (SPEC §6).

The key numbers of each command are the ones a user acts on; where they come from:
- submental-dca over 25 cm²: label 1 cm grid, 0.2 mL per point -> 25 points, 5 mL × 10 mg/mL = 50 mg;
  session cap 100 mg (KYBELLA label, 10 mL × 10 mg/mL).
- submental-dca-lidocaine, 60 kg: 4 mg/mL lidocaine × 5 mL = 20 mg, / 60 kg = 0.333 mg/kg; caps 4.5 mg/kg
  and 300 mg (Xylocaine label).
- pcdc-abdomen, 70 kg: 600 cm² at 1.5 cm -> 267 points × 0.3 mL = 80.1 mL; PC 25 mg/mL × 80.1 mL = 2002 mg,
  / 70 kg = 28.6 mg/kg; cap 2,500 mg (Network Lipolysis).
- compound 5 mL of submental-dca-lidocaine (recipe parts 0.5 mL of 2 % lidocaine + 2 mL of 10 mg/mL DCA
  per 2.5 mL, × 2): draw 1 mL and 4 mL; 20 mg and 40 mg; final 4 and 8 mg/mL; USP <797> category 1 in
  the fridge: 24 h after 2026-03-01 09:00.
- schedule: 6 monthly sessions from 31 Jan 2027, the last on 30 Jun; 6 × 50 mg = 300 mg of the 600 mg
  course cap (50 %).
"""

from __future__ import annotations

import pytest

WIDTHS = (60, 80, 120, None)  # None: piped, the default width

COMMANDS = {
    "plan": (("plan", "submental-dca", "--area", "25 cm^2"), ("25", "5 mL", "10 mg/mL", "50 mg", "100 mg")),
    "plan-lidocaine": (("plan", "submental-dca-lidocaine", "--weight", "60 kg"),
                       ("Lidocaine hydrochloride", "4 mg/mL", "20 mg", "0.333 mg/kg", "4.5 mg/kg", "300 mg",
                        "xylocaine-label")),
    "plan-pcdc": (("plan", "pcdc-abdomen", "--weight", "70 kg"),
                  ("Phosphatidylcholine", "80.1 mL", "2002 mg", "28.6 mg/kg", "2,500 mg")),
    "plan-explain": (("plan", "submental-dca", "--area", "5 cm x 5 cm", "--explain"),
                     ("25 cm²", "5 mL", "50 mg", "50 %")),
    "compound": (("compound", "submental-dca-lidocaine", "--volume", "5 mL", "--category", "1", "--storage",
                  "fridge", "--prepared", "2026-03-01T09:00"),
                 ("1 mL", "4 mL", "20 mg", "40 mg", "4 mg/mL", "8 mg/mL", "2026-03-02 09:00", "20 mg/mL")),
    "schedule": (("schedule", "submental-dca", "--start", "2027-01-31", "--area", "25 cm^2"),
                 ("2027-01-31", "2027-06-30", "50 mg", "300 mg", "50 %", "600 mg")),
    # two agents, 6 monthly sessions: lidocaine 20 mg and DCA 40 mg a session (4 and 8 mg/mL × 5 mL); after 6,
    # 120 mg and 240 mg, 40 % of DCA's 600 mg course cap
    "schedule-two-agents": (("schedule", "submental-dca-lidocaine", "--start", "2027-01-01", "--weight", "60 kg"),
                            ("2027-06-01", "Lidocaine hydrochloride", "120 mg", "240 mg (40 %)", "600 mg")),
    "agents": (("agents",), ("lidocaine", "deoxycholic-acid", "20 mg/mL")),
    "agent": (("agents", "lidocaine"), ("4.5 mg/kg", "300 mg", "xylocaine-label", "without epinephrine")),
    "cocktails": (("cocktails",), ("submental-dca", "submental-dca-lidocaine", "pcdc-abdomen")),
    "cocktail": (("cocktails", "submental-dca"), ("10 mg/mL", "0.2 mL", "1 cm")),
    "areas": (("areas",), ("flank-left", "flank-right", "flanks", "600 cm²")),
    "check": (("check",), ("file(s) checked", "0 problem(s)")),
    "convert": (("convert", "1:100000", "mg/mL"), ("0.01 mg/mL",)),
    "schema": (("schema",), ("plan", "compound")),
}


@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}-columns" if w else "piped")
@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_is_whole_at_every_width(cli, monkeypatch, name, width):
    args, key_numbers = COMMANDS[name]
    if width is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", str(width))
    run = cli(*args)
    assert run.exit_code in (0, 1), run.stderr
    out = run.stdout
    assert "…" not in out
    lines = out.splitlines()
    assert not [line for line in lines if line != line.rstrip()], "trailing spaces"
    if width is not None:
        assert all(len(line) <= width for line in lines), max(lines, key=len)
    for number in key_numbers:
        assert number in out, f"{number!r} missing at width {width}"


def test_a_two_agent_course_is_a_table_at_80_columns(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    lines = cli("schedule", "submental-dca-lidocaine", "--start", "2027-01-01", "--weight", "60 kg").stdout.splitlines()
    assert any(line.split()[:5] == ["#", "Date", "Phase", "Agent", "Dose"] for line in lines if line.strip())
    last = next(i for i, line in enumerate(lines) if line.startswith("6  2027-06-01"))
    assert "120 mg" in lines[last] and "240 mg (40 %)" in lines[last + 1]


def test_the_caps_table_keeps_one_layout_at_80_columns_whatever_the_numbers(cli, monkeypatch):
    # the same cocktail over a small and a large area: the caps table has the same header line and one row
    # per cap, so a practitioner finds the numbers in the same place (25 cm² -> 50 mg; 50 cm² -> 100 mg)
    monkeypatch.setenv("COLUMNS", "80")
    small = cli("plan", "submental-dca", "--area", "25 cm^2").stdout.splitlines()
    large = cli("plan", "submental-dca", "--area", "60 cm^2").stdout.splitlines()

    def caps(lines: list[str]) -> list[str]:
        start = lines.index("Dose caps")
        return lines[start:lines.index("", start)]

    assert caps(small)[1] == caps(large)[1]  # the header line
    assert len(caps(small)) == len(caps(large))
    assert any("1,200 %" in line or "120 %" in line for line in caps(large))  # 60 cm² over the 50-point cap


def test_the_caps_table_names_the_agent_as_the_dose_table_does_and_notes_the_condition_below(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    lines = cli("plan", "submental-dca-lidocaine", "--weight", "60 kg").stdout.splitlines()
    start = lines.index("Dose caps")
    caps = lines[start:lines.index("", start)]
    assert "Lidocaine hydrochloride" in caps and "Deoxycholic acid" in caps
    assert all(len(line) <= 80 for line in caps)
    # the label's condition ("without epinephrine") is a numbered note under the table, not in the cell
    assert any(line.startswith("[") and "applies unless epinephrine" in line for line in caps)
    assert max(len(line) for line in caps) <= 80


def test_wrapped_course_rules_stay_under_their_text_at_60_columns(cli, monkeypatch):
    # KYBELLA label: at most 6 sessions, at least 1 month apart. At 60 columns the rule lines wrap; the
    # continuation is indented under the text, so the verdict "(hard; kybella-pi)" is not read as a new line.
    monkeypatch.setenv("COLUMNS", "60")
    lines = cli("schedule", "submental-dca", "--start", "2027-01-31", "--area", "25 cm^2").stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Course    deoxycholic-acid: 6 of"))
    rule = " ".join(line.strip() for line in lines[first:first + 2])
    assert "6 of at most 6 sessions: ok (hard; kybella-pi)" in rule
    assert lines[first + 1].startswith(" " * 10)


SCOPES = ("point", "session", "course", "concentration")


def caps_rows(out: str, title: str = "Dose caps") -> tuple[list[str], list[str]]:
    """The lines of a caps table between its rule and its notes (headings and cap rows), and its notes."""
    lines = out.splitlines()
    start = lines.index(title)
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    block = lines[start:end]
    rule = next(i for i, line in enumerate(block) if line.startswith("─"))
    body = block[rule + 1:]
    first_note = next((i for i, line in enumerate(body) if line.startswith(("[", "Source confidence", "n/a:"))),
                      len(body))
    return body[:first_note], body[first_note:]


def plan_cases(write) -> list[tuple[str, ...]]:
    """Every built-in cocktail (with and without a weight, with a patient file), and a lidocaine with
    epinephrine 1:200,000 mix whose with-epinephrine caps (7 mg/kg, 500 mg) apply (Xylocaine label)."""
    from conftest import run_cli

    patient = str(write("patient.yaml", "kind: patient\nid: p\nweight: 62 kg\nconditions: [pregnancy]\n"))
    epinephrine = str(write("lido-epi.yaml", """\
kind: cocktail
id: lido-epi-test
name: Lidocaine 1 % with epinephrine 1:200,000
technique: {grid: square, spacing: 1 cm, volume_per_point: 0.5 mL}
components:
  - {agent: lidocaine, concentration: 1 %}
  - {agent: epinephrine, concentration: "1:200,000"}
"""))
    cases: list[tuple[str, ...]] = []
    for item in run_cli(["cocktails", "--json"]).json["items"]:
        size = () if item.get("area") else ("--points", "20")  # a ring block has no default area
        cases += [("plan", item["id"], *size), ("plan", item["id"], *size, "--weight", "70 kg"),
                  ("plan", item["id"], *size, "--patient", patient)]
    cases += [("plan", epinephrine, "--points", "20", "--weight", "70 kg"), ("plan", epinephrine, "--points", "20"),
              ("plan", "submental-dca", "--area", "60 cm^2"), ("plan", "pcdc-abdomen", "--area", "10 cm x 8 cm")]
    return cases


def test_every_cap_row_of_every_built_in_plan_is_one_line_at_80_columns(cli, monkeypatch, write):
    # the compact caps table: agent (heading), scope, cap, actual, % used, status, source on one line; the
    # `when` condition, "derived from SOURCE", reasons and a source id too long for the row in notes below
    monkeypatch.setenv("COLUMNS", "80")
    for args in plan_cases(write):
        run = cli(*args)
        assert run.exit_code in (0, 1), (args, run.stderr)
        plan = cli(*args, "--json").json
        rows, notes = caps_rows(run.stdout)
        checks = [check for comp in plan["components"] for check in comp["checks"]]
        cap_rows = [row for row in rows if row.startswith(SCOPES)]
        headings = [row for row in rows if not row.startswith(SCOPES)]
        # one line per check, one heading per agent, nothing else (no continuation line)
        assert len(cap_rows) == len(checks), (args, rows)
        assert len(headings) == len(plan["components"]), (args, rows)
        for row, check in zip(cap_rows, checks, strict=True):
            assert row.split()[0] == check["scope"], (args, row)
            assert check["source"] in row or any(check["source"] in note for note in notes), (args, row)
            status = {"not-applicable": "n/a"}.get(check["status"], check["status"])
            assert f" {status}" in row, (args, row)
        lines = [*rows, *notes]
        assert all(len(line) <= 80 and line == line.rstrip() and "…" not in line for line in lines), args


def test_a_long_source_id_is_given_whole_below_the_caps_table_at_80_columns(cli, monkeypatch):
    # pcdc-abdomen's phosphatidylcholine cap cites 'network-lipolysis-hasengschwandtner' (35 characters): its
    # row keeps one line by pointing to a note that gives the id whole, and the legend its confidence (low)
    monkeypatch.setenv("COLUMNS", "80")
    out = cli("plan", "pcdc-abdomen", "--area", "10 cm x 8 cm", "--weight", "70 kg").stdout
    rows, notes = caps_rows(out)
    pc = next(row for row in rows if "2,500 mg" in row)
    mark = pc.split()[-1]
    assert pc.split()[-2:] == ["see", mark]
    assert f"{mark} source: network-lipolysis-hasengschwandtner" in notes
    assert "network-lipolysis-hasengschwandtner low" in " ".join(notes)


def test_the_visit_totals_give_the_binding_cap_at_a_glance_and_its_source_below(cli, monkeypatch, write):
    # 60 kg: lidocaine 5 mL of 1 % (50 mg) + 1 mL of the 0.3 % filler (3 mg) = 53 mg against
    # min(4.5 mg/kg × 60 kg, 300 mg) = 270 mg (Xylocaine label): 20 % used
    monkeypatch.setenv("COLUMNS", "80")
    visit = write("visit.yaml", """\
kind: visit
weight: 60 kg
items:
  - {cocktail: lidocaine-1-percent, volume: 5 mL, site: submental, note: ring block}
  - {cocktail: submental-dca, area: "5 cm x 5 cm"}
  - {product: ha-filler-lidocaine, volume: 1 mL}
""")
    out = cli("visit", str(visit)).stdout
    rows, notes = caps_rows(out, "Totals across the visit")
    lidocaine = next(row for row in rows if row.startswith("lidocaine "))
    assert "270 mg [1]" in lidocaine and lidocaine.endswith(" 20 %")
    flat = " ".join(" ".join(notes).split())
    assert "[1] lidocaine: the 4.5 mg/kg session cap × 60 kg (xylocaine-label), unless epinephrine" in flat
    for title in ("Each item's caps", "Caps on the totals"):
        item_rows, _ = caps_rows(out, title)
        assert all(len(row) <= 80 for row in item_rows)
        assert not [row for row in item_rows if row.startswith(" ")], title  # no wrapped continuation


def test_the_explained_capacity_gives_each_cap_its_own_line_at_80_columns(cli, monkeypatch):
    # submental-dca-lidocaine, 70 kg, 1 cm grid, 0.2 mL per point: lidocaine 4 mg/mL × 0.2 mL = 0.8 mg per
    # point; 4.5 mg/kg × 70 kg = 315 mg -> floor(315 / 0.8) = 393; 300 mg -> 375; DCA 8 mg/mL × 0.2 mL =
    # 1.6 mg -> floor(100 / 1.6) = 62; its 10 mL at 80 % of the volume -> 62; 50 injections -> 50 (KYBELLA label)
    monkeypatch.setenv("COLUMNS", "80")
    lines = cli("plan", "submental-dca-lidocaine", "--weight", "70 kg", "--explain").stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "Capacity = the smallest of these 6:" in line)
    end = next(i for i in range(start, len(lines)) if lines[i].strip().startswith("= 50 points"))
    terms: list[str] = []
    for line in lines[start + 1:end]:  # a term starts 6 columns in; a longer one goes on 8 columns in
        if line.startswith(" " * 8):
            terms[-1] += " " + line.strip()
        else:
            assert line.startswith(" " * 6) and line[6] != " ", line
            terms.append(line.strip())
    assert [term.split()[-1] for term in terms] == ["393", "375", "62", "62", "50", "50"]
    assert lines[end].strip() == "= 50 points × 1 cm² per point = 50 cm²"
    assert all(len(line) <= 80 for line in lines[start:end + 1])


def test_at_60_columns_each_cap_is_a_short_block_with_every_value(cli, monkeypatch):
    # too narrow for the caps table: each cap becomes its scope line and its `Header value` pairs, the short
    # ones sharing a line (Xylocaine label 4.5 mg/kg and 300 mg; 20 mg / 60 kg = 0.333 mg/kg; KYBELLA 2 mg, 100 mg)
    monkeypatch.setenv("COLUMNS", "60")
    run = cli("plan", "submental-dca-lidocaine", "--weight", "60 kg")
    checks = [check for comp in cli("plan", "submental-dca-lidocaine", "--weight", "60 kg", "--json").json[
        "components"] for check in comp["checks"]]
    lines = run.stdout.splitlines()
    block = lines[lines.index("Dose caps") + 1:lines.index("", lines.index("Dose caps"))]
    caps = block[:next(i for i, line in enumerate(block) if line.startswith("[1]"))]
    scopes = [i for i, line in enumerate(caps) if line.startswith(SCOPES)]
    assert len(scopes) == len(checks)
    assert len(caps) <= 3 * len(checks) + 2  # two agent headings; was 6 lines a cap, one per value
    pairs = [pair for line in caps if line.startswith("  ") for pair in line.strip().split("   ")]
    for expected in ("Cap 4.5 mg/kg", "Actual 0.333 mg/kg", "Cap 300 mg", "Actual 20 mg", "Cap 2 mg",
                     "Source xylocaine-label", "Status n/a"):
        assert expected in pairs, expected
    assert all(len(line) <= 60 and line == line.rstrip() and "…" not in line for line in lines)


def test_each_agent_of_a_visit_item_has_its_own_dose_line(cli, monkeypatch, write):
    # EMLA 5 g × 25 mg/g = 125 mg lidocaine and 125 mg prilocaine, applied (shown beside the injected totals)
    visit = write("visit.yaml", "kind: visit\nweight: 60 kg\nitems:\n"
                  "  - {product: emla-cream, mass: 5 g, area: \"50 cm^2\", note: applied 1 h before}\n")
    for width in ("80", "120"):
        monkeypatch.setenv("COLUMNS", width)
        rows, notes = caps_rows(cli("visit", str(visit)).stdout, "Items")
        assert rows[0].startswith("1  emla-cream (product) [1]") and "lidocaine 125 mg" in rows[0]
        assert any(row.strip().startswith("prilocaine 125 mg") for row in rows[1:]), rows
        assert notes == ["[1] applied 1 h before"]
