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
cocktails and sites many times. The plan itself is computed for every line.

Pure: no Typer, no Rich.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TextIO, TypeVar

from mesocalc import model as m
from mesocalc import request as rq
from mesocalc.errors import Location, MesocalcError, Problem, did_you_mean, input_error
from mesocalc.plan import compute
from mesocalc.render.jsondoc import VERSION, dumps, plan_doc

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

    def _resolve(self, cocktail_text: str, options: rq.SessionOptions) -> rq.Session:
        return rq.resolve_session(self._cocktail(cocktail_text), options, self.library)

    def plan_line(self, text: str, number: int) -> tuple[dict[str, Any], int]:
        """The output document of one input line and its exit code (2 for an error object)."""
        try:
            cocktail, options, strict = self.read_request(text, number)
            session = self._session(cocktail, options)
            result = compute(session, self.library, strict)
        except MesocalcError as exc:
            return error_line(number, exc.problems), 2
        return plan_doc(result), result.exit_code

    def read_request(self, text: str, number: int) -> tuple[str, rq.SessionOptions, bool]:
        """A request line into (cocktail, session options, strict); any problem is an input error."""
        where = Location()  # the output object carries the line number
        if len(text) > MAX_LINE:
            raise input_error(f"request is too long ({len(text):,} characters)", where, code="bad-request")
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
    return {"kind": "error", "version": VERSION, "line": number,
            "errors": [replace(p, where=_on_line(p.where, number)).to_json() for p in problems]}


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
    worst = 0
    pending: list[str] = []
    done: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        known = done.get(text)
        if known is not None:
            pending.append(known[0])
            worst = max(worst, known[1])
        else:
            doc, code = planner.plan_line(text, number)
            if code == 2:
                for problem in doc["errors"]:
                    err.write(f"mesocalc: error: line {number}: {problem['message']}\n")
            worst = max(worst, code)
            line = dumps(doc)
            pending.append(line)
            if code != 2:
                if len(done) >= LINE_MEMO_SIZE:
                    done.clear()
                done[text] = (line, code)
        if len(pending) >= FLUSH_EVERY:
            out.write("\n".join(pending) + "\n")
            out.flush()
            pending.clear()
    if pending:
        out.write("\n".join(pending) + "\n")
    out.flush()
    return worst
