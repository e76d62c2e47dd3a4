"""Regular expressions compiled on first use.

Compiling a pattern costs 60-580 µs, at every start (re's own cache lives as long as the process), and
mesocalc's modules hold about thirty, most of them for input a given run never has: a ratio strength, a
glued unit power, a control character in a message, a ledger's lot number. `lazy(pattern, flags)` stands
for `re.compile(pattern, flags)`: the first use of any of its methods compiles it, and from then on its
methods are the compiled pattern's own, held by the instance, so a call costs what a compiled pattern's
call costs. `pattern` is there without compiling (a schema quotes ID_RE.pattern).
"""

from __future__ import annotations

import re
from typing import Any, cast

# what a compiled pattern is used for here; the first of them used compiles the pattern and keeps them all
_METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer")


class _Lazy:
    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Called only for what the instance does not hold yet: the first use of the pattern.
        compiled = re.compile(self.pattern, self._flags)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r})"


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """re.compile(pattern, flags), compiled when it is first used."""
    return cast("re.Pattern[str]", _Lazy(pattern, flags))
