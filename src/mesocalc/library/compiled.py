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
from pathlib import Path
from typing import Any

from mesocalc import cache
from mesocalc import model as m
from mesocalc.errors import Location, Problem
from mesocalc.units import Q

FORMAT = "validated-2"

_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (Location, Problem, m.Source, m.Interval, m.Limit, m.CourseRule, m.ConditionRule, m.Stock,
                m.Regulatory, m.Agent, m.Technique, m.Component, m.Diluent, m.Phase, m.Cocktail, m.Area,
                m.Patient, m.BeyondUseRule, m.BeyondUseTable, m.Measurability, m.Library)
}
_FIELDS = {name: tuple(f.name for f in dataclasses.fields(cls)) for name, cls in _CLASSES.items()}


def _code_files() -> list[Path]:
    here = Path(__file__).resolve().parent
    package = here.parent
    return [here / "validate.py", here / "__init__.py", package / "model.py", package / "units.py",
            package / "pharmacy_units.txt", here / "compiled.py"]


def cache_name(content_key: str) -> str:
    parts: list[bytes | str] = [FORMAT, content_key]
    for path in _code_files():
        try:
            parts.append(path.read_bytes())
        except OSError:
            parts.append(str(path))
    return f"{FORMAT}-{cache.content_key(*parts)}.json"


def encode(obj: Any) -> Any:
    if isinstance(obj, Q):
        return {"$q": [obj.value, list(obj.dims)]}
    if isinstance(obj, tuple):
        return {"$t": [encode(x) for x in obj]}
    if isinstance(obj, list):
        return [encode(x) for x in obj]
    if isinstance(obj, dict):
        return {"$d": {k: encode(v) for k, v in obj.items()}}
    name = type(obj).__name__
    if name in _CLASSES and isinstance(obj, _CLASSES[name]):
        return {"$c": [name, *(encode(getattr(obj, f)) for f in _FIELDS[name])]}
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    raise TypeError(f"cannot store {type(obj).__name__} in the library cache")


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
    text = cache.read_text(cache_name(content_key))
    if text is None:
        return None
    import json

    try:
        stored = json.loads(text, object_hook=_hook)
        library, problems, files = stored["library"], stored["problems"], stored["files"]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not (isinstance(library, m.Library) and isinstance(problems, list) and isinstance(files, list)
            and all(isinstance(p, Problem) for p in problems)):
        return None
    return library, problems, files


def store(content_key: str, library: m.Library, problems: list[Problem], files: list[str]) -> None:
    try:
        data = {"library": encode(library), "problems": encode(problems), "files": files}
    except TypeError:
        return
    cache.write_json(cache_name(content_key), data)
