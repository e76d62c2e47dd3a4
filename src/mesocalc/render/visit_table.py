"""`mesocalc visit`: the items, every agent's total against its caps, the class limits, the warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from mesocalc.core.checks import Check, quantity_text
from mesocalc.core.model import Limit
from mesocalc.core.visit import ItemResult, VisitResult, VisitWarning, product_amount_text
from mesocalc.render.table import STATUS_STYLE as STYLE
from mesocalc.render.table import NoteMarks, checks_table, render_steps, render_verdict
from mesocalc.render.textgrid import Column, TextTable, print_table
from mesocalc.units import Q, format_number, format_percent, format_quantity

if TYPE_CHECKING:  # rich.console only when a line needs Rich's layout (render/plain_console.py)
    from rich.console import Console

# Columns whose cells are prose may wrap between words; numbers, ids and quantities never wrap.
_WRAPS = {"Item", "Doses", "Source", "Binding cap", "Given", "Scope", "Status", "Note"}


def _table(title: str | None, *headers: str, right: tuple[str, ...] = ()) -> TextTable:
    return TextTable([Column(h, "right" if h in right else "left", wrap=h in _WRAPS) for h in headers], title=title)


def _print(table: TextTable, console: Console) -> None:
    print_table(table, console)


def render_visit(result: VisitResult, console: Console, steps: list[Any] | None = None) -> None:
    request = result.request
    head = ["Visit"]
    if request.date:
        head.append(request.date.isoformat())
    if request.patient is not None or request.patient_id is not None:
        head.append(f"patient {request.patient.id if request.patient is not None else request.patient_id}")
    head.append(f"{format_number(request.weight.value)} kg" if request.weight is not None else "weight not given")
    console.print(Text(", ".join(head), style="bold"))
    console.print()

    items = _table("Items", "#", "Item", "Route", "Given", "Doses", right=("#",))
    item_notes = NoteMarks()  # the user's note on an item, below the table
    for r in result.items:
        doses = [f"{d.agent} {format_quantity(d.amount)}" + ("" if d.counted else " (beside)") for d in r.doses]
        name = _item_name(r) + (f" {item_notes.mark(r.item.note)}" if r.item.note else "")
        items.add_row(str(r.item.number), name, r.item.product.route if r.item.product else "injected",
                      _given(r), doses[0] if doses else "")
        for dose in doses[1:]:  # one agent a line: a dose never wraps into the next agent's
            items.add_row("", "", "", "", dose)
    items.notes = item_notes.lines()
    _print(items, console)

    groups: list[tuple[str, list[Check]]] = []
    for r in result.items:
        for comp in r.plan.components if r.plan else ():
            groups.append((f"item {r.item.number}: {comp.agent.id}", list(comp.checks)))
        if r.product_checks and r.item.product is not None:
            groups.append((f"item {r.item.number}: {r.item.product.id}", list(r.product_checks)))
    product_limits = {id(ch.limit) for r in result.items for ch in r.product_checks}

    def show(limit: Limit, q: Q) -> str:  # a product's own limits in the unit it is sold in (60 g of cream)
        return product_amount_text(q) if id(limit) in product_limits else quantity_text(limit, q)

    if groups:
        console.print()
        _print(checks_table("Each item's caps", groups, show=show, width=console.width), console)
        console.print()
    totals = _table("Totals across the visit", "Agent", "Total", "From items", "Beside (topical)", "Binding cap",
                    "Used", right=("Total", "Beside (topical)", "Used"))
    binding_notes = NoteMarks()  # the binding cap's source and condition, below the table
    for t in result.totals:
        binding = "—"
        used = "—"
        if t.binding is not None and t.binding_cap is not None:
            cap_limit = t.binding.limit
            when = cap_limit.condition_text()
            weight = request.weight
            per_kg = f" × {format_quantity(weight)}" if cap_limit.basis == "per-kg" and weight is not None else ""
            said = (f"{t.agent.id}: the {quantity_text(cap_limit, cap_limit.max)} {cap_limit.scope} cap{per_kg} "
                    f"({cap_limit.source or 'no source'})" + (f", {when}" if when else "")
                    + (f"; at most, since {t.binding_note}" if t.binding_note else ""))
            binding = (f"{'at most ' if t.binding_note else ''}{format_quantity(t.binding_cap)} "
                       f"{binding_notes.mark(said)}")
            if t.total is not None:
                used = format_percent(t.total.value / t.binding_cap.value)
        elif t.total is not None and not t.checks:
            binding = "no established dose limits"
        items_text = ", ".join(map(str, t.counted_items)) or "—"
        totals.add_row(t.agent.id, format_quantity(t.total) if t.total is not None else "—", items_text,
                       f"{format_quantity(t.beside)} (item {', '.join(map(str, t.beside_items))})"
                       if t.beside is not None else "", binding, used)
    totals.notes = binding_notes.lines()
    _print(totals, console)

    total_groups = [(t.agent.id, list(t.checks)) for t in result.totals if t.checks]
    if total_groups:
        console.print()
        _print(checks_table("Caps on the totals", total_groups, actual="Total", width=console.width), console)

    for cl in result.class_limits:
        console.print()
        limit = cl.limit
        derived = ", derived convention" if limit.derived else ""
        title = (f"Class limit {limit.id} ({limit.rule}{derived}; source {limit.source or 'none'}): "
                 f"the shares add up to at most {format_number(limit.max)}")
        shares = _table(title, "Agent", "Session dose", "Binding cap", "Share", "More that fits",
                        right=("Session dose", "Binding cap", "Share", "More that fits"))
        for s in cl.shares:
            shares.add_row(s.agent.id, format_quantity(s.dose), format_quantity(s.cap) if s.cap else "—",
                           format_number(s.share) if s.share is not None else "—",
                           ("none" if s.more is not None and cl.remaining <= 0 else
                            format_quantity(s.more) if s.more is not None else "—")
                           + (f" ({format_quantity(s.more_volume)} of {format_quantity(s.concentration)})"
                              if s.more_volume is not None and s.concentration is not None and cl.remaining > 0
                              else ""))
        status = Text(cl.status, style=STYLE.get(cl.status, ""))
        shares.add_row(Text("sum", style="bold"), "", "", format_number(cl.total), status)
        shares.add_row(Text("remaining", style="bold"), "", "", format_number(cl.remaining), "")
        _print(shares, console)
        for agent, amount in cl.beside:
            console.print(f"  beside, applied topically and not in the sum: {agent.id} {format_quantity(amount)}")
        if cl.reason:
            console.print(f"  {cl.reason}")
    if steps is not None:
        render_steps(steps, console)
    _render_warnings(list(result.warnings), console)
    render_verdict(result.exit_code, [w.warning for w in result.warnings], "every item and every total within "
                   "every hard cap", console)


def _item_name(r: ItemResult) -> str:
    item = r.item
    kind = "cocktail" if item.cocktail is not None else "product"
    return f"{item.id} ({kind})"


def _given(r: ItemResult) -> str:
    item = r.item
    if item.product is not None:
        text = product_amount_text(r.amount)
        return text + (f" over {format_quantity(item.area.surface)}" if item.area is not None else "")
    plan = r.plan
    assert plan is not None
    vpp = format_quantity(plan.session.technique.volume_per_point)
    if item.volume is not None:
        return f"{format_quantity(plan.session_volume)} ({plan.points:,} × {vpp})"
    area = f"{format_quantity(plan.area)}, " if plan.area is not None else ""
    return f"{area}{plan.points:,} points × {vpp} = {format_quantity(plan.session_volume)}"


def _render_warnings(warnings: list[VisitWarning], console: Console) -> None:
    from mesocalc.render.table import render_warnings

    render_warnings([w.warning for w in warnings], console)
