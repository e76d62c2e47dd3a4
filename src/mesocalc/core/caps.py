"""What number each cap is held against, in one place (SPEC §4).

A cap's basis says what it is compared with: `amount` (the dose: per point for a point cap, of the
session, or of the course so far), `per-kg` (that amount per kg of body weight), `per-area` (the dose
per cm² of treated skin) or `volume` (the volume of the agent's solution). plan, schedule, visit, the
capacity count and the library check (`incomparable-limit`) all ask this module; so does every place that
turns a per-kg cap into an amount for the patient.
"""

from __future__ import annotations

from mesocalc import units as u
from mesocalc.core import model as m

NEEDS_WEIGHT = "needs the patient's weight (--weight or --patient)"
NEEDS_AREA = "needs the treated area (--area or --scalp)"
NEEDS_VOLUME = "the volume of the agent's solution is not known"


def compared_with(limit: m.Limit, amount: u.Q, solution: u.Q | None, per_area: u.Q | None,
                  weight: u.Q | None) -> tuple[u.Q | None, str | None]:
    """The number `limit` is compared with, or None and the reason it cannot be checked.

    amount: the dose the cap's scope counts (per point, per session, or the course total);
    solution: the volume of the agent's solution over the same scope; per_area: the session dose per cm².
    """
    if limit.basis == "amount":
        return amount, None
    if limit.basis == "per-kg":
        if weight is None:
            return None, NEEDS_WEIGHT
        return amount / weight, None
    if limit.basis == "per-area":
        if per_area is None:
            return None, NEEDS_AREA
        return per_area, None
    if solution is None:
        return None, NEEDS_VOLUME
    return solution, None


def for_patient(limit: m.Limit, weight: u.Q | None) -> u.Q | None:
    """A per-kg cap as an amount for this patient (the cap × the body weight); None for a cap on another
    basis, or without a weight."""
    if limit.basis == "per-kg" and weight is not None:
        return limit.max * weight
    return None


def needs_weight(limit: m.Limit) -> bool:
    """Whether the number `limit` is compared with depends on the body weight (a per-kg cap)."""
    return limit.basis == "per-kg"


def needs_area(limit: m.Limit) -> bool:
    """Whether the number `limit` is compared with depends on the treated area (a per-area cap)."""
    return limit.basis == "per-area"


def compared_dims(limit: m.Limit, amount: u.Dims) -> u.Dims:
    """The dimensions of the number `limit` is compared with, for a dose in `amount` dimensions."""
    if limit.basis == "per-kg":
        return u.dims_div(amount, u.BODY_MASS)
    if limit.basis == "per-area":
        return u.dims_div(amount, u.AREA)
    if limit.basis == "volume":
        return u.VOLUME
    return amount


def grows_with_points(limit: m.Limit) -> bool:
    """A session or course cap on an amount, per kg or on a volume grows with the number of points; a point
    cap, a concentration cap and a per-area cap do not (a breach of those allows no points at all)."""
    return limit.scope not in (m.Scope.POINT, m.Scope.CONCENTRATION) and limit.basis != "per-area"
