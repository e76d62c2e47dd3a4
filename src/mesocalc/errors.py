"""Error types that carry where a problem is (file, line, key path) and a hint.

The core raises these; the CLI turns them into one message on stderr and exit code 2.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from mesocalc.record import Record, record


@record
class Location(Record):
    """Where in an input a value came from: a file and line, and the key path inside it."""

    file: str | None = None
    line: int | None = None
    key: str | None = None

    def prefix(self) -> str:
        parts = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.key:
            parts.append(self.key)
        return ": ".join(parts)


@record
class Problem(Record):
    """One thing wrong with an input, where it is and what was expected."""

    code: str
    message: str
    where: Location = field(default_factory=Location)
    hint: str | None = None
    severity: str = "error"

    def text(self) -> str:
        prefix = self.where.prefix()
        body = f"{prefix}: {self.message}" if prefix else self.message
        return f"{body} ({self.hint})" if self.hint else body

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.text()}
        if self.where.file:
            out["file"] = self.where.file
        if self.where.line:
            out["line"] = self.where.line
        if self.where.key:
            out["key"] = self.where.key
        if self.hint:
            out["hint"] = self.hint
        return out


class MesocalcError(Exception):
    """An input or usage error: exit code 2, one clear message, no traceback."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(p.text() for p in self.problems))


def input_error(
    message: str,
    where: Location | None = None,
    *,
    code: str = "invalid-input",
    hint: str | None = None,
) -> MesocalcError:
    return MesocalcError(Problem(code, message, where or Location(), hint))


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """A 'did you mean' hint for a misspelt key or id, or None when nothing is close."""
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
