"""Fuzzing the YAML loader, the CLI's option parsing, the input files and every renderer (hypothesis).

Whatever the input (random text, mutated valid library files, random option values, random batch
streams, history and patient files, hostile names), mesocalc answers with exit code 0, 1 or 2, never a
traceback nor an 'internal error'; with --json stdout is exactly one strictly valid JSON document (one
per line for a batch) matching its kind's schema; and library or user text reaches no output raw: no
escape sequence on a terminal, no Rich markup read, valid XML in every SVG, no forged Markdown row.

The budget is short by default; set MESOCALC_FUZZ_EXAMPLES (e.g. 20000) for a long run on demand.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli, strict_json, validate_output
from mesocalc.errors import MesocalcError
from mesocalc.library import builtin_dir
from mesocalc.library.validate import read_document
from mesocalc.library.yamlio import decode, parse_documents

EXAMPLES = int(os.environ.get("MESOCALC_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 30,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

SEEDS = [p.read_bytes() for p in sorted(builtin_dir().rglob("*.yaml"))]
CORPUS = sorted((Path(__file__).resolve().parents[1] / "corpus" / "library").iterdir())
SEEDS += [p.read_bytes() for p in CORPUS if p.stat().st_size < 20_000]
TOKENS = [b"\n", b": ", b"- ", b"{", b"}", b"[", b"]", b"&a ", b"*a", b"!!python/object/apply:os.system ",
          b"<<: ", b"\t", b"---\n", b"'", b'"', b"\x00", b"\xff", b"1e999 mg", b"-1 mL", b"nan", b".inf",
          b"kind: agent\n", b"kind: cocktail\n", b"limits:\n", b"  - ", b"%", b"1:0", b"mg/kg"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A library file with a few bytes inserted, deleted or replaced (or tokens that matter to YAML)."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "token"]))
        if action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif action == "replace":
            data[at:at + 1] = draw(st.binary(min_size=1, max_size=1))
        else:
            data[at:at] = draw(st.sampled_from(TOKENS))
    return bytes(data)


def load_like_the_library(raw: bytes) -> None:
    """decode -> parse -> validate: only MesocalcError may escape (it becomes exit 2)."""
    try:
        for doc in parse_documents(decode(raw, "fuzz.yaml"), "fuzz.yaml"):
            read_document(doc, [])
    except MesocalcError as exc:
        assert exc.problems and all(p.message for p in exc.problems)


@FUZZ
@given(st.one_of(mutated(), st.binary(max_size=400), st.text(max_size=400).map(str.encode)))
def test_yaml_loader_never_raises_anything_but_an_input_error(raw):
    load_like_the_library(raw)


def check_run(args: list[str]) -> None:
    run = run_cli(args)  # validates every JSON document against its schema
    assert run.exit_code in (0, 1, 2), (args, run.exit_code, run.stderr[-400:])
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, (args, run.stderr[-600:])
    if "--json" in args:
        doc = strict_json(run.stdout)  # exactly one document: json.loads refuses trailing text
        assert (doc["kind"] == "error") == (run.exit_code == 2), (args, doc["kind"])


@FUZZ
@given(mutated())
def test_check_and_plan_on_a_mutated_library_file_answer_cleanly(raw):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(raw)
        check_run(["check", str(path), "--json"])
        check_run(["plan", "submental-dca", "--library", str(path), "--json"])


VALUES = {
    "--area": ["25 cm^2", "5 cm x 4 cm", "submental", "abdomen", "1 m^2", "0.5 in^2"],
    "--spacing": ["1 cm", "8 mm", "0.5 in", "2 cm"],
    "--volume-per-point": ["0.2 mL", "200 µL", "0.05 cc", "0.1 mL"],
    "--grid": ["square", "hex"],
    "--points": ["1", "25", "50", "51", "1000000"],
    "--weight": ["70 kg", "154 lb", "45 kg", "120 kg"],
    "--scalp": ["whole", "40%", "100%", "0.5%"],
}
NASTY = ["", " ", "nan", "inf", "-1", "0", "1e309", "1e-309", "-0", "1,000,000", "1:100000", "2 %", "10 U",
         "$(id)", "; rm -rf ~", "__import__('os')", "\x00", "\u202e", "25 cm^2\n--json", "5 cm x", "x 4 cm",
         "1 mg", "1 mL", "1 kg", "1 cm", "1 cm^2", "1 day", "1 particles", "9" * 400, "(((((((((", "^^^", "**2",
         "1 cm^2 x 2 cm", "1e5 cm^2", "70 kg/cm^2"]
COCKTAILS = ["submental-dca", "submental-dca-lidocaine", "pcdc-abdomen", "mesohair-minoxidil", "mesohair-dutasteride",
             "nope", ""]


@st.composite
def plan_args(draw: st.DrawFn) -> list[str]:
    args = ["plan", draw(st.sampled_from(COCKTAILS))]
    for option in draw(st.lists(st.sampled_from(sorted(VALUES)), max_size=4, unique=True)):
        value = draw(st.one_of(st.sampled_from(VALUES[option]), st.sampled_from(NASTY),
                               st.text(max_size=30)))
        args += [option, value]
    if draw(st.booleans()):
        args.append("--strict")
    return [*args, "--json"]


@FUZZ
@given(plan_args())
def test_plan_with_random_option_values_answers_cleanly(args):
    check_run(args)


@FUZZ
@given(st.sampled_from(["agents", "cocktails", "areas", "schema", "check"]), st.one_of(
    st.sampled_from(["lidocaine", "scalp", "submental-dca", "plan", "error", *NASTY]), st.text(max_size=20)))
def test_browse_commands_with_random_ids_answer_cleanly(command, item):
    if command == "check" and (not item.strip() or "\x00" in item):
        return  # an empty or NUL path is the shell's business, not a library
    if command == "schema":
        run = run_cli([command, item])
        assert run.exit_code in (0, 2) and "Traceback" not in run.stderr
        return
    check_run([command, item, "--json"])


# ---- input files: batch streams, history files, patient files ---------------------------------------

HOSTILE = ["[/]", "[link=javascript:alert(1)]x[/link]", "\x1b[31m", "\x1b]8;;http://x\x07", "\u202e", "\u200b",
           "<script>", "<!--", "|", "\n", "\r", "\x00", "\ud800", "1 (cm", "1e28 cm^2", "1 ·", "9" * 300,
           "/etc/passwd", "/dev/zero", ".", "", "1 in^2.5", "-1 mL", "0.2 mL^1.2"]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(NASTY), st.text(max_size=25))
REQUEST_KEYS = ["cocktail", "area", "scalp", "spacing", "volume_per_point", "grid", "points", "weight",
                "patient", "strict", "wieght"]
JSON_VALUE = st.one_of(TEXT, st.integers(-5, 2_000_000), st.booleans(), st.none(), st.floats(allow_nan=False),
                       st.lists(TEXT, max_size=3))


@st.composite
def batch_line(draw: st.DrawFn) -> str:
    import json

    kind = draw(st.sampled_from(["request", "request", "request", "text", "json"]))
    if kind == "text":
        return draw(st.text(max_size=60)).replace("\n", " ")
    if kind == "json":
        return json.dumps(draw(JSON_VALUE))
    request: dict[str, object] = {"cocktail": draw(st.sampled_from(COCKTAILS))}
    for key in draw(st.lists(st.sampled_from(REQUEST_KEYS), max_size=4, unique=True)):
        value = draw(st.one_of(st.sampled_from(VALUES.get("--" + key.replace("_", "-"), ["x"])), JSON_VALUE))
        request[key] = value
    return json.dumps(request, ensure_ascii=draw(st.booleans()))


@FUZZ
@given(st.lists(batch_line(), min_size=1, max_size=8))
def test_a_random_batch_answers_every_line_in_order(lines):
    stream = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")  # a lone surrogate: bytes not UTF-8
    run = run_cli(["plan", "--batch", "-"], input=stream)  # type: ignore[arg-type]
    assert run.exit_code in (0, 1, 2), run.stderr[-400:]
    assert "Traceback" not in run.stderr and "internal error" not in run.stdout + run.stderr, run.stderr[-600:]
    docs = [strict_json(line) for line in run.stdout.splitlines()]
    wanted = [n for n, line in enumerate(lines, start=1) if line.strip()]
    assert len(docs) == len(wanted)  # one output line per request: none lost, none extra
    for number, doc in zip(wanted, docs, strict=True):
        validate_output(doc)
        assert doc["kind"] == "plan" or doc["line"] == number
    assert max((d["exit_code"] if d["kind"] == "plan" else 2 for d in docs), default=0) == run.exit_code


def _yaml_scalar(value: object) -> str:
    import json

    return json.dumps(value)  # a JSON value is a YAML flow value


@st.composite
def history_file(draw: st.DrawFn) -> str:
    items = []
    for _ in range(draw(st.integers(0, 4))):
        item = {}
        if draw(st.booleans()):
            item["date"] = draw(st.one_of(st.sampled_from(["2026-01-15", "2025-12-31", "9999-12-31", "0001-01-01",
                                                           "2026-02-30", "yesterday"]), TEXT))
        if draw(st.booleans()):
            item["volume"] = draw(st.one_of(st.sampled_from(["10 mL", "5 mL", "0 mL", "1e30 mL"]), TEXT))
        if draw(st.booleans()):
            item["doses"] = {draw(st.sampled_from(["deoxycholic-acid", "lidocaine", "x"])):
                             draw(st.one_of(st.sampled_from(["80 mg", "1 g"]), TEXT))}
        if draw(st.booleans()):
            item[draw(st.sampled_from(["phase", "note", "dose", "date "]))] = draw(TEXT)
        items.append("{" + ", ".join(f"{_yaml_scalar(k)}: {_yaml_scalar(v)}" for k, v in item.items()) + "}")
    return "[" + ", ".join(items) + "]\n" if draw(st.booleans()) else draw(st.text(max_size=80))


@FUZZ
@given(history_file())
def test_schedule_with_a_random_history_file_answers_cleanly(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        check_run(["schedule", "submental-dca", "--start", "2026-06-01", "--history", str(path), "--json"])


@st.composite
def patient_file(draw: st.DrawFn) -> str:
    fields = {"kind": draw(st.sampled_from(["patient", "patient", "agent", "x"]))}
    for key in draw(st.lists(st.sampled_from(["id", "weight", "sex", "conditions", "allergies", "note", "name",
                                              "wieght"]), max_size=5, unique=True)):
        fields[key] = draw(st.one_of(TEXT, st.lists(TEXT, max_size=3), st.sampled_from(
            ["70 kg", "154 lb", "p-1", "pregnant", ["pregnant"], ["amide-local-anesthetic"], "0 kg"])))
    return "\n".join(f"{_yaml_scalar(k)}: {_yaml_scalar(v)}" for k, v in fields.items()) + "\n"


@FUZZ
@given(patient_file(), st.sampled_from(COCKTAILS[:5]))
def test_plan_with_a_random_patient_file_answers_cleanly(text, cocktail):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "patient.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        check_run(["plan", cocktail, "--patient", str(path), "--json"])


# ---- library and user text through every renderer -----------------------------------------------------

NAME = st.one_of(st.text(min_size=1, max_size=30), st.lists(st.sampled_from([*HOSTILE, "Chin", " ", "a"]),
                                                           min_size=1, max_size=5).map("".join))


def raw_html(markdown: str) -> bool:
    """Whether Markdown holds an unescaped `<script` or `<!--` (a backslash before `<` escapes it)."""
    import re

    return re.search(r"(?<!\\)<(script|!--)", markdown, re.I) is not None


def assert_shown_as_text(output: str, name: str) -> None:
    """No raw escape or hidden character reached the output, and the name is there as written."""
    from mesocalc.textsafe import visible

    assert "\x1b" not in output and "\u202e" not in output and "\u200b" not in output
    squeeze = "".join
    assert squeeze(visible(name).split()) in squeeze(output.split()), (name, output[:300])


@FUZZ
@given(NAME)
def test_a_library_name_reaches_every_renderer_as_text(name):
    import xml.etree.ElementTree as ET

    cocktail = ("kind: cocktail\nid: fuzz-name\nname: " + _yaml_scalar(name) + "\narea: submental\n"
                "technique: {grid: square, spacing: 1 cm, volume_per_point: 0.2 mL}\n"
                "components: [{agent: deoxycholic-acid, concentration: 10 mg/mL}]\n")
    with tempfile.TemporaryDirectory() as folder:
        layer = Path(folder) / "layer"
        layer.mkdir()
        (layer / "c.yaml").write_text(cocktail, encoding="utf-8", errors="surrogatepass")
        check = run_cli(["check", str(layer)])
        assert check.exit_code in (0, 1) and "Traceback" not in check.stdout + check.stderr
        assert "\x1b" not in check.stdout and "\u202e" not in check.stdout
        if check.exit_code == 1:  # refused (a hidden character, an empty name): said once, escaped
            return
        base = ["--library", str(layer)]
        plan = run_cli(["plan", "fuzz-name", *base, "--export", f"{folder}/r.html", "--map", f"{folder}/m.svg"])
        assert plan.exit_code == 0, plan.stderr
        assert_shown_as_text(plan.stdout, name)
        html = Path(f"{folder}/r.html").read_text(encoding="utf-8")
        assert "<a " not in html and "javascript:" not in html.replace("[link=javascript:", "")
        ET.fromstring(Path(f"{folder}/m.svg").read_bytes())  # valid XML
        svg_export = run_cli(["plan", "fuzz-name", *base, "--export", f"{folder}/r.svg"])
        assert svg_export.exit_code == 0
        ET.fromstring(Path(f"{folder}/r.svg").read_bytes())
        browse = run_cli(["cocktails", "fuzz-name", *base])
        assert_shown_as_text(browse.stdout, name)
        sheet = run_cli(["compound", "fuzz-name", *base, "--volume", "5 mL", "--immediate-use",
                         "--worksheet", f"{folder}/w.md"])
        assert sheet.exit_code == 0, sheet.stderr
        markdown = Path(f"{folder}/w.md").read_text(encoding="utf-8")
        assert not raw_html(markdown)
        assert markdown.count("\n## ") == 6  # the record's own sections, none forged


@FUZZ
@given(NAME, NAME)
def test_user_text_on_the_command_line_reaches_every_renderer_as_text(phase, diluent):
    if ":" in phase:
        phase = phase.replace(":", ";")
    schedule = run_cli(["schedule", "submental-dca", "--start", "2026-01-01", "--phase", f"{phase}:2 every 1 month"])
    assert schedule.exit_code in (0, 1, 2) and "Traceback" not in schedule.stderr
    assert "internal error" not in schedule.stderr, schedule.stderr
    output = schedule.stdout + schedule.stderr
    assert "\x1b" not in output and "\u202e" not in output and "\u200b" not in output
    if schedule.exit_code == 0 and phase.strip():
        # a phase name's runs of white space (a tab, a CR) are read as one space (request_schedule.parse_phase)
        assert_shown_as_text(schedule.stdout, " ".join(phase.split()))
    with tempfile.TemporaryDirectory() as folder:
        for suffix in (".md", ".html"):
            sheet = Path(folder) / f"w{suffix}"
            run = run_cli(["compound", "submental-dca", "--volume", "5 mL", "--immediate-use", "--diluent", diluent,
                           "--worksheet", str(sheet)])
            assert run.exit_code in (0, 1, 2) and "Traceback" not in run.stderr
            assert "\x1b" not in run.stdout + run.stderr
            if run.exit_code == 2:
                continue
            text = sheet.read_text(encoding="utf-8")
            assert "\x1b" not in text
            if suffix == ".md":
                assert not raw_html(text) and text.count("\n## ") == 6
            else:
                assert "<script" not in text.lower() and "<!--" not in text
