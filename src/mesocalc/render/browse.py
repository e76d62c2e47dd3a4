"""`mesocalc agents|cocktails|areas|conditions [ID]`: the library's items as tables or as one JSON document."""

from __future__ import annotations

from typing import Any

from mesocalc.core import model as m


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


def present_browse(kind: str, items: list[Any], library: m.Library, single: bool, json_out: bool) -> None:
    """`--json`: the document of browse_doc; otherwise the tables."""
    if json_out:
        from mesocalc.render.present import emit_json

        emit_json(browse_doc(kind, items, library, single))
    else:
        render_browse(kind, items, library, single)


def present_conditions(items: list[Any], library: m.Library, single: bool, json_out: bool) -> None:
    """`mesocalc conditions [TERM]`: one condition (kind `condition`) or the vocabulary (kind `conditions`)."""
    from mesocalc.render import conditions as rc

    if json_out:
        from mesocalc.render.jsondoc import VERSION
        from mesocalc.render.present import emit_json

        if single:
            emit_json({"kind": "condition", "version": VERSION, **rc.condition_item(items[0], library)})
        else:
            emit_json({"kind": "conditions", "version": VERSION,
                       "items": [rc.condition_item(c, library) for c in items]})
        return
    from mesocalc.render import table as t

    rc.render_conditions(items, library, t.make_console())
