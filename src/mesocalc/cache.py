"""The user cache: parsed unit strings and compiled libraries, keyed by content.

The cache can never change a result (issue 10, item 8): every entry is stored with a digest over its
payload and its name (the name is the content key), and is used only when the digest still matches, so a
file that was edited, truncated, replaced by another entry or written with other numbers is ignored and the
work is done again. A cache folder or file that is owned by another user, or writable by group or others,
is not used at all (one note on stderr says so), because someone else could have written it. Any other
failure (unreadable, read-only, full disk) silently falls back to doing the work again. Nothing is ever
written into a library folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable
    from hashlib import blake2b

from mesocalc import __version__

_HERE = Path(__file__).resolve().parent
_MAGIC = b"mesocalc-cache-1 "
MAX_ENTRY_BYTES = 256 * 1024 * 1024


def definitions_path() -> Path:
    return _HERE / "pharmacy_units.txt"


def cache_dir() -> Path | None:
    """MESOCALC_CACHE_DIR, else $XDG_CACHE_HOME/mesocalc, else ~/.cache/mesocalc; None if disabled."""
    explicit = os.environ.get("MESOCALC_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit and explicit.lower() not in ("0", "off", "none") else None
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "mesocalc"
    try:
        return Path.home() / ".cache" / "mesocalc"
    except (RuntimeError, KeyError, OSError):
        return None


# ----------------------------------------------------------------------------------------------
# Trust: whose folder and files these are.

_trusted: dict[str, bool] = {}  # cache folder -> usable (checked once per process)
_noted: set[str] = set()


def _my_uid() -> int:
    return os.getuid() if hasattr(os, "getuid") else -1


def _untrusted_reason(info: os.stat_result) -> str | None:
    """Why a folder or file with this status may hold someone else's data, or None."""
    uid = _my_uid()
    if uid >= 0 and info.st_uid != uid:
        return "is owned by another user"
    if hasattr(os, "getuid") and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "is writable by other users"
    return None


def note(message: str) -> None:
    """One note on stderr per process (the output on stdout is unchanged)."""
    if message not in _noted and not _noted:
        sys.stderr.write(f"mesocalc: note: {message}\n")
    _noted.add(message)


def usable_dir() -> Path | None:
    """The cache folder if it may be used: it exists (or not yet), is ours and only we can write it."""
    directory = cache_dir()
    if directory is None:
        return None
    key = str(directory)
    known = _trusted.get(key)
    if known is None:
        try:
            reason = _untrusted_reason(os.stat(directory))
        except OSError:
            reason = None  # missing or unreadable: reads fail and writes create it (mode 0700)
        if reason is not None:
            note(f"the cache folder {directory} {reason}; it is not used (everything is computed afresh)")
        known = _trusted[key] = reason is None
    return directory if known else None


def reset(units: bool = False) -> None:
    """Forget which folders were checked and what was noted (tests run many commands in one process);
    with `units`, also the unit strings read from the cache file (not yet written ones are dropped) and
    the units remembered as typed."""
    global _units, _units_name, _units_dirty, _shipped_units
    _trusted.clear()
    _noted.clear()
    if units:
        _units = None
        _units_name = None
        _units_dirty = False
        _shipped_units = None
        typed_units.clear()


# ----------------------------------------------------------------------------------------------
# Entries: digest line + payload


def _digest(name: str, payload: bytes | memoryview) -> bytes:
    hexdigest: str = _hasher(name, payload).hexdigest()
    return hexdigest.encode()


def _hasher(name: str, payload: bytes | memoryview = b"") -> Any:
    try:  # CPython's built-in BLAKE2: no OpenSSL load (~2.5 ms of start-up saved)
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - other interpreters
        from hashlib import blake2b
    digest = blake2b(digest_size=32, person=b"mesocalc-cache")
    digest.update(name.encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(payload)
    return digest


def seal(name: str, payload: bytes) -> bytes:
    """The bytes stored for an entry: a header with the digest over name and payload, then the payload."""
    return _MAGIC + _digest(name, payload) + b"\n" + payload


def unseal(name: str, data: bytes) -> bytes | None:
    """The payload if `data` is exactly what `seal(name, payload)` wrote, else None."""
    head, newline, payload = data.partition(b"\n")
    if not newline or not head.startswith(_MAGIC):
        return None
    if head[len(_MAGIC):] != _digest(name, payload):
        return None
    return payload


def read_text(name: str) -> str | None:
    """A verified entry's text, or None (missing, unreadable, untrusted, or not exactly what was written)."""
    directory = usable_dir()
    if directory is None:
        return None
    path = directory / name
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        reason = _untrusted_reason(info)
        if reason is not None:
            note(f"the cache file {path} {reason}; it is ignored (computed afresh)")
            return None
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            data = handle.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    # unseal() without a copy of the payload (a big library's entries are megabytes)
    newline = data.find(b"\n")
    if newline < 0 or not data.startswith(_MAGIC):
        return None
    payload = memoryview(data)[newline + 1:]
    if data[len(_MAGIC):newline] != _digest(name, payload):
        return None
    try:
        return str(payload, "utf-8")
    except UnicodeDecodeError:
        return None


SHIPPED = _HERE / "shipped"
use_shipped = True  # off while the shipped data is built (mesocalc/shipped/build.py)


def read_shipped(file: str, name: str) -> str | None:
    """Data shipped in the package (pre-validated built-in library, pre-parsed units), sealed like a cache
    entry under the content key it was built from: it is used only when that key is today's `name` (same
    YAML files, same definitions, same code); otherwise None and the work is done as for any library."""
    if not use_shipped:
        return None
    try:
        data = (SHIPPED / file).read_bytes()
    except OSError:
        return None
    payload = unseal(name, data)
    return payload.decode("utf-8") if payload is not None else None


def read_json(name: str) -> Any:
    text = read_text(name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def write_text(name: str, text: str) -> None:
    """Write atomically, sealed; any failure (read-only home, full disk, untrusted folder) is ignored."""
    directory = usable_dir()
    if directory is None:
        return
    try:
        import tempfile  # only when writing: most runs only read the cache

        if not directory.is_dir():
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            _trusted.pop(str(directory), None)
            if usable_dir() is None:
                return
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")  # mode 0600
        try:
            payload = text.encode("utf-8")
            with os.fdopen(fd, "wb") as handle:  # header and payload written apart: no third copy in memory
                handle.write(_MAGIC + _digest(name, payload) + b"\n")
                handle.write(payload)
            os.replace(tmp, directory / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if len(text) > PRUNE_CHECK_BYTES:
            prune(directory, keep=name)
    except (OSError, UnicodeEncodeError):
        return


MAX_TOTAL_BYTES = 256 * 1024 * 1024  # the cache folder is kept below this
PRUNE_CHECK_BYTES = 256 * 1024  # only writing an entry at least this large can push it over


def prune(directory: Path, keep: str, limit: int | None = None) -> None:
    """Delete the oldest entries until the folder holds at most 3/4 of `limit` (MAX_TOTAL_BYTES; never `keep`)."""
    limit = MAX_TOTAL_BYTES if limit is None else limit
    entries = []
    with os.scandir(directory) as listing:
        for entry in listing:
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    entries.append((info.st_mtime_ns, info.st_size, entry.name))
    total = sum(size for _, size, _ in entries)
    if total <= limit:
        return
    for _, size, entry_name in sorted(entries):
        if total <= limit * 3 // 4:
            break
        if entry_name != keep:
            with contextlib.suppress(OSError):
                os.unlink(directory / entry_name)
                total -= size


def write_parts(name: str, parts: Iterable[str]) -> None:
    """write_text for a text given in parts, each encoded, hashed and written in turn (so that a big entry is
    never whole in memory); the header's digest is written last, in its place. Failures are ignored."""
    directory = usable_dir()
    if directory is None:
        return
    try:
        import tempfile

        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        try:
            digest = _hasher(name)
            with os.fdopen(fd, "wb") as handle:
                handle.write(_MAGIC + b"0" * 64 + b"\n")
                size = 0
                for part in parts:
                    data = part.encode("utf-8")
                    digest.update(data)
                    handle.write(data)
                    size += len(data)
                handle.seek(len(_MAGIC))
                handle.write(digest.hexdigest().encode())
            os.replace(tmp, directory / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if size > PRUNE_CHECK_BYTES:
            prune(directory, keep=name)
    except (OSError, UnicodeEncodeError, TypeError, ValueError):
        return


def write_json(name: str, data: Any) -> None:
    try:
        text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return
    write_text(name, text)


def content_key(*parts: bytes | str) -> str:
    if len(parts) == 1:
        return text_key(parts)
    digest = _blake2b()  # over part, NUL, part, NUL, ...: one update (40,000 parts for a big library)
    digest.update(b"\0".join([part.encode() if isinstance(part, str) else part for part in parts]) + b"\0")
    return digest.hexdigest()[:20]


def text_key(pieces: Iterable[bytes | str]) -> str:
    """content_key of one text given in pieces, never whole in memory (a big library's warnings: megabytes)."""
    digest = _blake2b()
    for piece in pieces:
        digest.update(piece.encode() if isinstance(piece, str) else piece)
    digest.update(b"\0")
    return digest.hexdigest()[:20]


def _blake2b() -> blake2b:
    try:  # CPython's built-in BLAKE2: no OpenSSL load (~2.5 ms of start-up saved)
        from _blake2 import blake2b as made
    except ImportError:  # pragma: no cover - other interpreters
        from hashlib import blake2b as made
    return made(digest_size=20)


# ----------------------------------------------------------------------------------------------
# Unit strings: text -> (factor to canonical unit, dimension vector), computed by pint once.

_units: dict[str, tuple[float, tuple[int, ...]]] | None = None
_units_name: str | None = None
_units_dirty = False
_shipped_units: dict[str, tuple[float, tuple[int, ...]]] | None = None
# Unit text as typed, and whether a percent may be read there, to units.unit_factor's answer (successes
# only): a batch reads the same few units behind numbers that never repeat. Forgotten with the tables above.
typed_units: dict[tuple[str, bool], tuple[float, Any]] = {}
TYPED_UNITS_SIZE = 4096


def units_name() -> str:
    """The unit table's name: keyed by the unit definitions and the code that turns pint's answer into
    a factor and dimensions, so a changed definition or rule is never answered from an old table."""
    global _units_name
    if _units_name is None:
        parts = []
        for path in (definitions_path(), _HERE / "units.py"):
            try:
                parts.append(path.read_bytes())
            except OSError:
                parts.append(str(path).encode())
        _units_name = f"units-{content_key(__version__, *parts)}.json"
    return _units_name


def valid_unit_entry(entry: Any) -> bool:
    """[factor, [six dimension exponents]]: a finite positive factor and small whole exponents."""
    return (isinstance(entry, list) and len(entry) == 2
            and isinstance(entry[0], float | int) and not isinstance(entry[0], bool)
            and 0 < entry[0] < float("inf")
            and isinstance(entry[1], list) and len(entry[1]) == 6
            and all(isinstance(x, int) and not isinstance(x, bool) and -12 <= x <= 12 for x in entry[1]))


def lookup_unit(key: str) -> tuple[float, Any] | None:
    """A unit string's (factor, dimensions) from the table shipped in the package (built by pint, see
    mesocalc/shipped/build.py), else from the user cache, else None (pint must parse it)."""
    global _shipped_units
    if _shipped_units is None:
        _shipped_units = {}
        stored = read_shipped("units.json", units_name())
        table = json.loads(stored) if stored is not None else {}
        for unit, entry in table.items():
            if valid_unit_entry(entry):
                _shipped_units[unit] = (float(entry[0]), tuple(entry[1]))
    found = _shipped_units.get(key)
    return found if found is not None else unit_table().get(key)


def unit_table() -> dict[str, Any]:
    global _units
    if _units is None:
        _units = {}
        stored = read_json(units_name())
        if isinstance(stored, dict):
            for key, entry in stored.items():
                if valid_unit_entry(entry):
                    _units[key] = (float(entry[0]), tuple(entry[1]))
    return _units


def remember_unit(key: str, factor: float, dims: tuple[int, ...]) -> None:
    """Keep a new unit string in memory; the file is written once, by `flush` (not after every unit)."""
    global _units_dirty
    unit_table()[key] = (factor, dims)
    if not _units_dirty:
        _units_dirty = True
        import atexit

        atexit.register(flush)


def flush() -> None:
    """Write what this process learnt (the unit table) once."""
    global _units_dirty
    if _units_dirty and _units is not None:
        _units_dirty = False
        write_json(units_name(), {k: [v[0], list(v[1])] for k, v in _units.items()})
