"""Data shipped pre-built in the package, so that the built-in library needs neither YAML nor pint at run
time: `library.json` (the built-in library, validated) and `units.json` (unit strings parsed by pint).

Both are sealed like user-cache entries under the content key they were built from (the YAML files, the
unit definitions and the validating code); at run time they are used only when that key is still today's,
so a stale file is never used. Regenerate with `python -m mesocalc.shipped.build`;
tests/library/test_shipped.py checks that they are fresh and agree with the YAML files and with pint.
"""
