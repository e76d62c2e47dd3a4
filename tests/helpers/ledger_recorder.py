"""A small recorder for the ledger's safety tests: records sessions through the ledger API and prints
each session's UUID on stdout only after its transaction has committed.

    python ledger_recorder.py LEDGER PLAN.json FIRST COUNT PREFIX

Session i (FIRST <= i < FIRST + COUNT) is given to patient PREFIX-(i % 25) on day i after 2020-01-01,
so histories stay short and no course rule or duplicate window is met.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

from mesocalc.ledger import content as ct
from mesocalc.ledger.db import open_ledger
from mesocalc.ledger.store import Recording, record
from mesocalc.library import load_library


def main() -> int:
    ledger, plan, first, count, prefix = sys.argv[1:6]
    library = load_library().library
    doc = json.loads(Path(plan).read_text(encoding="utf-8"))
    content = ct.content_from_document(doc, plan)
    start = datetime(2020, 1, 1, 9, 0)
    with open_ledger(Path(ledger), create=True) as con:
        for i in range(int(first), int(first) + int(count)):
            entry = Recording(f"{prefix}-{i % 25}", start + timedelta(days=i), content, True, None,
                              (ct.Lot("minoxidil", f"LOT-{i}", None),), again=True)
            outcome = record(con, entry, library)
            assert outcome.session is not None, outcome.refused
            sys.stdout.write(f"{i} {outcome.session.uuid}\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
