"""The compounding worksheet (`compound --worksheet FILE.md|.html`): a record a second person can verify.

One list of blocks (headings, paragraphs, tables, lists) rendered as Markdown or HTML. Every string
that came from a user or a library file is escaped in HTML.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mesocalc.core.compound import CompoundResult, diluent_calculation, draw_calculation, limit_text
from mesocalc.core.model import Storage
from mesocalc.errors import Location, input_error
from mesocalc.render.words import glue_units
from mesocalc.textsafe import markdown_text, visible
from mesocalc.units import format_quantity

BLANK = "______________"
CHECKBOX = "[ ]"  # the verifying pharmacist ticks it


@dataclass(frozen=True)
class Block:
    kind: str  # h1 | h2 | p | table | list
    text: str = ""
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    items: tuple[str, ...] = ()


def blocks(result: CompoundResult) -> list[Block]:
    cocktail = result.cocktail
    bud = result.beyond_use
    prepared = clock(bud.prepared) if bud else BLANK
    batch = format_quantity(result.requested_volume)
    if result.overfill is not None and result.overfill.value > 0:
        batch += f" + {format_quantity(result.overfill)} overfill = {format_quantity(result.total_volume)}"
    out = [
        Block("h1", f"Compounding worksheet: {cocktail.name}"),
        Block("list", items=(f"Preparation: {cocktail.name} ({cocktail.id})",
                             f"Date and time of preparation: {prepared}",
                             f"Batch volume: {batch}", f"Patient: {result.patient.id if result.patient else BLANK}",
                             "Volumes are taken as additive.")),
        Block("h2", "Ingredients"),
        Block("table", headers=("Ingredient", "Stock concentration", "Stock vial", "Lot", "Expiry", "Volume to draw",
                                "Calculation", "Amount", "Vials (left over)", "Checked"),
              rows=(*(
                  (i.agent.name, format_quantity(i.stock), i.stock_label or i.stock_id or "—", BLANK, BLANK,
                   format_quantity(i.draw), draw_calculation(result, i), format_quantity(i.amount),
                   f"{i.vials} ({format_quantity(i.left_over)})" if i.vials is not None and i.left_over is not None
                   else "vial size not in the library", CHECKBOX)
                  for i in result.ingredients),
                  (result.diluent_name, "—", "—", BLANK, BLANK, format_quantity(result.diluent_volume),
                   diluent_calculation(result), "—", "—", CHECKBOX))),
        Block("h2", "Final concentrations"),
        Block("table", headers=("Agent", "Final concentration", "Calculation"),
              rows=tuple((i.agent.name, format_quantity(i.final),
                          f"C1 × V1 / V2 = {format_quantity(i.stock)} × {format_quantity(i.draw)} / "
                          f"{format_quantity(result.total_volume)} = {format_quantity(i.final)}")
                         for i in result.ingredients)),
        Block("h2", "Checks and warnings"),
        Block("list", items=tuple(
            [f"{ch.agent}: final concentration {format_quantity(ch.actual) if ch.actual else '—'} against "
             f"the cap {format_quantity(ch.limit.max)}: {ch.status}" for ch in result.checks]
            + [f"[{w.severity}] {w.code}: {w.message}" for w in result.warnings]) or ("no warnings",)),
        Block("h2", "Beyond-use date and storage"),
    ]
    if bud is None:
        out.append(Block("p", f"No beyond-use date computed. Beyond-use date: {BLANK}  Storage: {BLANK}"))
    else:
        rule = bud.rule
        what = "immediate use" if rule.category == "immediate-use" else f"category {rule.category}, {rule.storage}"
        source = bud.source
        items = [f"Beyond-use date: {clock(bud.until)} ({what}: {limit_text(rule.limit)} "
                 f"after {clock(bud.prepared)})",
                 f"Storage: {storage_text(rule.storage)}",
                 f"Rule: {bud.table.name}" + (f"; source: {source.title} (confidence {source.confidence})"
                                               if source else "")]
        if not rule.confirmed:
            items.insert(0, "UNCONFIRMED LIMIT: not confirmed by any source; check against USP <797> "
                         "Tables 13-14 before use")
        out.append(Block("list", items=tuple(items)))
    out += [
        Block("h2", "Label"),
        Block("p", label_text(result)),
        Block("h2", "Sign-off"),
        Block("list", items=(f"Prepared by: {BLANK}  Date/time: {BLANK}",
                             f"Verified by: {BLANK}  Date/time: {BLANK}")),
    ]
    return out


def clock(moment: datetime) -> str:
    """A date and time as the label shows it: to the minute, without seconds or UTC offset."""
    return moment.strftime("%Y-%m-%d %H:%M")


STORAGE_TEXT: dict[str | None, str] = {Storage.ROOM: "controlled room temperature (20-25 °C)",
                                       Storage.FRIDGE: "refrigerated (2-8 °C)",
                                       Storage.FREEZER: "frozen (-25 to -10 °C)"}


def storage_text(storage: str | None) -> str:
    return STORAGE_TEXT.get(storage, storage) if storage is not None else "use immediately"


def label_text(result: CompoundResult) -> str:
    contents = ", ".join(f"{i.agent.name} {format_quantity(i.final)}" for i in result.ingredients)
    bud = result.beyond_use
    diluted = f" in {result.diluent_name}" if result.diluent_volume.value > 0 else ""
    parts = [f"{result.cocktail.name}: {contents}{diluted}",
             f"Total volume {format_quantity(result.total_volume)}"]
    if bud is not None:
        parts.append(f"Prepared {clock(bud.prepared)}")
        parts.append(f"Beyond use {clock(bud.until)}")
        parts.append(f"Store: {storage_text(bud.rule.storage)}")
    else:
        parts.append(f"Beyond use {BLANK}")
    parts.append(f"Lot {BLANK}")
    return ". ".join(parts) + "."


def to_markdown(items: list[Block]) -> str:
    # every text is escaped (textsafe.markdown_text): a name with a newline, '|', '<script>' or '<!--'
    # cannot add a row, a line or a heading, nor hide the rest of the record
    cell = markdown_text

    lines: list[str] = []
    for b in items:
        if b.kind == "h1":
            lines += [f"# {cell(b.text)}", ""]
        elif b.kind == "h2":
            lines += [f"## {cell(b.text)}", ""]
        elif b.kind == "p":
            lines += [cell(b.text), ""]
        elif b.kind == "list":
            lines += [f"- {cell(item)}" for item in b.items] + [""]
        elif b.kind == "table":
            lines.append("| " + " | ".join(cell(h) for h in b.headers) + " |")
            lines.append("|" + "---|" * len(b.headers))
            lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in b.rows]
            lines.append("")
    return "\n".join(lines)


# Print stylesheet: the page is A4 or US Letter; the tables take the page's width and wrap their text, so
# no column (least of all "Checked", the one the verifying pharmacist fills in) falls off the paper.
WORKSHEET_STYLE = """
@page { margin: 12mm; }
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 10pt; max-width: 60em;
       margin: 2em auto; color: #000; background: #fff; }
table { border-collapse: collapse; width: 100%; }
table { font-size: 9pt; }
td, th { border: 1px solid #666; padding: .2em .3em; text-align: left; vertical-align: top;
         overflow-wrap: break-word; hyphens: auto; }
th { background: #eee; }
td.blank { width: 4.5em; height: 1.6em; }
td.check { text-align: center; white-space: nowrap; }
tr { break-inside: avoid; }
thead { display: table-header-group; }
h1 { font-size: 15pt; } h2 { font-size: 12pt; margin-top: 1.2em; }
@media print { body { margin: 0; max-width: none; } }
"""


def to_html(items: list[Block]) -> str:
    def e(text: str) -> str:
        return html.escape(visible(text))

    title = next((b.text for b in items if b.kind == "h1"), "Compounding worksheet")

    def cell(text: str) -> str:
        if text == BLANK:  # a box to write in, not a line of underscores wider than the column
            return '<td class="blank"></td>'
        if text == CHECKBOX:
            return '<td class="check">&#9744;</td>'
        return f"<td>{glue_units(e(text), '&nbsp;')}</td>"

    body: list[str] = []
    for b in items:
        if b.kind in ("h1", "h2"):
            body.append(f"<{b.kind}>{e(b.text)}</{b.kind}>")
        elif b.kind == "p":
            body.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "list":
            body.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in b.items) + "</ul>")
        elif b.kind == "table":
            head = "".join(f"<th>{e(h)}</th>" for h in b.headers)
            rows = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in b.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(title)}</title>"
            f"<style>{WORKSHEET_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_worksheet(result: CompoundResult, path_text: str) -> Path:
    path = Path(path_text)
    suffix = path.suffix.lower()
    if suffix not in (".md", ".html", ".htm"):
        raise input_error(f"'{path_text}': a worksheet is written as .md or .html", Location(key="--worksheet"))
    content = to_markdown(blocks(result)) if suffix == ".md" else to_html(blocks(result))
    from mesocalc.system.outfile import write_atomically

    return write_atomically(path_text, content, "--worksheet")
