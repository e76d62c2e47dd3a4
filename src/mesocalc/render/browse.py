"""`mesocalc agents|cocktails|areas [ID]`: the library's items as tables or as one JSON document."""

from __future__ import annotations

from typing import Any

from mesocalc import model as m


def browse_doc(kind: str, items: list[Any], library: m.Library, single: bool) -> dict[str, Any]:
    """`--json`: one item (kind `agent`, `cocktail`, `area`) or the list (kind `agents`, ...)."""
    from mesocalc.render import jsondoc

    def item(obj: Any) -> dict[str, Any]:
        if kind == "agents":
            return jsondoc.agent_item(obj, library)
        if kind == "cocktails":
            return jsondoc.cocktail_item(obj)
        return jsondoc.area_item(obj)

    if single:
        return {"kind": kind[:-1], "version": jsondoc.VERSION, **item(items[0])}
    return {"kind": kind, "version": jsondoc.VERSION, "items": [item(x) for x in items]}


def render_browse(kind: str, items: list[Any], library: m.Library, single: bool) -> None:
    """The tables (or one item in full) on stdout."""
    from mesocalc.render import table as t

    console = t.make_console()
    if kind == "agents":
        if single:
            t.render_agent(items[0], library, console)
        else:
            t.render_agents(items, console)
    elif kind == "cocktails":
        if single:
            t.render_cocktail(items[0], console)
        else:
            t.render_cocktails(items, console)
    else:
        t.render_areas(items, console)
