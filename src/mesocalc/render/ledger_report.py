"""What the ledger commands put out (record, history, lots, ledger import|check|backup) and the ledger's
part of `plan --patient-id [--record]`: the JSON document with --json, the tables or lines otherwise."""

from __future__ import annotations

import sys
from typing import Any

from mesocalc.render.present import emit_json


def present_void(session: Any, entry: Any, ledger: str, json_out: bool) -> None:
    """`record --void`: the void document, or one line saying the session stays in the history."""
    if json_out:
        from mesocalc.render.ledger_json import void_doc

        emit_json(void_doc(session, entry, ledger))
    else:
        sys.stdout.write(f"Session {session.uuid} is now void ({entry.reason}); it stays in the history\n")


def present_outcome(outcome: Any, ledger: str, patient: str, json_out: bool) -> None:
    """`record`: what was recorded, or why it was refused."""
    if json_out:
        from mesocalc.render.ledger_json import record_doc

        emit_json(record_doc(outcome, patient, ledger))
        if outcome.refused:
            sys.stderr.write(f"mesocalc: not recorded: {outcome.refused}\n")
        return
    from mesocalc.render.ledger_table import render_outcome
    from mesocalc.render.table import make_console

    render_outcome(outcome, ledger, make_console())


def present_history(result: Any, json_out: bool, show_all: bool) -> None:
    """`history`: the patient's sessions and course totals (the last 30 sessions unless show_all)."""
    if json_out:
        from mesocalc.render.ledger_json import history_doc

        emit_json(history_doc(result))
        return
    from mesocalc.render.ledger_table import render_history
    from mesocalc.render.table import make_console

    render_history(result, make_console(), show_all)


def present_lots(report: Any, json_out: bool) -> None:
    """`lots`: every session and patient that received the lot."""
    if json_out:
        from mesocalc.render.ledger_json import lots_doc

        emit_json(lots_doc(report))
        return
    from mesocalc.render.ledger_table import render_lots
    from mesocalc.render.table import make_console

    render_lots(report, make_console())


def present_export(doc: dict[str, Any], output: str | None) -> None:
    """`ledger export`: the JSON record on stdout, or in a new file readable by its owner only (-o FILE)."""
    from mesocalc.render.jsondoc import dumps

    text = dumps(doc) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        _write_owner_only(output, text)


def _write_owner_only(path: str, text: str) -> None:
    """A complete new file readable by its owner only (patient data), or the old one untouched."""
    import os
    from pathlib import Path

    from mesocalc.errors import Location, input_error

    target = Path(path)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise input_error(f"cannot write '{path}': {exc.strerror}", Location(key="--output"),
                          code="write-failed") from None


def present_summary(result: Any, json_out: bool) -> None:
    """`ledger import|check|backup`: the document, or its summary lines."""
    from mesocalc.render.ledger_json import summary_doc

    doc = summary_doc(result)
    if json_out:
        emit_json(doc)
        return
    from mesocalc.render.ledger_table import render_lines, summary
    from mesocalc.render.table import make_console

    render_lines(summary(doc), make_console())


class PlanLedger:
    """The ledger's part of `plan --patient-id [--record]`: a JSON field, a line before the plan, the
    recording after it, and the exit code a refused recording adds."""

    def __init__(self, info: Any, outcome: Any, ledger: str) -> None:
        self.info, self.outcome, self.ledger = info, outcome, ledger

    @property
    def exit_code(self) -> int:
        return self.outcome.exit_code if self.outcome is not None else 0

    def to_json(self) -> dict[str, Any]:
        from mesocalc.render.ledger_json import plan_course_item, session_item

        doc: dict[str, Any] = dict(plan_course_item(self.info), ledger=self.ledger)
        if self.outcome is not None:
            session = self.outcome.session
            doc.update(recorded=session is not None, session=session_item(session) if session else None,
                       refused=self.outcome.refused)
            if self.outcome.refused:
                sys.stderr.write(f"mesocalc: not recorded: {self.outcome.refused}\n")
        return doc

    def before(self) -> None:
        from mesocalc.render.ledger_table import render_plan_course
        from mesocalc.render.table import make_console

        render_plan_course(self.info, make_console())

    def after(self) -> None:
        if self.outcome is None:
            return
        from mesocalc.render.ledger_table import render_outcome
        from mesocalc.render.table import make_console

        console = make_console()
        console.print()
        render_outcome(self.outcome, self.ledger, console)
