"""`plan --batch`: one JSON request per line in, one plan JSON per line out, in order (SPEC §5).

Streamed: a line is read, computed and written before the next is read, so memory stays flat however
long the batch is. The library is loaded once by the caller. A bad line gives an error object on its own
output line and the batch goes on; the exit code is the worst line's (0 ok, 1 over a hard cap, 2 input
error).

A request's keys are named like the plan options: `{"cocktail": "submental-dca", "area": "25 cm^2",
"weight": "70 kg"}`. Blank lines are skipped (they produce no output line); every other line produces
exactly one output line, and an error object carries the input line number.

Identical text is resolved once per batch: cocktail ids and files, areas, patients, and quantity strings
(spacing, volume per point, weight) are memoised for the run, because a batch typically repeats a few
cocktails and sites many times. So is the part of a plan that depends on its shape only (core/plan.py
`prepare`: the cocktail's mix, which caps apply, the context warnings); the numbers are computed for
every line.

The front end of `plan --batch`, beside cli.py: request lines are read with the request functions the
CLI uses (request.py), planned by the same core function, and written by the same JSON renderer
(render/jsondoc.py). No Typer, no Rich.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, BinaryIO, TextIO, TypeVar

from mesocalc.core import model as m
from mesocalc.core.plan import PlanResult, compute, prepare
from mesocalc.errors import Location, MesocalcError, Problem, did_you_mean, input_error, internal_problem
from mesocalc.render.jsondoc import dumps, error_doc, plan_doc
from mesocalc.request import plan as rq

# Each key with the type a JSON request gives it, as an option on the command line would.
KEYS: dict[str, str] = {
    "cocktail": "text",
    "area": "text or list of text",
    "scalp": "text",
    "spacing": "text",
    "volume_per_point": "text",
    "grid": "text",
    "points": "whole number",
    "weight": "text",
    "patient": "text",
    "strict": "true or false",
}

MAX_LINE = 100_000  # characters: a request is a few hundred at most
MAX_LINE_BYTES = 4 * MAX_LINE  # bytes read of one line at most (UTF-8: up to 4 bytes a character)
FLUSH_EVERY = 256  # lines between flushes, so a reading pipe sees progress without a write per line
MEMO_SIZE = 4096  # distinct requests remembered; the memo is emptied beyond this, so memory stays flat
LINE_MEMO_SIZE = 512  # output lines remembered for repeated requests (a few KB each)

T = TypeVar("T")


def _memo(function: Callable[..., T]) -> Callable[..., T]:
    """Remember successful results by argument; errors are raised again each time (with their own line)."""
    seen: dict[Any, T] = {}

    def wrapper(*args: Any) -> T:
        try:
            return seen[args]
        except KeyError:
            result = function(*args)
            if len(seen) >= MEMO_SIZE:
                seen.clear()
            seen[args] = result
            return result

    return wrapper


class BatchPlanner:
    """Plans one request after another against one loaded library."""

    def __init__(self, library: m.Library, strict: bool = False) -> None:
        self.library = library
        self.strict = strict
        self._cocktail = _memo(lambda text: rq.find_cocktail(text, library))
        self._session = _memo(self._resolve)
        # the part of a plan that depends on its shape only (cocktail, volume per point, sites, patient): lines that
        # differ in their numbers alone share it
        self._prepared = _memo(lambda shape: prepare(shape, library))

    def _resolve(self, cocktail_text: str, options: rq.SessionOptions) -> rq.Session:
        return rq.resolve_session(self._cocktail(cocktail_text), options, self.library)

    def plan(self, text: str, number: int) -> PlanResult:
        """The plan of one request line; an input problem raises MesocalcError."""
        cocktail, options, strict = self.read_request(text, number)
        return compute(self._session(cocktail, options), self.library, strict, self._prepared)

    def plan_line(self, text: str, number: int) -> tuple[dict[str, Any], int]:
        """The output document of one input line and its exit code (2 for an error object)."""
        try:
            result = self.plan(text, number)
            return plan_doc(result), result.exit_code
        except MesocalcError as exc:
            return error_line(number, exc.problems), 2
        except (Exception, RecursionError, MemoryError) as exc:  # a bug shown on its line; never lose the others
            return error_line(number, [internal_problem(exc)]), 2

    def read_request(self, text: str, number: int) -> tuple[str, rq.SessionOptions, bool]:
        """A request line into (cocktail, session options, strict); any problem is an input error."""
        where = Location()  # the output object carries the line number
        if len(text) > MAX_LINE or len(text.encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES:
            raise input_error(f"request is longer than {MAX_LINE:,} characters", where, code="bad-request")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise input_error(f"not a JSON object: {exc}", where, code="bad-json") from exc
        if not isinstance(data, dict):
            raise input_error("a request must be a JSON object such as "
                              '{"cocktail": "submental-dca", "area": "25 cm^2"}', where, code="bad-request")
        problems = [Problem("unknown-key", f"unknown key '{key}'", Location(key=key),
                            did_you_mean(key, list(KEYS)) or f"keys: {', '.join(KEYS)}")
                    for key in data if key not in KEYS]
        for key, value in data.items():
            if key in KEYS and value is not None and not _type_ok(key, value):
                problems.append(Problem("wrong-type", f"'{key}' must be {KEYS[key]}, got {json.dumps(value)}",
                                        Location(key=key)))
        if "cocktail" not in data or data["cocktail"] is None:
            problems.append(Problem("missing-key", "missing required key 'cocktail' (a cocktail id or YAML file)",
                                    Location(key="cocktail")))
        if problems:
            raise MesocalcError(problems)
        area = data.get("area")
        areas = (area,) if isinstance(area, str) else tuple(area or ())
        options = rq.SessionOptions(areas, data.get("scalp"), data.get("spacing"), data.get("volume_per_point"),
                                    data.get("grid"), data.get("points"), data.get("weight"), data.get("patient"))
        strict = data.get("strict")
        return data["cocktail"], options, self.strict if strict is None else bool(strict)


def _type_ok(key: str, value: Any) -> bool:
    kind = KEYS[key]
    if kind == "text":
        return isinstance(value, str)
    if kind == "text or list of text":
        return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    if kind == "whole number":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, bool)


def error_line(number: int, problems: list[Problem]) -> dict[str, Any]:
    """The error object of one bad line: the error document plus the input line number."""
    doc = error_doc([replace(p, where=_on_line(p.where, number)) for p in problems])
    return {"kind": doc["kind"], "version": doc["version"], "line": number, "errors": doc["errors"]}


def _on_line(where: Location, number: int) -> Location:
    # A problem inside a file (a patient or cocktail YAML) keeps its own file and line; a problem in the
    # request itself is located on the batch line.
    if where.file:
        return where
    key = where.key[2:].replace("-", "_") if where.key and where.key.startswith("--") else where.key
    return Location(None, None, key)


def run(lines: Iterable[str], planner: BatchPlanner, out: TextIO, err: TextIO) -> int:
    """Plan every line, writing one output line per request; returns the worst exit code (0 if none).

    A line repeated word for word gives the same plan line: its output text is remembered (bounded like
    the other memos; errors are not remembered, since they carry their line number)."""
    return _Run(planner, out, err).all(lines)


def run_stream(stream: BinaryIO, planner: BatchPlanner, out: TextIO, err: TextIO,
               worst_so_far: Callable[[int], None] | None = None) -> int:
    """`run` over a byte stream read with bounded lines: a line of gigabytes is never held in memory
    (it is cut at MAX_LINE_BYTES, refused on its own line, and the next line read as usual), and the
    lines planned so far are written before each read that may wait for input. `worst_so_far` hears
    the worst exit code after each line (the CLI ends with it if the reader of the output goes away)."""
    from mesocalc.system.boundedio import bounded_lines

    runner = _Run(planner, out, err, worst_so_far)
    # Undecodable bytes become U+FFFD, so that line is an error object and the batch goes on.
    lines = (raw.decode("utf-8", "replace") for raw in bounded_lines(stream, MAX_LINE_BYTES, runner.flush))
    return runner.all(lines)


class _Run:
    def __init__(self, planner: BatchPlanner, out: TextIO, err: TextIO,
                 worst_so_far: Callable[[int], None] | None = None) -> None:
        self.planner, self.out, self.err = planner, out, err
        self.worst_so_far = worst_so_far
        self.pending: list[str] = []

    def flush(self) -> None:
        if self.pending:
            self.out.write("\n".join(self.pending) + "\n")
            self.pending.clear()
        self.out.flush()

    def all(self, lines: Iterable[str]) -> int:
        from mesocalc.textsafe import visible

        worst = 0
        done: dict[str, tuple[str, int]] = {}  # a repeated request line: its output line, remembered
        try:
            for number, raw in enumerate(lines, start=1):
                text = raw.strip()
                if not text:
                    continue
                known = done.get(text)
                if known is not None:
                    line, code = known
                else:
                    doc, code = self.planner.plan_line(text, number)
                    if code == 2:
                        for problem in doc["errors"]:
                            self.err.write(f"mesocalc: error: line {number}: {visible(problem['message'])}\n")
                    line = dumps(doc)
                    if code != 2:
                        if len(done) >= LINE_MEMO_SIZE:
                            done.clear()
                        done[text] = (line, code)
                worst = max(worst, code)
                if self.worst_so_far is not None:
                    self.worst_so_far(worst)
                self.pending.append(line)
                if len(self.pending) >= FLUSH_EVERY:
                    self.flush()
        finally:  # whatever ends the batch (end of input, Ctrl-C, a read error), no planned line is lost
            self.flush()
        return worst


def batch_input(path: str) -> BinaryIO:
    """The batch as a byte stream: standard input for `-`, else a regular file (a FIFO or a device is
    refused at once: `--batch -` reads a pipe)."""
    import io
    import os
    import sys

    from mesocalc.system.boundedio import open_regular

    if path != "-":
        try:
            return open_regular(path, path)
        except MesocalcError as exc:
            if exc.problems[0].code == "not-a-file":
                raise input_error(f"cannot read the batch: '{path}' {exc.problems[0].message}",
                                  Location(key="--batch"), code="not-a-file",
                                  hint="pipe it into standard input instead: --batch -") from exc
            raise
    stdin: Any = sys.stdin
    closed = input_error("cannot read the batch: standard input is closed", Location(key="--batch"),
                         code="unreadable")
    if stdin is None:
        raise closed
    try:
        os.fstat(stdin.fileno())
    except (AttributeError, io.UnsupportedOperation):
        pass  # an in-memory stdin (tests): read what it holds
    except (OSError, ValueError) as exc:
        raise closed from exc
    binary = getattr(stdin, "buffer", None)
    if binary is None:  # a text-only stream: its text, encoded again
        return io.BytesIO(stdin.read().encode("utf-8", "replace"))
    return binary  # type: ignore[no-any-return]
