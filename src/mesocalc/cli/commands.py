"""What each command does once its flags are read: request -> mesocalc.api -> renderer -> exit code.

Free of Typer and Click, so that the fast path (cli/fastpath.py) can run a common command line without
importing them; the Typer app (cli/app.py) declares the options and calls these same functions. Each
returns the exit code; an input error raises MesocalcError, which `cli.runner.run()` reports (one path).
Heavy modules (pint, YAML, Rich, sqlite3) are imported inside the commands that need them.
"""

from __future__ import annotations

import sys
from typing import Any

from mesocalc.errors import Location, input_error
from mesocalc.system.streams import expect


class Errors:
    """How the run in progress reports an input error: as an error document too (--json, --batch)."""

    as_json = False


def load(library: list[str] | None) -> Any:
    """The layered library (--library folders over the built-in one); any error in it is an input error."""
    from mesocalc.api import load_library

    return load_library(*(library or ()))


def _missing(what: str, key: str) -> Exception:
    return input_error(what, Location(key=key), code="missing-argument")


def plan(cocktail: str | None, area: list[str] | None, scalp: str | None, spacing: str | None,
         volume_per_point: str | None, grid: str | None, points: int | None, weight: str | None,
         patient: str | None, library: list[str] | None, json_out: bool, strict: bool, batch: str | None,
         explain: bool, map_file: str | None, show_map: bool, export: str | None, patient_id: str | None,
         record: bool, ledger: str | None, date: str | None, lot: list[str] | None, by: str | None,
         note: str | None, override: str | None, again: bool, jobs: int | None = None) -> int:
    if batch is not None:
        given = [name for name, value in (("COCKTAIL", cocktail), ("--area", area), ("--scalp", scalp),
                                          ("--spacing", spacing), ("--volume-per-point", volume_per_point),
                                          ("--grid", grid), ("--points", points), ("--weight", weight),
                                          ("--patient", patient), ("--explain", explain), ("--map", map_file),
                                          ("--show-map", show_map), ("--export", export),
                                          ("--patient-id", patient_id), ("--record", record)) if value]
        return plan_batch(batch, given, library, strict, jobs=jobs)
    _batch_only(jobs)
    if cocktail is None:
        raise _missing("missing COCKTAIL: give a cocktail id or YAML file (or --batch FILE)", "COCKTAIL")
    from mesocalc import api
    from mesocalc.render.plan_report import PlanOutputs, present_plan

    lib = load(library)
    result = api.plan(cocktail, area=tuple(area or ()), scalp=scalp, spacing=spacing, volume_per_point=volume_per_point,
                      grid=grid, points=points, weight=weight, patient=patient, library=lib, strict=strict)
    expect(result.exit_code)
    extra = None
    if any((patient_id, record, date, lot, by, note, override, again)):  # the course ledger (cli/course.py)
        from mesocalc.cli.course import plan_ledger_options, plan_with_ledger

        ledger_options = plan_ledger_options(patient_id, record, date, lot, by, note, override, again)
        result, extra = plan_with_ledger(result, lib, ledger, ledger_options, strict)
        expect(result.exit_code)
    present_plan(result, PlanOutputs(json_out, explain, map_file, show_map, export, extra), lib)
    return max(result.exit_code, extra.exit_code if extra is not None else 0)


def browse(kind: str, item_id: str | None, library: list[str] | None, json_out: bool) -> int:
    """`agents`, `cocktails`, `areas`: every item of the kind, or one in full (by id or alias, any case)."""
    lib = load(library)
    table = {"agents": lib.agents, "cocktails": lib.cocktails, "areas": lib.areas}[kind]
    if item_id is not None:  # by id or alias, ignoring case (notation.lookup)
        from mesocalc.notation import lookup

        item_id = lookup(item_id, table, kind[:-1], Location(key="ID")).id
    from mesocalc.render.browse import present_browse

    items = [table[item_id]] if item_id is not None else sorted(table.values(), key=lambda x: x.id)
    present_browse(kind, items, lib, item_id is not None, json_out)
    return 0


def conditions(condition_id: str | None, library: list[str] | None, json_out: bool) -> int:
    from mesocalc.core.vocabulary import condition_index, norm

    lib = load(library)
    items = sorted(lib.conditions.values(), key=lambda c: c.id)
    if condition_id is not None:
        found = lib.conditions.get(condition_index(lib).get(norm(condition_id), ""))
        if found is None:
            from mesocalc.errors import did_you_mean

            raise input_error(f"unknown condition '{condition_id}'", Location(key="TERM"),
                              code="unknown-condition", hint=did_you_mean(norm(condition_id),
                                                                          list(condition_index(lib))))
        items = [found]
    from mesocalc.render.browse import present_conditions

    present_conditions(items, lib, condition_id is not None, json_out)
    return 0


def check(paths: list[str] | None, library: list[str] | None, json_out: bool, strict: bool) -> int:
    from mesocalc.library.check import check_library
    from mesocalc.render.present import present_check

    result = check_library(tuple(paths or ()), tuple(library or ()), strict)
    present_check(result, json_out)
    return result.exit_code


MAX_JOBS = 64  # --jobs: more processes than this is a typo, not a machine


def _batch_only(jobs: int | None) -> None:
    if jobs is not None:
        raise input_error("shares a batch between worker processes: give it with --batch FILE",
                          Location(key="--jobs"), code="usage")


def plan_batch(path: str, given: list[str], library: list[str] | None, strict: bool, planner: Any = None,
               jobs: int | None = None) -> int:
    """`plan --batch`: the library loaded once, every line planned in order; exit code the worst line's.
    `planner` builds the line planner from (library, strict) (`visit --batch` passes its own); `jobs`
    worker processes share a long batch (None: one per core)."""
    Errors.as_json = True  # batch output is JSON lines: an error is an error document too
    if given:
        raise input_error(f"with --batch, give {', '.join(given)} in each request line, not on the command line",
                          Location(key="--batch"), code="usage")
    if jobs is not None and not 1 <= jobs <= MAX_JOBS:
        raise input_error(f"give a whole number of processes from 1 to {MAX_JOBS}, got {jobs}", Location(key="--jobs"))
    from mesocalc.cli.batch import BatchPlanner, batch_input, run_stream

    source = batch_input(path)  # before the library: a closed stdin or a FIFO is refused at once
    lib = load(library)
    try:
        from mesocalc.system import streams

        streams.interruptible = True  # Ctrl-C: the lines planned so far are written before the exit
        try:
            return run_stream(source, (planner or BatchPlanner)(lib, strict), sys.stdout, sys.stderr, expect, jobs)
        finally:
            streams.interruptible = False
    finally:
        if path != "-":
            source.close()


def schema(name: str | None, json_out: bool = False) -> int:
    """A schema is JSON already: --json changes nothing (it is accepted as on every command)."""
    from mesocalc import schemas
    from mesocalc.render.present import present_text

    present_text("\n".join(schemas.names()) if name is None else schemas.schema_text(name))
    return 0


def schedule(cocktail: str, start: str | None, phase: list[str] | None, history: str | None, area: list[str] | None,
             scalp: str | None, spacing: str | None, volume_per_point: str | None, grid: str | None,
             points: int | None, weight: str | None, patient: str | None, library: list[str] | None,
             json_out: bool, strict: bool, patient_id: str | None, ledger: str | None) -> int:
    from mesocalc import api
    from mesocalc.render.present import present_schedule

    lib = load(library)
    given: Any = history
    if patient_id is not None:  # the course ledger instead of a history file
        from mesocalc.cli.course import ledger_history
        from mesocalc.request.plan import find_cocktail

        chosen: Any = find_cocktail(cocktail, lib)
        given = ledger_history(patient_id, ledger, chosen, history)
    else:
        chosen = cocktail
    result = api.schedule(chosen, start=start, phases=phase, history=given, area=tuple(area or ()), scalp=scalp,
                          spacing=spacing, volume_per_point=volume_per_point, grid=grid, points=points, weight=weight,
                          patient=patient, library=lib, strict=strict, same_day=patient_id is not None)
    expect(result.exit_code)
    present_schedule(result, json_out)
    return result.exit_code


def convert(quantity: str, unit: str | None, json_out: bool) -> int:
    from mesocalc import api
    from mesocalc.render.present import present_conversion

    present_conversion(api.convert(quantity, unit), json_out)
    return 0


def compound(cocktail: str, volume: str, stock: list[str] | None, overfill: str | None, diluent: str | None,
             category: str | None, storage: str | None, prepared: str | None, immediate_use: bool,
             worksheet: str | None, patient: str | None, library: list[str] | None, json_out: bool, explain: bool,
             strict: bool) -> int:
    from mesocalc import api
    from mesocalc.render.present import present_compound

    result = api.compound(cocktail, volume, stock=tuple(stock or ()), overfill=overfill, diluent=diluent,
                          prepared=prepared, category=category, storage=storage, immediate_use=immediate_use,
                          patient=patient, library=load(library), strict=strict)
    expect(result.exit_code)
    present_compound(result, json_out, explain, worksheet)
    return result.exit_code


def visit(file: str | None, library: list[str] | None, json_out: bool, strict: bool, explain: bool,
          export: str | None, batch: str | None, patient_id: str | None, record: bool, ledger: str | None,
          date: str | None, lot: list[str] | None, by: str | None, note: str | None, override: str | None,
          again: bool, jobs: int | None = None) -> int:
    if batch is not None:
        from mesocalc.cli.visit_batch import VisitBatchPlanner

        given = [name for name, value in (("FILE", file), ("--explain", explain), ("--export", export),
                                          ("--patient-id", patient_id), ("--record", record)) if value]
        return plan_batch(batch, given, library, strict, VisitBatchPlanner, jobs)
    _batch_only(jobs)
    if file is None:
        raise _missing("missing FILE: give a visit file, - for stdin (or --batch FILE)", "FILE")
    from mesocalc.render.plan_report import check_export, present_visit

    if export is not None:
        check_export(export)
    from mesocalc.cli.course import ledger_patients, plan_ledger_options, visit_patient, visit_with_ledger
    from mesocalc.core.visit import compute_visit
    from mesocalc.request.visit import read_visit_file

    lib = load(library)
    request = read_visit_file(file, lib, sys.stdin, ledger_patients(ledger))
    result, extra = compute_visit(request, lib, strict), None
    patient_id = visit_patient(patient_id, request)
    if any((patient_id, record, date, lot, by, note, override, again)):  # the course ledger (cli/course.py)
        options = plan_ledger_options(patient_id, record, date, lot, by, note, override, again)
        result, extra = visit_with_ledger(result, lib, ledger, options, strict)
    present_visit(result, json_out, explain, export, extra)
    return max(result.exit_code, extra.exit_code if extra is not None else 0)


def record(file: str, patient: str | None, date: str | None, lot: list[str] | None, by: str | None,
           note: str | None, override: str | None, again: bool, void: str | None, reason: str | None,
           ledger: str | None, library: list[str] | None, json_out: bool) -> int:
    """`record`: a plan or visit JSON document recorded in the course ledger, or a session made void."""
    from mesocalc.cli import course
    from mesocalc.ledger import api

    path = course.ledger_path(ledger)
    if void is not None:
        if file != "-" or any(x for x in (date, lot, note, override, again)):
            raise input_error("--void takes only --reason, --by and --patient", Location(key="--void"),
                              code="usage")
        session, entry = api.void(path, void, reason, by, patient)
        from mesocalc.render.ledger_report import present_void

        present_void(session, entry, str(path), json_out)
        return 0
    if patient is None:
        raise input_error("give --patient ID: whose session this is", Location(key="--patient"),
                          code="missing-option")
    lib = load(library)
    text, name = course.read_input(file, "the plan or visit JSON")
    entry_doc = api.read_document(text, name)
    options = api.RecordOptions(patient, date, tuple(lot or ()), by, note, override, again)
    outcome = api.record(path, api.recording(entry_doc, name, options, lib), lib)
    from mesocalc.render.ledger_report import present_outcome

    present_outcome(outcome, str(path), patient, json_out)
    return outcome.exit_code


def history(patient: str, show_all: bool, ledger: str | None, library: list[str] | None, json_out: bool) -> int:
    from mesocalc.cli import course
    from mesocalc.ledger import api

    lib = load(library)
    result = api.patient_history(course.ledger_path(ledger), patient, lib)
    from mesocalc.render.ledger_report import present_history

    present_history(result, json_out, show_all)
    return result.exit_code


def lots(lot: str, ledger: str | None, json_out: bool) -> int:
    from mesocalc.cli import course
    from mesocalc.ledger import api

    report = api.lots(course.ledger_path(ledger), lot)
    from mesocalc.render.ledger_report import present_lots

    present_lots(report, json_out)
    return 0
