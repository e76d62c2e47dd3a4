"""`mesocalc conditions`: the patient vocabulary as JSON items and as a table."""

from __future__ import annotations

from typing import Any

from mesocalc.core import model as m


def named_by(condition_id: str, library: m.Library) -> list[dict[str, str]]:
    """The agents whose contraindications or cautions name this condition."""
    out = []
    for agent in sorted(library.agents.values(), key=lambda a: a.id):
        for rule_kind, rules in (("contraindication", agent.contraindications), ("caution", agent.cautions)):
            out += [{"agent": agent.id, "rule": rule_kind, "severity": r.severity}
                    for r in rules if r.condition == condition_id]
    return out


def condition_item(condition: m.Condition, library: m.Library) -> dict[str, Any]:
    source = library.source_for(condition.source, condition)
    return {
        "id": condition.id,
        "name": condition.name,
        "synonyms": list(condition.synonyms),
        "age_under": condition.age_under,
        "age_from": condition.age_from,
        "excipients": list(condition.excipients),
        "source": None if source is None else {"id": source.id, "title": source.title, "url": source.url,
                                               "confidence": source.confidence},
        "note": condition.note,
        "named_by": named_by(condition.id, library),
        "file": condition.where.file,
    }


def render_conditions(conditions: list[m.Condition], library: m.Library, console: Any) -> None:
    from rich.text import Text

    from mesocalc.render.textgrid import Column, TextTable, print_table

    table = TextTable([Column("Id"), Column("Name", wrap=True), Column("Synonyms", wrap=True),
                       Column("Named by", wrap=True)])
    for condition in conditions:
        agents = sorted({f"{n['agent']} ({n['rule']})" for n in named_by(condition.id, library)})
        extra = []
        if condition.age_under is not None:
            extra.append(f"age under {condition.age_under}")
        if condition.age_from is not None:
            extra.append(f"age {condition.age_from} or more")
        if condition.excipients:
            extra.append("excipients: " + ", ".join(condition.excipients))
        synonyms = ", ".join(condition.synonyms) or "—"
        # library text is shown as text, never read as markup
        table.add_row(*(Text(cell) for cell in (condition.id, condition.name, "; ".join([synonyms, *extra]),
                                                 ", ".join(agents) or "—")))
    print_table(table, console)
