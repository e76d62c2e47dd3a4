"""Reading YAML safely into plain data plus a map of key path -> line.

Only the YAML composer is used (the C one where present): mesocalc builds plain values itself from
the node tree, so no YAML tag can construct an object, let alone run code. Input is bounded: file
size, nesting depth, and the number of nodes (so that an alias bomb cannot expand).
"""

from __future__ import annotations

from pathlib import Path
from sys import intern
from typing import Any

from mesocalc.errors import Location, MesocalcError, Problem
from mesocalc.record import Record, record

MAX_BYTES = 1_000_000
MAX_DEPTH = 40
MAX_NODES = 200_000

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


@record
class RawDocument(Record):
    """One YAML document as plain data, with the line of every key path (`limits[0].max`)."""

    file: str
    index: int
    data: Any
    lines: dict[str, int]
    line: int

    def where(self, path: str = "") -> Location:
        line = self.lines.get(path)
        probe = path
        while line is None and probe:
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
            line = self.lines.get(probe)
        # key paths ("limits[0].max") repeat in every document: one string each (a big library's memory)
        return Location(self.file, line if line is not None else self.line, intern(path) if path else None)


def read_text(path: Path, label: str | None = None) -> str:
    """A YAML input file's text: a regular file of at most MAX_BYTES, checked before it is read."""
    from mesocalc.system.boundedio import read_regular

    name = (label or str(path))[:200]
    return decode(read_regular(path, name, MAX_BYTES), name)


def decode(raw: bytes, name: str) -> str:
    if b"\0" in raw:
        raise MesocalcError(Problem("binary-file", "is a binary file, not YAML text", Location(name)))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise MesocalcError(
            Problem("invalid-utf8", f"invalid UTF-8 at byte {exc.start}", Location(name, line))
        ) from exc


def parse_documents(text: str, name: str) -> list[RawDocument]:
    """All documents of a YAML text, as RawDocuments; one clear error for malformed YAML."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    documents: list[RawDocument] = []
    try:
        for index, node in enumerate(yaml.compose_all(text, Loader=loader_class)):
            if node is None:
                continue
            lines: dict[str, int] = {}
            counter = [0]
            data = _plain(node, "", lines, 0, counter, name)
            documents.append(RawDocument(name, index, data, lines, node.start_mark.line + 1))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(filter(None, [exc.context, exc.problem])) or "malformed YAML"
        raise MesocalcError(Problem("bad-yaml", f"malformed YAML: {message}", Location(name, line))) from exc
    except yaml.YAMLError as exc:
        raise MesocalcError(Problem("bad-yaml", f"malformed YAML: {exc}", Location(name))) from exc
    except RecursionError as exc:
        raise MesocalcError(Problem("too-deep", "YAML nesting is too deep", Location(name))) from exc
    return documents


_STR = "tag:yaml.org,2002:str"
_NODE_TYPES: list[Any] = []  # yaml's MappingNode, SequenceNode, ScalarNode (set by the first parse)


def _node_types() -> list[Any]:
    if not _NODE_TYPES:
        import yaml

        _NODE_TYPES.extend((yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode))
    return _NODE_TYPES


def _plain(node: Any, path: str, lines: dict[str, int], depth: int, counter: list[int], name: str) -> Any:
    mapping, sequence, scalar = _NODE_TYPES or _node_types()
    counter[0] += 1
    line = node.start_mark.line + 1
    # the Location of a node is made only for an error (one per node cost ~1 s for a 20,000-file library)
    if counter[0] > MAX_NODES:
        raise MesocalcError(Problem("too-large", f"document expands to more than {MAX_NODES:,} values (alias bomb?)",
                                    Location(name, line, path or None)))
    if depth > MAX_DEPTH:
        raise MesocalcError(Problem("too-deep", f"nested more than {MAX_DEPTH} levels deep",
                                    Location(name, line, path or None)))
    if node.tag not in _PLAIN_TAGS:
        raise MesocalcError(Problem("bad-tag", f"YAML tag '{node.tag}' is not allowed (plain data only)",
                                    Location(name, line, path or None)))
    lines.setdefault(path, line)
    if isinstance(node, mapping):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise MesocalcError(Problem("bad-tag", "YAML merge keys (<<) are not allowed",
                                            Location(name, line, path or None)))
            if key_node.tag not in _PLAIN_TAGS:
                raise MesocalcError(Problem("bad-tag", f"YAML tag '{key_node.tag}' is not allowed (plain data only)",
                                            Location(name, key_node.start_mark.line + 1, path or None)))
            if not isinstance(key_node, scalar) or key_node.tag != _STR:
                raise MesocalcError(
                    Problem("bad-key", "keys must be plain words",
                            Location(name, key_node.start_mark.line + 1, path or None))
                )
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in result:
                raise MesocalcError(
                    Problem(
                        "duplicate-key",
                        f"key '{key}' appears twice (first on line {lines.get(child)})",
                        Location(name, key_node.start_mark.line + 1, child),
                    )
                )
            lines[child] = key_node.start_mark.line + 1
            if (type(value_node) is scalar and value_node.tag == _STR and counter[0] < MAX_NODES
                    and depth < MAX_DEPTH):
                # a plain text value (most of a library): what _plain and _scalar would do, without the call
                counter[0] += 1
                lines.setdefault(child, value_node.start_mark.line + 1)
                value = str(value_node.value)
                result[key] = _share(value) if len(value) <= 24 else value
                continue
            result[key] = _plain(value_node, child, lines, depth + 1, counter, name)
        return result
    if isinstance(node, sequence):
        items = []
        for i, item in enumerate(node.value):
            child = f"{path}[{i}]"
            lines[child] = item.start_mark.line + 1
            items.append(_plain(item, child, lines, depth + 1, counter, name))
        return items
    return _scalar(node, name, line, path)


_BOOLS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _scalar(node: Any, name: str, line: int, path: str) -> Any:
    value = str(node.value)
    tag = node.tag
    if tag == "tag:yaml.org,2002:int":
        text = value.replace("_", "")
        try:
            return int(text, 0) if text.lower().startswith(("0x", "0o", "0b")) else int(text)
        except ValueError:
            return value
    if tag == "tag:yaml.org,2002:float":
        if value.lstrip("+-").lower() in (".inf", ".nan"):
            raise MesocalcError(Problem("bad-number", f"'{value}' is not a finite number",
                                        Location(name, line, path or None)))
        try:
            number = float(value.replace("_", ""))
        except ValueError:
            return value
        if number != number or number in (float("inf"), float("-inf")):
            raise MesocalcError(Problem("bad-number", f"'{value}' is not a finite number",
                                        Location(name, line, path or None)))
        return number
    if tag == "tag:yaml.org,2002:bool":
        return _BOOLS.get(value.lower(), value)
    if tag == "tag:yaml.org,2002:null":
        return None
    # strings (short ones such as "session" or "hard" shared: a big library repeats them), and timestamps kept
    # as text (dates are parsed where they are used)
    return _share(value) if len(value) <= 24 else value


# Short texts repeat across a library's files ("session", "hard", a source id): one string for each, from the
# last few thousand distinct ones (words that repeat come back at once; most ids do not repeat). Not
# sys.intern: its table keeps the size of everything ever interned (3.8 MB after a 20,000-file library).
_SHARED: dict[str, str] = {}


def _share(value: str) -> str:
    if len(_SHARED) >= 4096:
        _SHARED.clear()
    return _SHARED.setdefault(value, value)
