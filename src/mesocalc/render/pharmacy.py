"""Human output for the pharmacist's commands: `compound` recipes and `convert`."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mesocalc.compound import CompoundResult, diluent_calculation, draw_calculation, limit_text
from mesocalc.render.table import SEVERITY_MARK, SEVERITY_STYLE
from mesocalc.render.worksheet import label_text, storage_text
from mesocalc.units import format_quantity


def render_compound(result: CompoundResult, console: Console) -> None:
    cocktail = result.cocktail
    console.print(Text(f"{cocktail.name} ({cocktail.id})", style="bold"))
    batch = format_quantity(result.requested_volume)
    if result.overfill is not None and result.overfill.value > 0:
        batch += f" + {format_quantity(result.overfill)} overfill"
    console.print(f"Batch     {batch} = {format_quantity(result.total_volume)} to prepare "
                  f"({'scaled from the recipe parts' if result.form == 'parts' else 'from final concentrations'})")
    console.print()
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header, justify in (("Ingredient", "left"), ("Stock", "right"), ("Draw", "right"), ("Amount", "right"),
                            ("Final", "right"), ("Vials", "right"), ("Left over", "right"), ("Calculation", "left")):
        table.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for i in result.ingredients:
        table.add_row(i.agent.name, format_quantity(i.stock), format_quantity(i.draw), format_quantity(i.amount),
                      format_quantity(i.final), str(i.vials) if i.vials is not None else "—",
                      format_quantity(i.left_over) if i.left_over is not None else "—", draw_calculation(result, i))
    table.add_row(result.diluent_name, "—", format_quantity(result.diluent_volume), "—", "—", "—", "—",
                  diluent_calculation(result))
    console.print(table)
    bud = result.beyond_use
    if bud is not None:
        rule = bud.rule
        what = "immediate use" if rule.category == "immediate-use" else f"category {rule.category}"
        console.print(f"Beyond use {bud.until.isoformat(sep=' ')}  ({what}, {storage_text(rule.storage)}: "
                      f"{limit_text(rule.limit)} after {bud.prepared.isoformat(sep=' ')})")
        if not rule.confirmed:
            console.print(Text("UNCONFIRMED beyond-use limit: check it against USP <797> Tables 13-14 before use",
                               style="bold red"))
    console.print(f"Label     {label_text(result)}")
    if result.warnings:
        console.print()
        for w in result.warnings:
            console.print(Text(f"{SEVERITY_MARK.get(w.severity, '!')} {w.code}: {w.message}",
                               style=SEVERITY_STYLE.get(w.severity, "")))
