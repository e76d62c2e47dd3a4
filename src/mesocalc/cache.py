"""The user cache: parsed unit strings and compiled libraries, keyed by content.

A cache that cannot be read or written never breaks a command: every failure falls back to doing the
work again. Nothing is ever written into a library folder.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from mesocalc import __version__

_HERE = Path(__file__).resolve().parent


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


def read_json(name: str) -> Any:
    directory = cache_dir()
    if directory is None:
        return None
    try:
        with open(directory / name, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def read_text(name: str) -> str | None:
    directory = cache_dir()
    if directory is None:
        return None
    try:
        with open(directory / name, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def write_json(name: str, data: Any) -> None:
    """Write atomically; any failure (read-only home, full disk) is silently ignored."""
    directory = cache_dir()
    if directory is None:
        return
    try:
        import tempfile  # only when writing: most runs only read the cache

        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))
            os.replace(tmp, directory / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except (OSError, TypeError, ValueError):
        return


def content_key(*parts: bytes | str) -> str:
    try:  # CPython's built-in BLAKE2: no OpenSSL load (~2.5 ms of start-up saved)
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - other interpreters
        from hashlib import blake2b
    digest = blake2b(digest_size=20)
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:20]


# ----------------------------------------------------------------------------------------------
# Unit strings: text -> (factor to canonical unit, dimension vector), computed by pint once.

_units: dict[str, tuple[float, tuple[int, ...]]] | None = None
_units_name: str | None = None


def _units_file() -> str:
    global _units_name
    if _units_name is None:
        try:
            definitions = definitions_path().read_bytes()
        except OSError:
            definitions = b""
        _units_name = f"units-{content_key(__version__, definitions)}.json"
    return _units_name


def unit_table() -> dict[str, Any]:
    global _units
    if _units is None:
        _units = {}
        stored = read_json(_units_file())
        if isinstance(stored, dict):
            for key, entry in stored.items():
                if (
                    isinstance(entry, list)
                    and len(entry) == 2
                    and isinstance(entry[0], float | int)
                    and isinstance(entry[1], list)
                    and len(entry[1]) == 6
                ):
                    _units[key] = (float(entry[0]), tuple(int(x) for x in entry[1]))
    return _units


def remember_unit(key: str, factor: float, dims: tuple[int, ...]) -> None:
    table = unit_table()
    table[key] = (factor, dims)
    write_json(_units_file(), {k: [v[0], list(v[1])] for k, v in table.items()})
