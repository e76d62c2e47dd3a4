"""What the user typed for `convert`: the quantity (QUANTITY) and the unit asked for (UNIT), read into a
ConversionRequest before anything is converted; shared by the CLI and the Python API. Pure: no Typer,
no Rich."""

from __future__ import annotations

from dataclasses import dataclass

from mesocalc import notation
from mesocalc import units as u
from mesocalc.errors import Location

# Words that ask for ratio strength (1:N) as the target.
RATIO_WORDS = ("ratio", "ratio-strength", "ratio strength", "1:n")
UNIT = Location(key="UNIT")


@dataclass(frozen=True)
class ConversionRequest:
    """A quantity as read, and what it is to be written in."""

    given: str  # the quantity as read: "0,2 mL" is echoed as "0.2 mL"
    quantity: u.Q  # canonical
    unit: str | None = None  # the unit asked for, as typed; None: the quantity's own unit (or ratio)
    target: u.Dims | None = None  # the dimensions of `unit`
    ratio: bool = False  # ratio strength 1:N asked for
    digits: int = 3  # significant figures to show: as many as given, 3 at least (SPEC §2)


def read_conversion(text: str, unit_text: str | None) -> ConversionRequest:
    """`text` (e.g. "1:100000", "2 %", "0.2 mg") and `unit_text` (e.g. "mg/mL", "mcg", "ratio")."""
    quantity = u.parse_quantity(text, u.ANY_KIND, Location(key="QUANTITY"))
    digits = max(3, notation.significant_digits(text))
    given = notation.as_read(text)
    if unit_text is None or not unit_text.strip():
        return ConversionRequest(given, quantity, digits=digits)
    if unit_text.strip().lower() in RATIO_WORDS:
        return ConversionRequest(given, quantity, ratio=True, digits=digits)
    _, target = u.unit_factor(unit_text, u.ANY_KIND, UNIT)
    return ConversionRequest(given, quantity, unit_text, target, digits=digits)
