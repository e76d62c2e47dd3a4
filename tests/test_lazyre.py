"""lazyre.lazy: a pattern compiled on first use answers as re.compile's own (mesocalc/lazyre.py)."""

from __future__ import annotations

import re

import pytest

from mesocalc import lazyre, notation, units


def test_a_lazy_pattern_is_compiled_at_its_first_use_and_answers_as_the_compiled_one(monkeypatch):
    compiled: list[str] = []
    real = re.compile
    monkeypatch.setattr(lazyre.re, "compile", lambda p, f=0: compiled.append(p) or real(p, f))
    pattern = lazyre.lazy(r"(\d+) ?(mg|mL)", re.I)
    assert compiled == [] and pattern.pattern == r"(\d+) ?(mg|mL)"  # quoting it compiles nothing
    direct = real(r"(\d+) ?(mg|mL)", re.I)
    for text in ("25 MG", "x 3ml y", "none", "10 mg and 5 mL"):
        assert bool(pattern.fullmatch(text)) == bool(direct.fullmatch(text))
        assert pattern.findall(text) == direct.findall(text)
        assert pattern.sub("#", text) == direct.sub("#", text)
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in direct.finditer(text)]
    assert compiled == [r"(\d+) ?(mg|mL)"]  # once, whatever is used after


@pytest.mark.parametrize("pattern", [units._PLAIN, notation._NUMBER, notation._SEPARATOR])
def test_mesocalcs_patterns_are_lazy(pattern):
    assert isinstance(pattern, lazyre._Lazy)
