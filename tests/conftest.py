"""Shared fixtures: an isolated cache directory, the built-in library, and a CLI runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mesocalc import model as m


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own cache dir and no MESOCALC_LIBRARY from the developer's shell."""
    monkeypatch.setenv("MESOCALC_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("MESOCALC_LIBRARY", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    yield


@pytest.fixture(scope="session")
def library() -> m.Library:
    from mesocalc.library import load_library

    result = load_library()
    assert not result.errors, result.errors
    return result.library


class Run:
    """Runs the CLI in-process; `.json` parses stdout."""

    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def cli() -> Any:
    from mesocalc.cli import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Run:
        result = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

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
