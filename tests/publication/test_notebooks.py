"""Notebooks 00, 02, 03 and 04 run from top to bottom (nbclient), import only `analysis`, and are
committed without outputs. (01 is tested in tests/analysis/test_notebook.py.) 04 reads the
demo's summary bundles in notebooks/data, next to it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support import read_notebook

FOLDER = Path(__file__).resolve().parents[2] / "notebooks"
EXPECTED = {
    "00_quickstart.ipynb": ["net measure", "inside: True"],
    "02_power_planning.ipynb": ["Pairs needed per stratum", "(22.0113, 23)"],
    "03_release_preview.ipynb": ["suppressed", "not shown:", "[]"],
    "04_cities_and_waves.ipynb": [
        "Zeestad   ZST-NL-2025  wave 1",
        "DEMO-NL-W1 -> DEMO-NL-W2: change",
        "venues in both waves",
        "pooled    pairs",
        "I² = ",
        "comparison.html",
    ],
}
IMPORT = re.compile(r"^\s*(?:from|import)\s+([\w.]+)", re.MULTILINE)
ALLOWED = {"analysis", "tempfile", "pathlib", "json"}


if TYPE_CHECKING:
    import nbformat


def cells(name: str) -> list[nbformat.NotebookNode]:
    notebook = read_notebook(FOLDER / name, as_version=4)
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_committed_without_outputs_and_imports_only_analysis(name: str) -> None:
    for cell in cells(name):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
        for module in IMPORT.findall(cell.source):
            assert module.split(".")[0] in ALLOWED, f"{name} imports {module}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_clean(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # silence jupyter_core's path migration
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    for variable in ("JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        monkeypatch.setenv(variable, str(tmp_path / variable.lower()))
    copy = tmp_path / name
    shutil.copy(FOLDER / name, copy)
    shutil.copytree(FOLDER / "data", tmp_path / "data")
    notebook = read_notebook(copy, as_version=4)
    from nbclient import NotebookClient  # a missing nbclient is an error, never a skip

    client = NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs]  # fmt: skip
    assert not [output for output in outputs if output.output_type == "error"]
    assert not [output for output in outputs if output.get("name") == "stderr"]  # no warnings
    text = "".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for output in outputs
    )
    for phrase in EXPECTED[name]:
        assert phrase in text, phrase
    if name.startswith("04"):
        figures = [output["data"]["image/svg+xml"] for output in outputs
                   if "image/svg+xml" in output.get("data", {})]  # fmt: skip
        assert len(figures) == 1 and "Zeestad" in figures[0]
