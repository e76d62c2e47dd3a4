"""Evaluating limits and the rules around a cocktail: shared by plan, compound and schedule.

Limits are compared with a relative tolerance (units.at_most): exactly at a cap is within it,
whatever unit path the numbers took.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from mesocalc.core import model as m
from mesocalc.record import Record, record
from mesocalc.units import Q, at_most, format_percent, format_quantity, group_thousands


@record
class Warning(Record):
    _short_lived: ClassVar[bool] = True  # made for each plan (record.Record)

    code: str  # limit-over, limit-unchecked, technique-over, contraindication, caution, regulatory, ...
    severity: m.Severity  # hard (fails the plan), soft (a warning), info (a note; not counted by --strict)
    message: str
    agent: str | None = None
    source: str | None = None


@record
class Check(Record):
    """One limit held against one number: ok, over, or unchecked (with the reason)."""

    _short_lived: ClassVar[bool] = True  # made for each plan (record.Record)

    agent: str
    limit: m.Limit
    actual: Q | None
    status: m.CheckStatus
    reason: str | None = None
    confidence: str | None = None
    max_for_patient: Q | None = None  # a per-kg cap × the patient's weight: the cap as an amount

    @property
    def fraction(self) -> float | None:
        if self.actual is None or self.limit.max.value == 0:
            return None
        return self.actual.value / self.limit.max.value


def quantity_text(limit: m.Limit, q: Q, digits: int = 3) -> str:
    """A cap or an actual as a person reads it; a count of injections is a whole number of injections."""
    if limit.counts_injections:
        return f"{group_thousands(f'{q.value:,.0f}')} injection{'' if q.value == 1 else 's'}"
    return format_quantity(q, digits)


def not_applicable(agent_id: str, limit: m.Limit, concentrations: Mapping[str, Q], confidence: str | None,
                   regions: frozenset[str] | None = None, weight: Q | None = None) -> Check:
    """A cap whose `when` does not hold here: listed with the reason, never dropped (SPEC §3)."""
    reasons = []
    if not limit.agent_condition_holds(concentrations):
        other = limit.when_with or limit.when_without or ""
        found = concentrations.get(other)
        reasons.append(f"this cocktail has {format_quantity(found)} {other}" if found is not None and found.value > 0
                       else f"this cocktail has no {other}")
    if not limit.site_condition_holds(regions, weight):
        if limit.when_site is not None and limit.when_site.regions:
            reasons.append(f"treated here: {', '.join(sorted(regions or ()))}")
        elif weight is not None:
            reasons.append(f"body weight {format_quantity(weight)}")
    return Check(agent_id, limit, None, m.CheckStatus.NOT_APPLICABLE,
                 f"applies {limit.condition_text()}; {'; '.join(reasons)}", confidence)


def evaluate(agent_id: str, limit: m.Limit, actual: Q | None, reason: str | None,
             confidence: str | None, max_for_patient: Q | None = None) -> Check:
    """`limit` held against `actual`; `max_for_patient` (a per-kg cap as this patient's amount) is kept on a
    check that compared a number."""
    if actual is None:
        return Check(agent_id, limit, None, m.CheckStatus.UNCHECKED, reason, confidence)
    if actual.dims != limit.max.dims:
        return Check(agent_id, limit, None, m.CheckStatus.UNCHECKED,
                     f"cap in {quantity_text(limit, limit.max)} cannot be compared with {format_quantity(actual)}",
                     confidence)
    status = m.CheckStatus.OK if at_most(actual.value, limit.max.value) else m.CheckStatus.OVER
    return Check(agent_id, limit, actual, status, None, confidence, max_for_patient)


def limit_warnings(checks: list[Check], agent_name: str) -> list[Warning]:
    out = []
    over, unchecked = m.CheckStatus.OVER, m.CheckStatus.UNCHECKED
    for check in checks:
        if check.status != over and check.status != unchecked:
            continue  # within its cap, or not applicable: nothing to say
        limit = check.limit
        condition = limit.condition_text()
        when = f" ({condition})" if condition else ""
        if check.status == m.CheckStatus.OVER and check.actual is not None and limit.counts_injections:
            out.append(Warning(
                "limit-over", m.Severity(limit.severity),
                f"{agent_name}: {quantity_text(limit, check.actual)} in one session is over the {limit.severity} "
                f"cap of {quantity_text(limit, limit.max)}{when}", check.agent, limit.source))
        elif check.status == m.CheckStatus.OVER and check.actual is not None:
            actual, cap = distinct(check.actual, limit.max)
            fraction = check.fraction or 0
            out.append(Warning(
                "limit-over", m.Severity(limit.severity),
                f"{agent_name}: {limit.scope} {limit.basis} {actual} is over the "
                f"{limit.severity} cap of {cap}{when} ({format_percent(fraction, 1 if fraction < 1.01 else 0)})",
                check.agent, limit.source))
        elif check.status == m.CheckStatus.UNCHECKED:
            out.append(Warning(
                "limit-unchecked", m.Severity.SOFT,
                f"{agent_name}: {limit.scope} cap of {quantity_text(limit, limit.max)}{when} not checked: "
                f"{check.reason}", check.agent, limit.source))
    return out


def caps_not_applied(agent: m.Agent, checks: Sequence[Check | None]) -> list[Warning]:
    """An agent that has caps, none of which applies here: said, never shown as "no established dose limits".

    `checks` are the agent's checks; None stands for a point or session cap that applies here and is checked
    against numbers not yet known (plan.prepare)."""
    session_checks = [ch for ch in checks if ch is None or ch.limit.scope != m.Scope.CONCENTRATION]
    if not session_checks or any(ch is None or ch.status != m.CheckStatus.NOT_APPLICABLE for ch in session_checks):
        return []
    reasons = sorted({ch.reason or "" for ch in session_checks if ch is not None})
    return [Warning("caps-not-applied", m.Severity.SOFT,
                    f"{agent.name} has dose caps, but none applies to this cocktail ({'; '.join(reasons)}): "
                    "its dose is not checked against any cap", agent.id)]


def distinct(actual: Q, cap: Q) -> tuple[str, str]:
    """Both numbers for a message saying one is over the other, with enough digits to show the difference
    (4.5000001 mg/kg over 4.5 mg/kg must not read "4.5 over 4.5")."""
    for digits in (3, 6, 9, 12):
        shown = format_quantity(actual, digits), format_quantity(cap, digits)
        if shown[0] != shown[1]:
            return shown
    return shown


def patient_warnings(agents: list[m.Agent], patient: m.Patient | None, library: m.Library | None = None,
                     components: Mapping[str, m.Component] | None = None) -> list[Warning]:
    """Contraindications, cautions and allergies of this patient (see vocabulary.patient_warnings, which
    needs the library: without it only these agents are known and unmatched terms are not reported)."""
    from mesocalc.core import vocabulary

    if library is None:
        known = m.Library({a.id: a for a in agents}, {}, {}, {}, {})
        return [w for w in vocabulary.patient_warnings(agents, patient, known, components)
                if w.code != "unmatched-term"]
    return vocabulary.patient_warnings(agents, patient, library, components)


def regulatory_warnings(agents: list[m.Agent], site_ids: list[str | None]) -> list[Warning]:
    """Unapproved or compounded agents, and approved agents used outside their approved areas."""
    out = []
    for agent in agents:
        reg = agent.regulatory
        if reg is None:
            continue
        note = f": {reg.note}" if reg.note else ""
        if reg.status != m.RegulatoryStatus.APPROVED:
            out.append(Warning("regulatory", m.Severity.SOFT, f"{agent.name} is {reg.status}{note}", agent.id,
                               reg.source))
        elif reg.approved_areas:
            outside = sorted({s for s in site_ids if s is not None and s not in reg.approved_areas})
            if outside:
                out.append(Warning(
                    "off-label", m.Severity.SOFT,
                    f"{agent.name} is approved for {', '.join(reg.approved_areas)} only; "
                    f"use on {', '.join(outside)} is off-label{note}", agent.id, reg.source))
    return out


def admixture_warnings(cocktail: m.Cocktail, agents: Mapping[str, m.Agent]) -> list[Warning]:
    """Agents whose label advises against dilution or admixture, when this cocktail mixes or dilutes them."""
    out = []
    diluted = cocktail.diluent is not None and cocktail.diluent.volume.value > 0
    mixed = len(cocktail.components) > 1
    for comp in cocktail.components:
        agent = agents.get(comp.agent)
        if agent is None or agent.admixture == "ok":
            continue
        below_stock = (comp.concentration is not None and agent.stocks and
                       all(comp.concentration.value < s.concentration.value * (1 - 1e-9) for s in agent.stocks))
        if not (mixed or diluted or below_stock):
            continue
        how = "mixed with " + ", ".join(c.agent for c in cocktail.components if c.agent != comp.agent) \
            if mixed else "diluted"
        severity = m.Severity.HARD if agent.admixture == "forbidden" else m.Severity.SOFT
        verdict = "must not be" if agent.admixture == "forbidden" else "should not be"
        note = f": {agent.admixture_note}" if agent.admixture_note else ""
        out.append(Warning("admixture", severity,
                           f"{agent.name} {verdict} diluted or mixed (label), but here it is {how}{note}",
                           agent.id, agent.admixture_source))
    return out


def exit_code(warnings: list[Warning], strict: bool) -> int:
    """1 for a hard warning, or with `strict` a soft one; else 0 (info notes never count)."""
    hard, soft = m.Severity.HARD, m.Severity.SOFT
    softened = False
    for warning in warnings:  # one pass (every plan of a batch asks)
        if warning.severity == hard:
            return 1
        softened = softened or warning.severity == soft
    return 1 if strict and softened else 0
