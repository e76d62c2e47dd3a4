"""Reading input files and lines with bounds checked before the bytes are read (issue 12 item 4).

Every file mesocalc reads where a file is expected (a library entry, a cocktail or patient file, a
history file, a batch file) goes through `open_regular` / `read_regular`:

- only a regular file is read: a FIFO, a device (`/dev/zero`, also behind a symlink), a socket or a
  folder is an input error naming it, at once. The file is opened with O_NONBLOCK, so opening a FIFO
  with no writer cannot block, and its type is taken from the open descriptor (fstat), so it cannot
  change between the check and the read;
- its size is checked before reading, and at most limit + 1 bytes are ever read (a file that grows
  while it is read is still refused, and memory stays bounded).

Batch lines are read by `bounded_lines`: in chunks, never more than the line limit of one line held in
memory; a longer line is cut there (the caller refuses it) and the rest of it skipped up to its newline,
so the next line is read as usual.

Pure: no Typer, no Rich.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from typing import BinaryIO

from mesocalc.errors import Location, MesocalcError, Problem

CHUNK = 65_536


def _refuse(code: str, message: str, name: str) -> MesocalcError:
    return MesocalcError(Problem(code, message, Location(name)))


def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: str | os.PathLike[str], name: str, limit: int | None = None) -> BinaryIO:
    """The file at `path` opened for reading, if it is a regular file (of at most `limit` bytes)."""
    try:
        before = os.stat(path)  # follows symlinks: a link to /dev/zero is a device
    except FileNotFoundError as exc:
        dangling = os.path.islink(path)
        raise _refuse("no-such-file", "is a symbolic link to a file that does not exist" if dangling
                      else "no such file", name) from exc
    except (OSError, ValueError) as exc:
        raise _refuse("unreadable", f"cannot read file: {getattr(exc, 'strerror', None) or exc}", name) from exc
    kind = _kind_of(before.st_mode)
    if kind is not None:
        raise _refuse("not-a-file", f"is {kind}, not a file" if kind != "not a regular file" else
                      "is not a regular file", name)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _refuse("unreadable", f"cannot read file: {exc.strerror}", name) from exc
    try:
        info = os.fstat(fd)
        kind = _kind_of(info.st_mode)
        if kind is not None:  # replaced between stat and open
            raise _refuse("not-a-file", "is not a regular file", name)
        if limit is not None and info.st_size > limit:
            raise _refuse("file-too-large", f"file is {info.st_size:,} bytes; the limit is {limit:,}", name)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike[str], name: str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; never reads more than limit + 1 bytes."""
    with open_regular(path, name, limit) as handle:
        try:
            # a buffer of the file's size, not of the limit (a 1 MB buffer per file: 0.5 s for 20,000 files)
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(min(size, limit) + 1)
            if size < len(data) <= limit:  # it grew since: read on, never past the limit
                data += handle.read(limit + 1 - len(data))
        except OSError as exc:
            raise _refuse("unreadable", f"cannot read file: {exc.strerror}", name) from exc
    if len(data) > limit:
        raise _refuse("file-too-large", f"file is more than {limit:,} bytes; the limit is {limit:,}", name)
    return data


def bounded_lines(stream: BinaryIO, limit: int, before_read: Callable[[], None] | None = None) -> Iterator[bytes]:
    """The lines of `stream` without their newline, each cut at limit + 1 bytes (so a caller can tell it
    was too long) with the rest of it skipped. `before_read` runs before each read that may block (the
    batch writes the lines it has planned, so that a reader at the other end of a pipe sees them)."""
    read = getattr(stream, "read1", None) or stream.read
    line = bytearray()
    skipping = False
    while True:
        if before_read is not None:
            before_read()
        data = read(CHUNK)
        if not data:
            break
        start = 0
        while True:
            newline = data.find(b"\n", start)
            end = len(data) if newline < 0 else newline
            if not skipping:
                line += data[start:min(end, start + limit + 1 - len(line))]
                skipping = len(line) > limit
            if newline < 0:
                break
            yield bytes(line)
            line.clear()
            skipping = False
            start = newline + 1
    if line or skipping:
        yield bytes(line)
