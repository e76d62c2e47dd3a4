"""The README's Layout section lists every module of the package exactly once, and nothing that is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "mesocalc"


def layout_entries() -> list[str]:
    """The paths the Layout block names: indentation (two spaces a level) nests an entry in the folder above."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^## Layout\n.*?^```\n(.*?)^```", readme, re.S | re.M)
    assert block, "README.md has no Layout section with a code block"
    folders: list[str] = []
    entries = []
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        name = line.split()[0]
        folders = folders[:depth]
        entries.append("".join(folders) + name)
        if name.endswith("/"):
            folders.append(name)
    return entries


def test_every_module_is_listed_once():
    entries = layout_entries()
    modules = sorted(f"src/mesocalc/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*.py"))
    listed = [e for e in entries if e.endswith(".py") and e.startswith("src/mesocalc/")]
    assert sorted(set(listed)) == sorted(listed), "a module is listed twice"
    assert sorted(listed) == modules, (f"missing from the README layout: {sorted(set(modules) - set(listed))}; "
                                       f"listed but gone: {sorted(set(listed) - set(modules))}")


def test_every_listed_path_exists():
    for entry in layout_entries():
        assert (ROOT / entry).exists(), f"README layout names {entry}, which does not exist"
