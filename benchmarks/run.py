"""Start-up and batch benchmark: every time as a ratio to F, the interpreter floor (`python -c pass`).

    python benchmarks/run.py                  # fresh venv, plain (non-editable) install of this checkout
    python benchmarks/run.py --venv DIR       # reuse a venv that already has mesocalc installed
    python benchmarks/run.py --quick          # fewer repeats, no 100k batch (a smoke run)

What it does, in one run:
1. makes a fresh virtual environment in a temporary folder and `pip install`s this checkout into it
   (not editable), so the installed modules have their .pyc files even where PYTHONDONTWRITEBYTECODE
   is set, as for a user who installed mesocalc;
2. measures F with that venv's own python, then the wall-time median of each command (the `mesocalc`
   console script of the venv, never a `python3` shim), with its peak RSS (ru_maxrss of the child);
3. prints the table and writes it, with the cost curves, to docs/performance.md.

The user cache goes to a temporary folder (MESOCALC_CACHE_DIR); "cached" rows are measured after one
warm-up run, "uncached" rows with an empty cache every time. No timed assertions: this reports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RSS_TARGET_MB = 60.0
BIG_RSS_TARGET_MB = 150.0
BATCH_TARGET_S = 0.6
BIG_COLD_TARGET_S = 8.0
EDIT_TARGET_S = 1.0


@dataclass
class Row:
    name: str
    command: str
    median_s: float | None  # None: not available in this tree
    rss_mb: float | None
    target: str = ""
    note: str = ""
    lines: int = 0  # a batch row: its number of lines (the note then gives µs per line)


LOADS: list[float] = []  # the 1-minute load average, sampled before every run


def run_once(argv: list[str], env: dict[str, str], stdin_path: Path | None = None,
             stdout_path: Path | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit code of one run."""
    LOADS.append(os.getloadavg()[0])
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL  # noqa: SIM115
    stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        for handle in (stdin, stdout):
            if not isinstance(handle, int):
                handle.close()
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 1024 / 1024
    return elapsed, rss_mb, proc.returncode


def median_run(argv: list[str], env: dict[str, str], repeat: int, stdin_path: Path | None = None,
               fresh_cache: bool = False) -> tuple[float, float, int]:
    times, peak, code = [], 0.0, 0
    for _ in range(repeat):
        run_env = env
        if fresh_cache:
            run_env = dict(env, MESOCALC_CACHE_DIR=tempfile.mkdtemp(prefix="mesocalc-bench-cache-"))
        elapsed, rss, code = run_once(argv, run_env, stdin_path)
        if fresh_cache:
            shutil.rmtree(run_env["MESOCALC_CACHE_DIR"], ignore_errors=True)
        times.append(elapsed)
        peak = max(peak, rss)
    return statistics.median(times), peak, code


def make_venv(where: Path) -> Path:
    """A fresh venv with a plain install of this checkout; returns its bin folder."""
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(where)], check=True)
    bindir = where / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(ROOT)],
                   check=True)
    return bindir


def generated_library(folder: Path, agents: int) -> Path:
    """A library of `agents` agents (one file each, with stocks, four limits and a source) and one cocktail
    that uses the first three of them. Numbers are arbitrary: this is for timing, not for patients."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(agents):
        (folder / f"agent-{i:05d}.yaml").write_text(f"""kind: agent
id: bench-agent-{i}
name: Benchmark agent {i}
aliases: [BA{i}]
classes: [bench-class-{i % 7}]
regulatory: {{status: compounded, note: generated for the benchmark}}
stocks:
  - {{id: vial-{i}, label: "{1 + i % 9} mg/mL vial", concentration: "{1 + i % 9} mg/mL", volume: "5 mL"}}
max_concentration: "{10 + i % 9} mg/mL"
limits:
  - {{scope: point, max: "{2 + i % 5} mg", severity: hard, source: bench-source-{i}}}
  - {{scope: session, max: "{100 + i} mg", severity: hard, source: bench-source-{i}}}
  - {{scope: session, max: "{3 + i % 4} mg/kg", severity: hard, source: bench-source-{i}}}
  - {{scope: session, max: "{2 + i % 3} mg/cm^2", severity: soft, source: bench-source-{i}}}
contraindications:
  - {{condition: pregnancy, source: bench-source-{i}}}
sources:
  - {{id: bench-source-{i}, title: "Generated source {i}", confidence: low}}
""", encoding="utf-8")
    (folder / "cocktail.yaml").write_text("""kind: cocktail
id: bench-cocktail
name: Benchmark cocktail
area: submental
technique: {grid: square, spacing: "1 cm", volume_per_point: "0.1 mL"}
components:
  - {agent: bench-agent-0, concentration: "1 mg/mL"}
  - {agent: bench-agent-1, concentration: "1 mg/mL"}
  - {agent: bench-agent-2, concentration: "1 mg/mL"}
""", encoding="utf-8")
    return folder


def add_cocktails(folder: Path, cocktails: int, agents: int) -> Path:
    """`cocktails` more cocktails (one file each), each using two of the generated agents."""
    for i in range(cocktails):
        (folder / f"cocktail-{i:05d}.yaml").write_text(f"""kind: cocktail
id: bench-cocktail-{i}
name: Benchmark cocktail {i}
area: submental
technique: {{grid: square, spacing: "1 cm", volume_per_point: "0.1 mL"}}
components:
  - {{agent: bench-agent-{i % agents}, concentration: "1 mg/mL"}}
  - {{agent: bench-agent-{(i + 1) % agents}, concentration: "1 mg/mL"}}
""", encoding="utf-8")
    return folder


def distinct_batch_file(path: Path, lines: int) -> Path:
    """Requests that never repeat (area, weight and scalp share change on every line)."""
    shapes = [
        lambda i: {"cocktail": "submental-dca", "area": f"{10 + i * 0.001:.3f} cm^2"},
        lambda i: {"cocktail": "pcdc-abdomen", "area": f"{50 + i * 0.01:.2f} cm^2",
                   "weight": f"{50 + i * 0.001:.3f} kg"},
        lambda i: {"cocktail": "mesohair-dutasteride", "scalp": f"{10 + (i * 0.007) % 90:.3f}%"},
        lambda i: {"cocktail": "mesohair-minoxidil", "scalp": "whole", "spacing": f"{1 + i * 0.0001:.4f} cm"},
    ]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(lines):
            out.write(json.dumps(shapes[i % len(shapes)](i)) + "\n")
    return path


LEDGER_FILL = """
import json, sys
from datetime import datetime, timedelta
from pathlib import Path
from mesocalc.ledger import content as ct
from mesocalc.ledger.db import open_ledger, write_transaction
from mesocalc.ledger.store import StoredSession, insert_session
path, plan, count = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
content = ct.content_from_document(json.loads(plan.read_text(encoding="utf-8")), str(plan))
start = datetime(2020, 1, 1, 9, 0)
with open_ledger(path, create=True) as con, write_transaction(con):
    for i in range(count):
        insert_session(con, StoredSession(f"00000000-0000-4000-8000-{i:012d}", "P-BIG", start + timedelta(days=i),
                                          start + timedelta(days=i), "plan", content, True, None, "bench", None,
                                          (ct.Lot("minoxidil", f"L{i % 50}", None),)))
"""


def ledger_with_history(path: Path, python: str, plan_json: Path, sessions: int, env: dict[str, str]) -> Path:
    """A ledger where patient P-BIG has `sessions` sessions (minoxidil, one a day: no course rule applies)."""
    subprocess.run([python, "-c", LEDGER_FILL, str(path), str(plan_json), str(sessions)], check=True, env=env)
    return path


def example_file(name: str) -> str:
    """A file docs/examples.md shows (```yaml block after its name), e.g. the submental visit."""
    text = (ROOT / "docs" / "examples.md").read_text(encoding="utf-8")
    return text.split(f"`{name}`:", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]


def batch_file(path: Path, lines: int) -> Path:
    """Varied requests over the built-in cocktails: areas, scalp shares and weights change from line to line."""
    shapes = [
        lambda i: {"cocktail": "submental-dca", "area": f"{10 + i % 40} cm^2"},
        lambda i: {"cocktail": "pcdc-abdomen", "area": f"{50 + i % 150} cm^2", "weight": f"{50 + i % 50} kg"},
        lambda i: {"cocktail": "mesohair-dutasteride", "scalp": f"{10 + i % 90}%"},
        lambda i: {"cocktail": "mesohair-minoxidil", "scalp": "whole", "spacing": "1 cm"},
    ]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(lines):
            out.write(json.dumps(shapes[i % len(shapes)](i)) + "\n")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", type=Path, help="use this venv (mesocalc already installed) instead of a fresh one")
    parser.add_argument("--repeat", type=int, default=15, help="runs per command (median taken)")
    parser.add_argument("--quick", action="store_true", help="5 runs per command, no 100k batch")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--libraries", type=int, nargs="*", default=[1_000, 10_000],
                        help="generated library sizes (N agents + N cocktails)")
    args = parser.parse_args()
    repeat = 5 if args.quick else args.repeat

    work = Path(tempfile.mkdtemp(prefix="mesocalc-bench-"))
    try:
        if args.venv:
            bindir = args.venv / ("Scripts" if os.name == "nt" else "bin")
        else:
            print(f"installing this checkout into a fresh venv in {work} ...", flush=True)
            bindir = make_venv(work / "venv")
        python, mesocalc = str(bindir / "python"), str(bindir / "mesocalc")
        env = dict(os.environ, MESOCALC_CACHE_DIR=str(work / "cache"), NO_COLOR="1")
        env.pop("MESOCALC_LIBRARY", None)
        env.pop("PYTHONPATH", None)

        floor, floor_rss, _ = median_run([python, "-c", "pass"], env, repeat * 2)
        rows: list[Row] = []

        def measure(name: str, argv: list[str], target: str = "", repeat_n: int = repeat,
                    stdin_path: Path | None = None, fresh_cache: bool = False, note: str = "") -> Row:
            run_once(argv, env, stdin_path)  # warm-up (fills the user cache, the OS file cache)
            median, rss, code = median_run(argv, env, repeat_n, stdin_path, fresh_cache)
            row = Row(name, " ".join(a if " " not in a else f'"{a}"' for a in [Path(argv[0]).name, *argv[1:]]),
                      median, rss, target, note or f"exit {code}")
            rows.append(row)
            shown = f"{median * 1000:8.1f} ms {median / floor:6.1f} xF" if median is not None else "n/a"
            print(f"{name:28s} {shown}  {rss:6.1f} MB  {row.note}", flush=True)
            return row

        print(f"F = python -c pass: {floor * 1000:.1f} ms, {floor_rss:.1f} MB", flush=True)
        plan_argv = [mesocalc, "plan", "submental-dca", "--area", "25 cm^2"]
        # the start-up rows, interleaved: each round runs F and every command once, medians over the rounds
        startup = [
            ("help", [mesocalc, "--help"], "≤ 5×F", False),
            ("plan --json (warm)", [*plan_argv, "--json"], "≤ 6×F", False),
            ("plan, human (warm)", plan_argv, "≤ 8×F", False),
            ("convert", [mesocalc, "convert", "1:100000", "mg/mL"], "≤ 6×F", False),
            ("plan --json, cold (empty cache)", [*plan_argv, "--json"], "≤ 10×F", True),
            ("plan, weight in lb, cold (a unit never seen)",
             [mesocalc, "plan", "submental-dca-lidocaine", "--weight", "154 lb", "--json"], "≤ 10×F", True),
            ("check (built-in library)", [mesocalc, "check"], "", False),
        ]
        # visit (docs/examples.md's submental visit) and the course ledger: recording a session, reading back
        # a 5,000-session history, planning against it; interleaved with the rows above
        visit = work / "visit.yaml"
        visit.write_text(example_file("submental-visit.yaml"), encoding="utf-8")
        plan_json = work / "plan.json"
        run_once([mesocalc, "plan", "mesohair-minoxidil", "--points", "40", "--json"], env, None, plan_json)
        ledger = ledger_with_history(work / "ledger.sqlite3", python, plan_json, 5_000, env)
        startup += [
            ("visit (4 items)", [mesocalc, "visit", str(visit)], "", False),
            ("visit --json (4 items)", [mesocalc, "visit", str(visit), "--json"], "", False),
            ("record, ledger of 5,000 sessions",
             [mesocalc, "record", str(plan_json), "--patient", "P-NEW", "--ledger", str(ledger), "--date",
              "2026-01-01", "--again", "--lot", "minoxidil=L1"], "", False),
            ("history, 5,000 sessions", [mesocalc, "history", "P-BIG", "--ledger", str(ledger)], "", False),
            ("history, 5,000 sessions, --json", [mesocalc, "history", "P-BIG", "--ledger", str(ledger), "--json"],
             "", False),
            ("plan --json --patient-id, 5,000 sessions",
             [mesocalc, "plan", "mesohair-minoxidil", "--points", "40", "--json", "--patient-id", "P-BIG",
              "--ledger", str(ledger)], "", False),
        ]
        floor = interleaved(python, startup, env, repeat, rows)

        lib_rows: dict[int, tuple[Row, Row]] = {}
        for size in args.libraries:
            folder = add_cocktails(generated_library(work / f"lib-{size}", size), size, size)
            argv = [mesocalc, "plan", "bench-cocktail", "--library", str(folder), "--weight", "70 kg", "--json"]
            cold_target = f"≤ {BIG_COLD_TARGET_S:g} s; RSS ≤ {BIG_RSS_TARGET_MB:g} MB" if size >= 10_000 else ""
            uncached = measure(f"plan, {size:,}+{size:,} library, cold", argv, cold_target,
                               repeat_n=1 if size >= 10_000 else max(3, repeat // 3), fresh_cache=True)
            cached = measure(f"plan, {size:,}+{size:,} library, warm", argv, "≤ 15×F" if size >= 10_000 else "≤ 8×F")
            lib_rows[size] = (uncached, cached)
            # one file edited, then the same plan: only that file is read and parsed again
            edited = folder / "agent-00005.yaml"
            original = edited.read_text(encoding="utf-8")
            times, edit_peak = [], 0.0
            for n in range(1 if size >= 10_000 else 3):
                text = original.replace("Benchmark agent 5", f"Benchmark agent 5 (edit {n})")
                edited.write_text(text, encoding="utf-8")
                elapsed, edit_rss, _ = run_once(argv, env)
                times.append(elapsed)
                edit_peak = max(edit_peak, edit_rss)
            edited.write_text(original, encoding="utf-8")
            row = Row(f"plan, {size:,}+{size:,} library, one file edited", "(as above)", statistics.median(times),
                      edit_peak, f"≤ {EDIT_TARGET_S:g} s" if size >= 10_000 else "", f"median of {len(times)} edit(s)")
            rows.append(row)
            print(f"{row.name:28s} {row.median_s * 1000:8.1f} ms", flush=True)

        batch_rows: dict[int, Row] = {}
        sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
        for size in sizes:
            path = batch_file(work / f"batch-{size}.jsonl", size)
            row = measure(f"batch, {size:,} lines on stdin", [mesocalc, "plan", "--batch", "-"],
                          "≤ 0.6 s" if size == 10_000 else "", repeat_n=3 if size > 10_000 else max(3, repeat // 3),
                          stdin_path=path)
            row.lines = size
            batch_rows[size] = row
        distinct = distinct_batch_file(work / "batch-distinct-10000.jsonl", 10_000)
        batch_rows[-10_000] = measure("batch, 10,000 distinct lines", [mesocalc, "plan", "--batch", "-"], "≤ 0.6 s",
                                      repeat_n=max(3, repeat // 3), stdin_path=distinct)
        batch_rows[-10_000].lines = 10_000
        # the same in one process (--jobs 1): what a line costs without the workers sharing the batch
        alone = measure("batch, 10,000 distinct lines, --jobs 1", [mesocalc, "plan", "--batch", "-", "--jobs", "1"],
                        repeat_n=max(3, repeat // 3), stdin_path=distinct)
        alone.lines = 10_000
        # the 10k batch must give 10,000 valid plan lines
        out = work / "batch-out.jsonl"
        run_once([mesocalc, "plan", "--batch", "-"], env, work / "batch-10000.jsonl", out)
        docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        valid = sum(1 for d in docs if d.get("kind") == "plan")
        print(f"10k batch: {valid:,} plan lines of {len(docs):,}", flush=True)

        write_report(args.out, floor, floor_rss, rows, lib_rows, batch_rows, valid, bindir)
        print(f"wrote {args.out}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def interleaved(python: str, commands: list[tuple[str, list[str], str, bool]], env: dict[str, str], repeat: int,
                rows: list[Row]) -> float:
    """F and each command run once per round, `repeat` rounds (so a busy spell of the machine touches them
    all alike); returns F, the median of F's runs, and appends one row per command."""
    for _, argv, _, _ in commands:
        run_once(argv, env)  # warm-up (fills the user cache, the OS file cache)
    floor_times: list[float] = []
    times: dict[str, list[float]] = {name: [] for name, *_ in commands}
    peaks: dict[str, float] = dict.fromkeys(times, 0.0)
    codes: dict[str, int] = {}
    for _ in range(repeat):
        floor_times.append(run_once([python, "-c", "pass"], env)[0])
        for name, argv, _, fresh in commands:
            run_env = dict(env, MESOCALC_CACHE_DIR=tempfile.mkdtemp(prefix="mesocalc-bench-cache-")) if fresh else env
            elapsed, rss, codes[name] = run_once(argv, run_env)
            if fresh:
                shutil.rmtree(run_env["MESOCALC_CACHE_DIR"], ignore_errors=True)
            times[name].append(elapsed)
            peaks[name] = max(peaks[name], rss)
    floor = statistics.median(floor_times)
    for name, argv, target, _ in commands:
        median = statistics.median(times[name])
        rows.append(Row(name, " ".join(a if " " not in a else f'"{a}"' for a in [Path(argv[0]).name, *argv[1:]]),
                        median, peaks[name], target, f"exit {codes[name]}"))
        print(f"{name:28s} {median * 1000:8.1f} ms {median / floor:6.1f} xF  {peaks[name]:6.1f} MB", flush=True)
    return floor


def verdict(row: Row, floor: float) -> str:
    if row.median_s is None:
        return "n/a"
    ratio = row.median_s / floor
    if row.target and row.target.split("≤ ")[1].split(";")[0].endswith(" s"):
        ok = row.median_s <= float(row.target.split("≤ ")[1].split(" s")[0])
        if "RSS" in row.target and row.rss_mb is not None:
            ok = ok and row.rss_mb <= float(row.target.split("RSS ≤ ")[1].split(" MB")[0])
        return "ok" if ok else "over"
    if row.target:
        limit = float(row.target.split("≤ ")[1].split("×")[0])
        return "ok" if ratio <= limit else "over"
    return ""


def write_report(path: Path, floor: float, floor_rss: float, rows: list[Row], lib_rows: dict[int, tuple[Row, Row]],
                 batch_rows: dict[int, Row], valid: int, bindir: Path) -> None:
    def ms(row: Row) -> str:
        return f"{row.median_s * 1000:,.0f}" if row.median_s is not None else "n/a"

    def ratio(row: Row) -> str:
        return f"{row.median_s / floor:.1f}" if row.median_s is not None else "n/a"

    def rss(row: Row) -> str:
        return f"{row.rss_mb:.0f}" if row.rss_mb is not None else "n/a"

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "?"
    version = subprocess.run([str(bindir / "python"), "-c", "import typer, sys; print(typer.__version__, "
                              "sys.version.split()[0])"], capture_output=True, text=True).stdout.split()
    lines = [
        "# Performance",
        "",
        "Generated by `python benchmarks/run.py` (a fresh venv with a plain, non-editable install of the",
        "checkout; the venv's own `python` and `mesocalc`; the user cache in a temporary folder). Times are",
        "wall-clock medians; **×F** is the ratio to F, `python -c pass` with the same interpreter, measured in",
        "the same run. Peak RSS is the child's `ru_maxrss` (it cannot read below the benchmark's own size,",
        "about 16 MB, which the child shares until it execs). Commands: `mesocalc --help`; `mesocalc plan",
        "submental-dca --area \"25 cm^2\" --json`; `mesocalc convert \"1:100000\" mg/mL`; `mesocalc check`;",
        "`mesocalc plan bench-cocktail --library DIR --weight \"70 kg\" --json`; `mesocalc plan --batch - < FILE`;",
        "`mesocalc visit visit.yaml` (docs/examples.md's 4-item submental visit); `mesocalc record plan.json",
        "--patient P-NEW --ledger L`, `mesocalc history P-BIG --ledger L` and `mesocalc plan mesohair-minoxidil",
        "--patient-id P-BIG --ledger L --json` on a ledger where P-BIG has 5,000 sessions.",
        "",
        f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (commit {commit}). Machine: "
        f"{platform.machine()}, {os.cpu_count()} CPU(s), shared with other users running tests; 1-minute load "
        f"average seen during the run {min(LOADS):.1f}-{max(LOADS):.1f} (median {statistics.median(LOADS):.1f}).",
        "The start-up, visit and ledger rows are interleaved (each round runs F and every one of those commands",
        "once; medians over the rounds), so a busy spell of the machine touches them alike; the ratios to F are",
        "the stabler figure. The library and batch rows are not interleaved and are the noisiest.",
        f"Python {version[1] if len(version) > 1 else '?'}, Typer {version[0] if version else '?'}.",
        "",
        f"F = {floor * 1000:.1f} ms, {floor_rss:.0f} MB.",
        "",
        "| what | median ms | ×F | target | peak RSS MB | verdict | note |",
        "|---|---:|---:|---|---:|---|---|",
    ]
    for row in rows:
        target, note = row.target, row.note
        if row.lines and row.median_s is not None:
            note += f"; {(row.median_s - floor) / row.lines * 1e6:.0f} µs per line after start-up"

        lines.append(f"| {row.name} | {ms(row)} | {ratio(row)} | {target} | {rss(row)} | "
                     f"{verdict(row, floor)} | {note} |")
    lines += ["", f"The 10,000-line batch returned {valid:,} valid plan lines.", "",
              "## Cost curves", "", "Plan time against library size (`--library` with N generated agents and N "
              "cocktails, one file each; the planned cocktail uses three agents):", "",
              "| N | cold ms | ×F | warm ms | ×F |", "|---:|---:|---:|---:|---:|"]
    for size, (uncached, cached) in lib_rows.items():
        lines.append(f"| {size:,} | {ms(uncached)} | {ratio(uncached)} | {ms(cached)} | {ratio(cached)} |")
    lines += ["", "Batch time against batch size (varied requests over the four built-in cocktails, on stdin; "
              "\"distinct\": no line repeats, so the line memo never answers):", "",
              "| lines | total ms | µs per line (after start-up) | peak RSS MB |", "|---:|---:|---:|---:|"]
    for size, row in batch_rows.items():
        per_line = (row.median_s - floor) / abs(size) * 1e6 if row.median_s is not None else 0.0
        label = f"{abs(size):,} distinct" if size < 0 else f"{size:,}"
        lines.append(f"| {label} | {ms(row)} | {per_line:.0f} | {rss(row)} |")
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    marker = "<!-- end of generated part -->"
    notes = existing.split(marker, 1)[1] if marker in existing else ""
    path.write_text("\n".join(lines) + f"\n\n{marker}{notes}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
