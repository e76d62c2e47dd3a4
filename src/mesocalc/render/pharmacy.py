"""Human output for the pharmacist's commands: `compound` recipes and `convert`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from mesocalc.core.compound import CompoundResult, diluent_calculation, draw_calculation, limit_text
from mesocalc.render.table import SEVERITY_MARK, SEVERITY_STYLE
from mesocalc.render.textgrid import Column, TextTable, print_table, print_wrapped, say
from mesocalc.render.worksheet import clock, label_text, storage_text
from mesocalc.units import format_quantity

if TYPE_CHECKING:  # rich.console only when a line needs Rich's layout (render/plain_console.py)
    from rich.console import Console


def render_compound(result: CompoundResult, console: Console) -> None:
    cocktail = result.cocktail
    console.print(Text(f"{cocktail.name} ({cocktail.id})", style="bold"))
    batch = format_quantity(result.requested_volume)
    if result.overfill is not None and result.overfill.value > 0:
        batch += f" + {format_quantity(result.overfill)} overfill"
    if batch != format_quantity(result.total_volume):
        batch += f" = {format_quantity(result.total_volume)}"
    say(console, f"Batch     {batch} to prepare "
                  f"({'scaled from the recipe parts' if result.form == 'parts' else 'from final concentrations'})")
    console.print()
    table = TextTable([Column("Ingredient", wrap=True), Column("Stock", "right"), Column("Draw", "right"),
                       Column("Amount", "right"), Column("Final", "right"), Column("Vials", "right"),
                       Column("Left over", "right")])
    for i in result.ingredients:
        table.add_row(i.agent.name, format_quantity(i.stock), format_quantity(i.draw), format_quantity(i.amount),
                      format_quantity(i.final), str(i.vials) if i.vials is not None else "—",
                      format_quantity(i.left_over) if i.left_over is not None else "—")
    table.add_row(result.diluent_name, "—", format_quantity(result.diluent_volume), "—", "—", "—", "—")
    # the calculations below the table, one per line, so the table keeps one layout at any width
    table.notes = [f"{i.agent.name}: {draw_calculation(result, i)}" for i in result.ingredients]
    table.notes.append(f"{result.diluent_name}: {diluent_calculation(result)}")
    print_table(table, console)
    bud = result.beyond_use
    if bud is not None:
        rule = bud.rule
        what = "immediate use" if rule.category == "immediate-use" else f"category {rule.category}"
        say(console, f"Beyond use {clock(bud.until)}  ({what}, {storage_text(rule.storage)}: "
                      f"{limit_text(rule.limit)} after {clock(bud.prepared)})", indent=11)  # under the date
        if not rule.confirmed:
            console.print(Text("UNCONFIRMED beyond-use limit: check it against USP <797> Tables 13-14 before use",
                               style="bold red"))
    print_wrapped(Text(f"Label     {label_text(result)}"), console, indent=10)
    if result.warnings:
        console.print()
        for w in result.warnings:
            print_wrapped(Text(f"{SEVERITY_MARK.get(w.severity, '!')} {w.code}: {w.message}",
                               style=SEVERITY_STYLE.get(w.severity, "")), console, indent=2)
