"""How a plan compares with practice: the published session a cocktail is named after, and the usual
technique range of its cocktail, area or region (SPEC §3 "technique ranges and published sessions").

Both are soft: above the published session is `above-reference`, outside the usual range is
`technique-unusual` (it catches "5 mL" typed for "0.05 mL"). Neither is a dose cap.
"""

from __future__ import annotations

from typing import ClassVar

from mesocalc import units as u
from mesocalc.core import model as m
from mesocalc.core.checks import Warning
from mesocalc.record import Record, record, slotted_record


def reference_volume(cocktail: m.Cocktail) -> u.Q | None:
    """The published session's volume: as given, or its points at the cocktail's own volume per point."""
    ref = cocktail.reference
    if ref is None:
        return None
    if ref.volume is not None:
        return ref.volume
    assert ref.points is not None
    return cocktail.technique.volume_per_point * float(ref.points)


def reference_points(cocktail: m.Cocktail) -> int | None:
    """The points of the published session at the cocktail's default technique (its default plan)."""
    ref = cocktail.reference
    if ref is None:
        return None
    if ref.points is not None:
        return ref.points
    volume = reference_volume(cocktail)
    assert volume is not None
    return max(1, u.whole_ceil(volume.value / cocktail.technique.volume_per_point.value))


@record
class ReferenceShare(Record):
    """This session against the published one: session volume and each agent's dose as a share of it."""

    _short_lived: ClassVar[bool] = True  # made for each plan of a regimen cocktail (record.Record)

    volume: u.Q
    points: int | None
    source: str | None
    share: float  # session volume / published volume (= each agent's dose / its published dose)
    doses: tuple[tuple[str, u.Q, u.Q], ...]  # (agent, this session's dose, the published session's dose)

    def text(self) -> str:
        doses = "; ".join(f"{agent} {u.format_quantity(dose)} of {u.format_quantity(ref)}"
                          for agent, dose, ref in self.doses)
        return (f"published session {u.format_quantity(self.volume)} ({self.source or 'no source'}): this session is "
                f"{u.format_percent(self.share)} of it ({doses})")


@slotted_record
class Published(Record):
    """The published session of a regimen cocktail and each agent's dose in it (what a session is held against)."""

    volume: u.Q
    points: int | None
    source: str | None
    doses: dict[str, u.Q]  # agent -> its dose in the published session


def published_session(cocktail: m.Cocktail, concentrations: dict[str, u.Q]) -> Published | None:
    volume = reference_volume(cocktail)
    if volume is None or cocktail.reference is None or volume.value <= 0:
        return None
    return Published(volume, cocktail.reference.points, cocktail.reference.source,
                     {agent: conc * volume for agent, conc in concentrations.items()})


def reference_share(published: Published | None, session_volume: u.Q,
                    concentrations: dict[str, u.Q]) -> ReferenceShare | None:
    """This session against the published one (published_session of the same final concentrations)."""
    if published is None:
        return None
    doses = tuple((agent, conc * session_volume, published.doses[agent]) for agent, conc in concentrations.items())
    return ReferenceShare(published.volume, published.points, published.source,
                          session_volume.value / published.volume.value, doses)


def reference_warnings(found: ReferenceShare | None, cocktail: m.Cocktail) -> list[Warning]:
    if found is None or u.at_most(found.share, 1.0):
        return []
    return [Warning("above-reference", m.Severity.SOFT,
                    f"{cocktail.name}: above the published session; {found.text()}", source=found.source)]


def technique_range(cocktail: m.Cocktail, sites: tuple[str | None, ...],
                    library: m.Library) -> tuple[m.TechniqueRange, str] | None:
    """The usual range that governs a session of this cocktail on these treated sites: the cocktail's, else
    its area's, else the area's region's."""
    if cocktail.technique_range is not None:
        return cocktail.technique_range, f"cocktail '{cocktail.id}'"
    named = [site for site in sites if site] or ([cocktail.area] if cocktail.area else [])
    for site in named:
        area = library.areas.get(site)
        if area is not None and area.technique_range is not None:
            return area.technique_range, f"area '{area.id}'"
    for site in named:
        area = library.areas.get(site)
        region = library.regions.get(area.region) if area is not None else None
        if region is not None and region.technique_range is not None:
            return region.technique_range, f"region '{region.id}'"
    return None


def technique_warnings(technique: m.Technique, found: tuple[m.TechniqueRange, str] | None) -> list[Warning]:
    """This technique outside the usual range `found` (technique_range) governing its session."""
    if found is None:
        return []
    usual, owner = found
    basis = usual.source if usual.basis == "sourced" and usual.source else "an assumption"
    out = []
    for what, value, bounds in (("volume per point", technique.volume_per_point, usual.volume_per_point),
                                ("spacing", technique.spacing, usual.spacing)):
        if bounds is None:
            continue
        low, high = bounds
        if u.at_most(low.value, value.value) and u.at_most(value.value, high.value):
            continue
        out.append(Warning(
            "technique-unusual", m.Severity.SOFT,
            f"{what} {u.format_quantity(value)} is outside the usual {u.format_quantity(low)} to "
            f"{u.format_quantity(high)} for {owner} ({basis}): check the unit (0.05 mL, not 5 mL)"
            if what == "volume per point" else
            f"{what} {u.format_quantity(value)} is outside the usual {u.format_quantity(low)} to "
            f"{u.format_quantity(high)} for {owner} ({basis})", source=usual.source))
    return out
