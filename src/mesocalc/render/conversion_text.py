"""Human output of `convert`: two plain lines, no Rich (a conversion is called in loops; start-up matters)."""

from __future__ import annotations

from mesocalc.conversion import Conversion


def conversion_text(conv: Conversion) -> str:
    lines = [f"{conv.given} = {conv.shown}"]
    others = [e for e in conv.equivalents if e != conv.shown]
    if others:
        lines.append("also: " + " = ".join(others))
    return "\n".join(lines) + "\n"
