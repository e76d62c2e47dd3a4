"""The `mesocalc` command's entry point: as little as possible before Ctrl-C is handled.

Kept tiny and free of heavy imports, so that Ctrl-C during start-up (while Typer, Rich or pint are
being imported) ends with one line and exit 130, never a traceback; and so that a standard stream
closed by the shell (`>&-`, `2>&-`, `<&-`) is dealt with before any file is opened. Once the command
has finished, Ctrl-C is ignored for the few milliseconds of interpreter shutdown: the output is
complete and the exit code decided, and a signal then would end the process without either.
"""

import os
import signal
import sys


def _on_interrupt(signum: int, frame: object) -> None:
    """Ctrl-C: one line and exit 130, at once. Python's own KeyboardInterrupt is raised only where mesocalc
    asked for it (streams.interruptible: a batch, which then writes every line it has planned); anywhere
    else it could land inside the import machinery, where Python prints it as an ignored exception with a
    traceback and carries on."""
    streams = sys.modules.get("mesocalc.system.streams")
    if streams is not None and getattr(streams, "interruptible", False):
        raise KeyboardInterrupt
    try:  # noqa: SIM105
        os.write(2, b"mesocalc: interrupted\n")
    except OSError:
        pass
    os._exit(130)


# From the moment this module is loaded, Ctrl-C is handled by _on_interrupt.
signal.signal(signal.SIGINT, _on_interrupt)


def main() -> None:
    try:
        from mesocalc.system import streams

        streams.guard_descriptors()
        from mesocalc.cli.runner import run

        code = run()
        # The work is done and written: a Ctrl-C during interpreter shutdown changes nothing (Python restores
        # the default handler while it shuts down, which would end the process by the signal, not exit 0).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:  # noqa: SIM105 (contextlib is not imported here: this module must stay small)
            sys.stderr.write("mesocalc: interrupted\n")
        except (OSError, ValueError, AttributeError):
            pass
        code = 130
    from mesocalc.system.process import exit_now  # the work is done: leave without the interpreter's teardown

    exit_now(code)
