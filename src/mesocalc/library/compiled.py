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
from collections.abc import Callable, Iterator, Mapping
from operator import attrgetter
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
# each class's field values as a tuple, in field order, by one C call (encode runs ~1.6 M times for a
# 20,000-document library)
_VALUES = {cls: (attrgetter(*fields) if len(fields) > 1 else (lambda obj, f=fields[0]: (getattr(obj, f),)))
           for cls, fields in _FIELDS_BY_CLASS.items() if fields}


def _code_files() -> list[Path]:
    """The code a validated library depends on: every module of this package (new rules included), the
    model, units, errors and the unit definitions."""
    here = Path(__file__).resolve().parent
    package = here.parent
    modules = sorted(here / entry.name for entry in os.scandir(here) if entry.name.endswith(".py"))
    return [*modules, package / "core" / "model.py", package / "units.py", package / "errors.py", package / "record.py",
            package / "notation.py", package / "core" / "vocabulary.py", package / "pharmacy_units.txt"]


_code: list[str] = []


def code_key() -> str:
    """The digest of the code a validated library depends on (read once per process)."""
    if not _code:
        parts: list[bytes | str] = [FORMAT]
        for path in _code_files():
            try:
                parts.append(path.read_bytes())
            except OSError:
                parts.append(str(path))
        _code.append(cache.content_key(*parts))
    return _code[0]


def cache_name(content_key: str) -> str:
    return f"{FORMAT}-{cache.content_key(FORMAT, content_key, code_key())}.json"


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
    values = _VALUES.get(kind)
    if values is not None:
        return {"$c": [kind.__name__, *[encode(x) for x in values(obj)]]}
    if kind in _FIELDS_BY_CLASS:  # a class without fields
        return {"$c": [kind.__name__]}
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

    def __init__(self, raw: Mapping[str, str], hook: Callable[[dict[str, Any]], Any] | None = None,
                 fallback: Callable[[], Mapping[str, Any]] | None = None) -> None:
        self._raw = raw
        self._done: dict[str, Any] = {}
        self._hook = hook or _hook
        self._fallback = fallback  # the table validated afresh, when a stored text is missing or damaged

    def __getitem__(self, key: str) -> Any:
        obj = self._done.get(key)
        if obj is None:
            import json

            try:
                obj = json.loads(self._raw[key], object_hook=self._hook)
            except Unavailable:
                obj = None
            except (ValueError, TypeError, KeyError, AttributeError):
                if key not in self._raw:
                    raise KeyError(key) from None
                obj = None
            if (not isinstance(obj, self.expected) or obj.id != key) and self._fallback is not None:
                obj = self._fallback()[key]
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


class Unavailable(Exception):
    """A stored text that cannot be read back (a missing or damaged chunk of documents)."""


SPAN = 24  # a document's place in a chunked table: chunk number, start, end, 8 hex digits each


def span(chunk: int, start: int, end: int) -> str:
    return f"{chunk:08x}{start:08x}{end:08x}"


class Chunked(Mapping[str, str]):
    """id -> that document's JSON text, a slice of one of several chunk entries read when first used.
    `spans` is the text of SPAN characters per id (span()), decoded only for the ids used."""

    def __init__(self, keys: list[str], spans: str, chunks: list[Any], read: Callable[[str], str | None]) -> None:
        if not (isinstance(spans, str) and len(spans) == SPAN * len(keys) and all(isinstance(c, str) for c in chunks)):
            raise ValueError("not a chunked table")
        self._at = dict(zip(keys, range(0, len(spans), SPAN), strict=True))
        self._spans = spans
        self._chunks = chunks
        self._texts: dict[int, str] = {}
        self._read = read

    def __getitem__(self, key: str) -> str:
        at = self._at[key]
        try:
            chunk, start, end = (int(self._spans[at + i:at + i + 8], 16) for i in (0, 8, 16))
        except ValueError:
            raise Unavailable(key) from None
        text = self._texts.get(chunk)
        if text is None:
            found = self._read(self._chunks[chunk]) if chunk < len(self._chunks) else None
            if found is None:
                raise Unavailable(key)
            text = self._texts[chunk] = found
        if not start <= end <= len(text):
            raise Unavailable(key)
        return text[start:end]

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


def make_hook(prefixes: list[str]) -> Callable[[dict[str, Any]], Any]:
    """The decoding hook for texts stored with each layer's folder as written replaced by a mark (pack.py)."""

    def hook(data: dict[str, Any]) -> Any:
        found = data.get("$c")
        if found is not None and found[0] == "Location" and isinstance(found[1], str) and found[1][:1] == "\0":
            found = [found[0], untemplate(found[1], prefixes), *found[2:]]
            data = {"$c": found}
        return _hook(data)

    return hook


def untemplate(text: str, prefixes: list[str]) -> str:
    """A file label stored as NUL, layer number, NUL, rest: that layer's folder as written, then the rest."""
    if text[:1] != "\0":
        return text
    number, mark, rest = text[1:].partition("\0")
    if not mark or not number.isdigit() or int(number) >= len(prefixes):
        raise ValueError("not a stored file label")
    return prefixes[int(number)] + rest


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


# The last library this process decoded, with the text it was decoded from (read and verified again on each
# load): a program that loads the library again (the Python API, a test suite) gets the same library without
# decoding it again (2 ms for the built-in one), with tables of its own. The agents and cocktails are the same
# read-only lazy tables, so what one load decoded is not decoded again.
_last: list[tuple[str, str, tuple[m.Library, list[Problem], list[str]]]] = []


def load(content_key: str) -> tuple[m.Library, list[Problem], list[str]] | None:
    """The stored result for this content, or None (missing, unreadable, or not what it should be)."""
    name = cache_name(content_key)
    text = cache.read_shipped("library.json", name) or cache.read_text(name)
    if text is None:
        return None
    if _last and _last[0][0] == name and _last[0][1] == text:
        library, problems, files = _last[0][2]
        return _own_tables(library), list(problems), list(files)
    found = _decode_library(text)
    _last[:] = [] if found is None else [(name, text, found)]
    return None if found is None else (_own_tables(found[0]), list(found[1]), list(found[2]))


def _own_tables(library: m.Library) -> m.Library:
    """The same library with dicts of its own: a caller adding to one does not add to the next load's."""
    fields: list[Any] = [dict(value) if type(value) is dict else value for value in _VALUES[m.Library](library)]
    return m.Library(*fields)


def _decode_library(text: str) -> tuple[m.Library, list[Problem], list[str]] | None:
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
