"""Standard streams that fail cleanly (SPEC §6): the one stream-failure path of the command line.

- A closed pipe (`mesocalc plan | head -1`) ends quietly, with the run's own exit code (0 for a clean
  plan; never 1 because of the pipe).
- A write that fails otherwise (`> /dev/full`, a closed stdout `>&-`) is an input/output error: exit 2
  and one message on stderr, never a traceback.
- A closed stdin or stderr (`<&-`, `2>&-`) is not a crash: reading a closed stdin is an input error; an
  error that cannot be shown on a closed stderr still exits 2.
- Where the output encoding cannot show a symbol (`PYTHONIOENCODING=cp1252`: ✗, ², µ, box lines), an
  ASCII form is written instead of raising UnicodeEncodeError: hard warnings and "NOT OK" still print.
- `COLUMNS` that is empty, not a number or too small never breaks the layout.
- Ctrl-C ends with one line and exit 130.

No Rich, no Typer: cli.py calls these around every command.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import sys
from typing import Any

INTERRUPTED = 130  # 128 + SIGINT, as shells report a command ended by Ctrl-C
# Where a Ctrl-C is raised as KeyboardInterrupt (launch._on_interrupt): only while a batch runs, which then
# writes every line it has planned; elsewhere the process ends at once with one line and exit 130.
interruptible = False
MIN_WIDTH = 40  # columns: narrower than this, tables cannot show a dose and its unit side by side

# The symbols mesocalc prints, in ASCII, for an output encoding that cannot show them (SPEC §6).
ASCII_FORMS = {
    "✗": "x", "✓": "v", "²": "^2", "³": "^3", "µ": "u", "μ": "u", "×": "x", "—": "-", "–": "-", "…": "...",
    "≤": "<=", "≥": ">=", "≈": "~", "°": " deg", "·": ".", "’": "'", "‘": "'", "“": '"', "”": '"',
    "→": "->", "←": "<-", "±": "+/-", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "•": "*",
}
_ERRORS = "mesocalc-ascii"


def _ascii_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    out = []
    for char in text:
        form = ASCII_FORMS.get(char)
        if form is None:
            code = ord(char)
            form = f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
        out.append(form)
    return "".join(out), error.end


codecs.register_error(_ERRORS, _ascii_fallback)


def output_width(tty: bool, pipe_width: int) -> int | None:
    """The width to lay out at: COLUMNS when it is a usable number, else the terminal's, else pipe_width.

    `COLUMNS=`, `COLUMNS=abc` and `COLUMNS=0` are ignored (the terminal's width, or the pipe width when
    there is no terminal); a width below MIN_WIDTH is raised to it.
    """
    text = os.environ.get("COLUMNS", "").strip()
    columns = int(text) if text.isdigit() and len(text) < 6 else 0
    if columns <= 0:
        if not tty:
            return pipe_width
        import shutil

        columns = shutil.get_terminal_size((pipe_width, 24)).columns
    return max(columns, MIN_WIDTH)


class ClosedStream(io.TextIOBase):
    """Stands for a standard stream that was closed before mesocalc started (`>&-`, `<&-`)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.stream_name = name

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def _closed(self) -> OSError:
        return OSError(errno.EBADF, f"{self.stream_name} is closed")

    def write(self, text: str) -> int:
        raise self._closed()

    def read(self, size: int | None = -1) -> str:
        raise self._closed()

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        raise self._closed()

    def fileno(self) -> int:
        raise self._closed()

    def isatty(self) -> bool:
        return False


class Sink(io.TextIOBase):
    """Stands for a closed stderr: messages are dropped, the exit code still says what happened."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def write(self, text: str) -> int:
        return len(text)

    def isatty(self) -> bool:
        return False


class OutputError(Exception):
    """Writing stdout failed. Not an OSError on purpose: Click turns a broken pipe into exit 1, and this
    must reach cli.run, which decides (quiet exit for a closed pipe, exit 2 for anything else)."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(cause.strerror or str(cause))
        self.cause = cause

    @property
    def broken_pipe(self) -> bool:
        return is_broken_pipe(self.cause)


class GuardedOutput:
    """stdout as mesocalc writes it: a failed write or flush raises OutputError (see above)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self.stream.write(text))
        except OSError as exc:
            raise OutputError(exc) from exc

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            raise OutputError(exc) from exc

    def write_bytes(self, data: bytes) -> None:
        """Text already encoded as this stream encodes it (a batch's answers from its workers), written to the
        byte stream under the text one, after what the text one holds; a failure is an OutputError too."""
        try:
            self.stream.flush()
            self.stream.buffer.write(data)
        except OSError as exc:
            raise OutputError(exc) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class QuietErrors(GuardedOutput):
    """stderr as mesocalc writes it: a message that cannot be written (`2>/dev/full`) is dropped; the
    exit code still says what happened."""

    def write(self, text: str) -> int:
        try:
            return int(self.stream.write(text))
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.stream.flush()


# The exit code of the command's result, once it is known (before its output is written): a closed
# pipe ends the run quietly with this code, so `plan | head -1` exits 0 for a clean plan, 1 for one over
# a hard cap, and never 1 because of the pipe.
verdict = 0


def expect(code: int) -> None:
    global verdict
    verdict = code


def guard_descriptors() -> None:
    """Before anything is opened: a closed fd 0, 1 or 2 gets /dev/null, so that no file mesocalc opens
    later (a library file, an export) can take its number and receive output meant for a stream; the
    Python stream becomes ClosedStream (stdin, stdout) or Sink (stderr)."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        try:
            null = os.open(os.devnull, os.O_RDONLY if fd == 0 else os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        except OSError:
            pass
        label = {"stdin": "standard input", "stdout": "standard output"}.get(name)
        setattr(sys, name, ClosedStream(label) if label else Sink())
    for name in ("stdin", "stdout"):
        if getattr(sys, name) is None:
            setattr(sys, name, ClosedStream("standard input" if name == "stdin" else "standard output"))
    if sys.stderr is None:
        sys.stderr = Sink()


def ascii_fallbacks() -> None:
    """Where stdout or stderr cannot encode mesocalc's symbols, write their ASCII forms instead."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            "✗²µ—×".encode(encoding)
            continue
        except (UnicodeEncodeError, LookupError):
            pass
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError, LookupError):
                reconfigure(errors=_ERRORS)


def is_broken_pipe(exc: BaseException) -> bool:
    return isinstance(exc, BrokenPipeError) or (isinstance(exc, OSError) and exc.errno == errno.EPIPE)


def silence_stdout() -> None:
    """After stdout failed: point fd 1 at /dev/null, so the interpreter's last flush cannot fail again
    (which would print 'Exception ignored ...' and change the exit code)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def say(line: str) -> None:
    """One line on stderr, whatever state stderr is in."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def io_error_message(exc: OSError) -> str:
    what = exc.strerror or str(exc)
    if exc.errno == errno.EBADF:
        return "cannot write the output: standard output is closed"
    return f"cannot write the output: {what}"
