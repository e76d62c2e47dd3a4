"""Human output of `convert`: two plain lines, no Rich (a conversion is called in loops; start-up matters)."""

from __future__ import annotations

from mesocalc.core.conversion import Conversion
from mesocalc.units import ismp_unit


def conversion_text(conv: Conversion) -> str:
    # the input echoed ISMP-safe, as every other unit is printed: 250 µg -> 250 mcg, cc -> mL, IU -> units
    lines = [f"{ismp_unit(conv.given)} = {conv.shown}"]
    others = [e for e in conv.equivalents if e != conv.shown]
    if others:
        lines.append("also: " + " = ".join(others))
    return "\n".join(lines) + "\n"
