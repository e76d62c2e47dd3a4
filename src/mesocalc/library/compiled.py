"""The validated library as plain JSON, so that an unchanged library is not validated again.

Validating a 1,000-agent library costs about 90 ms of pure Python on every command; reading it back
from JSON costs a fraction of that. The cache file is plain data (JSON, never pickle): decoding can only
build the model's own frozen dataclasses, listed below by name, from keyword fields; a file in the cache
folder cannot run code. The cache key covers the content of every library file and of the code that
validates (model, units, validation, unit definitions), so a changed file or a changed rule is always
validated afresh. Only a library without errors is stored.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mesocalc import cache
from mesocalc.core import model as m
from mesocalc.errors import Problem
from mesocalc.library import kinds
from mesocalc.units import Q

FORMAT = "validated-5"  # validated-3 (conditions, regions) and validated-4 (lazy cocktails), merged

# the classes a cache file may name: the document kinds and their parts (library/kinds.py), the Library
_CLASSES: dict[str, type[Any]] = {cls.__name__: cls for cls in (Problem, m.Library, *kinds.MODELS, *kinds.PARTS)}
_FIELDS = {name: tuple(f.name for f in dataclasses.fields(cls)) for name, cls in _CLASSES.items()}
_FIELDS_BY_CLASS = {cls: _FIELDS[name] for name, cls in _CLASSES.items()}


def _code_files() -> list[Path]:
    """The code a validated library depends on: every module of this package (new rules included), the
    model, units, errors and the unit definitions."""
    here = Path(__file__).resolve().parent
    package = here.parent
    modules = sorted(here / entry.name for entry in os.scandir(here) if entry.name.endswith(".py"))
    return [*modules, package / "core" / "model.py", package / "units.py", package / "errors.py", package / "record.py",
            package / "notation.py", package / "core" / "vocabulary.py", package / "pharmacy_units.txt"]


def cache_name(content_key: str) -> str:
    parts: list[bytes | str] = [FORMAT, content_key]
    for path in _code_files():
        try:
            parts.append(path.read_bytes())
        except OSError:
            parts.append(str(path))
    return f"{FORMAT}-{cache.content_key(*parts)}.json"


_PLAIN = (str, int, float, bool, type(None))


def encode(obj: Any) -> Any:
    """Plain JSON data for a model object. Dispatched on the exact type first (a 20,000-document library
    holds about three million values: ABC checks such as isinstance(x, Mapping) on each cost seconds)."""
    kind = type(obj)
    if kind in _PLAIN:
        return obj
    if kind is Q:
        return {"$q": [obj.value, list(obj.dims)]}
    if kind is tuple:
        return {"$t": [encode(x) for x in obj]}
    if kind is list:
        return [encode(x) for x in obj]
    if kind is dict:
        return {"$d": {k: encode(v) for k, v in obj.items()}}
    fields = _FIELDS_BY_CLASS.get(kind)
    if fields is not None:
        return {"$c": [kind.__name__, *[encode(getattr(obj, f)) for f in fields]]}
    if isinstance(obj, Mapping):  # a LazyTable (decoded here)
        return {"$d": {k: encode(v) for k, v in obj.items()}}
    if isinstance(obj, _PLAIN):  # a subclass of str or int
        return obj
    raise TypeError(f"cannot store {type(obj).__name__} in the library cache")


class LazyTable(Mapping[str, Any]):
    """The agents (or cocktails) of a stored library, each decoded only when a command asks for it.

    A plan uses one cocktail and the few agents in it; decoding all of a 10,000-document library costs more
    than the whole rest of the command. Iterating (`mesocalc agents`) decodes them all."""

    kind = "agent"
    expected: type[Any] = m.Agent

    def __init__(self, raw: Mapping[str, str]) -> None:
        self._raw = raw
        self._done: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        obj = self._done.get(key)
        if obj is None:
            text = self._raw[key]
            import json

            try:
                obj = json.loads(text, object_hook=_hook)
            except (ValueError, TypeError, KeyError, AttributeError):
                obj = None
            if not isinstance(obj, self.expected) or obj.id != key:
                from mesocalc.errors import MesocalcError

                raise MesocalcError(Problem("cache-damaged",
                                            f"the library cache entry for {self.kind} '{key}' is damaged",
                                            hint=f"delete the folder {cache.cache_dir()} and run again"))
            self._done[key] = obj
        return obj

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class LazyAgents(LazyTable, Mapping[str, m.Agent]):
    kind = "agent"
    expected = m.Agent


class LazyCocktails(LazyTable, Mapping[str, m.Cocktail]):
    kind = "cocktail"
    expected = m.Cocktail


_LAZY = {"agents": LazyAgents, "cocktails": LazyCocktails}


class _Slices(Mapping[str, str]):
    """id -> that document's JSON text, a slice of the stored text (no JSON string to unescape)."""

    def __init__(self, text: str, base: int, spans: list[Any]) -> None:
        self._text = text
        self._spans: dict[str, tuple[int, int]] = {}
        for entry in spans:
            key, start, end = entry
            if not (isinstance(key, str) and isinstance(start, int) and isinstance(end, int)
                    and 0 <= start <= end and base + end <= len(text)):
                raise ValueError("not a lazy table")
            self._spans[key] = (base + start, base + end)

    def __getitem__(self, key: str) -> str:
        start, end = self._spans[key]
        return self._text[start:end]

    def __contains__(self, key: object) -> bool:
        return key in self._spans

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)


def _hook(data: dict[str, Any]) -> Any:
    if "$c" in data:
        name, *fields = data["$c"]
        return _CLASSES[name](*fields)  # KeyError for any other name: the cache entry is ignored
    if "$q" in data:
        value, dims = data["$q"]
        if len(dims) != 6:
            raise ValueError("not a dimension vector")
        return Q(float(value), tuple(int(d) for d in dims))  # type: ignore[arg-type]
    if "$t" in data:
        return tuple(data["$t"])
    if "$d" in data:
        return data["$d"]
    return data


def load(content_key: str) -> tuple[m.Library, list[Problem], list[str]] | None:
    """The stored result for this content, or None (missing, unreadable, or not what it should be)."""
    name = cache_name(content_key)
    text = cache.read_shipped("library.json", name) or cache.read_text(name)
    if text is None:
        return None
    import json

    # The text is a JSON header, a newline, then the agents' and cocktails' own JSON texts one after the
    # other: the header gives each one's span, and only the header is parsed here.
    base = text.find("\n") + 1

    def hook(data: dict[str, Any]) -> Any:
        if "$lazy" in data:
            return _LAZY[data["of"]](_Slices(text, base, data["$lazy"]))
        return _hook(data)

    try:
        if base == 0:
            return None
        stored = json.loads(text[:base - 1], object_hook=hook)
        library, problems, files = stored["library"], stored["problems"], stored["files"]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not (isinstance(library, m.Library) and isinstance(problems, list) and isinstance(files, list)
            and all(isinstance(p, Problem) for p in problems)):
        return None
    return library, problems, files


def dumps(library: m.Library, problems: list[Problem], files: list[str]) -> str | None:
    """The stored text of a validated library (None if it holds something that cannot be stored)."""
    import json

    try:
        fields: list[Any] = []
        texts: list[str] = []
        position = 0
        for name in _FIELDS["Library"]:
            value = getattr(library, name)
            if name in _LAZY:  # agents and cocktails one JSON text each, decoded on demand (LazyTable)
                spans = []
                for key, obj in value.items():
                    one = json.dumps(encode(obj), separators=(",", ":"), allow_nan=False)
                    spans.append([key, position, position + len(one)])
                    texts.append(one)
                    position += len(one)
                fields.append({"$lazy": spans, "of": name})
            else:
                fields.append(encode(value))
        data = {"library": {"$c": ["Library", *fields]}, "problems": encode(problems), "files": files}
        return json.dumps(data, separators=(",", ":"), allow_nan=False) + "\n" + "".join(texts)
    except (TypeError, ValueError):
        return None


def store(content_key: str, library: m.Library, problems: list[Problem], files: list[str]) -> None:
    text = dumps(library, problems, files)
    if text is not None:
        cache.write_text(cache_name(content_key), text)
