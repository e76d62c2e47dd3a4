"""`visit --batch`: one visit JSON object per line in, one visit JSON document per line out, in order.

The same streaming, error objects and exit code as `plan --batch` (batch.run): the library is loaded once,
a bad line gives an error object on its own line and the batch goes on. Pure: no Typer, no Rich.
"""

from __future__ import annotations

from typing import Any

from mesocalc.cli.batch import MAX_LINE, BatchPlanner, error_line
from mesocalc.core.visit import compute_visit
from mesocalc.errors import Location, MesocalcError, input_error
from mesocalc.render.jsondoc import dumps
from mesocalc.render.visit_json import visit_doc
from mesocalc.request.visit import read_visit


class VisitBatchPlanner(BatchPlanner):
    """Computes one visit per line against one loaded library."""

    def plan_line(self, text: str, number: int) -> tuple[dict[str, Any], int]:
        try:
            if len(text) > MAX_LINE:
                raise input_error(f"request is too long ({len(text):,} characters)", Location(), code="bad-request")
            if not text.lstrip().startswith("{"):
                raise input_error("a visit line must be a JSON object such as "
                                  '{"kind": "visit", "weight": "60 kg", "items": [...]}', Location(), code="bad-json")
            result = compute_visit(read_visit(text, "", self.library), self.library, self.strict)
        except MesocalcError as exc:
            return error_line(number, exc.problems), 2
        return visit_doc(result), result.exit_code

    def line(self, text: str, number: int) -> tuple[str, int, dict[str, Any] | None]:
        doc, code = self.plan_line(text, number)
        return dumps(doc), code, doc if code == 2 else None
