"""Shared fixtures: an isolated cache directory, the built-in library, and a CLI runner.

The `cli` fixture runs `mesocalc.cli.app.run` (the path `main()` takes, usage errors included) and checks
every JSON document a `--json` run prints: strictly valid JSON (no NaN/Infinity) and valid against
the schema of its `kind` (src/mesocalc/schemas/<kind>.json, the one `mesocalc schema` prints).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mesocalc.core import model as m

SCHEMAS = Path(__file__).resolve().parent.parent / "src" / "mesocalc" / "schemas"
# development tools (tools/docgen.py) are not installed with the package: tests import them from the clone
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))


# ----------------------------------------------------------------------------------------------
# The user cache of each test.
#
# Every test runs with its own cache folder (MESOCALC_CACHE_DIR) and data folder (XDG_DATA_HOME: the default
# ledger), and none of the developer's MESOCALC_LIBRARY, MESOCALC_LEDGER, FORCE_COLOR, COLUMNS or LINES
# (pytest-xdist's workers get COLUMNS=80 from their launcher; the expected layouts are those of a pipe).
# A test that is not about the cache starts from a copy of a cache warmed once per session by the kinds of
# command every test runs (the built-in library's manifest, the unit table), so it does not redo that work,
# and what it writes stays its own. A test that IS about the cache starts from an empty folder: every test in
# tests/library/test_cache_*.py, test_big_library.py and test_shipped.py, every test with "cache" in its
# name, and any test marked `@pytest.mark.cold_cache`.

COLD_CACHE_FILES = ("test_big_library.py", "test_shipped.py")


def about_the_cache(item: pytest.Item) -> bool:
    file = item.path.name
    return (file.startswith("test_cache") or file in COLD_CACHE_FILES or "cache" in item.name.lower()
            or item.get_closest_marker("cold_cache") is not None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cold_cache: the test starts from an empty user cache (it is about the cache)")
    _plain_install_configure(config)
    _compiled_files_kept()


def _compiled_files_kept() -> None:
    """With PYTHONDONTWRITEBYTECODE set (as on these machines), each pytest process (and each xdist worker)
    would compile every test module and its assertion rewriting afresh (about 1.5 s of CPU per process), and
    each of the ~200 processes the tests start (`python -m mesocalc` with PYTHONPATH=src, the ledger
    recorders, batch workers) would compile every module of mesocalc again (~60 ms each). The tests write
    compiled files as Python does by default: __pycache__ folders (ignored by git), next to the test modules
    and the sources. Installed packages keep using the compiled files of their install (a PYTHONPYCACHEPREFIX
    would make every process compile Typer, Rich, pint... again into it on a fresh machine: +4 s on the
    first run). A PYTHONPYCACHEPREFIX of the developer's own is used as Python uses it."""
    if sys.dont_write_bytecode:
        sys.dont_write_bytecode = False
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # the processes the tests start


@pytest.fixture(scope="session", autouse=True)
def _session_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """What session- and module-scoped fixtures (set up before any test's own) see: the same clean
    environment, with a cache and a data folder of the session's instead of the developer's."""
    root = tmp_path_factory.mktemp("session")
    with pytest.MonkeyPatch.context() as patch:
        _clean_environment(patch, root / "cache", root / "data")
        yield root


@pytest.fixture(scope="session")
def _warm_cache(_session_environment: Path) -> Path:
    """A cache folder after the kinds of command the other tests run (once per session, per xdist worker):
    a plan and a check of the built-in library, and a check of a user layer over it (whatever the cache
    keeps of the built-in layer then is there for the tests that add their own layer)."""
    from mesocalc import cache

    folder = _session_environment / "warm-cache"
    layer = _session_environment / "warm-layer"
    layer.mkdir()
    (layer / "area.yaml").write_text("kind: area\nid: my-area\nname: Mine\nsurface: 30 cm^2\nbasis: assumption\n",
                                     encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        _clean_environment(patch, folder, _session_environment / "data")
        cache.reset()
        for args in (["plan", "submental-dca", "--json"], ["check"], ["check", str(layer)]):
            run = run_cli(args)
            assert run.exit_code == 0, (args, run.stdout[-500:], run.stderr[-500:])
    cache.reset()
    return folder


def _clean_environment(monkeypatch: pytest.MonkeyPatch, cache_dir: Path, data_dir: Path) -> None:
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("XDG_DATA_HOME", str(data_dir))  # the default ledger is never the developer's
    for name in ("MESOCALC_LIBRARY", "MESOCALC_LEDGER", "FORCE_COLOR", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)


_test_numbers = itertools.count()


@pytest.fixture(autouse=True)
def _isolated_cache(request: pytest.FixtureRequest, _session_environment: Path,
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own cache folder: empty for a test about the cache, else a copy of the warm one."""
    folder = _session_environment / "tests" / str(next(_test_numbers))  # numbered here: no scan per test
    folder.mkdir(parents=True)
    (folder / "cache").mkdir(mode=0o700)
    if not about_the_cache(request.node):
        for entry in os.scandir(request.getfixturevalue("_warm_cache")):
            # A hard link, not a copy (250 KB and six files for each of ~2,000 tests): mesocalc never writes a
            # cache file in place (a new file replaces it), and a test that edits cache files is about the cache
            # and starts empty. A copy where links are not possible.
            try:
                os.link(entry.path, folder / "cache" / entry.name)
            except OSError:
                shutil.copy(entry.path, folder / "cache" / entry.name)  # with its mode (0600): only we may write it
    _clean_environment(monkeypatch, folder / "cache", folder / "data")
    from mesocalc import cache

    cache.reset()  # which cache folders were checked, and the one note, are per process (per test here)
    yield


# ----------------------------------------------------------------------------------------------
# `pip install .` for the plain-install test: it takes seconds of waiting (a build environment, a wheel),
# so when that test is selected it is started at collection time, in the background, and runs while the
# other tests do. Under pytest-xdist the controller starts it (once) and the worker that runs the test waits
# for the exit code it leaves in a file.

PLAIN_INSTALL_TEST = "test_plain_install_ships_the_builtin_library"
_plain_install: dict[str, Any] = {}
# The checkout is copied first: setuptools builds in the source tree (build/, *.egg-info), so a build there
# can meet another one (a second test run, an editable install) half-way and ship without the YAML files.
_INSTALL = """import shutil, subprocess, sys
from pathlib import Path
where = Path(sys.argv[1])
source = where / "source"
shutil.copytree(sys.argv[2], source, symlinks=True, ignore=shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
    ".hypothesis"))
with open(where / "log", "wb") as log:
    code = subprocess.call([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                            str(where / "site"), str(source)], stdout=log, stderr=subprocess.STDOUT, cwd=where)
(where / "rc.tmp").write_text(str(code))
(where / "rc.tmp").replace(where / "rc")
"""


def _plain_install_configure(config: pytest.Config) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:  # an xdist worker: the controller chose the folder
        _plain_install["folder"] = Path(workerinput["mesocalc_plain_install"])
    else:
        import tempfile

        _plain_install["folder"] = Path(tempfile.mkdtemp(prefix="mesocalc-plain-install-"))
        _plain_install["owner"] = True


def _start_plain_install() -> None:
    if "process" not in _plain_install:
        import subprocess

        root = Path(__file__).resolve().parent.parent
        _plain_install["process"] = subprocess.Popen(
            [sys.executable, "-c", _INSTALL, str(_plain_install["folder"]), str(root)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)  # its own process group: pip and its build backend end with it


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if about_the_cache(item):
            item.add_marker("cold_cache")
    # the test that waits for the install runs last, when the install has long finished (the same order in
    # every xdist worker, as xdist requires)
    items.sort(key=lambda item: item.name == PLAIN_INSTALL_TEST)
    if (_plain_install.get("owner") and not config.option.collectonly
            and any(item.name == PLAIN_INSTALL_TEST for item in items)):
        _start_plain_install()


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection made (modules, ~2,000 test items, hypothesis' strategies) lives until the end: out of the
    collector's full passes, which otherwise walk all of it again and again during the run."""
    import gc

    gc.collect()
    gc.freeze()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: tell each worker where the plain install goes."""
    node.workerinput["mesocalc_plain_install"] = str(_plain_install["folder"])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """xdist controller: the workers collected the tests; start the install if the test is among them."""
    if not node.config.option.collectonly and any(PLAIN_INSTALL_TEST in nodeid for nodeid in ids):
        _start_plain_install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _plain_install.get("owner"):
        return
    process = _plain_install.get("process")
    if process is not None:
        if process.poll() is None:
            import signal

            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    shutil.rmtree(_plain_install["folder"], ignore_errors=True)


def plain_install() -> Path:
    """The folder `pip install --target` installed this checkout into (started at collection time)."""
    folder = _plain_install["folder"]
    deadline = time.monotonic() + 900
    while not (folder / "rc").is_file():
        assert time.monotonic() < deadline, "pip install of this checkout did not finish in 15 minutes"
        time.sleep(0.05)
    log = (folder / "log").read_text(errors="replace") if (folder / "log").is_file() else ""
    assert (folder / "rc").read_text() == "0", log
    return folder / "site"


@pytest.fixture(scope="session")
def library() -> m.Library:
    from mesocalc.library import load_library

    result = load_library()
    assert not result.errors, result.errors
    return result.library


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not strict JSON: {name}")


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN and Infinity (which Python's json would otherwise accept)."""
    return json.loads(text, parse_constant=_reject_constant)


@cache
def schema_validator(kind: str) -> Any:
    import jsonschema

    path = SCHEMAS / f"{kind}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate_output(doc: Any) -> None:
    """A JSON output document is an object with kind and version, valid against its kind's schema."""
    assert isinstance(doc, dict) and "kind" in doc and "version" in doc, doc
    validator = schema_validator(doc["kind"])
    kind = doc['kind']
    assert validator is not None, f"no schema for output kind '{kind}': add src/mesocalc/schemas/{kind}.json"
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, f"{doc['kind']} output does not match its schema: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])


class Run:
    """Runs the CLI in-process; `.json` parses stdout."""

    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    @property
    def json(self) -> Any:
        return strict_json(self.stdout)


def run_cli(args: list[str] | tuple[str, ...], input: str | None = None) -> Run:
    """mesocalc ARGS in-process, through `cli.run` (as the installed command runs), output captured."""
    from mesocalc.cli.app import run

    runner = CliRunner()
    with runner.isolation(input=input) as (out, err, _mixed):
        code = run(list(args))
        sys.stdout.flush()
        sys.stderr.flush()
        stdout = out.getvalue().decode("utf-8", "replace")
        stderr = err.getvalue().decode("utf-8", "replace")
    if "--json" in args and stdout.strip() and "--help" not in args and stdout not in _validated:
        # one document, or one per line (batch output)
        lines = [line for line in stdout.split("\n") if line.strip()]
        for doc in [strict_json(stdout)] if len(lines) == 1 else [strict_json(line) for line in lines]:
            validate_output(doc)
        _validated.add(stdout)
    return Run(code, stdout, stderr)


_validated: set[str] = set()  # outputs found valid in this process: the same text is not validated again


@pytest.fixture
def cli() -> Any:
    def run(*args: str, input: str | None = None) -> Run:
        return run_cli(args, input)

    return run


@pytest.fixture
def write(tmp_path: Path) -> Any:
    """Write a text file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write
