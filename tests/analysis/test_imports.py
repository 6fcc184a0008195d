"""The analysis package must never pull in Flask (or fieldwork)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import importlib, pkgutil, sys
import analysis
for module in pkgutil.walk_packages(analysis.__path__, prefix="analysis."):
    importlib.import_module(module.name)
assert "flask" not in sys.modules, "analysis imported flask"
assert "fieldwork" not in sys.modules, "analysis imported fieldwork"
"""


def test_analysis_does_not_import_flask() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", "import analysis, sys; assert 'flask' not in sys.modules"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def test_no_analysis_module_imports_flask() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
