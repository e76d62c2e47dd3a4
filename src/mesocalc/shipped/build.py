"""Regenerate the shipped data: `python -m mesocalc.shipped.build` (after editing formulations/ YAML,
pharmacy_units.txt or the validating code).

1. loads and validates the built-in library from its YAML files with pint, the user cache and the shipped
   data all switched off, and seals the result under its content key (shipped/library.json);
2. parses with pint every unit string the built-in library uses and the common ones below, and seals
   the table under the unit definitions' key (shipped/units.json).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from mesocalc import cache
from mesocalc import units as u
from mesocalc.errors import Location, MesocalcError, Problem

COMMAND = "python -m mesocalc.shipped.build"

# Unit strings people commonly type (as unit_factor keys them: % w/v is 'percent_wv', spaces single).
# Not clinical numbers: pint gives every factor; a string pint refuses is simply left out. These are
# input spellings only (output says mcg and mL); the micro signs are named by code point (U+00B5 micro,
# U+03BC Greek mu).
COMMON = (
    "mg", "mcg", "ug", "\u00b5g", "\u03bcg", "g", "kg", "ng", "lb", "lbs", "oz", "gram", "grams", "milligram",
    "milligrams", "microgram", "micrograms", "kilogram", "kilograms", "pound", "pounds",
    "mL", "ml", "L", "l", "uL", "µL", "μL", "mcL", "dL", "cc", "cm^3", "milliliter", "milliliters",
    "millilitre", "millilitres", "liter", "litre",
    "cm", "mm", "m", "in", "inch", "inches", "centimeter", "centimeters", "centimetre", "centimetres",
    "millimeter", "millimeters", "millimetre", "millimetres",
    "cm^2", "mm^2", "m^2", "in^2", "dm^2", "cm ^ 2", "cm**2", "mm**2", "sq cm",
    "mg/mL", "mg/ml", "mcg/mL", "mcg/ml", "ug/mL", "\u00b5g/mL", "g/mL", "g/L", "g/l", "mg/L", "mg/dL", "mcg/L",
    "ng/mL", "g/100 mL", "mg/cc", "units/mL", "units/ml", "unit/mL", "units", "unit", "particles",
    "particles/mL", "percent_wv",
    "mg/kg", "mcg/kg", "ug/kg", "g/kg", "mg/lb", "mcg/lb", "units/kg", "mL/kg",
    "mg/cm^2", "mcg/cm^2", "ug/cm^2", "mg/mm^2", "g/m^2", "mg/m^2", "units/cm^2", "mL/cm^2",
    "s", "sec", "second", "seconds", "min", "minute", "minutes", "h", "hr", "hrs", "hour", "hours",
    "d", "day", "days", "week", "weeks", "wk", "month", "months", "year", "years",
)


def build(out: Path = cache.SHIPPED) -> list[Path]:
    from mesocalc.library import _raw_layers, builtin_dir, compiled, load_library

    os.environ["MESOCALC_CACHE_DIR"] = "off"
    cache.use_shipped = False
    cache.reset(units=True)
    u._PARSED.clear()
    try:
        result = load_library(dirs=[builtin_dir()])
        if result.errors:
            raise SystemExit("the built-in library has errors:\n" + "\n".join(p.text() for p in result.errors))
        problems: list[Problem] = []
        _, files, key = _raw_layers([builtin_dir()], problems)
        text = compiled.dumps(result.library, result.problems, result.files)
        if text is None or problems or files != result.files:
            raise SystemExit("the built-in library cannot be stored")
        table = {k: [v[0], list(v[1])] for k, v in cache.unit_table().items()}
        for unit in COMMON:
            if unit not in table:
                try:
                    factor, dims = u._pint_factor(unit, Location())
                except MesocalcError:
                    continue
                table[unit] = [factor, list(dims)]
    finally:
        cache.use_shipped = True
        cache.reset(units=True)
    out.mkdir(parents=True, exist_ok=True)
    library_path, units_path = out / "library.json", out / "units.json"
    library_path.write_bytes(cache.seal(compiled.cache_name(key), text.encode("utf-8")))
    units_text = json.dumps(dict(sorted(table.items())), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    units_path.write_bytes(cache.seal(cache.units_name(), units_text.encode("utf-8")))
    return [library_path, units_path]


def main() -> int:
    for path in build():
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
