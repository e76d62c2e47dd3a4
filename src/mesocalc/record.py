"""Value semantics for the frozen dataclasses, written once instead of generated per class.

`dataclasses` generates `__eq__`, `__repr__` and `__hash__` for every class with `exec`, about 0.1 ms
each: for the ~20 model classes loaded by every command that is several milliseconds of start-up
(measured with `python -X importtime`). Classes declared `@dataclass(frozen=True, eq=False, repr=False)`
and derived from `Record` get the same behaviour from these three methods: equality and hashing over
the fields that take part in comparison (`field(compare=False)` is respected), and a dataclass-style repr.
"""

from __future__ import annotations

import dataclasses
from typing import Any

_COMPARED: dict[type, tuple[str, ...]] = {}


def _compared(cls: type) -> tuple[str, ...]:
    names = _COMPARED.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.compare)
        _COMPARED[cls] = names
    return names


class Record:
    __slots__ = ()

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _compared(type(self)))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        names = (f.name for f in dataclasses.fields(self) if f.repr)  # type: ignore[arg-type]
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"
