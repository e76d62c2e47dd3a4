"""Where the built-in library lives: `formulations/` at the top of the repository, installed as the
package `mesocalc.formulations` (pyproject.toml maps the folder into the package). Standard library only:
shell completion asks for it on every Tab."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def builtin_formulations() -> Path:
    """The folder of the built-in library: the installed `mesocalc.formulations` package, or, in a checkout
    run with `src` on the path and nothing installed, the repository's `formulations/` folder."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("mesocalc.formulations")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations))).resolve()
    return Path(__file__).resolve().parents[3] / "formulations"
