"""`visit --json`: the visit as one document of kind `visit` (schema: schemas/visit.json)."""

from __future__ import annotations

from typing import Any

from mesocalc.core.checks import Check
from mesocalc.core.visit import AgentTotal, ClassLimitResult, ItemResult, VisitResult
from mesocalc.render.jsondoc import VERSION, check_item, plan_doc, warning_item


def visit_doc(result: VisitResult) -> dict[str, Any]:
    request = result.request
    return {
        "kind": "visit",
        "version": VERSION,
        "date": request.date.isoformat() if request.date else None,
        "patient": request.patient.id if request.patient is not None else request.patient_id,
        "weight": request.weight.to_json() if request.weight is not None else None,
        "items": [_item(r) for r in result.items],
        "totals": [_total(t) for t in result.totals],
        "class_limits": [_class(cl) for cl in result.class_limits],
        "warnings": [{**warning_item(w.warning), "items": list(w.items)} for w in result.warnings],
        "ok": result.ok,
        "exit_code": result.exit_code,
    }


def _item(result: ItemResult) -> dict[str, Any]:
    item = result.item
    out: dict[str, Any] = {
        "item": item.number,
        "type": "cocktail" if item.cocktail is not None else "product",
        "id": item.id,
        "name": item.cocktail.name if item.cocktail else item.product.name if item.product else item.id,
        "route": item.product.route if item.product is not None else "injected",
        "sized_by": _sized_by(result),
        "amount": result.amount.to_json(),
        "doses": [{"agent": d.agent, "dose": d.amount.to_json(), "counted": d.counted} for d in result.doses],
        "note": item.note,
    }
    if item.product is not None:
        out["product_checks"] = [_check(ch) for ch in result.product_checks]
        if item.area is not None:
            out["area"] = item.area.surface.to_json()
    if result.plan is not None:
        plan = plan_doc(result.plan)
        out["plan"] = {k: plan[k] for k in ("points", "total_volume", "area", "areas", "technique", "components")}
    return out


def _sized_by(result: ItemResult) -> str:
    item = result.item
    if item.product is not None:
        return item.product.measure
    if item.volume is not None:
        return "volume"
    return "points" if item.session is not None and item.session.points is not None else "area"


def _check(check: Check) -> dict[str, Any]:
    out = check_item(check)
    out["agent"] = check.agent
    return out


def _total(total: AgentTotal) -> dict[str, Any]:
    return {
        "agent": total.agent.id,
        "name": total.agent.name,
        "total": total.total.to_json() if total.total is not None else None,
        "items": list(total.counted_items),
        "beside": total.beside.to_json() if total.beside is not None else None,
        "beside_items": list(total.beside_items),
        "from": [{"item": d.item, "dose": d.amount.to_json(), "counted": d.counted, "route": d.route}
                 for d in total.doses],
        "checks": [check_item(ch) for ch in total.checks],
        "binding": None if total.binding is None else {
            "scope": total.binding.limit.scope, "max": total.binding.limit.max.to_json(),
            "cap": total.binding_cap.to_json() if total.binding_cap is not None else None,
            "source": total.binding.limit.source, "when": total.binding.limit.condition_text()},
        "binding_note": total.binding_note,
    }


def _class(result: ClassLimitResult) -> dict[str, Any]:
    limit = result.limit
    return {
        "id": limit.id,
        "name": limit.name,
        "class": limit.agent_class,
        "rule": limit.rule,
        "max": limit.max,
        "derived": limit.derived,
        "severity": limit.severity,
        "source": limit.source,
        "shares": [{"agent": s.agent.id, "dose": s.dose.to_json(),
                    "cap": s.cap.to_json() if s.cap is not None else None,
                    "cap_source": s.limit.source if s.limit is not None else None,
                    "share": s.share, "more": s.more.to_json() if s.more is not None else None,
                    "more_volume": s.more_volume.to_json() if s.more_volume is not None else None,
                    "at_concentration": s.concentration.to_json() if s.concentration is not None else None}
                   for s in result.shares],
        "total": result.total,
        "remaining": result.remaining,
        "status": result.status,
        "reason": result.reason,
        "beside": [{"agent": agent.id, "applied": amount.to_json()} for agent, amount in result.beside],
    }
