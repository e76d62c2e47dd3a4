"""The Click command tree of the Typer app, with each subcommand built only when it is used.

`typer.main.get_command(app)` turns every command's signature into Click parameters (type hints,
`inspect.signature`, one Click object per option) on every start: about 1×F for mesocalc's commands, of
which a run uses one. Here the group is built by Typer as usual, but without its commands; each command is
built by Typer's own `get_command_from_info` the first time Click asks for it by name, so the result is the
same Click command (help, completion and `--help` listings, which ask for all of them, included). Named
sub-apps (`mesocalc ledger ...`) are built the same way, by `get_group_from_info`, when they are used: a
`plan` run no longer builds the ledger's four commands.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import typer


class LazyCommands(MutableMapping[str, Any]):
    """Command name -> Click command, built on first access, in registration order."""

    def __init__(self, app: typer.Typer, infos: list[Any], groups: list[Any]) -> None:
        self._app = app
        self._infos = {info.name or typer.main.get_command_name(info.callback.__name__): info for info in infos}
        self._groups = {info.name: info for info in groups}  # after the commands, as Typer orders them
        self._infos.update(self._groups)
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        command = self._built.get(name)
        if command is None:
            info = self._infos[name]  # KeyError: no such command (Click's `.get` gives None)
            if name in self._groups:
                command = typer.main.get_group_from_info(
                    info, pretty_exceptions_short=self._app.pretty_exceptions_short,
                    rich_markup_mode=self._app.rich_markup_mode, suggest_commands=self._app.suggest_commands)
            else:
                command = typer.main.get_command_from_info(
                    info, pretty_exceptions_short=self._app.pretty_exceptions_short,
                    rich_markup_mode=self._app.rich_markup_mode)
            self._built[name] = command
        return command

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command
        self._infos.setdefault(name, None)

    def __delitem__(self, name: str) -> None:
        del self._infos[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)


def lazy_command(app: typer.Typer) -> Any:
    """The app's Click group (as `typer.main.get_command` makes it), its subcommands built on demand."""
    registered, sub_apps = app.registered_commands, app.registered_groups
    named = [info for info in sub_apps if isinstance(info.name, str) and info.name]  # built when used
    app.registered_commands = []
    app.registered_groups = [info for info in sub_apps if info not in named]  # unnamed: merged now, as Typer does
    try:
        group = typer.main.get_command(app)
    finally:
        app.registered_commands, app.registered_groups = registered, sub_apps
    lazy = LazyCommands(app, registered, named)
    for name, command in group.commands.items():  # type: ignore[attr-defined]  # an unnamed sub-app's commands
        lazy[name] = command
    group.commands = lazy  # type: ignore[attr-defined]
    for param in group.params:
        if param.name in ("show_completion", "install_completion") and param.callback is not None:
            param.callback = _for_the_shell(param.callback)
    return group


def _for_the_shell(callback: Any) -> Any:
    """`--show-completion` and `--install-completion` for the shell Typer finds among the parent processes
    (shellingham), else for the one $SHELL names: a command started with no shell in between (a detached job,
    an editor's terminal task) otherwise got "Shell  not supported." and exit 1."""

    def with_shell(ctx: Any, param: Any, value: Any) -> Any:
        if value is True and not ctx.resilient_parsing:
            value = _shell_name() or value
        return callback(ctx, param, value)

    return with_shell


def _shell_name() -> str | None:
    import os

    try:
        import shellingham  # type: ignore[import-untyped]  # a dependency of Typer, untyped

        name: str = shellingham.detect_shell()[0]
        return name
    except (ImportError, OSError, RuntimeError):  # no shellingham, ShellDetectionFailure (an OSError), or an
        # operating system it does not know: ask $SHELL
        return os.path.basename(os.environ.get("SHELL", "").rstrip("/")).lower() or None
