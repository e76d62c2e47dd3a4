"""Shared fixtures: an isolated cache directory, the built-in library, and a CLI runner.

The `cli` fixture runs `mesocalc.cli.app.run` (the path `main()` takes, usage errors included) and checks
every JSON document a `--json` run prints: strictly valid JSON (no NaN/Infinity) and valid against
the schema of its `kind` (src/mesocalc/schemas/<kind>.json, the one `mesocalc schema` prints).
"""

from __future__ import annotations

import json
import sys
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


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own cache dir and no MESOCALC_LIBRARY from the developer's shell."""
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("MESOCALC_LIBRARY", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    from mesocalc import cache

    cache.reset()  # which cache folders were checked, and the one note, are per process (per test here)
    yield


PLAIN_INSTALL_TEST = "test_plain_install_ships_the_builtin_library"
_plain_install: dict[str, Any] = {}


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """`pip install .` takes seconds of waiting (a build environment, a wheel): when the test that needs it is
    selected, start it now, in the background, so that it runs while the other tests do."""
    if any(item.name == PLAIN_INSTALL_TEST for item in items):
        import subprocess
        import tempfile

        where = Path(tempfile.mkdtemp(prefix="mesocalc-plain-install-"))
        root = Path(__file__).resolve().parent.parent
        _plain_install["target"] = where / "site"
        _plain_install["process"] = subprocess.Popen(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(where / "site"), str(root)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=where)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    process = _plain_install.get("process")
    if process is not None:
        import shutil

        if process.poll() is None:
            process.kill()
        process.wait()
        shutil.rmtree(_plain_install["target"].parent, ignore_errors=True)


def plain_install() -> Path:
    """The folder `pip install --target` installed this checkout into (started at collection time)."""
    process = _plain_install["process"]
    output = process.communicate()[0]
    assert process.returncode == 0, output.decode(errors="replace")
    return Path(_plain_install["target"])


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
    if "--json" in args and stdout.strip() and "--help" not in args:
        # one document, or one per line (batch output)
        lines = [line for line in stdout.split("\n") if line.strip()]
        for doc in [strict_json(stdout)] if len(lines) == 1 else [strict_json(line) for line in lines]:
            validate_output(doc)
    return Run(code, stdout, stderr)


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
