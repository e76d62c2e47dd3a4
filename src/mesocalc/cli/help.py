"""How the command line presents itself: command order in --help, whole summaries, metavars, completion.

Completion runs on every Tab, so it reads ids straight from the library's YAML text (`kind:` and
`id:` lines) without loading, validating or importing pint or YAML.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from mesocalc.lazyre import lazy

# The order a user meets the commands: a session, its preparation, the course, then reference tools.
COMMAND_ORDER = ("plan", "visit", "compound", "schedule", "record", "history", "lots", "ledger", "convert",
                 "agents", "cocktails", "areas", "products", "check", "schema")

# What to type for each option that takes a value, instead of the type's name (<str>)
METAVARS = {
    "area": "AREA", "scalp": "SCALP", "spacing": "LENGTH", "volume_per_point": "VOLUME", "grid": "square|hex",
    "points": "N", "weight": "WEIGHT", "patient": "FILE", "library": "DIR", "start": "DATE", "phase": "PHASE",
    "history": "FILE", "volume": "VOLUME", "stock": "AGENT=STOCK", "overfill": "VOLUME", "diluent": "NAME",
    "category": "1|2|3", "storage": "room|fridge|freezer", "prepared": "DATETIME", "worksheet": "FILE.md|.html",
}

WORDS = {"grid": ("square", "hex"), "storage": ("room", "fridge", "freezer"), "category": ("1", "2", "3")}

_DOCUMENT = lazy(r"^kind:\s*([\w-]+)\s*$|^id:\s*['\"]?([^\s'\"#]+)", re.MULTILINE)


def _library_dirs(ctx: typer.Context) -> list[Path]:
    from mesocalc.system.paths import builtin_formulations

    dirs = [builtin_formulations()]
    dirs += [Path(p) for p in os.environ.get("MESOCALC_LIBRARY", "").split(os.pathsep) if p.strip()]
    dirs += [Path(p) for p in (ctx.params.get("library") or ())]
    return dirs


def _documents(ctx: typer.Context) -> Iterator[tuple[str, str, str]]:
    """(kind, id, text) of every document in every library layer, read from the YAML text (no parsing)."""
    for directory in _library_dirs(ctx):
        try:
            files = [directory] if directory.is_file() else sorted(directory.rglob("*.y*ml"))
        except OSError:
            continue
        for path in files:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for document in re.split(r"^---\s*$", text, flags=re.MULTILINE):
                kinds = [m.group(1) for m in _DOCUMENT.finditer(document) if m.group(1)]
                ids = [m.group(2) for m in _DOCUMENT.finditer(document) if m.group(2)]
                if kinds and ids:
                    yield kinds[0], ids[0], document


def library_ids(ctx: typer.Context, kind: str, region: str | None = None) -> list[str]:
    """The ids of one document kind in every library layer (of one region, for areas)."""
    return sorted({doc_id for doc_kind, doc_id, text in _documents(ctx) if doc_kind == kind and (
        region is None or re.search(rf"^region:\s*{region}\s*$", text, re.MULTILINE))})


def stock_pairs(ctx: typer.Context) -> list[str]:
    """AGENT=STOCK_ID for every stock of every agent, as --stock takes them."""
    pairs: set[str] = set()
    for kind, agent_id, text in _documents(ctx):
        section = re.search(r"^stocks:[^\n]*\n((?:[ \t].*\n?|\n)*)", text, re.MULTILINE) if kind == "agent" else None
        if section is not None:
            pairs.update(f"{agent_id}={stock}" for stock in re.findall(
                r"^\s*-\s*id:\s*['\"]?([^\s'\"#]+)", section.group(1), re.MULTILINE))
    return sorted(pairs)


def _completer(values: Callable[[typer.Context], list[str] | tuple[str, ...]]) -> Callable[..., list[str]]:
    def complete(ctx: typer.Context, param: Any, incomplete: str) -> list[str]:
        return [v for v in values(ctx) if v.lower().startswith(incomplete.lower())]

    return complete


def _file_or_id(kind: str) -> Callable[[typer.Context], list[str]]:
    return lambda ctx: library_ids(ctx, kind)


COMPLETERS: dict[tuple[str, str], Callable[..., list[str]]] = {
    ("plan", "cocktail"): _completer(_file_or_id("cocktail")),
    ("compound", "cocktail"): _completer(_file_or_id("cocktail")),
    ("schedule", "cocktail"): _completer(_file_or_id("cocktail")),
    ("agents", "agent_id"): _completer(_file_or_id("agent")),
    ("cocktails", "cocktail_id"): _completer(_file_or_id("cocktail")),
    ("areas", "area_id"): _completer(_file_or_id("area")),
    ("compound", "stock"): _completer(stock_pairs),
}
for _name in ("plan", "schedule", "visit"):
    COMPLETERS[(_name, "area")] = _completer(_file_or_id("area"))
    COMPLETERS[(_name, "scalp")] = _completer(lambda ctx: ["whole", *library_ids(ctx, "area", region="scalp")])
def _words(words: tuple[str, ...]) -> Callable[[typer.Context], tuple[str, ...]]:
    return lambda ctx: words


for _option, _values in WORDS.items():
    for _name in ("plan", "schedule", "compound", "visit"):
        COMPLETERS[(_name, _option)] = _completer(_words(_values))


def summary(command: Any) -> str:
    """The command's first paragraph, whole (click would cut it at 45 characters)."""
    if command.short_help:
        return str(command.short_help)
    text = str(command.help or "").strip()
    return " ".join(text.split("\n\n", 1)[0].split())


def polish(name: str, command: Any) -> None:
    """Metavars a user can read and completion of library ids and word values, set once per command."""
    if getattr(command, "_mesocalc_polished", False):
        return
    for param in command.params:
        key = param.name or ""
        if param.param_type_name == "option" and not getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = METAVARS.get(key, key.upper())
        elif param.param_type_name == "argument" and param.metavar is None and not param.required:
            param.metavar = f"[{key.upper()}]"  # Typer writes an optional argument's name in lower case
        elif param.param_type_name == "argument" and param.required:
            # a required one Typer writes in braces, "{cocktail}", "{FILE|-}": the usage line says COCKTAIL, as
            # SPEC §5 does
            param.metavar = param.metavar or key.upper()
            param.make_metavar = lambda ctx, usage=False, _name=param.metavar: _name
        completer = COMPLETERS.get((name, key))
        # Why the attribute Click's `shell_complete=` argument sets, and not a public route: Typer's public
        # `autocompletion=` wraps the callback and keeps only values that start with the typed text, case
        # for case, but ids are case-insensitive here (`plan SUBMENTAL<Tab>` offers submental-dca), which
        # that wrapper cannot express; Typer deprecates `shell_complete=` (a DeprecationWarning on every
        # build, "will be removed"); and a completing ParamType would subclass Typer's private typer._click.
        if completer is not None and param._custom_shell_complete is None:
            param._custom_shell_complete = completer
    command._mesocalc_polished = True
    for sub_name, sub in getattr(command, "commands", {}).items():  # a group's own commands (ledger export, ...)
        polish(f"{name} {sub_name}", sub)


class MesocalcGroup(TyperGroup):
    """The command group: commands in the order a user meets them, each summary whole."""

    # Click's Context, Command and HelpFormatter are not public names of Typer 0.28 (it vendors Click as
    # typer._click), so the overrides take them as Any; typer.Context is the public name of a context.
    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: index for index, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), names.index(n)))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            polish(cmd_name, command)
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, summary(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
