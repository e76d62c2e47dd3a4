"""Error types that carry where a problem is (file, line, key path) and a hint.

The core raises these; the CLI turns them into one message on stderr and exit code 2.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from mesocalc.record import Record, record, slotted_record


@slotted_record
class Location(Record):
    """Where in an input a value came from: a file and line, and the key path inside it."""

    file: str | None = None
    line: int | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        from mesocalc.textsafe import EXCERPT, excerpt

        for name in ("file", "key"):  # a path or key typed 99,000 characters long is named by an excerpt
            value = getattr(self, name)
            # (once: a Location made again from an excerpt, by dataclasses.replace, keeps it as it is)
            if value is not None and len(value) > 4 * EXCERPT and not _excerpted(value):
                object.__setattr__(self, name, excerpt(value, 4 * EXCERPT))

    def prefix(self) -> str:
        parts = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.key:
            parts.append(self.key)
        return ": ".join(parts)


def _excerpted(value: str) -> bool:
    """Whether a text is already an excerpt (textsafe.excerpt: "…… (99,000 characters)")."""
    if not value.endswith(" characters)"):
        return False
    marker = value.rfind("… (")
    return marker >= 0 and value[marker + 3:-len(" characters)")].replace(",", "").isdigit()


@record
class Problem(Record):
    """One thing wrong with an input, where it is and what was expected."""

    code: str
    message: str
    where: Location = field(default_factory=Location)
    hint: str | None = None
    severity: str = "error"

    def __post_init__(self) -> None:
        # Every error path goes through here: a quoted input is cut to a short excerpt, so a message
        # never repeats a 99,000-character input (escaping for the terminal happens where it is shown).
        from mesocalc.textsafe import bounded_message

        object.__setattr__(self, "message", bounded_message(self.message))
        if self.hint is not None:
            object.__setattr__(self, "hint", bounded_message(self.hint))

    def text(self) -> str:
        prefix = self.where.prefix()
        body = f"{prefix}: {self.message}" if prefix else self.message
        return f"{body} ({self.hint})" if self.hint else body

    def to_json(self) -> dict[str, Any]:
        from mesocalc.textsafe import visible

        # the message is for a human, who may print it: hidden characters shown as escapes here too
        out: dict[str, Any] = {"code": self.code, "message": visible(self.text())}
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


def internal_problem(exc: BaseException) -> Problem:
    """An unexpected exception as one problem: a bug in mesocalc, reported without a traceback."""
    return Problem("internal-error", f"internal error ({type(exc).__name__}): {exc}",
                   hint="this is a bug in mesocalc; please report it with the command line")


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """A 'did you mean' hint for a misspelt key or id, or None when nothing is close."""
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
