"""Stream failures (issue 12 item 3, SPEC §6), run as real processes: a closed pipe ends quietly with the
run's own exit code, a full disk or a closed stdout is exit 2 with one message, a closed stdin or stderr
is not a crash, an encoding that cannot show ✗ or ² gets ASCII forms, COLUMNS never breaks the layout,
and Ctrl-C ends with one line and exit 130. Never a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX streams and signals")

SRC = Path(__file__).resolve().parents[2] / "src"
MESOCALC = f"{sys.executable} -m mesocalc"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "COLUMNS", "MESOCALC_DEBUG")}
    out["PYTHONPATH"] = str(SRC)
    out["MESOCALC_CACHE_DIR"] = str(tmp_path / "cache")
    return out


def sh(command: str, env: dict[str, str], stage: int = 0) -> subprocess.CompletedProcess[str]:
    """A shell command line in which `mesocalc` is this checkout's CLI; `rc=` reports the exit code of
    the pipeline's stage `stage` (mesocalc's)."""
    script = command.replace("mesocalc", MESOCALC) + f"; echo \"rc=${{PIPESTATUS[{stage}]}}\" >&2"
    return subprocess.run(["bash", "-c", script], capture_output=True, env=env, timeout=120, check=False,
                          encoding=env.get("PYTHONIOENCODING", "utf-8"))


def code(done: subprocess.CompletedProcess[str]) -> int:
    return int(done.stderr.rsplit("rc=", 1)[1])


def messages(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.rsplit("rc=", 1)[0].splitlines() if line]


def assert_no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr


FAILED_WRITES = [("> /dev/full", "No space left on device"), (">&-", "standard output is closed")]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("json", ["--json", ""])
@pytest.mark.parametrize(("redirect", "reason"), FAILED_WRITES, ids=["full-disk", "closed-stdout"])
def test_a_failed_write_is_exit_2_with_one_message(env, json, redirect, reason):
    done = sh(f"mesocalc plan submental-dca {json} {redirect}", env)
    assert_no_traceback(done)
    assert code(done) == 2
    assert messages(done) == [f"mesocalc: error: cannot write the output: {reason}"]


def test_a_closed_pipe_ends_quietly_with_exit_0_for_a_clean_plan(env):
    done = sh("mesocalc plan submental-dca | head -1", env)
    assert_no_traceback(done)
    assert done.stdout == "Submental fat, deoxycholic acid (KYBELLA label technique) (submental-dca)\n"
    assert messages(done) == [] and code(done) == 0


def test_a_closed_pipe_keeps_the_verdict_of_a_plan_over_a_hard_cap(env):
    # 60 cm² on the label's 1 cm grid: 60 points x 2 mg = 120 mg > the 100 mg session cap (kybella-pi)
    done = sh("mesocalc plan submental-dca --area '60 cm^2' | head -1", env)
    assert_no_traceback(done)
    assert code(done) == 1


def test_a_closed_pipe_in_the_middle_of_a_long_batch_ends_quietly(env):
    done = sh("yes '{\"cocktail\": \"submental-dca\"}' | head -3000 | mesocalc plan --batch - | head -1", env, stage=2)
    assert_no_traceback(done)
    assert code(done) == 0 and messages(done) == []
    assert done.stdout.startswith('{"kind": "plan"')


def test_a_closed_pipe_ends_a_batch_shared_with_workers_quietly_with_its_verdict(env, tmp_path):
    # 3,000 distinct lines (a new area each, so the workers plan them): clean ones exit 0, and a first line
    # over the 100 mg session cap (60 points x 2 mg = 120 mg, kybella-pi) exits 1; never 1 for the pipe
    clean = "".join(json.dumps({"cocktail": "submental-dca", "area": f"{10 + i / 1000:.3f} cm^2"}) + "\n"
                    for i in range(3000))
    # (the reader stops after 300 lines, past the first ones, which used to be written as text; or after 1)
    for first, verdict, read in (("", 0, 300), ('{"cocktail": "submental-dca", "area": "60 cm^2"}\n', 1, 1)):
        batch = tmp_path / f"batch-{verdict}.jsonl"
        batch.write_text(first + clean, encoding="utf-8")
        done = sh(f"cat '{batch}' | mesocalc plan --batch - --jobs 2 | head -{read}", env, stage=1)
        assert_no_traceback(done)
        assert (code(done), messages(done)) == (verdict, []), read
        assert done.stdout.count("\n") == read and done.stdout.startswith('{"kind": "plan"')


def test_a_closed_pipe_keeps_the_worst_verdict_of_the_batch_so_far(env):
    # line 1 is over the 100 mg session cap (60 points x 2 mg = 120 mg, kybella-pi), then thousands of
    # clean lines: the reader stops after one line, the exit code stays 1
    done = sh("(echo '{\"cocktail\": \"submental-dca\", \"area\": \"60 cm^2\"}'; "
              "yes '{\"cocktail\": \"submental-dca\"}' | head -3000) | mesocalc plan --batch - | head -1",
              env, stage=1)
    assert_no_traceback(done)
    assert code(done) == 1 and messages(done) == []


def test_an_input_error_with_stderr_closed_still_exits_2(env):
    done = sh("mesocalc plan no-such-cocktail 2>&-", env)
    assert "Traceback" not in done.stdout
    assert code(done) == 2


def test_a_batch_from_a_closed_stdin_is_a_clean_error(env):
    done = sh("mesocalc plan --batch - <&-", env)
    assert_no_traceback(done)
    assert code(done) == 2
    assert messages(done) == ["mesocalc: error: --batch: cannot read the batch: standard input is closed"]


def test_cp1252_output_gets_ascii_forms_and_still_says_not_ok(env):
    # 60 points on the 50-point label technique: a hard technique-over warning with the ✗ mark
    done = sh("mesocalc plan submental-dca --area '60 cm^2'", {**env, "PYTHONIOENCODING": "cp1252"})
    assert_no_traceback(done)
    assert code(done) == 1
    assert " x [limit-over]" in done.stdout  # ✗ has no cp1252 form: its ASCII form
    assert "NOT OK: a hard cap or rule is broken" in done.stdout


def test_ascii_output_gets_ascii_forms_for_every_symbol(env):
    done = sh("mesocalc plan submental-dca", {**env, "PYTHONIOENCODING": "ascii"})
    assert_no_traceback(done)
    assert code(done) == 0
    assert "2 mg/cm^2" in done.stdout and "OK: within every hard cap" in done.stdout
    done.stdout.encode("ascii")


@pytest.mark.parametrize("columns", ["", "abc", "0", "-5", "1", "99999999999"])
def test_any_columns_value_gives_a_whole_report(env, columns):
    done = sh("mesocalc plan pcdc-abdomen --weight '70 kg'", {**env, "COLUMNS": columns})
    assert_no_traceback(done)
    assert code(done) == 0
    assert "OK: within every hard cap" in done.stdout


def test_ctrl_c_while_a_batch_waits_for_input_is_one_line_and_exit_130(env):
    process = subprocess.Popen([sys.executable, "-m", "mesocalc", "plan", "--batch", "-"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    assert process.stdin is not None
    process.stdin.write('{"cocktail": "submental-dca"}\n')
    process.stdin.flush()
    assert process.stdout is not None
    first = process.stdout.readline()  # the first line is planned and written before the next is read
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert first.startswith('{"kind": "plan"')
    assert process.returncode == 130
    assert err == "mesocalc: interrupted\n"


# Ctrl-C at a few moments of start-up (imports of Typer, Rich, pint, YAML; the library load). The
# interpreter's own start-up and the import of the two-line entry module (launch.py) come before any
# code of mesocalc's can catch a signal: the process says "ready" once it is past them.
STARTER = ("import sys; from mesocalc.cli.launch import main; sys.stderr.write('ready\\n'); sys.stderr.flush(); "
           "sys.argv[1:] = ['plan', 'submental-dca', '--json']; main()")


@pytest.mark.parametrize("delay", [0.0, 0.03, 0.1, 0.25])
def test_ctrl_c_during_start_up_never_prints_a_traceback(env, delay):
    process = subprocess.Popen([sys.executable, "-c", STARTER], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, text=True)
    assert process.stderr is not None
    assert process.stderr.readline() == "ready\n"
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert "Traceback" not in err, err
    assert process.returncode in (0, 130), (process.returncode, err)
    if process.returncode == 130:
        assert err == "mesocalc: interrupted\n"
