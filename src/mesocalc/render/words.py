"""Where a line may break: never between a number and its unit ("4.5 mg/kg", "8 %", "24 h")."""

from __future__ import annotations

from mesocalc.lazyre import lazy

# the space between a digit and the unit (a letter, %, °, µ) that follows it
NUMBER_UNIT_SPACE = lazy(r"(?<=\d) (?=[^\W\d_]|[%°µ])")


def glue_units(text: str, joiner: str) -> str:
    """`text` with each number-unit space replaced by `joiner` (e.g. "&nbsp;" in HTML)."""
    return NUMBER_UNIT_SPACE.sub(joiner, text)
