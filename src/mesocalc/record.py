"""Value semantics for the frozen dataclasses, written once instead of generated per class.

`dataclasses` generates `__init__`, `__setattr__`, `__delattr__`, `__eq__`, `__repr__` and `__hash__` for
every class with `exec`, about 0.1 ms each: for the ~25 model classes loaded by every command that was
about 1×F of start-up (measured with `python -X importtime` and cProfile). Two ways to avoid it:

- `@dataclass(frozen=True, eq=False, repr=False)` on a `Record` subclass: equality and hashing over the
  fields that take part in comparison (`field(compare=False)` is respected) and a dataclass-style repr
  come from `Record`; `__init__` and the frozen `__setattr__` are still generated (classes created many
  times per plan, where a generated `__init__` is the fastest);
- `@record` on a `Record` subclass: a frozen dataclass (fields, defaults, `dataclasses.fields` and
  `dataclasses.replace` as usual, and type-checked as one) with nothing generated at import: one `__init__`
  and the frozen `__setattr__`/`__delattr__` are `Record`'s own. For the library's classes, built once
  per command. A class marked `_short_lived` (made for every plan or batch line: checks, warnings,
  results, sessions) gets an `__init__` written for its fields the first time one is made (_dict_init);
- `@slotted_record`: the same with `__slots__` (no instance dict, no cached_property), for a class made
  hundreds of thousands of times by a big library (Location).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar, TypeVar, dataclass_transform

_COMPARED: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
_MISSING = dataclasses.MISSING
_SET = object.__setattr__
T = TypeVar("T")


def _compared(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """The function giving an instance's compared field values as a tuple (a C attrgetter)."""
    key = _COMPARED.get(cls)
    if key is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.compare)
        if len(names) == 1:
            single = attrgetter(names[0])
            key = lambda obj: (single(obj),)  # noqa: E731
        else:
            key = attrgetter(*names) if names else (lambda obj: ())
        _COMPARED[cls] = key
    return key


@dataclass_transform(eq_default=False, frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[T]) -> type[T]:
    """A frozen dataclass whose `__init__`, `__setattr__` and `__delattr__` are `Record`'s (no `exec`)."""
    _named(cls)
    dataclasses.dataclass(init=False, eq=False, repr=False)(cls)
    return _with_spec(cls)


def _named(cls: type) -> None:
    # A class without a docstring is given its name as one: dataclasses would write one from
    # inspect.signature (about 50 µs a class at import; 14 of core/model.py's records have none).
    if cls.__doc__ is None:
        cls.__doc__ = cls.__name__


@dataclass_transform(eq_default=False, frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def slotted_record(cls: type[T]) -> type[T]:
    """`@record` with `__slots__`: no instance dict (and no cached_property), ~60 bytes less per instance, for a
    class made hundreds of thousands of times (Location: ten per document of a big library)."""
    _named(cls)
    slotted = dataclasses.dataclass(init=False, eq=False, repr=False, slots=True)(cls)
    slotted.__reduce__ = _rebuilt  # type: ignore[method-assign]  # pickle's own way sets slots through __setattr__
    return _with_spec(slotted)


def _rebuilt(self: Any) -> tuple[type, tuple[Any, ...]]:
    """How pickle makes a slotted record again: its class called with its fields."""
    return type(self), tuple(getattr(self, name) for name in self._init_names)


def _with_spec(cls: type[T]) -> type[T]:
    spec = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not f.init:
            raise TypeError(f"{cls.__name__}.{f.name}: init=False fields are not supported by @record")
        spec.append((f.name, f.default, f.default_factory))
    cls._init_spec = tuple(spec)  # type: ignore[attr-defined]
    cls._init_names = tuple(name for name, _, _ in spec)  # type: ignore[attr-defined]
    post_init = getattr(cls, "__post_init__", None)
    if getattr(cls, "_short_lived", False) and "__slots__" not in cls.__dict__:
        def first_init(self: Any, *args: Any, **kwargs: Any) -> None:  # made on first use: no cost at import
            made = cls.__init__ = _dict_init(cls)  # type: ignore[method-assign]
            made(self, *args, **kwargs)

        cls.__init__ = first_init  # type: ignore[method-assign]
    elif post_init is not None:  # as a dataclass's own __init__ would, after the fields are set
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            Record.__init__(self, *args, **kwargs)
            post_init(self)

        cls.__init__ = __init__  # type: ignore[method-assign]
    return cls


def _dict_init(cls: type) -> Callable[..., None]:
    """The `__init__` of a short-lived record class, written for its fields (as a dataclass writes its own):
    each field a parameter (with its default), stored in the instance dict, then `__post_init__` if the class
    has one. About 0.45 µs for 7 fields, against 1.1 for Record's general one (a zip and a dict update) or
    0.85 for a frozen dataclass's (object.__setattr__ per field). The source is made of the class's own field
    names (identifiers of mesocalc's code, never input)."""
    spec: tuple[tuple[str, Any, Any], ...] = cls._init_spec  # type: ignore[attr-defined]
    scope: dict[str, Any] = {"_MISSING": _MISSING}
    parameters, lines = [], []
    for index, (name, default, factory) in enumerate(spec):
        if not name.isidentifier() or name.startswith("_"):
            raise TypeError(f"{cls.__name__}.{name}: not a field name @record writes an __init__ for")
        if default is not _MISSING:
            scope[f"_default_{index}"] = default
            parameters.append(f"{name}=_default_{index}")
        elif factory is not _MISSING:
            scope[f"_factory_{index}"] = factory
            parameters.append(f"{name}=_MISSING")
            lines.append(f"    if {name} is _MISSING: {name} = _factory_{index}()")
        else:
            parameters.append(name)
        lines.append(f"    d[{name!r}] = {name}")
    if hasattr(cls, "__post_init__"):
        lines.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(parameters)}):\n    d = self.__dict__\n" + "\n".join(lines) + "\n"
    exec(source, scope)  # see above: field names only
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


class Record:
    __slots__ = ()
    _init_spec: tuple[tuple[str, Any, Any], ...] = ()
    _init_names: tuple[str, ...] = ()
    # A class made for each plan and soon dropped (a check, a warning, a plan's result, a batch line's
    # session) gets an `__init__` written for its fields (_dict_init), where memory does not count.
    _short_lived: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Each field set with object.__setattr__ (a frozen class's own refuses): the values stay in the
        # instance's own slots, laid out by the keys its class shares. Filling `self.__dict__` made a dict
        # for every instance (64 bytes more each; from a dict of values, a copy of its keys, ~200 bytes): a
        # cold 20,000-document library holds ~250,000 records at once (library/pack.py). Every field given
        # positionally is the common case (the library cache decodes that way).
        names = self._init_names
        if not kwargs and len(args) == len(names):
            for name, value in zip(names, args, strict=False):
                _SET(self, name, value)
            return
        spec = self._init_spec
        if len(args) > len(spec):
            raise TypeError(f"{type(self).__name__}() takes {len(spec)} arguments, {len(args)} given")
        values = list(args)
        for name, default, factory in spec[len(args):]:
            if name in kwargs:
                values.append(kwargs.pop(name))
            elif default is not _MISSING:
                values.append(default)
            elif factory is not _MISSING:
                values.append(factory())
            else:
                raise TypeError(f"{type(self).__name__}() missing argument '{name}'")
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected or repeated arguments: {', '.join(kwargs)}")
        for name, value in zip(names, values, strict=True):
            _SET(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field '{name}'")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field '{name}'")

    def _key(self) -> tuple[Any, ...]:
        return _compared(type(self))(self)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        names = (f.name for f in dataclasses.fields(self) if f.repr)  # type: ignore[arg-type]
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"


class HashedRecord(Record):
    """A Record that is a dict key again and again (a parse memo's kind, a batch memo's request): its hash
    is computed on first use and kept in the instance (it is frozen, so the hash cannot change). Equality
    and everything else are Record's. Not for pickling: a kept hash of text is valid in this process only."""

    __slots__ = ()

    def __hash__(self) -> int:
        known: int | None = self.__dict__.get("_hash")
        if known is None:
            known = self.__dict__["_hash"] = hash(self._key())
        return known


R = TypeVar("R", bound=Record)


def replace(obj: R, /, **changes: Any) -> R:
    """`dataclasses.replace` for a `@record` instance, the same new instance made with every field given
    positionally instead of keyword arguments built from `dataclasses.fields` (about 1 µs instead of 3 for a
    Technique, once per batch line that overrides one). Anything else, or a change naming no field, goes to
    `dataclasses.replace` (which says what is wrong)."""
    cls = type(obj)
    names: tuple[str, ...] = cls.__dict__.get("_init_names", ())  # a subclass not itself @record: not here
    if len(names) < 2:
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    getter = _ALL_FIELDS.get(cls)
    if getter is None:
        getter = _ALL_FIELDS[cls] = attrgetter(*names)
    values = list(getter(obj))
    for name, value in changes.items():
        if name not in names:
            return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
        values[names.index(name)] = value
    return cls(*values)


_ALL_FIELDS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}  # every init field of a @record class, in order
