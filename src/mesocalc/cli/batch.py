"""`plan --batch`: one JSON request per line in, one plan JSON per line out, in order (SPEC §5).

Streamed: a line is read, computed and written before the next is read, so memory stays flat however
long the batch is. The library is loaded once by the caller. A bad line gives an error object on its own
output line and the batch goes on; the exit code is the worst line's (0 ok, 1 over a hard cap, 2 input
error).

A request's keys are named like the plan options: `{"cocktail": "submental-dca", "area": "25 cm^2",
"weight": "70 kg"}`. Blank lines are skipped (they produce no output line); every other line produces
exactly one output line, and an error object carries the input line number.

Identical text is resolved once per batch: cocktail ids and files and patients are memoised for the run,
because a batch typically repeats a few cocktails and patients many times (units and area ids are
remembered by units.py and notation.py). So is the part of a plan that depends on its shape only
(core/plan.py `prepare`: the cocktail's mix, which caps apply, the context warnings). A session is resolved
and its numbers computed for every line: remembering the sessions of lines that never repeat cost more
than resolving them again (a line repeated word for word is answered from the line memo).
Each plan line is written by render/planline.py: the text `dumps(plan_doc(...))` gives, written faster.

The front end of `plan --batch`, beside cli.py: request lines are read with the request functions the
CLI uses (request.py), planned by the same core function, and written by the same JSON renderer
(render/jsondoc.py). No Typer, no Rich.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, BinaryIO, NamedTuple, TextIO, TypeVar

from mesocalc.core import model as m
from mesocalc.core.plan import PlanResult, Prepared, Shape, compute, prepare
from mesocalc.errors import Location, MesocalcError, Problem, did_you_mean, input_error, internal_problem
from mesocalc.render.jsondoc import dumps, error_doc, plan_doc
from mesocalc.render.planline import PlanLines
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
_UNSEEN: Any = object()  # what no memo holds


def _memo(function: Callable[..., T]) -> Callable[..., T]:
    """Remember successful results by argument; errors are raised again each time (with their own line)."""
    seen: dict[Any, T] = {}

    def wrapper(*args: Any) -> T:
        known = seen.get(args, _UNSEEN)  # (no KeyError raised for each request never seen)
        if known is not _UNSEEN:
            return known  # type: ignore[no-any-return]
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
        patients = _memo(lambda text: rq.load_patient(text, library))  # a patient file is read once per batch
        self._patient: Callable[[str, m.Library], m.Patient] = lambda text, _library: patients(text)
        self._write = PlanLines()
        # the part of a plan that depends on its shape only (cocktail, volume per point, sites, patient): lines that
        # differ in their numbers alone share it
        self._shapes: dict[Any, Prepared] = {}

    def _prepared(self, shape: Shape) -> Prepared:
        """prepare(shape), remembered by the shape's key (each entry holds its shape: see Shape.key)."""
        known = self._shapes.get(shape.key)
        if known is None:
            known = prepare(shape, self.library)
            if len(self._shapes) >= MEMO_SIZE:
                self._shapes.clear()
            self._shapes[shape.key] = known
        return known

    def _resolve(self, cocktail_text: str, options: rq.SessionOptions) -> rq.Session:
        return rq.resolve_session(self._cocktail(cocktail_text), options, self.library, self._patient)

    def plan(self, text: str, number: int) -> PlanResult:
        """The plan of one request line; an input problem raises MesocalcError."""
        cocktail, options, strict = self.read_request(text, number)
        return compute(self._resolve(cocktail, options), self.library, strict, self._prepared)

    def plan_line(self, text: str, number: int) -> tuple[dict[str, Any], int]:
        """The output document of one input line and its exit code (2 for an error object)."""
        answer = self._answer(text, number, plan_doc)
        return (answer.doc, 2) if isinstance(answer, _Failed) else answer

    def line(self, text: str, number: int) -> tuple[str, int, dict[str, Any] | None]:
        """The output line of one input line, its exit code, and the error object when it is one.
        A plan is written by render/planline.py: the text `dumps(plan_doc(...))` gives, written faster."""
        answer = self._answer(text, number, self._write)
        if isinstance(answer, _Failed):
            return dumps(answer.doc), 2, answer.doc
        return answer[0], answer[1], None

    def _answer(self, text: str, number: int, write: Callable[[PlanResult], T]) -> tuple[T, int] | _Failed:
        """The plan of one line as `write` gives it, with its exit code; or the line's error object."""
        try:
            result = self.plan(text, number)
            return write(result), result.exit_code
        except MesocalcError as exc:
            return _Failed(error_line(number, exc.problems))
        except (Exception, RecursionError, MemoryError) as exc:  # a bug shown on its line; never lose the others
            return _Failed(error_line(number, [internal_problem(exc)]))

    def read_request(self, text: str, number: int) -> tuple[str, rq.SessionOptions, bool]:
        """A request line into (cocktail, session options, strict); any problem is an input error."""
        where = _NOWHERE  # the output object carries the line number
        if len(text) > MAX_LINE or len(text.encode("utf-8", "surrogatepass")) > MAX_LINE_BYTES:
            raise input_error(f"request is longer than {MAX_LINE:,} characters", where, code="bad-request")
        try:
            data = _loads(text)
        except (ValueError, RecursionError) as exc:
            raise input_error(f"not a JSON object: {exc}", where, code="bad-json") from exc
        if not isinstance(data, dict):
            raise input_error("a request must be a JSON object such as "
                              '{"cocktail": "submental-dca", "area": "25 cm^2"}', where, code="bad-request")
        # Nearly every line: known keys, each given as text, one of them the cocktail: nothing below to report.
        if not (data.keys() <= _TEXT_KEYS and {*map(type, data.values())} <= _TEXT and "cocktail" in data):
            self._check_keys(data)
        area = data.get("area")
        areas = (area,) if isinstance(area, str) else tuple(area or ())
        options = rq.SessionOptions(areas, data.get("scalp"), data.get("spacing"), data.get("volume_per_point"),
                                    data.get("grid"), data.get("points"), data.get("weight"), data.get("patient"))
        strict = data.get("strict")
        return data["cocktail"], options, self.strict if strict is None else bool(strict)

    @staticmethod
    def _check_keys(data: dict[str, Any]) -> None:
        """Every unknown key, value of the wrong type and missing cocktail of a request, as one error."""
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


class _Failed(NamedTuple):
    """A request line that gives no plan: its error object (with the line number)."""

    doc: dict[str, Any]


_NOWHERE = Location()
_DECODER = json.JSONDecoder()  # json.loads's own decoder: the same arguments


def _loads(text: str) -> Any:
    """json.loads(text). A line that starts with `{` and ends where its value ends (as the batch strips it)
    is decoded without json.loads's two whitespace scans around the value (0.7 of its 1.4 us); anything
    else, and any failure, is json.loads's own, so every result and error is its."""
    if text[:1] == "{":
        try:
            data, end = _DECODER.raw_decode(text)
        except Exception:  # json.loads, below, raises it (as it always has)
            end = -1
        if end == len(text):
            return data
    return json.loads(text)


def _type_ok(key: str, value: Any) -> bool:
    kind = KEYS[key]
    if kind == "text":
        return isinstance(value, str)
    if kind == "text or list of text":
        return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    if kind == "whole number":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, bool)


_TEXT = {str}
_TEXT_KEYS = frozenset(key for key in KEYS if _type_ok(key, ""))  # the keys a text value is right for


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
               worst_so_far: Callable[[int], None] | None = None, jobs: int | None = None) -> int:
    """`run` over a byte stream read with bounded lines: a line of gigabytes is never held in memory
    (it is cut at MAX_LINE_BYTES, refused on its own line, and the next line read as usual), and the
    lines planned so far are written before each read that may wait for input. `worst_so_far` hears
    the worst exit code after each line (the CLI ends with it if the reader of the output goes away).

    A long batch is shared with `jobs` forked workers (system/workers.py; default: one per core this
    process may use): once more than PARALLEL_AFTER lines are read, every line not planned yet goes to
    the workers in chunks of CHUNK_LINES lines and the answers are written in input order, the same text
    as planned here."""
    from mesocalc.system.boundedio import bounded_lines
    from mesocalc.system.workers import available_jobs

    runner = _Run(planner, out, err, worst_so_far, stream)
    # Undecodable bytes become U+FFFD, so that line is an error object and the batch goes on.
    lines = (raw.decode("utf-8", "replace") for raw in bounded_lines(stream, MAX_LINE_BYTES, runner.before_read))
    # where processes cannot be forked, every line is planned in this process (whatever --jobs says)
    return runner.all(lines, available_jobs() if jobs is None else jobs if hasattr(os, "fork") else 1)


PARALLEL_AFTER = 128  # lines read (ahead) before workers are started: a batch of this many lines or fewer is planned
#                      here and never forks
CHUNK_LINES = 64  # lines per chunk given to a worker

Answer = tuple[str, int, list[str]]  # an output line, its exit code, the messages for standard error


class _Run:
    def __init__(self, planner: BatchPlanner, out: TextIO, err: TextIO,
                 worst_so_far: Callable[[int], None] | None = None, stream: BinaryIO | None = None) -> None:
        self.planner, self.out, self.err = planner, out, err
        self.worst_so_far = worst_so_far
        self.stream = stream
        self.pending: list[str] = []  # output lines planned here, not yet written
        self.pending_bytes: list[bytes] = []  # output lines encoded (every line once the workers have started)
        self.pending_lines = 0
        self.held: list[tuple[int, str]] = []  # lines read ahead (with their numbers), before the workers start
        self.worst = 0
        self.done: dict[str, tuple[str, int]] = {}  # a repeated request line: its output line, remembered
        self.pool: Any = None
        # with workers: the chunk being filled (each line with its answer if the parent knows it already), the
        # chunks in the order they are written (each with the pool's sequence number of its lines to plan,
        # None if every line was known), the answers received, and the lines answered before, encoded
        self.chunk: list[tuple[int, str, tuple[bytes, int] | None]] = []
        self.order: deque[tuple[int | None, list[tuple[int, str, tuple[bytes, int] | None]]]] = deque()
        self.answered: dict[int, Any] = {}
        self.texts: dict[int, list[str]] = {}  # the request lines of each chunk given, by sequence number
        self.known: dict[str, tuple[bytes, int]] = {}

    def flush(self) -> None:
        if self.pending:
            self.out.write("\n".join(self.pending))
            self.out.write("\n")
            self.pending.clear()
            self.pending_lines = 0
        if self.pending_bytes:
            self._write_bytes(b"".join(self.pending_bytes))
            self.pending_bytes.clear()
            self.pending_lines = 0
        self.out.flush()

    def _write_bytes(self, data: bytes) -> None:
        """Chunks answered by workers come encoded as the output encodes them (answer_chunk): written to the
        byte stream under the text one (after what the text one holds), or decoded again for a text-only one."""
        binary = getattr(self.out, "buffer", None)
        if binary is None:
            self.out.write(data.decode(*self._encoding))
            return
        guarded = getattr(self.out, "write_bytes", None)  # the CLI's stdout (system/streams.py): its errors
        if guarded is not None:  # are the text's (a closed pipe then ends the batch with its verdict)
            guarded(data)
            return
        self.out.flush()
        binary.write(data)

    @property
    def _encoding(self) -> tuple[str, str]:
        return getattr(self.out, "encoding", None) or "utf-8", getattr(self.out, "errors", None) or "strict"

    def before_read(self) -> None:
        """Before a read: the lines read so far are planned and written if the read may wait for input."""
        if self.pool is not None:
            if _input_waiting(self.stream):
                self._write_answers(wait=False)
                return
            self._give()
            self._write_answers(wait=True)
        elif self.held and not _input_waiting(self.stream):
            self._answer_held()
        self.flush()

    def answer(self, number: int, text: str) -> Answer:
        """One request line planned: its output line, exit code and error messages."""
        known = self.done.get(text)
        if known is not None:
            return known[0], known[1], []
        line, code, error = self.planner.line(text, number)
        if error is not None:
            from mesocalc.textsafe import visible

            return line, code, [f"mesocalc: error: line {number}: {visible(problem['message'])}\n"
                                for problem in error["errors"]]
        if len(self.done) >= LINE_MEMO_SIZE:
            self.done.clear()
        self.done[text] = (line, code)
        return line, code, []

    def answer_chunk(self, chunk: list[tuple[int, str]]) -> tuple[list[bytes], list[int], list[str]]:
        """A chunk's lines planned (in a worker): each output line encoded as the output encodes it, with its
        newline (encoded once, here, not again by the parent), their codes, and the chunk's messages."""
        answers = [self.answer(number, text) for number, text in chunk]
        encoding, errors = self._encoding
        return ([(line + "\n").encode(encoding, errors) for line, _, _ in answers], [code for _, code, _ in answers],
                [message for _, _, messages in answers for message in messages])

    def emit(self, line: str, code: int, messages: list[str]) -> None:
        for message in messages:
            self.err.write(message)
        self.worst = max(self.worst, code)
        if self.worst_so_far is not None:
            self.worst_so_far(self.worst)
        self.pending.append(line)
        self.pending_lines += 1
        if self.pending_lines >= FLUSH_EVERY:
            self.flush()

    def all(self, lines: Iterable[str], jobs: int = 1) -> int:
        try:
            for number, raw in enumerate(lines, start=1):
                text = raw.strip()
                if not text:
                    continue
                if self.pool is not None:
                    self._take(number, text)
                elif jobs < 2:
                    self.emit(*self.answer(number, text))
                else:
                    # read ahead: the workers start as soon as more than PARALLEL_AFTER lines are at hand (the
                    # lines held are planned here whenever the next read would wait: before_read)
                    self.held.append((number, text))
                    if number > PARALLEL_AFTER:
                        self._start(jobs)
            if self.pool is not None:
                self._give()
                self._write_answers(wait=True)
        finally:  # whatever ends the batch (end of input, Ctrl-C, a read error), no answered line is lost
            if self.pool is not None:
                try:
                    self._write_answers(wait=False)
                finally:
                    self.pool.close()
            self._answer_held()  # a short batch (every line read, none planned yet), or lines read before the end
            self.flush()
        return self.worst

    def _answer_held(self) -> None:
        """Plan here the lines read ahead and not given to workers."""
        held, self.held = self.held, []
        for number, text in held:
            self.emit(*self.answer(number, text))

    def _start(self, jobs: int) -> None:
        """Fork the workers and give them the lines held so far."""
        self.flush()  # nothing buffered is copied into the workers
        import gc

        from mesocalc.system.workers import Pool

        # what exists now (the library, the memos) is left out of the workers' cycle collections: a collection
        # writes to every object it walks, which would copy the shared pages in each
        gc.freeze()

        self.pool = Pool(jobs, self.answer_chunk)
        encoding, errors = self._encoding
        self.known = {key: ((line + "\n").encode(encoding, errors), code) for key, (line, code) in self.done.items()}
        held, self.held = self.held, []
        for number, text in held:
            self._take(number, text)

    def _take(self, number: int, text: str) -> None:
        """A line for the workers: into the chunk being filled (with its answer if the parent knows it)."""
        self.chunk.append((number, text, self.known.get(text)))
        if len(self.chunk) >= CHUNK_LINES:
            self._give()
            self._write_answers(wait=False)

    def _give(self) -> None:
        """Close the chunk being filled: its lines not answered already go to a worker, and it takes its place
        in the order of writing."""
        if not self.chunk:
            return
        lines = [(number, text) for number, text, known in self.chunk if known is None]
        sequence = None
        if lines:
            sequence = self.pool.given
            self.texts[sequence] = [text for _, text in lines]
            self.pool.give(lines)
        self.order.append((sequence, self.chunk))
        self.chunk = []

    def _write_answers(self, wait: bool) -> None:
        """Write the chunks answered so far, in input order (with `wait`: every chunk given)."""
        for sequence, answer in self.pool.answers(wait):
            self.answered[sequence] = answer
            texts = self.texts.pop(sequence)
            if answer is not None:  # learnt as soon as it comes, even while an earlier chunk is awaited
                self._learn(texts, answer[0], answer[1])
        while self.order:
            sequence, chunk = self.order[0]
            if sequence is not None and sequence not in self.answered:
                return
            self.order.popleft()
            answer = self.answered.pop(sequence) if sequence is not None else None
            if sequence is not None and answer is None:  # its worker died: planned here
                answer = self.answer_chunk([(number, text) for number, text, known in chunk if known is None])
            self._write_chunk(chunk, answer)

    def _learn(self, texts: list[str], lines: list[bytes], codes: list[int]) -> None:
        """Remember the encoded answers of request lines (never an error line: it names its line number)."""
        for text, line, code in zip(texts, lines, codes, strict=True):
            if code != 2:
                if len(self.known) >= LINE_MEMO_SIZE:
                    self.known.clear()
                self.known[text] = (line, code)

    def _write_chunk(self, chunk: list[tuple[int, str, tuple[bytes, int] | None]],
                     answer: tuple[list[bytes], list[int], list[str]] | None) -> None:
        lines, codes, messages = answer if answer is not None else ([], [], [])
        for message in messages:
            self.err.write(message)
        planned = iter(zip(lines, codes, strict=True))
        for _number, _text, known in chunk:
            line, code = known if known is not None else next(planned)
            self.worst = max(self.worst, code)
            self.pending_bytes.append(line)
            self.pending_lines += 1
        if self.worst_so_far is not None:
            self.worst_so_far(self.worst)
        if self.pending_lines >= FLUSH_EVERY:
            self.flush()


def _input_waiting(stream: BinaryIO | None) -> bool:
    """Whether reading `stream` now returns at once (a regular file, or a pipe with data in it)."""
    import select

    try:
        fd = stream.fileno() if stream is not None else -1
    except (AttributeError, OSError, ValueError):
        return True  # in memory: never waits
    if fd < 0:
        return True
    try:
        return bool(select.select([fd], [], [], 0)[0])
    except (OSError, ValueError):
        return False


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
