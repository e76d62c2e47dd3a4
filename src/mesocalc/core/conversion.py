"""Pharmacy unit conversion (`mesocalc convert`): % w/v, ratio strength, mass, volume, activity units.

Pure: the quantity and the unit come read (request/conversion.py); arithmetic goes through units.py
(pint is the authority on unit names). Conventions
(SPEC §2, REFERENCE §8.1): 1 % w/v = 1 g/100 mL = 10 mg/mL; ratio strength 1:N = 1 g in N mL, so
mg/mL = 1000 / N; units of biological activity never convert to mass.
"""

from __future__ import annotations

from dataclasses import dataclass

from mesocalc import units as u
from mesocalc.errors import Location, input_error
from mesocalc.request.conversion import UNIT, ConversionRequest

MASS_PER_VOLUME = u.dims_div(u.MASS, u.VOLUME)


@dataclass(frozen=True)
class Conversion:
    """A quantity as given, and the same quantity in the unit asked for."""

    given: str
    quantity: u.Q  # canonical
    value: float  # in `unit`
    unit: str  # a unit string pint parses (ISMP-safe)
    shown: str  # what a person reads: "200 mcg", "1:100,000"
    ratio_denominator: float | None = None
    equivalents: tuple[str, ...] = ()


def convert(request: ConversionRequest) -> Conversion:
    """The quantity of `request` (e.g. 1:100000, 2 %, 0.2 mg) in the unit it asks for (mg/mL, mcg, 1:N, ...)."""
    text, quantity, unit_text, target, digits = (request.given, request.quantity, request.unit, request.target,
                                                 request.digits)
    equivalents = concentration_equivalents(quantity, digits) if quantity.dims == MASS_PER_VOLUME else ()
    if request.ratio:
        denominator = ratio_denominator(quantity, UNIT)
        return Conversion(text, quantity, quantity.value, "mg/mL", ratio_text(denominator), denominator, equivalents)
    if unit_text is None or target is None:
        value, unit = u.display(quantity)
        return Conversion(text, quantity, value, unit.replace("cm²", "cm^2"), u.format_quantity(quantity, digits),
                          None, equivalents)
    where = UNIT
    if target != quantity.dims and (quantity.dims[2] != 0 or target[2] != 0):
        raise input_error(
            f"'{text}' is {u.describe_dims(quantity.dims)} and '{unit_text}' is {u.describe_dims(target)}: "
            "units of biological activity never convert to mass (the mass of one unit differs by product)",
            where, code="wrong-dimension")
    unit = u.ismp_unit(unit_text)
    return Conversion(text, quantity, u.convert_value(quantity, unit_text, where), unit,
                      u.format_in(quantity, unit_text, digits), None, equivalents)


def ratio_denominator(quantity: u.Q, where: Location) -> float:
    """N of ratio strength 1:N for a mass concentration (units.ratio_denominator), or a clear refusal."""
    if quantity.dims != MASS_PER_VOLUME:
        raise input_error(f"ratio strength is for a mass concentration such as 0.01 mg/mL, not "
                          f"{u.describe_dims(quantity.dims)}", where, code="wrong-dimension")
    return u.ratio_denominator(quantity)


def ratio_text(denominator: float) -> str:
    return f"1:{u.format_number(denominator)}"


def concentration_equivalents(quantity: u.Q, digits: int = 3) -> tuple[str, ...]:
    """A mass concentration written every way a label might: mg/mL, mcg/mL, % w/v, 1:N."""
    return (u.format_in(quantity, "mg/mL", digits), u.format_in(quantity, "mcg/mL", digits),
            f"{u.format_number(u.convert_value(quantity, '% w/v'), digits=digits)} % w/v",
            ratio_text(ratio_denominator(quantity, Location())))
