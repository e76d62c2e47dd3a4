"""Loading libraries: layers of YAML folders, validated and cross-checked into a `Library`.

Layers, earliest first: the built-in `formulations/`, each folder in `MESOCALC_LIBRARY` (separated
like PATH), then each `--library DIR` in the order given. A later layer may redefine an id of an
earlier one (the output says so); the same id twice in one layer is an error naming both files.

The built-in library alone comes validated from the package (shipped/) or the user cache, keyed by the
content of every file (compiled.py). A library with folders of its own is validated file by file and
cached by its resolved folders (pack.py): an unchanged one is not read at all, an edited file is parsed
and validated again alone, and only the cross-checks it can change are run again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mesocalc import cache
from mesocalc.core import model as m
from mesocalc.errors import Location, MesocalcError, Problem
from mesocalc.library import kinds
from mesocalc.library.crosscheck import cross_check
from mesocalc.library.validate import Model, parse_interval, read_document
from mesocalc.library.yamlio import MAX_BYTES, RawDocument, decode, parse_documents, read_text
from mesocalc.system.boundedio import read_regular

__all__ = ["LoadResult", "builtin_dir", "cross_check", "library_dirs", "load_library", "parse_interval",
           "read_file_documents"]


def builtin_dir() -> Path:
    from mesocalc.system.paths import builtin_formulations

    return builtin_formulations()


def library_dirs(extra: list[str] | tuple[str, ...] = ()) -> list[Path]:
    dirs = [builtin_dir()]
    env = os.environ.get("MESOCALC_LIBRARY", "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p.strip()]
    dirs += [Path(p) for p in extra]
    return dirs


def layer_files(directory: Path) -> list[Path]:
    """Every `.yaml`/`.yml` entry of a library folder, in sub-folders too, whatever its type.

    Nothing is skipped silently (SPEC §3): an entry that is not a readable regular file (a folder named
    `x.yaml`, a dangling symlink, a FIFO) is returned like the others and refused when it is read, with
    its path; a sub-folder that cannot be listed is an error here. Symbolic links to folders are followed
    once (a loop of links is not followed again).
    """
    return [Path(name) for name in layer_names(directory)]


def layer_names(directory: Path) -> list[str]:
    """layer_files as strings (str of each Path), in Path order (by path components). Strings throughout:
    a 20,000-file folder listed as Path objects and sorted as Paths cost ~0.25 s."""
    name = str(directory)[:200]
    try:
        if not directory.exists():
            raise MesocalcError(Problem("no-such-library", "library folder does not exist", Location(name)))
        if not directory.is_dir():
            return [str(directory)]  # a single file given as a layer (or a FIFO, device: refused when read)
    except OSError as exc:  # a name too long, a loop of links
        raise MesocalcError(Problem("unreadable", f"cannot read library folder: {exc.strerror}",
                                    Location(name))) from exc
    files: list[str] = []
    seen: set[tuple[int, int]] = set()
    pending = [str(directory)]
    nested = False
    while pending:
        folder = pending.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            listed = os.listdir(folder)  # names only: faster than scandir's entries for 20,000 files
        except OSError as exc:
            raise MesocalcError(Problem("unreadable", f"cannot read library folder: {exc.strerror}",
                                        Location(folder[:200]))) from exc
        base = "" if folder == "." else folder + os.sep  # as str(Path(entry.path)) spells it
        for name in listed:
            if name.endswith((".yaml", ".yml")) and name.rfind(".") > 0:  # Path.suffix
                files.append(base + name)  # whatever it is: a folder or a FIFO by this name is refused when read
            elif _is_folder(base + name):
                pending.append(base + name)
                nested = True
    # one folder: sorting the strings is sorting the Paths (every name is the folder, a separator, a name)
    return sorted(files, key=_components) if nested else sorted(files)


def _components(name: str) -> list[str]:
    return name.split(os.sep)


def label_of(name: str, cut: int, is_builtin: bool, overlaps: bool) -> str:
    """How output names a library file: `formulations/...` for the built-in folder's, else its path as given."""
    if is_builtin and not os.path.islink(name):  # the built-in folder: no resolve() per file
        return f"formulations/{name[cut:]}"
    return _label(Path(name)) if overlaps else name


def _is_folder(path: str) -> bool:
    try:
        return os.path.isdir(path)  # follows a symlink to a folder
    except OSError:
        return False


def _label(path: Path) -> str:
    builtin = builtin_dir()
    try:
        return "formulations/" + str(path.resolve().relative_to(builtin))
    except ValueError:
        return str(path)


def read_file_documents(path: Path, label: str | None = None) -> list[RawDocument]:
    return parse_documents(read_text(path, label), label or str(path))


@dataclass
class LoadResult:
    library: m.Library
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # A library known to be without errors whose problems (warnings) are read only when asked for: the
    # index of a big library (pack.py) may hold thousands of warnings that a plan never shows.
    stored_warnings: Callable[[], list[Problem]] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.stored_warnings is not None:
            del self.problems  # read from stored_warnings on first use (__getattr__)

    def __getattr__(self, name: str) -> Any:
        if name == "problems" and self.stored_warnings is not None:
            self.problems = self.stored_warnings()
            return self.problems
        raise AttributeError(name)

    @property
    def errors(self) -> list[Problem]:
        if self.stored_warnings is not None and "problems" not in self.__dict__:
            return []
        return [p for p in self.problems if p.severity == "error"]


def _raw_layers(dirs: list[Path], problems: list[Problem],
                validated: list[LoadResult] | None = None) -> tuple[list[list[RawDocument]], list[str], str]:
    """Every layer's raw documents and the content key; YAML parsing skipped when the cache holds the same
    content. When `validated` is given and the validated library of this content is cached, it is appended
    there and no documents are returned. Unchanged files are recognised by their status (fingerprint.py),
    so a warm run reads only the files that changed."""
    layers = _scan(dirs, problems, trust_status=validated is not None)
    key, files = _content_key(layers), [e[1] for layer in layers for e in layer]
    if validated is not None and not problems:
        from mesocalc.library import compiled

        found = compiled.load(key)
        if found is not None:
            validated.append(LoadResult(*found))
            return [], files, key
    if any(e[2] is None for layer in layers for e in layer):  # not read yet: read every file now
        problems.clear()
        layers = _scan(dirs, problems, trust_status=False)
        key, files = _content_key(layers), [e[1] for layer in layers for e in layer]
    name = f"library-{key}.json"
    stored = cache.read_json(name)
    if isinstance(stored, list) and len(stored) == len(layers):
        try:
            return [[RawDocument(d[0], d[1], d[2], d[3], d[4]) for d in layer] for layer in stored], files, key
        except (IndexError, TypeError, KeyError):
            pass
    out: list[list[RawDocument]] = []
    clean = True
    for layer in layers:
        docs: list[RawDocument] = []
        for _path, label, maybe_raw, _digest in layer:
            raw = maybe_raw or b""  # every file was read above
            if len(raw) > 1_000_000:
                problems.append(Problem("file-too-large", f"file is {len(raw):,} bytes; the limit is 1,000,000",
                                        Location(label)))
                clean = False
                continue
            try:
                docs.extend(parse_documents(decode(raw, label), label))
            except MesocalcError as exc:
                problems.extend(exc.problems)
                clean = False
        out.append(docs)
    if clean and sum(len(docs) for docs in out) <= KEEP_PARSED_DOCS:
        _parsed[key] = out  # stored by load_library only if validation then fails (see there)
    return out, files, key


_parsed: dict[str, list[list[RawDocument]]] = {}
# Parsed documents kept for the parsed-YAML entry of a library with errors: up to this many (beyond, they
# are released one by one as they are validated, so a 20,000-document library's peak memory stays lower).
KEEP_PARSED_DOCS = 2_000


def _scan(dirs: list[Path], problems: list[Problem],
          trust_status: bool) -> list[list[tuple[str, str, bytes | None, str]]]:
    """(path, label, bytes or None if not read, content digest) of every file of every layer."""
    from mesocalc.library.fingerprint import Manifest

    layers: list[list[tuple[str, str, bytes | None, str]]] = []
    builtin = builtin_dir()
    for directory in dirs:
        entries: list[tuple[str, str, bytes | None, str]] = []
        # Resolving every file of a 1,000-file library costs ~50 ms: only a layer that overlaps the
        # built-in folder needs its files' labels made relative to it.
        resolved = directory.resolve()
        overlaps = resolved == builtin or builtin in resolved.parents or resolved in builtin.parents
        manifest = Manifest(str(resolved))
        prefix = len(str(directory)) + 1
        is_builtin = resolved == builtin
        # every .yaml/.yml entry, whatever its type: one that is not a readable regular file is refused below
        for name in layer_names(directory):
            if is_builtin and not os.path.islink(name):  # the built-in folder: no resolve() per file
                label = f"formulations/{name[prefix:]}"
            else:
                label = _label(Path(name)) if overlaps else name
            relative = name[prefix:] or os.path.basename(name)
            known = manifest.digest(relative, name) if trust_status else None
            if known is not None:
                entries.append((name, label, None, known))
                continue
            try:
                # stat first (a file changed after this is read again next time); a dangling link or a FIFO
                # is refused by the reader with its own words
                info: os.stat_result | None = stat_or_none(name)
                raw = read_regular(name, label, MAX_BYTES)  # a regular file under the size limit (boundedio)
                info = info or os.stat(name)
            except OSError as exc:
                problems.append(Problem("unreadable", f"cannot read file: {exc.strerror}", Location(label)))
                continue
            except MesocalcError as exc:  # a folder named x.yaml, a FIFO, a device, a file over the limit
                problems.extend(exc.problems)
                continue
            digest = cache.content_key(raw)
            manifest.remember(relative, info, digest)
            entries.append((name, label, raw, digest))
        manifest.save()
        layers.append(entries)
    return layers


def stat_or_none(name: str) -> os.stat_result | None:
    """os.stat(name), or None where it fails (the file is then read, or refused, with its own words)."""
    try:
        return os.stat(name)
    except OSError:
        return None


def _content_key(layers: list[list[tuple[str, str, bytes | None, str]]]) -> str:
    return cache.content_key("digests", *(part for layer in layers for e in layer for part in (e[1], e[3])),
                             "|layers|", *(str(len(layer)) for layer in layers))


def load_library(extra: list[str] | tuple[str, ...] = (), dirs: list[Path] | None = None) -> LoadResult:
    """Load, validate and cross-check the layered library. Problems are collected, not raised."""
    dirs = dirs if dirs is not None else library_dirs(extra)
    if dirs != [builtin_dir()]:  # folders of its own: validated file by file, cached by folder (pack.py)
        from mesocalc.library import pack

        return pack.load(dirs)  # type: ignore[no-any-return]
    problems: list[Problem] = []
    validated: list[LoadResult] = []
    raw_layers, files, content = _raw_layers(dirs, problems, validated)
    if validated:
        return validated[0]
    tables: dict[str, dict[str, Model]] = {k: {} for k in kinds.NAMES}
    origin: dict[tuple[str, str], Location] = {}
    overrides: list[str] = []
    release = content not in _parsed  # a big library: each parsed document is dropped once validated
    for docs in raw_layers:
        seen_here: dict[tuple[str, str], Location] = {}
        for index, doc in enumerate(docs):
            if release:
                docs[index] = None  # type: ignore[call-overload]
            obj = read_document(doc, problems)
            if obj is None:
                continue
            kind = kinds.kind_of(obj).name
            key = (kind, obj.id)
            where = obj.where
            if key in seen_here:
                first = seen_here[key]
                problems.append(Problem("duplicate-id", f"{kind} id '{obj.id}' is defined twice in one layer "
                                        f"(also at {first.prefix()})", Location(where.file, where.line, "id")))
                continue
            seen_here[key] = where
            if key in origin:
                overrides.append(f"{kind} '{obj.id}' from {where.file} replaces the one in {origin[key].file}")
            origin[key] = where
            tables[kind][obj.id] = obj
    library = m.Library(**{kind.table: tables[kind.name] for kind in kinds.REGISTRY},  # type: ignore[arg-type]
                        overrides=tuple(overrides))
    problems.extend(cross_check(library))
    result = LoadResult(library, problems, files)
    parsed = _parsed.pop(content, None)
    if not result.errors:
        from mesocalc.library import compiled

        compiled.store(content, library, problems, files)
    elif parsed is not None:
        # A library with errors is not stored validated; its parsed YAML is, so that running `check` again
        # on the same files skips the YAML parser. A clean library's validated entry covers it instead.
        cache.write_json(f"library-{content}.json",
                         [[[d.file, d.index, d.data, d.lines, d.line] for d in layer] for layer in parsed])
    return result
