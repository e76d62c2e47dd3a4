"""The course ledger: what was given, to whom, from which lot, kept in a local SQLite database.

    db.py        where the ledger lives, opening it (owner-only files, WAL, busy timeout), the schema and
                 its in-place upgrades, one transaction per write, SQLite errors as clear input errors
    content.py   a plan or visit JSON document reduced to what was given (items, doses), lots, dates
    store.py     recording a session, voiding one, reading sessions back
    course.py    each agent's course (cumulative dose against course caps, max_sessions, next allowed and
                 latest on-time date), through schedule.py's course checks
    portable.py  export, import, check, backup

Pure: the standard library's sqlite3, no Typer, no Rich. `sqlite3` is imported only by these modules, so
commands that do not use the ledger never load it.
"""
