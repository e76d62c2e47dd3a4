"""`mesocalc check`: load library files and folders over the layered library, and keep the problems asked for.

Pure: the result is rendered by render/check_text.py (lines) or render/jsondoc.py (the check document).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mesocalc.errors import Problem


@dataclass(frozen=True)
class LibraryCheck:
    """What `check` found: the files read, the problems that count, the layer overrides."""

    files: tuple[str, ...]
    problems: tuple[Problem, ...]  # errors, and missing sources too when strict
    overrides: tuple[str, ...]
    missing_sources: int  # warnings in the whole library (reported as a count when not strict)
    strict: bool

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def check_library(paths: Sequence[str | Path] = (), library: Sequence[str | Path] = (),
                  strict: bool = False) -> LibraryCheck:
    """Validate the built-in library, the `library` layers and `paths` (files or folders) over them.

    With paths, only the problems inside them are kept. Missing sources count only when strict.
    """
    from mesocalc.library import library_dirs, load_library

    dirs = library_dirs(tuple(str(p) for p in library))
    if paths:
        dirs = dirs + [Path(p) for p in paths]
    result = load_library(dirs=dirs)
    problems = [p for p in result.problems if strict or p.severity == "error"]
    if paths:
        wanted = {str(Path(p)) for p in paths}
        problems = [p for p in problems if p.where.file is None or any(
            (p.where.file or "").startswith(w) for w in wanted)]
    missing = sum(1 for p in result.problems if p.severity == "warning")
    return LibraryCheck(tuple(result.files), tuple(problems), tuple(result.library.overrides), missing, strict)
