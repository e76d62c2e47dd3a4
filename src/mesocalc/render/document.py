"""One JSON document for any result: what `--json` prints, for the CLI, batch lines and the Python API."""

from __future__ import annotations

from typing import Any

from mesocalc.render.jsondoc import dumps, without_noise


def json_document(result: object) -> dict[str, Any]:
    """The `--json` document of a plan, visit, compound, schedule, conversion or library check result, or of
    a ledger's history, lot report, import, check or backup.

    Numbers as `--json` prints them: without binary noise (SPEC §6), so the API's document equals the CLI's.
    """
    doc: dict[str, Any] = without_noise(_document(result))
    return doc


def _document(result: object) -> dict[str, Any]:
    from mesocalc.core.compound import CompoundResult
    from mesocalc.core.conversion import Conversion
    from mesocalc.core.plan import PlanResult
    from mesocalc.core.schedule import ScheduleResult
    from mesocalc.library.check import LibraryCheck
    from mesocalc.render import jsondoc

    if isinstance(result, PlanResult):
        return jsondoc.plan_doc(result)
    if isinstance(result, CompoundResult):
        return jsondoc.compound_doc(result)
    if isinstance(result, ScheduleResult):
        from mesocalc.render.schedule_json import schedule_doc

        return schedule_doc(result)
    if isinstance(result, Conversion):
        return jsondoc.conversion_doc(result)
    if isinstance(result, LibraryCheck):
        return jsondoc.check_doc(result)
    from mesocalc.core.visit import VisitResult

    if isinstance(result, VisitResult):
        from mesocalc.render.visit_json import visit_doc

        return visit_doc(result)
    ledger = _ledger_document(result)
    if ledger is not None:
        return ledger
    raise TypeError(f"no JSON document for {type(result).__name__}")


def _ledger_document(result: object) -> dict[str, Any] | None:
    """`history`, `lots` and `ledger import|check|backup` results (the ledger's modules are imported only
    when the result is none of the above, so a plan's document never loads sqlite3)."""
    from mesocalc.ledger.portable import BackupResult, CheckResult, ImportResult
    from mesocalc.ledger.reports import History, LotReport
    from mesocalc.render import ledger_json

    if isinstance(result, History):
        return ledger_json.history_doc(result)
    if isinstance(result, LotReport):
        return ledger_json.lots_doc(result)
    if isinstance(result, ImportResult | CheckResult | BackupResult):
        return ledger_json.summary_doc(result)
    return None


def json_text(result: object) -> str:
    """The one line `--json` prints for `result` (without the newline)."""
    return dumps(json_document(result))
