"""`visit --explain`: the totals and the shares, step by step, in words and figures.

Each item's dose is stated with where it came from; then each agent's total, each session cap on the
total (`explain.cap_step`), the binding cap, each class share and the sum, and what still fits.
"""

from __future__ import annotations

from mesocalc import units as u
from mesocalc.core.model import CheckStatus
from mesocalc.core.visit import ItemResult, VisitResult, product_amount_text
from mesocalc.render.explain import Step, cap_step

fq = u.format_quantity
fn = u.format_number


def visit_steps(result: VisitResult) -> list[Step]:
    steps: list[Step] = []
    weight = result.request.weight
    for item in result.items:
        steps += _item_steps(item)
    for t in result.totals:
        counted = [d for d in t.doses if d.counted]
        name = t.agent.name
        if t.total is not None:
            terms = " + ".join(f"{fq(d.amount)} (item {d.item})" for d in counted)
            text = f"{name} total = {terms} = {fq(t.total)}" if len(counted) > 1 else \
                f"{name} total = {fq(t.total)} (item {counted[0].item} only)"
            steps.append(Step(text, {"total": t.total}))
        if t.beside is not None:
            beside = " + ".join(f"{fq(d.amount)} (item {d.item})" for d in t.doses if not d.counted)
            steps.append(Step(f"{name} applied topically = {beside} = {fq(t.beside)}: shown beside the total, not "
                              "added to it (the product's session_total rule: no source gives an absorbed fraction)",
                              {"beside": t.beside}))
        for check in t.checks:
            if check.status == CheckStatus.NOT_APPLICABLE:
                steps.append(Step(f"{name} {check.limit.scope} cap {fq(check.limit.max)}: not applicable, "
                                  f"{check.reason}", {"max": check.limit.max}))
            else:
                steps.append(cap_step(f"{name} total:", check, weight))
        if t.binding is not None and t.binding_cap is not None:
            limit = t.binding.limit
            how = f"{fq(limit.max)} × {fn(weight.value)} kg = {fq(t.binding_cap)}" \
                if limit.basis == "per-kg" and weight is not None else fq(t.binding_cap)
            steps.append(Step(f"{name} binding session cap = the lowest applicable hard cap = {how} "
                              f"(source {limit.source or 'none'})", {"binding_cap": t.binding_cap}))
        if t.binding_note:
            steps.append(Step(f"{name}: {t.binding_note}"))
    for cl in result.class_limits:
        cap = cl.limit
        kind = "a convention derived from the labels' statement that toxicity is additive" if cap.derived \
            else "the rule"
        steps.append(Step(f"Class limit {cap.id} ({cap.rule}, {kind}; source {cap.source or 'none'}): "
                          f"share of each agent = its session total / its binding session cap; the shares add "
                          f"up to at most {fn(cap.max)}"))
        for s in cl.shares:
            if s.share is not None and s.cap is not None:
                steps.append(Step(f"{s.agent.name} share = {fq(s.dose)} / {fq(s.cap)} = {fn(s.share, digits=6)}",
                                  {"dose": s.dose, "cap": s.cap}))
            else:
                steps.append(Step(f"{s.agent.name} share: not known (no binding cap as an amount)"))
        terms = " + ".join(fn(s.share, digits=6) for s in cl.shares if s.share is not None)
        verdict = {CheckStatus.OVER: "over", CheckStatus.OK: "within it"}.get(cl.status, "not fully checked")
        steps.append(Step(f"Sum of shares = {terms} = {fn(cl.total, digits=6)} against {fn(cap.max)}: {verdict}; "
                          f"remaining share = {fn(cap.max)} - {fn(cl.total, digits=6)} = "
                          f"{fn(cl.remaining, digits=6)}" if cl.total <= cap.max else
                          f"Sum of shares = {terms} = {fn(cl.total, digits=6)}, over {fn(cap.max)}: nothing remains"))
        for s in cl.shares:
            if s.more is not None and s.cap is not None and cl.remaining <= 0:
                steps.append(Step(f"More {s.agent.name} that still fits: none, the shares already reach 1",
                                  {"more": s.more}))
            elif s.more is not None and s.cap is not None:
                volume = (f" = {fq(s.more)} / {fq(s.concentration)} = {fq(s.more_volume)}"
                          if s.more_volume is not None and s.concentration is not None else "")
                steps.append(Step(f"More {s.agent.name} that still fits = remaining share × its cap = "
                                  f"{fn(cl.remaining, digits=6)} × {fq(s.cap)} = {fq(s.more)}{volume}",
                                  {"more": s.more}))
        for agent, amount in cl.beside:
            steps.append(Step(f"{agent.name} {fq(amount)} applied topically: shown beside the class sum, not in it"))
    return steps


def _item_steps(result: ItemResult) -> list[Step]:
    item = result.item
    label = f"Item {item.number} ({item.id})"
    if result.plan is not None:
        plan = result.plan
        vpp = plan.session.technique.volume_per_point
        if item.volume is not None:
            how = (f"given by volume {fq(item.volume)} = {plan.points:,} points × {fq(vpp)} (the fewest points of at "
                   f"most the cocktail's volume per point)" if item.cocktail else f"{fq(item.volume)} given")
        else:
            area = f"{fq(plan.area)}, " if plan.area is not None else ""
            how = f"{area}{plan.points:,} points × {fq(vpp)} = {fq(plan.session_volume)}"
        doses = "; ".join(f"{comp.agent.name} {fq(comp.concentration)} × {fq(plan.session_volume)} = {fq(comp.dose)}"
                          for comp in plan.components)
        return [Step(f"{label}: {how}; {doses}", {"volume": plan.session_volume})]
    product = item.product
    assert product is not None
    parts = []
    for pc, dose in zip(product.components, result.doses, strict=True):
        if product.measure == "mass":
            parts.append(f"{pc.agent} {pc.written} = {fq(pc.strength)}/g × {product_amount_text(result.amount)} = "
                         f"{fq(dose.amount)}")
        else:
            parts.append(f"{pc.agent} {fq(pc.strength)} × {fq(result.amount)} = {fq(dose.amount)}")
    return [Step(f"{label}: {product.route}, {product_amount_text(result.amount)}; " + "; ".join(parts))]
