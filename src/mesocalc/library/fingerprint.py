"""Which library files changed, without reading them all: a per-folder manifest in the user cache.

A warm run of a 10,000-file library used to read and hash every file to find its cache key. The manifest
of a layer (one cache entry per resolved folder, so a relative and an absolute path to the same folder
share it, and overwritten in place, so it does not grow) remembers, for each file, its status (size,
modification and change times in ns, inode, device) and the digest of its content. A file whose status is
unchanged is taken to have the same digest; any other file is read and hashed.

The change time (ctime) cannot be set back by a user, and a status is only remembered for a file whose
times are at least two seconds older than the moment it was read (so an edit within the same clock tick
as the read, which would leave the status unchanged, is never missed: such a file is simply read again next
time). Like every cache entry the manifest is sealed, and a damaged or foreign one is ignored.
"""

from __future__ import annotations

import os
import time
from typing import Any

from mesocalc import cache

SETTLED_NS = 2_000_000_000


def _status(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


class Manifest:
    def __init__(self, folder: str) -> None:
        self.name = f"layer-{cache.content_key('layer', folder)}.json"
        stored = cache.read_json(self.name)
        self.known: dict[str, Any] = stored if isinstance(stored, dict) else {}
        self.seen: dict[str, list[Any]] = {}
        self.changed = False

    def digest(self, relative: str, path: str, info: os.stat_result | None = None) -> str | None:
        """The content digest of an unchanged file, or None (changed, new, or not yet settled). `info`: its
        status if the caller has just read it."""
        entry = self.known.get(relative)
        if not isinstance(entry, list) or len(entry) != 6:
            return None
        try:
            status = _status(info or os.stat(path))
        except OSError:
            return None
        if entry[:5] != status or not isinstance(entry[5], str):
            return None
        self.seen[relative] = entry
        return entry[5]

    def remember(self, relative: str, info: os.stat_result | None, digest: str) -> None:
        """A file just read: keep its status and digest if its times are settled (see the module doc)."""
        if info is None or max(info.st_mtime_ns, info.st_ctime_ns) > time.time_ns() - SETTLED_NS:
            self.changed = True
            return
        self.seen[relative] = [*_status(info), digest]
        self.changed = True

    def save(self) -> None:
        """Write the statuses seen in this run (files that disappeared are dropped)."""
        if self.changed or len(self.seen) != len(self.known):
            cache.write_json(self.name, self.seen)
