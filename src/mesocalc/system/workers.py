"""Work shared with forked worker processes, answers taken back in the order it was given.

`plan --batch` over thousands of lines keeps one core busy; a machine has more. `Pool` forks `jobs`
copies of the running process (the loaded library, the warm memos: copy-on-write, nothing loaded again)
and hands each a chunk of work at a time over a pipe; the parent reads the input, writes the answers in
input order and does nothing else. No thread, no `multiprocessing` (its import, its feeder thread and its
Ctrl-C behaviour are more than this needs).

- A worker ignores Ctrl-C and ends when its task pipe closes (or the parent dies): the parent alone
  decides what is written.
- A worker that dies (killed, out of memory) is not a lost answer: its chunks come back as `None` and
  the caller does them itself.
- At most `IN_FLIGHT` chunks wait per worker, so memory stays flat however long the input is, and the
  parent's writes of tasks never block (a task is far smaller than a pipe's buffer).
- Fork only: where `os.fork` is missing the caller works alone (`available_jobs` gives 1).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

IN_FLIGHT = 3  # chunks given to one worker and not yet answered
PIPE_BYTES = 1 << 20  # the answer pipe's buffer asked for (Linux allows up to 1 MB unprivileged)
DEFAULT_JOBS_AT_MOST = 8  # the default (one per core) stops here on a big machine; --jobs may ask for more
_HEADER = struct.Struct("<Q")


def available_jobs() -> int:
    """The cores this process may run on (1 where fork is not available)."""
    if not hasattr(os, "fork"):
        return 1
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    return max(1, min(count, DEFAULT_JOBS_AT_MOST))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int) -> bytearray | None:
    """`size` bytes from a pipe (None if it closes first), read into one buffer."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        count = os.readv(fd, [view[done:]])
        if not count:
            return None
        done += count
    return buffer


def _widen(fd: int) -> None:
    """A bigger pipe buffer (Linux), so a chunk's answer goes across in one or two writes; best effort."""
    with contextlib.suppress(AttributeError, OSError):
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)


def _serve(tasks: int, answers: int, work: Callable[[Any], Any]) -> None:
    """A worker's life: read a chunk, answer it, until the task pipe closes."""
    while True:
        header = _read_exactly(tasks, _HEADER.size)
        if header is None:
            return
        body = _read_exactly(tasks, _HEADER.unpack(header)[0])
        if body is None:
            return
        answer = pickle.dumps(work(pickle.loads(body)), pickle.HIGHEST_PROTOCOL)
        _write_all(answers, _HEADER.pack(len(answer)) + answer)


class _Worker:
    def __init__(self, work: Callable[[Any], Any], keep_open: list[int]) -> None:
        task_read, self.tasks = os.pipe()
        self.answers, answer_write = os.pipe()
        _widen(answer_write)
        self.pid = os.fork()
        if self.pid == 0:  # the worker
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                os.close(self.tasks)
                os.close(self.answers)
                for fd in keep_open:  # the other workers' pipe ends: theirs to close, not this one's
                    os.close(fd)
                _serve(task_read, answer_write, work)
            except BaseException:  # a worker never unwinds into the parent's code
                code = 1
            finally:
                os._exit(code)  # never the parent's exit handlers or buffered output
        os.close(task_read)
        os.close(answer_write)
        self.waiting: deque[int] = deque()  # the sequence numbers of the chunks it holds, in order
        self.alive = True

    def give(self, sequence: int, chunk: Any, done: dict[int, Any]) -> None:
        self.waiting.append(sequence)
        body = pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL)
        try:
            _write_all(self.tasks, _HEADER.pack(len(body)) + body)
        except OSError:  # it has died (a broken pipe): this chunk and those it held come back as None
            self.died(done)

    def died(self, done: dict[int, Any]) -> None:
        self.alive = False
        for sequence in self.waiting:
            done[sequence] = None
        self.waiting.clear()

    def receive(self, done: dict[int, Any]) -> None:
        """Read the next answer (the pipe is readable: the worker is writing it) into `done`."""
        try:
            header = _read_exactly(self.answers, _HEADER.size)
            body = _read_exactly(self.answers, _HEADER.unpack(header)[0]) if header is not None else None
        except OSError:
            body = None
        if body is None:  # it has died: the chunks it held come back as None (the caller does them itself)
            self.died(done)
            return
        done[self.waiting.popleft()] = pickle.loads(body)

    def close(self) -> None:
        """Close its pipes (an idle worker then ends), stop it if it is still working, and reap it."""
        for fd in (self.tasks, self.answers):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGTERM)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)


class Pool:
    """`jobs` forked workers applying `work` to chunks; `answers()` gives them back in the order given."""

    def __init__(self, jobs: int, work: Callable[[Any], Any]) -> None:
        self.workers: list[_Worker] = []
        try:
            for _ in range(jobs):
                opened = [fd for w in self.workers for fd in (w.tasks, w.answers)]
                self.workers.append(_Worker(work, opened))
        except BaseException:
            self.close()
            raise
        self.given = 0  # chunks given so far (the next sequence number)
        self.next = 0  # the next sequence number to hand back
        self.done: dict[int, Any] = {}

    def full(self) -> bool:
        return not any(w.alive and len(w.waiting) < IN_FLIGHT for w in self.workers)

    def give(self, chunk: Any) -> None:
        """Hand a chunk to the least busy worker (waiting for one to be free if all are full)."""
        while self.full():
            self._receive(block=True)
            if not any(w.alive for w in self.workers):
                self.done[self.given] = None  # no worker left: the caller does it
                self.given += 1
                return
        worker = min((w for w in self.workers if w.alive), key=lambda w: len(w.waiting))
        worker.give(self.given, chunk, self.done)
        self.given += 1

    def answers(self, wait: bool = False) -> Iterator[tuple[Any, Any]]:
        """(chunk index, answer) in the order given: those ready now, or all of them with `wait`."""
        self._receive(block=False)
        while self.next < self.given:
            if self.next not in self.done:
                if not wait:
                    return
                self._receive(block=True)
                continue
            answer = self.done.pop(self.next)
            yield self.next, answer
            self.next += 1

    def _receive(self, block: bool) -> None:
        busy = [w for w in self.workers if w.alive and w.waiting]
        if not busy:
            return
        ready, _, _ = select.select([w.answers for w in busy], [], [], None if block else 0)
        for worker in busy:
            if worker.answers in ready:
                worker.receive(self.done)

    def close(self) -> None:
        for worker in self.workers:
            worker.close()
        self.workers = []
