"""The console of human output into a pipe or a file: Rich's Console only for what needs it (start-up).

Without a terminal and without FORCE_COLOR, the SafeConsole (render/safe_console.py) writes no colour and
no escape codes, so a line that fits the width is written as its plain text: for a `print()` of one line
of text (a str, or a Text with Rich's default justification, overflow, wrapping and end) that is
printable and no wider than the console, Rich writes exactly `text + "\\n"` in one write and flushes.
That case is written here, without importing rich.console (≈ 1.5×F) or laying the line out again;
anything else (a wider line, a hidden character, other arguments, a Table) is printed by a SafeConsole
made with the same settings, on the same stream, when first needed. tests/render/test_plain_console.py
prints the same lines both ways.
"""

from __future__ import annotations

from typing import IO, Any

from rich.cells import cell_len
from rich.text import Text


class PlainConsole:
    """The `print`, `width` and `file` of a no-colour SafeConsole, for lines that need no layout."""

    def __init__(self, file: IO[str], width: int, **settings: Any) -> None:
        self._file = file
        self.width = width
        self._settings = settings  # the rest of the SafeConsole's settings, for the lines it prints
        self._rich: Any = None

    @property
    def file(self) -> IO[str]:
        return self._file

    @file.setter
    def file(self, new_file: IO[str]) -> None:
        self._file = new_file
        if self._rich is not None:
            self._rich.file = new_file

    def print(self, *objects: Any, **options: Any) -> None:
        line = self._plain(objects, options)
        if line is None:
            self.rich().print(*objects, **options)
            return
        try:
            self._file.write(line + "\n")
        except UnicodeEncodeError as error:  # Rich's own hint, as Console._write_buffer adds it
            error.reason = f"{error.reason}\n*** You may need to add PYTHONIOENCODING=utf-8 to your environment ***"
            raise
        self._file.flush()

    def _plain(self, objects: tuple[Any, ...], options: dict[str, Any]) -> str | None:
        """The text of a line Rich would write as it is, or None."""
        if options or len(objects) > 1:
            return None
        if not objects:
            return ""
        item = objects[0]
        if type(item) is str:
            text = item
        elif type(item) is Text and item.justify is None and item.overflow is None and item.no_wrap is None \
                and item.end == "\n":  # its tab size does not matter: a tab is not printable, so never here
            text = item.plain
        else:
            return None
        if not text.isprintable() or cell_len(text) > self.width:  # tabs and newlines are not printable
            return None
        return text

    def rich(self) -> Any:
        """The SafeConsole with this console's settings, made once."""
        if self._rich is None:
            from mesocalc.render.safe_console import SafeConsole

            self._rich = SafeConsole(file=self._file, width=self.width, **self._settings)
        return self._rich

    def __getattr__(self, name: str) -> Any:  # anything else a renderer asks of a console: Rich's own
        return getattr(self.rich(), name)
