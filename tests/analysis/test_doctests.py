"""Run the examples in the analysis docstrings, so that they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import analysis

MODULES = ["analysis"] + sorted(
    module.name for module in pkgutil.walk_packages(analysis.__path__, prefix="analysis.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
