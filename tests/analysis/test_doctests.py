"""Run the examples in the analysis docstrings, so that they stay true.

Only modules whose docstrings hold examples are collected (a module without one would pass
vacuously); each test asserts that examples ran."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import analysis

FINDER = doctest.DocTestFinder()


def _examples(name: str) -> int:
    module = importlib.import_module(name)
    return sum(len(test.examples) for test in FINDER.find(module) if test.examples)


MODULES = [
    name
    for name in ["analysis"]
    + sorted(module.name for module in pkgutil.walk_packages(analysis.__path__, prefix="analysis."))
    if _examples(name)
]


def test_the_analysis_package_has_docstring_examples() -> None:
    assert len(MODULES) >= 10, MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0 and failures == 0
