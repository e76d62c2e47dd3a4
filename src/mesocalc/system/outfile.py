"""Output files written atomically (SPEC §6): `--map`, `--export` and `--worksheet` all go through here.

A complete new file, or the old one untouched: the text is written to a temporary file in the same
folder, flushed to disk (fsync), then renamed over the destination (os.replace, atomic on POSIX and
Windows). On a full disk, a closed pipe or Ctrl-C halfway, the temporary file is removed and a good
report from an earlier run stays as it was. A symbolic link at the destination is replaced by the new
file; the file it pointed to is never written. A destination that is a folder, a FIFO or a device is
refused. A new file gets the usual permissions (0666 less the umask); a replaced one keeps its own.

Pure: no Typer, no Rich.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from mesocalc.errors import Location, MesocalcError, input_error
from mesocalc.textsafe import excerpt


def write_atomically(path_text: str, text: str, option: str) -> Path:
    """Write `text` (UTF-8) to `path_text` atomically; any failure is an input error naming `option`."""
    path = Path(path_text)
    where = Location(key=option)

    def refused(reason: str) -> MesocalcError:
        return input_error(f"cannot write '{excerpt(path_text, 200)}': {reason}", where, code="write-failed")

    try:
        current = os.lstat(path)
    except FileNotFoundError:
        current = None
    except (OSError, ValueError) as exc:
        raise refused(getattr(exc, "strerror", None) or str(exc)) from exc
    if current is not None and stat.S_ISDIR(current.st_mode):
        raise refused("it is a folder")
    if current is not None and not (stat.S_ISREG(current.st_mode) or stat.S_ISLNK(current.st_mode)):
        raise refused("it is not a regular file (a FIFO, device or socket)")
    mode = stat.S_IMODE(current.st_mode) if current is not None and stat.S_ISREG(current.st_mode) else _default_mode()
    data = text.encode("utf-8")
    folder = path.parent
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name[:60]}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None
        _sync_folder(folder)
    except OSError as exc:
        raise refused(exc.strerror or str(exc)) from exc
    finally:
        if tmp is not None:  # an error or Ctrl-C before the rename: the destination was not touched
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it (best effort)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
