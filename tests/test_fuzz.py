"""Fuzzing the YAML loader and the CLI's option parsing (hypothesis).

Whatever the input (random text, mutated valid library files, random option values), mesocalc
answers with exit code 0, 1 or 2, never a traceback nor an 'internal error', and with --json stdout
is exactly one strictly valid JSON document matching its kind's schema.

The budget is short by default; set MESOCALC_FUZZ_EXAMPLES (e.g. 20000) for a long run on demand.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli, strict_json
from mesocalc.errors import MesocalcError
from mesocalc.library import builtin_dir
from mesocalc.library.validate import read_document
from mesocalc.library.yamlio import decode, parse_documents

EXAMPLES = int(os.environ.get("MESOCALC_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 30,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

SEEDS = [p.read_bytes() for p in sorted(builtin_dir().rglob("*.yaml"))]
CORPUS = sorted((Path(__file__).parent / "corpus" / "library").iterdir())
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
