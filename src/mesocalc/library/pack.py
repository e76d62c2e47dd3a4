"""A layered library with folders of its own (`--library`, MESOCALC_LIBRARY), validated file by file and
kept in the user cache, so that an unchanged library is not read again and an edited one is validated
again only where it changed.

A library here is the list of its layers' resolved folders: a relative and an absolute path to the same
folder share every entry. Its entries (K: the resolved folders, the cache format and the validating code):

- `validated-5-index-K.json`, what a command needs: the small tables (areas, sources, ...), where the text
  of each agent and cocktail is, and the *status key* of the files it was built from (their relative
  names, sizes, modification and change times, inodes, devices). A run whose files have the same status
  key uses it without reading any library file; an agent or cocktail is decoded when a command uses it.
- `validated-5-warnings-D.json`: the library's warnings (D: their digest), read only when asked for (check).
- `docs-D.json`: chunks of documents' JSON texts (D: their digest), read when one of their documents is used.
- `library-K.json`, the build: for each file its content digest and its documents (kind, id, line,
  problems, where their text is), and for each agent and cocktail the problems of its cross-checks with
  the entries they looked up. A run whose status key differs reads this: files with the digest they had
  are not parsed or validated again, and a document is cross-checked again only if it changed or one of
  the entries it looked up changed (library/crosscheck.py); all the rest is recalled.

Everything a file label holds is stored with the layer's folder as written replaced by a mark (NUL, the
layer number, NUL) and put back when read, so the output names files as the command line gave them.
Every entry is sealed like any cache entry (cache.py): a damaged or foreign one is ignored, and a chunk
found damaged when a document is used makes the library be validated afresh. The status key is recorded
only when every file's times are settled (fingerprint.SETTLED_NS in the past): a file edited within the
clock tick of the read, with the same size, would otherwise keep its old status; until it settles, each
run compares content digests (library/fingerprint.py reads and hashes the files whose status changed).
Trusting the status is about the library files only (are they the ones the index was built from? a write
always moves the change time forward); the cache's own content is still guarded by each entry's seal, so
a matching status can never make a damaged or swapped entry be used.
Chunks no longer used by a library are deleted when its index is rewritten, and the cache folder as a
whole is kept under cache.MAX_TOTAL_BYTES (cache.prune).
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

from mesocalc import cache
from mesocalc.core import model as m
from mesocalc.errors import Location, MesocalcError, Problem
from mesocalc.library import compiled, kinds

FORMAT = "pack-1"
CHUNK_BYTES = 512 * 1024
TABLES = {kind.name: kind.table for kind in kinds.REGISTRY}
LAZY = ("agents", "cocktails")
# no problems: one list shared by the 20,000 file and document records of a big library (never added to)
NONE: list[Problem] = []
NO_ROWS: list[list[Any]] = []  # the same for the 40,000 cross-checks of a big library that find nothing
# how many documents were parsed and validated by the last load (tests assert on it, not on time)
STATS = {"parsed_files": 0, "validated_documents": 0, "checked_documents": 0, "from_index": 0}


@dataclass(slots=True)
class File:
    layer: int
    path: str
    label: str
    relative: str
    digest: str | None = None
    raw: bytes | None = None
    problems: list[Problem] = field(default_factory=lambda: NONE)  # from parsing it
    docs: list[Doc] = field(default_factory=list)
    record: list[Any] | None = None  # as stored by an earlier run, if its content is the same
    info: os.stat_result | None = None  # its status when the folder was listed


@dataclass(slots=True)
class Doc:
    kind: str | None  # None: the document did not validate
    id: str
    line: int | None
    problems: list[Problem]
    sig: str = ""  # digest of its stored text
    text: str | None = None  # its stored text, if validated in this run
    obj: Any = None  # its model object, if validated in this run
    chunk: str = ""  # where the stored text is, if validated in an earlier run
    start: int = 0
    end: int = 0
    aliases: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    layer: int = 0
    file: str = ""


class Layers:
    """The folders of a library, their files (listed, not read) and the status key of those files."""

    def __init__(self, dirs: list[Path]) -> None:
        from mesocalc.library import builtin_dir, layer_names

        builtin = builtin_dir()
        self.dirs = dirs
        self.prefixes: list[str] = []
        self.resolved: list[str] = []
        self.layers: list[tuple[list[str], list[str], list[os.stat_result] | None, bool, bool]] = []
        parts: list[bytes] = [FORMAT.encode()]
        shapes: list[str] = []
        newest = 0
        for directory in dirs:
            resolved = directory.resolve()
            prefix = str(directory)
            self.prefixes.append(prefix)
            self.resolved.append(str(resolved))
            is_builtin = resolved == builtin
            overlaps = is_builtin or builtin in resolved.parents or resolved in builtin.parents
            shapes.append("overlaps" if overlaps else "dot" if prefix == "." else "plain")
            names = layer_names(directory)
            # each file's name inside the layer folder (also for a layer that is one file, and for ".")
            cut, inside = len(prefix) + 1, prefix + os.sep
            relatives = [name[cut:] if name.startswith(inside) else name if prefix == "." else os.path.basename(name)
                         for name in names]
            parts += [f"\0layer\0{resolved}\0".encode(), "\n".join(relatives).encode("utf-8", "surrogateescape")]
            try:
                infos: list[os.stat_result] | None = _stat_all(prefix, names, relatives)
            except OSError:  # a dangling link, a file just deleted: no status key (read, and refused, later)
                infos, newest = None, -1
            self.layers.append((names, relatives, infos, is_builtin, overlaps))
            if infos and newest >= 0:
                data, latest = _statuses(infos)
                parts.append(data)
                newest = max(newest, latest)
        settled = 0 <= newest <= time.time_ns() - _settled_ns()
        self.status = cache.content_key(b"".join(parts)) if settled else None
        # the entries' key: the resolved folders, and how each one's labels are made (a label is its path
        # as given, with the layer's mark in place of the folder, unless the folder is "." or overlaps the
        # built-in one: such labels are stored as they are, so those layers get entries of their own)
        # One folder inside another (`--library a --library a/b`): a file then has one label in two layers,
        # and a stored label could not say which layer's folder to put back; such libraries keep their
        # labels as they are, and their entries are keyed by the folders as given too.
        folders = [Path(r) for r in self.resolved]
        self.literal = any(one == other or one in other.parents
                           for i, one in enumerate(folders) for j, other in enumerate(folders) if i != j)
        literal = self.prefixes if self.literal else []
        self.key = cache.content_key(FORMAT, compiled.code_key(), *self.resolved, *shapes, *literal)
        self.patterns: list[tuple[str, str, str, str]] = []  # template_text's, per layer

    def labels(self) -> list[str]:
        """How output names each file (library.label_of), in order."""
        from mesocalc.library import label_of

        out: list[str] = []
        for prefix, (names, _, _, is_builtin, overlaps) in zip(self.prefixes, self.layers, strict=True):
            cut = len(prefix) + 1
            out += [label_of(name, cut, is_builtin, overlaps) for name in names] if overlaps else names
        return out

    def files(self) -> list[File]:
        labels = iter(self.labels())
        out: list[File] = []
        for number, (names, relatives, infos, _, _) in enumerate(self.layers):
            statuses: list[os.stat_result | None] = list(infos) if infos is not None else [None] * len(names)
            out += [File(number, name, next(labels), relative, info=info)
                    for name, relative, info in zip(names, relatives, statuses, strict=True)]
        # the statuses are handed on to the files (and dropped there once used): 20,000 of them
        self.layers = [(names, relatives, None, builtin, overlaps)
                       for names, relatives, _, builtin, overlaps in self.layers]
        return out

    def template(self, label: str, layer: int) -> str:
        """A file label with its layer's folder as written replaced by the mark (see the module doc)."""
        if self.literal:
            return label
        prefix = self.prefixes[layer]
        if label == prefix:
            return f"\0{layer}\0"
        if label.startswith(prefix + "/"):
            return f"\0{layer}\0{label[len(prefix):]}"
        return label

    def template_text(self, text: str, layer: int) -> str:
        """The same for every Location in a stored JSON text (a mark no text can hold: NUL is escaped)."""
        if self.literal:
            return text
        while len(self.patterns) <= layer:
            number = len(self.patterns)
            prefix, head = self.prefixes[number], '["Location",'
            self.patterns.append((head + json.dumps(prefix + os.sep)[:-1], head + json.dumps(f"\0{number}\0/")[:-1],
                                  head + json.dumps(prefix) + ",", head + json.dumps(f"\0{number}\0") + ","))
        folder, folder_mark, file, file_mark = self.patterns[layer]
        return text.replace(folder, folder_mark).replace(file, file_mark)


def _stat_all(folder: str, names: list[str], relatives: list[str]) -> list[os.stat_result]:
    """os.stat of every name (following links, as reading the file will). Inside a folder, each is looked up
    from the folder's own descriptor by its name relative to it (a quarter less time than walking each full
    path: 20,000 files in ~37 ms instead of ~50); a layer that is one file, or a system without dir_fd, is
    stat'ed by its path. An OSError is raised as os.stat raises it."""
    if os.stat not in os.supports_dir_fd or not names or len(names) != len(relatives):
        return [os.stat(name) for name in names]
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # a layer that is one file (not a folder): by path
        return [os.stat(name) for name in names]
    try:
        if not stat.S_ISDIR(os.fstat(descriptor).st_mode):
            return [os.stat(name) for name in names]
        return [os.stat(relative, dir_fd=descriptor) for relative in relatives]
    finally:
        os.close(descriptor)


def _statuses(infos: list[os.stat_result]) -> tuple[bytes, int]:
    """Size, modification and change times (ns), inode and device of each file, as bytes to hash; and the
    latest of those times."""
    try:
        numbers = array.array("q", chain.from_iterable(map(_STATUS, infos)))
        return numbers.tobytes(), max(max(numbers[1::5]), max(numbers[2::5]))
    except OverflowError:  # an inode number above 2**63
        return ("\n".join(" ".join(map(str, _STATUS(i))) for i in infos).encode(),
                max(max(i.st_mtime_ns, i.st_ctime_ns) for i in infos))


_STATUS = attrgetter("st_size", "st_mtime_ns", "st_ctime_ns", "st_ino", "st_dev")


def _settled_ns() -> int:
    from mesocalc.library.fingerprint import SETTLED_NS

    return SETTLED_NS


def _index_name(key: str) -> str:
    return f"{compiled.FORMAT}-index-{key}.json"


def _build_name(key: str) -> str:
    return f"library-{key}.json"


def _seed_name() -> str:
    """The built-in layer's file records (layer 0 of every library over it, its labels stored as they are:
    the layer overlaps the built-in folder), by the code that validated them. A record is recalled only for
    a file whose content digest it names, like any build's; its texts are in the chunks it names, and a
    chunk that has gone makes the library be validated afresh (run_rows)."""
    from mesocalc.library import builtin_dir

    return f"seed-builtin-{cache.content_key(FORMAT, compiled.code_key(), str(builtin_dir()))}.json"


def load(dirs: list[Path]) -> Any:
    """The LoadResult of a library with folders of its own (see the module doc)."""
    from mesocalc.library import LoadResult

    for key in STATS:
        STATS[key] = 0
    problems: list[Problem] = []
    layers = Layers(dirs)
    index = _read_index(layers)
    if index is not None and layers.status is not None and index.get("status") == layers.status:
        found = _decode_index(index, layers)
        if found is not None:
            STATS["from_index"] = 1
            return found
    files = _digests(layers, problems)
    content = cache.content_key("content", *(f"{f.layer}\0{f.relative}\0{f.digest}" for f in files))
    if index is not None and not problems and index.get("content") == content:
        found = _decode_index(index, layers)
        if found is not None:
            if layers.status is not None:
                index["status"] = layers.status
                cache.write_json(_index_name(layers.key), index)
            STATS["from_index"] = 1
            return found
    build = Build(layers, files, problems, content)
    library, found = _without_gc(build.run_rows)
    if not any(_severity(p) == "error" for p in found):  # the warnings made Problems only if asked for
        return LoadResult(library, [], [f.label for f in files], lambda: build.problems_of(found))
    return LoadResult(library, build.problems_of(found), [f.label for f in files])


def _without_gc(run: Callable[[], Any]) -> Any:
    """run() with the cyclic garbage collector paused: validating a big library makes millions of objects and
    no reference cycles, and the collector's passes over them were ~13 % of a cold 10,000 + 10,000 run."""
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        return run()
    finally:
        if paused:
            gc.enable()


def _severity(problem: Problem | list[Any]) -> str:
    """A problem's severity, or a stored row's (unpack_problems)."""
    return problem[6] if type(problem) is list else problem.severity  # type: ignore[union-attr]


def _read_index(layers: Layers) -> dict[str, Any] | None:
    stored = cache.read_json(_index_name(layers.key))
    return stored if isinstance(stored, dict) else None


def _read_chunk(name: str) -> str | None:
    return cache.read_text(name) if name.startswith("docs-") else None


def _decode_index(index: dict[str, Any], layers: Layers) -> Any:
    """The LoadResult an index holds, or None if it is not what it should be."""
    from mesocalc.library import LoadResult

    hook = compiled.make_hook(layers.prefixes)

    try:
        chunks = index["chunks"]
        tables: dict[str, Any] = {}
        for table in LAZY:
            keys, spans = index[table]
            raw = compiled.Chunked(keys.split("\n") if keys else [], spans, chunks, _read_chunk)
            tables[table] = compiled._LAZY[table](raw, hook, _afresh(layers, table))
        small = json.loads(index["small"], object_hook=hook)
        prefixes = layers.prefixes
        overrides = tuple(f"{kind} '{ident}' from {compiled.untemplate(new, prefixes)} replaces the one "
                          f"in {compiled.untemplate(old, prefixes)}" for kind, ident, new, old in index["overrides"])
        library = m.Library(**tables, **small, overrides=overrides)
        warnings = index["warnings"]
        if not ((warnings is None or isinstance(warnings, str)) and all(isinstance(v, dict) for v in small.values())):
            return None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None

    def stored_warnings() -> list[Problem]:
        # An index is written for a library without errors only (Build._store), so until a command asks
        # for its warnings (check) they are not decoded.
        if warnings is None:
            return []
        text = cache.read_text(warnings)
        try:
            found = unpack_problems(json.loads(text), layers.prefixes) if text is not None else None
        except (ValueError, TypeError):
            found = None
        if found is None or any(p.severity == "error" for p in found):  # gone (pruned) or damaged
            return Build(layers, _digests(layers, []), [], "", reuse=False).run()[1]
        return found

    return LoadResult(library, [], layers.labels(), stored_warnings)


def _afresh(layers: Layers, table: str) -> Callable[[], Mapping[str, Any]]:
    """A library table validated afresh from the files, for a document whose stored text is gone or damaged."""
    done: list[Mapping[str, Any]] = []

    def fresh() -> Mapping[str, Any]:
        if not done:
            done.append(getattr(Build(layers, _digests(layers, []), [], "", reuse=False).run()[0], table))
        return done[0]

    return fresh


def _digests(layers: Layers, problems: list[Problem]) -> list[File]:
    """Every readable file with its content digest: unchanged files (by status, fingerprint.py) are not read."""
    from mesocalc.library import stat_or_none
    from mesocalc.library.fingerprint import Manifest
    from mesocalc.library.yamlio import MAX_BYTES
    from mesocalc.system.boundedio import read_regular

    out: list[File] = []
    manifests: dict[int, Manifest] = {}
    for f in layers.files():
        manifest = manifests.get(f.layer)
        if manifest is None:
            manifest = manifests[f.layer] = Manifest(layers.resolved[f.layer])
        f.digest = manifest.digest(f.relative, f.path, f.info)
        f.info = None
        if f.digest is None:
            try:
                # stat first (a file changed after this is read again next time); a dangling link or a FIFO
                # is refused by the reader with its own words
                info: os.stat_result | None = stat_or_none(f.path)
                f.raw = read_regular(f.path, f.label, MAX_BYTES)
            except OSError as exc:
                problems.append(Problem("unreadable", f"cannot read file: {exc.strerror}", Location(f.label)))
                continue
            except MesocalcError as exc:  # a folder named x.yaml, a FIFO, a device, a file over the limit
                problems.extend(exc.problems)
                continue
            f.digest = cache.content_key(f.raw)
            manifest.remember(f.relative, info, f.digest)
        out.append(f)
    for manifest in manifests.values():
        manifest.save()
    return out


def unpack_problems(rows: list[Any], prefixes: list[str]) -> list[Problem]:
    """Problems stored as [code, message, file, line, key, hint, severity] (file labels with the mark)."""
    if not isinstance(rows, list):
        raise ValueError("not a list of problems")
    return [Problem(code, message, Location(compiled.untemplate(file, prefixes) if file else file, line, key), hint,
                    severity) for code, message, file, line, key, hint, severity in rows]


class Watch(Mapping[str, Any]):
    """A library table that notes which entries a cross-check looked up ("*": it read them all)."""

    def __init__(self, table: str, inner: Mapping[str, Any], log: set[str]) -> None:
        self.table, self.inner, self.log = table, inner, log

    def __getitem__(self, key: str) -> Any:
        self.log.add(f"{self.table}\0{key}")
        return self.inner[key]

    def get(self, key: str, default: Any = None) -> Any:
        self.log.add(f"{self.table}\0{key}")
        return self.inner.get(key, default)

    def __contains__(self, key: object) -> bool:
        self.log.add(f"{self.table}\0{key}")
        return key in self.inner

    def __iter__(self) -> Iterator[str]:
        self.log.add(f"{self.table}\0*")
        return iter(self.inner)

    def __len__(self) -> int:
        self.log.add(f"{self.table}\0*")
        return len(self.inner)


# Documents decoded from chunks, by chunk name (the digest of the chunk's text), span, and the document's layer
# with that layer's folder as written (a stored text holds no other layer's mark: template_text): a process
# that builds several libraries over the same files (the Python API, a test suite: each new library over the
# built-in one recalls its ~130 documents) decodes each once. Looked up only once this load has read the
# chunk (its seal checked), so a chunk that has gone still makes the library be validated afresh. Bounded:
# emptied when full.
_DECODED: dict[tuple[str, int, int, int, str], Any] = {}
DECODED_SIZE = 4096


class Table(Mapping[str, Any]):
    """The documents of one kind, each decoded from its stored text (or taken as validated now) when used."""

    def __init__(self, docs: dict[str, Doc], hook: Any, texts: dict[str, str],
                 fallback: Callable[[], Mapping[str, Any]] | None = None, prefixes: tuple[str, ...] = ()) -> None:
        self.docs, self.hook, self.texts = docs, hook, texts
        self.done: dict[str, Any] = {}
        self.fallback = fallback  # the table validated afresh, if a chunk is gone (pruned since) or damaged
        self.prefixes = prefixes  # the layers' folders as written, which `hook` puts into file labels

    def __getitem__(self, key: str) -> Any:
        obj = self.done.get(key)
        if obj is None:
            doc = self.docs[key]
            obj = doc.obj
            if obj is None:
                text = self.texts.get(doc.chunk) or _read_chunk(doc.chunk)
                if text is not None:
                    self.texts[doc.chunk] = text
                if text is None or not 0 <= doc.start <= doc.end <= len(text):
                    if self.fallback is None:
                        raise compiled.Unavailable(doc.chunk)
                    return self.fallback()[key]
                known = (doc.chunk, doc.start, doc.end, doc.layer, self.prefixes[doc.layer])
                obj = _DECODED.get(known)
                if obj is None:
                    obj = json.loads(text[doc.start:doc.end], object_hook=self.hook)
                    if len(_DECODED) >= DECODED_SIZE:
                        _DECODED.clear()
                    _DECODED[known] = obj
            self.done[key] = obj
        return obj

    def __contains__(self, key: object) -> bool:
        return key in self.docs

    def __iter__(self) -> Iterator[str]:
        return iter(self.docs)

    def __len__(self) -> int:
        return len(self.docs)


class Stub:
    """What alias_clashes reads of an agent or cocktail, without decoding it."""

    __slots__ = ("aliases", "doc")

    def __init__(self, doc: Doc) -> None:
        self.aliases = doc.aliases
        self.doc = doc

    @property
    def where(self) -> Location:
        return Location(self.doc.file, self.doc.line)


class Build:
    """Validate what changed, recall the rest, cross-check, store (see the module doc)."""

    def __init__(self, layers: Layers, files: list[File], problems: list[Problem], content: str,
                 reuse: bool = True) -> None:
        self.layers, self.files, self.problems, self.content = layers, files, problems, content
        self.reuse = reuse  # False: validate every file, and keep the model objects (no chunk is relied on)
        self.hook = compiled.make_hook(layers.prefixes)
        self.layer_of = {f.label: f.layer for f in files}
        stored = cache.read_json(_build_name(layers.key)) if reuse else None
        self.old: dict[str, Any] = stored if isinstance(stored, dict) and stored.get("format") == FORMAT else {}
        # The built-in layer's file records from the last build of any library over it (see _seed_name): a
        # library seen for the first time (a new --library folder, each malformed file a test tries) recalls
        # the 35 built-in files instead of parsing and validating them again.
        self.builtin = bool(layers.layers) and layers.layers[0][3]
        self.seed: dict[str, Any] = {}
        if reuse and self.builtin and not self.old:
            seed = cache.read_json(_seed_name())
            if isinstance(seed, dict) and seed.get("format") == FORMAT and isinstance(seed.get("files"), dict):
                self.seed = seed["files"]

    def run(self) -> tuple[m.Library, list[Problem]]:
        library, found = self.run_rows()
        return library, self.problems_of(found)

    def problems_of(self, found: list[Any]) -> list[Problem]:
        """The problems, with those recalled as stored rows made Problems."""
        prefixes = self.layers.prefixes
        return [unpack_problems([p], prefixes)[0] if type(p) is list else p for p in found]

    def run_rows(self) -> tuple[m.Library, list[Any]]:
        """The library and its problems, the recalled cross-check ones as stored rows (unpack_problems): a
        library with thousands of warnings does not make them all Problems unless they are shown."""
        try:
            return self._run()
        except (compiled.Unavailable, ValueError, TypeError, KeyError, AttributeError, IndexError):
            if not self.old and not self.seed:
                raise
            self.old, self.seed = {}, {}  # a stored build that cannot be read back: validate every file afresh
            for f in self.files:
                f.docs, f.problems = [], []
            return self._run()

    def _run(self) -> tuple[m.Library, list[Any]]:
        old_files = self.old.get("files", {})
        self.new_chunks: list[str] = []
        self.pending: list[Doc] = []  # validated now, text not yet written in a chunk
        self.pending_size = 0
        for f in self.files:
            name = f"{f.layer}\0{f.relative}"
            stored = old_files.get(name)
            if stored is None and f.layer == 0:
                stored = self.seed.get(name)
            if isinstance(stored, list) and stored[0] == f.digest:
                self._recall(f, stored)
            else:
                self._validate(f)
        problems = list(self.problems)
        for f in self.files:
            problems += f.problems
        tables, overrides = self._tables(problems)
        library = self._library(tables, overrides)
        problems += self._cross_check(library, tables)
        clean = not any(_severity(p) == "error" for p in problems)
        self._store(tables, overrides, problems if clean else None, library)
        return library, problems

    def _tables(self, problems: list[Problem]) -> tuple[dict[str, dict[str, Doc]], list[list[str]]]:
        """The documents by table and id, a later layer's replacing an earlier one's (the overrides: kind, id,
        new file, old file); each document's problems, and a duplicate id within a layer's, added to problems."""
        tables: dict[str, dict[str, Doc]] = {table: {} for table in TABLES.values()}
        overrides: list[list[str]] = []
        for layer in range(len(self.layers.dirs)):
            seen_here: dict[str, dict[str, Doc]] = {table: {} for table in TABLES.values()}  # by table and id
            for f in self.files:
                if f.layer != layer:
                    continue
                for doc in f.docs:
                    problems += doc.problems
                    if doc.kind is None:
                        continue
                    table = TABLES[doc.kind]
                    first = seen_here[table].get(doc.id)
                    if first is not None:
                        problems.append(Problem("duplicate-id", f"{doc.kind} id '{doc.id}' is defined twice in one "
                                                f"layer (also at {Location(first.file, first.line).prefix()})",
                                                Location(f.label, doc.line, "id")))
                        continue
                    seen_here[table][doc.id] = doc
                    before = tables[table].get(doc.id)  # from an earlier layer
                    if before is not None:
                        overrides.append([doc.kind, doc.id, f.label or "", before.file or ""])
                    tables[table][doc.id] = doc
        return tables, overrides

    # ---- documents

    def _recall(self, f: File, stored: list[Any]) -> None:
        _, file_problems, docs = stored
        f.problems = unpack_problems(file_problems, self.layers.prefixes) if file_problems else NONE
        prefixes = self.layers.prefixes
        for kind, ident, line, doc_problems, sig, chunk, start, end, aliases, classes in docs:
            f.docs.append(Doc(kind, ident, line, unpack_problems(doc_problems, prefixes) if doc_problems else NONE,
                              sig, None, None, chunk, start, end, tuple(aliases), tuple(classes), f.layer, f.label))
        f.record = stored

    def _validate(self, f: File) -> None:
        from mesocalc.library.validate import read_document
        from mesocalc.library.yamlio import MAX_BYTES, decode, parse_documents
        from mesocalc.system.boundedio import read_regular

        STATS["parsed_files"] += 1
        raw = f.raw
        if raw is None:  # known by its status, not read yet
            try:
                raw = read_regular(f.path, f.label, MAX_BYTES)
            except MesocalcError as exc:
                f.problems = list(exc.problems)
                return
            f.digest = cache.content_key(raw)
        f.raw = None
        try:
            parsed = parse_documents(decode(raw, f.label), f.label)
        except MesocalcError as exc:
            f.problems = list(exc.problems)
            return
        del raw
        for number, raw_doc in enumerate(parsed):
            STATS["validated_documents"] += 1
            problems: list[Problem] = []
            obj = read_document(raw_doc, problems)
            if obj is None:
                f.docs.append(Doc(None, "", None, problems, layer=f.layer, file=f.label))
                continue
            text = self.layers.template_text(
                json.dumps(compiled.encode(obj), separators=(",", ":"), allow_nan=False), f.layer)
            # its text is made from the file's content by this code (the cache key's): the file's digest and
            # the document's number identify it
            doc = Doc(kinds.kind_of(obj).name, obj.id, obj.where.line, problems or NONE, f"{f.digest}:{number}", text,
                      obj, aliases=tuple(getattr(obj, "aliases", ())), classes=tuple(getattr(obj, "classes", ())),
                      layer=f.layer, file=f.label)
            f.docs.append(doc)
            self.pending.append(doc)
            self.pending_size += len(text)
            if self.pending_size >= CHUNK_BYTES:  # written now, so that a big library's texts are not all kept
                self._write_chunk()

    def _library(self, tables: dict[str, dict[str, Doc]], overrides: list[list[str]]) -> m.Library:
        built: dict[str, Any] = {}
        texts: dict[str, str] = {}  # chunks read, by name
        for table, docs in tables.items():
            lazy = Table(docs, self.hook, texts, prefixes=tuple(self.layers.prefixes))
            built[table] = lazy if table in LAZY else {key: lazy[key] for key in docs}
        text = tuple(f"{kind} '{ident}' from {new} replaces the one in {old}" for kind, ident, new, old in overrides)
        return m.Library(**built, overrides=text)

    # ---- cross-checks

    def _cross_check(self, library: m.Library, tables: dict[str, dict[str, Doc]]) -> list[Problem]:
        from mesocalc.library.crosscheck import cross_check

        old_tables = self.old.get("tables", {})
        changed: dict[str, set[str]] = {}
        for table, docs in tables.items():
            before = old_tables.get(table, {})
            changed[table] = {key for key in before.keys() | docs.keys()
                              if before.get(key) != (docs[key].sig if key in docs else None)}
        touched = {table for table, keys in changed.items() if keys}
        old_checks = self.old.get("checks", {})
        self.checks: dict[str, list[Any] | tuple[str, str, list[Any]]] = {}  # stored as JSON lists
        log: set[str] = set()
        fields: dict[str, Any] = {table: Watch(table, getattr(library, table), log) for table in TABLES.values()}
        watched = m.Library(**fields)

        def still(deps: str) -> bool:
            for dep in deps.split("\n") if deps else ():
                table, _, key = dep.partition("\0")
                if table in touched and (key == "*" or key in changed[table]):
                    return False
            return True

        shared: dict[str, str] = {}  # one text for the same look-ups (10,000 agents naming one condition)

        def part(table: str, key: str, name: str, check: Any) -> list[Problem]:
            doc = tables[table][key]
            ident = f"{table}\0{key}\0{name}"
            stored = old_checks.get(ident)
            if isinstance(stored, list) and stored[0] == doc.sig and still(stored[1]):
                self.checks[ident] = stored
                return stored[2]  # type: ignore[no-any-return]  # rows: made Problems only if shown
            STATS["checked_documents"] += 1
            log.clear()
            found: list[Problem] = check(watched, getattr(library, table)[key])
            rows = self._rows(found) if found else NO_ROWS
            if any("\n" in dep for dep in log):  # not an id (ids hold no newline): say it read everything
                log.update(f"{table}\0*" for table in TABLES.values())
                log.difference_update([dep for dep in log if "\n" in dep])
            deps = "\n".join(sorted(log))
            self.checks[ident] = (doc.sig, shared.setdefault(deps, deps), rows)  # a tuple: 40,000 of them
            return rows  # type: ignore[return-value]  # as recalled ones: Problems only if shown

        aliases = {table: {key: Stub(doc) for key, doc in tables[table].items()} for table in LAZY}
        classes = {c for doc in tables["agents"].values() for c in doc.classes}
        return cross_check(library, part, aliases, classes)

    def _rows(self, problems: list[Problem]) -> list[list[Any]]:
        """Problems as stored (unpack_problems): each file label with its layer's mark."""
        out = []
        for p in problems:
            where = p.where
            layer = self.layer_of.get(where.file) if where.file else None
            file = self.layers.template(where.file, layer) if where.file and layer is not None else where.file
            out.append([p.code, p.message, file, where.line, where.key, p.hint, p.severity])
        return out

    # ---- storing

    def _store(self, tables: dict[str, dict[str, Doc]], overrides: list[list[str]], problems: list[Any] | None,
               library: m.Library) -> None:
        directory = cache.usable_dir()
        if directory is None:
            return
        warnings: str | None = None
        self._write_chunk()  # the last one
        if self.reuse and all(os.path.exists(directory / name) for name in self.new_chunks):
            # every text is in a chunk: the agents and cocktails validated now are decoded again when used,
            # not kept (a 20,000-document library's model objects are most of its peak memory)
            for table in LAZY:
                lazy = getattr(library, table)
                lazy.done.clear()
                lazy.fallback = _afresh(self.layers, table)
                for doc in lazy.docs.values():
                    doc.obj = None
        layers = self.layers
        chunks = sorted({d.chunk for f in self.files for d in f.docs if d.kind is not None})
        number = {name: i for i, name in enumerate(chunks)}
        files = {}
        for f in self.files:
            files[f"{f.layer}\0{f.relative}"] = f.record or [
                f.digest, self._rows(f.problems) if f.problems else [],
                [[d.kind, d.id, d.line, self._rows(d.problems) if d.problems else [], d.sig, d.chunk, d.start, d.end,
                  list(d.aliases), list(d.classes)] for d in f.docs]]
        if problems is not None:
            index: dict[str, Any] = {"status": layers.status, "content": self.content, "chunks": chunks,
                                     "overrides": [[kind, ident, layers.template(new, self.layer_of[new]),
                                                    layers.template(old, self.layer_of[old])]
                                                   for kind, ident, new, old in overrides]}
            for table in LAZY:  # ids (which hold no newline) and spans as text: decoded in a few ms
                spans = "".join(compiled.span(number[doc.chunk], doc.start, doc.end) for doc in tables[table].values())
                index[table] = ["\n".join(tables[table]), spans]
            small = {table: dict(getattr(library, table)) for table in TABLES.values() if table not in LAZY}
            text = json.dumps(compiled.encode(small), separators=(",", ":"), allow_nan=False)
            for layer in sorted(range(len(layers.dirs)), key=lambda n: -len(layers.prefixes[n])):
                text = layers.template_text(text, layer)  # a folder inside another one's first
            index["small"] = text
            # the warnings apart, named by their content: a plan does not read them (check does)
            rows = [p if type(p) is list else self._rows([p])[0] for p in problems]

            def warning_parts() -> Iterator[str]:  # json.dumps(rows) a few hundred rows at a time (megabytes)
                for start in range(0, len(rows), 500):
                    text = json.dumps(rows[start:start + 500], separators=(",", ":"))
                    yield ("[" if start == 0 else ",") + text[1:-1]
                yield "]"

            warnings = f"{compiled.FORMAT}-warnings-{cache.text_key(warning_parts())}.json" if rows else None
            index["warnings"] = warnings
            if warnings is not None:
                cache.write_parts(warnings, warning_parts())
            cache.write_json(_index_name(layers.key), index)
        build = {"format": FORMAT, "files": files, "checks": self.checks, "chunks": chunks, "warnings": warnings,
                 "tables": {table: {key: doc.sig for key, doc in docs.items()} for table, docs in tables.items()}}

        def parts() -> Iterator[str]:  # a few hundred entries' JSON text at a time (a 20,000-file build is ~10 MB)
            for number, (key, value) in enumerate(build.items()):
                yield ("{" if number == 0 else ",") + json.dumps(key) + ":"
                if not isinstance(value, dict) or key == "tables":
                    yield json.dumps(value, separators=(",", ":"), allow_nan=False)
                    continue
                items = list(value.items())
                for start in range(0, max(len(items), 1), 500):
                    text = json.dumps(dict(items[start:start + 500]), separators=(",", ":"), allow_nan=False)[1:-1]
                    yield ("{" if start == 0 else ",") + text if text else "{"
                yield "}"
            yield "}"

        cache.write_parts(_build_name(layers.key), parts())
        if self.builtin:  # the built-in layer's records, for the next library over it that has no build yet
            cache.write_json(_seed_name(), {"format": FORMAT, "files": {
                name: record for name, record in files.items() if name.startswith("0\0")}})
        gone = set(self.old.get("chunks", [])) - set(chunks)  # entries this library no longer uses
        if self.old.get("warnings") not in (None, warnings):
            gone.add(self.old["warnings"])
        for name in gone:
            if isinstance(name, str) and name.startswith(("docs-", f"{compiled.FORMAT}-warnings-")):
                with contextlib.suppress(OSError):
                    os.unlink(directory / name)

    def _write_chunk(self) -> None:
        """The texts of the documents validated since the last chunk, as one chunk entry."""
        if not self.pending:
            return
        parts, position = [], 0
        for d in self.pending:
            d.start, d.end = position, position + len(d.text or "")
            parts.append(d.text or "")
            position = d.end
        text = "".join(parts)
        name = f"docs-{cache.content_key(text)}.json"
        cache.write_text(name, text)
        self.new_chunks.append(name)
        for d in self.pending:
            d.chunk = name
            d.text = None
        self.pending, self.pending_size = [], 0
