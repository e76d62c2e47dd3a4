"""A long `plan --batch` is shared with forked workers (system/workers.py) and writes what one process
writes: the same lines in the same order, the same messages on standard error, the same exit code.

Also: a worker that dies loses no line (the parent plans its chunk itself); a batch fed line by line by a
script still gets each answer before it sends the next; Ctrl-C with workers running ends with exit 130
and leaves no process behind; a short batch never forks.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from tests.cli.test_batch_equivalence import random_request
from tests.cli.test_streams import env as env  # the fixture: this checkout's CLI with a cache of its own

from mesocalc.cli import batch
from mesocalc.cli.batch import BatchPlanner, run, run_stream
from mesocalc.core import model as m
from mesocalc.system import workers

SEED = 1617


def _requests(library: m.Library, count: int, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    return [random_request(rng, sorted(library.cocktails), sorted(library.areas)) for _ in range(count)]


def _alone(library: m.Library, requests: list[str]) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    code = run([text + "\n" for text in requests], BatchPlanner(library), out, err)
    return out.getvalue(), err.getvalue(), code


def _shared(library: m.Library, requests: list[str], jobs: int = 2) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    stream = io.BytesIO("".join(text + "\n" for text in requests).encode("utf-8"))
    code = run_stream(stream, BatchPlanner(library), out, err, jobs=jobs)
    return out.getvalue(), err.getvalue(), code


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The pools the batch starts (so a test knows the workers really did the planning)."""
    started: list[Any] = []
    real = workers.Pool

    def counted(*args: Any) -> Any:
        pool = real(*args)
        started.append(pool)
        return pool

    monkeypatch.setattr(workers, "Pool", counted)
    return started


def test_a_long_batch_shared_with_two_workers_writes_what_one_process_writes(library, pools):
    requests = _requests(library, 1500)  # distinct requests, over-cap ones and bad lines among them
    alone = _alone(library, requests)
    shared = _shared(library, requests)
    assert len(pools) == 1 and len(pools[0].workers) == 0  # one pool, closed at the end
    assert pools[0].given == -(-1500 // batch.CHUNK_LINES)  # every line went in chunks (the first ones read ahead)
    assert shared == alone
    assert alone[2] == 2 and "mesocalc: error: line" in alone[1]  # error lines and their messages compared


def test_three_workers_and_one_line_per_chunk_change_nothing(library, pools, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK_LINES", 1)
    requests = _requests(library, 400, SEED + 1)
    assert _shared(library, requests, jobs=3) == _alone(library, requests)
    assert pools


def test_a_short_batch_never_forks(library, monkeypatch):
    def refused(*args: Any) -> Any:
        raise AssertionError("a batch of PARALLEL_AFTER lines or fewer started workers")

    monkeypatch.setattr(workers, "Pool", refused)
    requests = _requests(library, batch.PARALLEL_AFTER, SEED + 2)
    assert _shared(library, requests) == _alone(library, requests)


def test_a_worker_that_dies_loses_no_line(library, monkeypatch):
    parent = os.getpid()
    real_line = BatchPlanner.line

    def dies_on_line_700(self: BatchPlanner, text: str, number: int) -> Any:
        if number == 700 and os.getpid() != parent:  # killed in a worker, e.g. out of memory
            os._exit(9)
        return real_line(self, text, number)

    monkeypatch.setattr(BatchPlanner, "line", dies_on_line_700)
    requests = _requests(library, 1200, SEED + 3)
    assert _shared(library, requests) == _alone(library, requests)


def test_the_pool_gives_answers_in_order_and_a_dead_workers_chunks_back_as_none():
    def work(chunk: list[int]) -> list[int]:
        if 13 in chunk:
            os._exit(3)
        return [n * n for n in chunk]

    pool = workers.Pool(2, work)
    try:
        for start in range(0, 40, 4):
            pool.give(list(range(start, start + 4)))
        answers = list(pool.answers(wait=True))
    finally:
        pool.close()
    assert [sequence for sequence, _ in answers] == list(range(10))
    assert answers[3][1] is None  # the chunk 12..15: its worker died on it
    for sequence, answer in answers:
        if answer is not None:
            assert answer == [n * n for n in range(sequence * 4, sequence * 4 + 4)]
    assert sum(answer is None for _, answer in answers) <= 1 + workers.IN_FLIGHT  # only the dead one's


def _session_processes(sid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _batch_process(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mesocalc", "plan", "--batch", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
                            start_new_session=True)


def _ask(process: subprocess.Popen[str], requests: list[str]) -> list[str]:
    """Send lines, then read one answer per line (a watchdog kills the batch if an answer never comes)."""
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("".join(text + "\n" for text in requests))
    process.stdin.flush()
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    try:
        return [process.stdout.readline() for _ in requests]
    finally:
        watchdog.cancel()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers need fork")
def test_a_script_feeding_lines_gets_each_answer_before_it_sends_more_and_ctrl_c_leaves_no_worker(env, library):
    areas = [f"{10 + i / 1000:.3f}" for i in range(420)]  # cm^2, one new area per line
    requests = [json.dumps({"cocktail": "submental-dca", "area": f"{area} cm^2"}) for area in areas]
    process = _batch_process(env)
    try:
        first = _ask(process, requests[:300])  # beyond PARALLEL_AFTER: the workers start
        more = _ask(process, requests[300:301])  # one more line, and nothing after it yet
        rest = _ask(process, requests[301:])
        assert len(_session_processes(process.pid)) > 1  # the batch and its workers, waiting for input
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    answers = first + more + rest
    assert all(json.loads(line)["kind"] == "plan" for line in answers)
    assert [json.loads(line)["area"]["value"] for line in answers] == [float(area) for area in areas]
    assert process.returncode == 130 and err == "mesocalc: interrupted\n"
    assert _session_processes(process.pid) == []  # every worker ended with the batch


def test_jobs_1_plans_every_line_in_the_process_and_jobs_3_gives_the_same_text(library, cli, pools, write):
    batch_file = write("batch.jsonl", "".join(text + "\n" for text in _requests(library, 400, SEED + 4)))
    one = cli("plan", "--batch", str(batch_file), "--jobs", "1")
    assert pools == []  # --jobs 1: no worker
    three = cli("plan", "--batch", str(batch_file), "--jobs", "3")
    assert len(pools) == 1
    assert (three.stdout, three.stderr, three.exit_code) == (one.stdout, one.stderr, one.exit_code)
    assert len(one.stdout.splitlines()) == 400


def test_a_long_visit_batch_shared_with_workers_writes_what_one_process_writes(cli, pools, write):
    # 300 visits of 1 to 6 mL of lidocaine 1 % at 60 kg: 10 mg/mL x volume against 4.5 mg/kg x 60 = 270 mg
    visits = [json.dumps({"kind": "visit", "weight": "60 kg",
                          "items": [{"cocktail": "lidocaine-1-percent", "volume": f"{1 + i / 60:.4f} mL"}]})
              for i in range(300)]
    batch_file = write("visits.jsonl", "\n".join(visits) + "\n")
    one = cli("visit", "--batch", str(batch_file), "--jobs", "1")
    two = cli("visit", "--batch", str(batch_file), "--jobs", "2")
    assert len(pools) == 1
    assert (two.stdout, two.stderr, two.exit_code) == (one.stdout, one.stderr, one.exit_code)
    assert [json.loads(line)["kind"] for line in one.stdout.splitlines()] == ["visit"] * 300


@pytest.mark.parametrize(("args", "message"), [
    (("plan", "submental-dca", "--jobs", "2"), "--jobs: shares a batch between worker processes"),
    (("visit", "visit.yaml", "--jobs", "2"), "--jobs: shares a batch between worker processes"),
    (("plan", "--batch", "-", "--jobs", "0"), "--jobs: give a whole number of processes from 1 to 64, got 0"),
    (("plan", "--batch", "-", "--jobs", "65"), "--jobs: give a whole number of processes from 1 to 64, got 65"),
])
def test_jobs_without_a_batch_or_out_of_range_is_a_usage_error(cli, args, message):
    run = cli(*args, input="")
    assert run.exit_code == 2
    assert message in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "ascii"])
def test_workers_write_in_the_output_encoding_as_one_process_does(env, tmp_path, encoding):
    # 11 points on 10.007 cm^2: 2.2 mg/cm² is over the 2 mg/cm² soft cap, a message with "²" on every line;
    # an output that cannot show it gets its ASCII form (system/streams.py) from the workers too
    requests = [json.dumps({"cocktail": "submental-dca", "area": f"{10 + i / 1000:.3f} cm^2"}) for i in range(600)]
    batch_file = tmp_path / "batch.jsonl"
    batch_file.write_text("\n".join(requests) + "\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        done = subprocess.run([sys.executable, "-m", "mesocalc", "plan", "--batch", str(batch_file), "--jobs", jobs],
                              capture_output=True, env={**env, "PYTHONIOENCODING": encoding}, timeout=300)
        assert done.returncode == 0 and done.stderr == b""
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert ("mg/cm²".encode(encoding) if encoding != "ascii" else b"mg/cm^2 is over") in outputs[0]


def test_lines_repeated_word_for_word_are_answered_by_the_parent_with_workers_running(library, pools, monkeypatch):
    # 300 distinct requests, then 1,400 lines each repeating one of them. The input comes in two reads, and the
    # batch is told the second one may wait (as a pipe would), so every line given before it is answered and
    # written first: from then on the parent knows every answer (its memo of the workers' encoded lines) and
    # no chunk goes to a worker. (An error line names its line number and is never remembered: these
    # requests are all valid.)
    rng = random.Random(SEED + 5)
    distinct = [json.dumps({"cocktail": rng.choice(sorted(library.cocktails)), "area": f"{10 + i * 0.37:.2f} cm^2"})
                for i in range(300)]
    requests = distinct + [rng.choice(distinct) for _ in range(1400)]
    monkeypatch.setattr(batch, "_input_waiting", lambda stream: False)
    first, rest = ("".join(t + "\n" for t in part).encode() for part in (distinct, requests[300:]))
    out, err = io.StringIO(), io.StringIO()
    code = run_stream(_TwoReads(first, rest), BatchPlanner(library), out, err, jobs=2)
    assert (out.getvalue(), err.getvalue(), code) == _alone(library, requests)
    assert pools[0].given == 5  # the 300 lines: 4 x 64 + 44, the last chunk given when the read may wait


class _TwoReads:
    """A stream whose lines come in two reads (bounded_lines reads with read1)."""

    def __init__(self, *parts: bytes) -> None:
        self.parts = list(parts)

    def read1(self, size: int = -1) -> bytes:
        return self.parts.pop(0) if self.parts else b""
