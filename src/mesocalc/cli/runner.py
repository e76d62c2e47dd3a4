"""One run of the command line, and its one error path.

`run()` guards the standard streams, then runs the command: the common command lines (cli/fastpath.py)
directly, without importing Typer and Click; anything else through the Typer app (cli/app.py). Either way
every error leaves by `_run()`: an input error (MesocalcError) or a usage error is one message on stderr,
the error document on stdout with --json, exit 2; an unexpected exception is one line, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

from mesocalc.cli.commands import Errors
from mesocalc.errors import Location, MesocalcError, Problem


def run(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); returns the exit code (0, 1, 2 or 130).

    Usage errors (a missing argument, an unknown option, `--points abc`) take the same way out as input
    errors: one message on stderr, the error document on stdout with --json, exit 2. An unexpected
    exception is a bug: it is reported in one line, never as a traceback (MESOCALC_DEBUG=1 re-raises).
    What the run learnt for the user cache (new unit strings) is written once, at the end.
    """
    from mesocalc import cache
    from mesocalc.system import streams

    streams.ascii_fallbacks()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = streams.GuardedOutput(stdout)
    sys.stderr = streams.QuietErrors(stderr)
    streams.expect(0)
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        cache.flush()


def report(exc: MesocalcError, as_json: bool) -> None:
    """One message per problem on stderr, and the error document on stdout with --json."""
    from mesocalc.render.present import present_error

    present_error(exc.problems, as_json)


def _invoke(args: list[str]) -> Any:
    """The command's exit code: by the fast path when it reads these words, else by the Typer app."""
    from mesocalc.cli import fastpath

    fast = fastpath.parse(args)
    if fast is not None:
        return fastpath.call(*fast)
    import os

    # built once per process (a program or a test suite that runs many command lines), again only if the one
    # variable Typer reads while building it (its completion options' test switch) has changed
    switch = os.environ.get("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION")
    if not _group or _group[0] != switch:
        from mesocalc.cli.app import app
        from mesocalc.cli.clickapp import lazy_command

        _group[:] = [switch, lazy_command(app)]
    return _group[1].main(args=args, prog_name="mesocalc", standalone_mode=False)


_group: list[Any] = []  # [that variable, the Click group of the Typer app] (each Click run makes its own context)


def _run(args: list[str]) -> int:
    import os

    from mesocalc.cli import fastpath
    from mesocalc.errors import internal_problem
    from mesocalc.system import streams

    # A usage error can come before Typer has read --json, so --json is looked for in the words typed.
    Errors.as_json = "--json" in args[: args.index("--")] if "--" in args else "--json" in args
    try:
        code = _invoke(args)
        sys.stdout.flush()  # inside the try: a write that fails at the end is reported like any other
        if code == streams.INTERRUPTED:  # Typer turns Ctrl-C into exit 130 without a word
            streams.say("mesocalc: interrupted")
    except streams.OutputError as exc:
        streams.silence_stdout()
        if exc.broken_pipe:  # the reader went away (`| head -1`): end quietly, as a filter does
            return streams.verdict
        streams.say(f"mesocalc: error: {streams.io_error_message(exc.cause)}")
        return 2
    except KeyboardInterrupt:
        streams.say("mesocalc: interrupted")
        return streams.INTERRUPTED
    except SystemExit as exc:  # Typer's completion callbacks exit directly
        return exc.code if isinstance(exc.code, int) else 0
    except MesocalcError as exc:
        report(exc, Errors.as_json)
        return 2
    except (Exception, RecursionError, MemoryError) as exc:
        typer: Any = sys.modules.get("typer")  # usage errors come only from the Typer app, once it is loaded
        if typer is not None and isinstance(exc, typer.TyperException):  # Click's, under Typer's public name
            report_usage(exc)
            return 2
        if isinstance(exc, fastpath.Aborted) or (typer is not None and isinstance(exc, typer.Abort)):
            streams.say("mesocalc: aborted")  # end of input where an answer was expected: not a verdict, never 1
            return 2
        if os.environ.get("MESOCALC_DEBUG"):
            raise
        report(MesocalcError(internal_problem(exc)), Errors.as_json)
        return 2
    return code if isinstance(code, int) else 0


def report_usage(exc: Any) -> None:
    """A usage error as a problem naming the option or argument, with a pointer to the command's --help.

    No arguments at all (a group's `no_args_is_help`) shows the help instead, as Click does."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        exc.show()
        return
    if not hasattr(exc, "ctx"):  # a ClickException that is not a usage error: its message alone
        report(MesocalcError(Problem("usage", exc.format_message())), Errors.as_json)
        return
    ctx: Any = exc.ctx
    hint = f"see 'mesocalc {ctx.command_path.partition(' ')[2]} --help'".replace("  ", " ") if ctx else None
    param = getattr(exc, "param", None)
    key = None
    if param is not None and getattr(param, "opts", None):
        key = param.opts[0].upper() if getattr(param, "param_type_name", "") == "argument" else param.opts[0]
    report(MesocalcError(Problem("usage", exc.format_message(), Location(key=key), hint)), Errors.as_json)
