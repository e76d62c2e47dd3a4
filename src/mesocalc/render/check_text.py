"""Human output of `mesocalc check`: one line per problem (FILE:LINE: key.path: message), then a summary."""

from __future__ import annotations

from mesocalc.library.check import LibraryCheck
from mesocalc.textsafe import visible


def check_text(result: LibraryCheck) -> str:
    lines = []
    for problem in result.problems:
        where = problem.where
        location = (f"{where.file}:{where.line}" if where.line else where.file) if where.file else "(library)"
        key = f" {where.key}:" if where.key else ""
        hint = f" ({problem.hint})" if problem.hint else ""
        lines.append(visible(f"{location}:{key} {problem.message}{hint}") + "\n")
    lines += [visible(f"note: {note}") + "\n" for note in result.overrides]
    missing = result.missing_sources
    extra = f"; {missing} missing source(s) (use --strict to fail on them)" if missing and not result.strict else ""
    lines.append(f"{len(result.files)} file(s) checked, {len(result.problems)} problem(s){extra}\n")
    return "".join(lines)
