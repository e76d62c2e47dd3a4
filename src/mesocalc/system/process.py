"""Leaving the process quickly.

After a command, the interpreter's ordinary teardown (destroying every module, collecting garbage) costs
about 1×F (`python -c pass`) and does nothing a user can see. `exit_now` runs the atexit handlers and
flushes the standard streams as the ordinary exit would, then ends the process at once. If a stream cannot
be flushed (a closed pipe), it takes the ordinary way out instead, so such errors are handled as before.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn


def exit_now(code: int) -> NoReturn:
    import atexit

    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_handlers is None:  # pragma: no cover - other interpreters
        sys.exit(code)
    run_handlers()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)
