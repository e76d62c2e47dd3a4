"""mesocalc: a formulation calculator for mesotherapy injection cocktails.

The public API (docs/python-api.md) is re-exported lazily: `import mesocalc` loads none of pint, YAML,
Rich or Typer; each name imports its module on first use.

The functions plan, compound, schedule and visit are computed by the modules of the same names in
mesocalc/core/ (`mesocalc.core.plan`, ...); `mesocalc.plan` is only ever the function.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing is not imported: it costs more than the rest of `import mesocalc`

__version__ = "0.1.0"

if TYPE_CHECKING:
    from mesocalc.api import check, compound, convert, load_library, plan, schedule, visit
    from mesocalc.errors import MesocalcError, Problem
    from mesocalc.render.document import json_document, json_text

# name -> module that defines it
_EXPORTS = {
    "load_library": "mesocalc.api",
    "plan": "mesocalc.api",
    "compound": "mesocalc.api",
    "schedule": "mesocalc.api",
    "convert": "mesocalc.api",
    "check": "mesocalc.api",
    "visit": "mesocalc.api",
    "json_document": "mesocalc.render.document",
    "json_text": "mesocalc.render.document",
    "MesocalcError": "mesocalc.errors",
    "Problem": "mesocalc.errors",
}

__all__ = [
    "MesocalcError",
    "Problem",
    "__version__",
    "check",
    "compound",
    "convert",
    "json_document",
    "json_text",
    "load_library",
    "plan",
    "schedule",
    "visit",
]


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mesocalc' has no attribute '{name}'")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


class _Package(type(sys)):  # type: ignore[misc]  # the module type, without importing types
    def __setattr__(self, name: str, value: object) -> None:
        # Importing a submodule sets it as an attribute of its package; for the names of the API the
        # function wins, so `mesocalc.plan(...)` works whichever modules were imported before.
        if name in _EXPORTS and isinstance(value, type(sys)):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
