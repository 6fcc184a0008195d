"""The walkthrough notebook (01) runs from top to bottom (nbclient), imports only `analysis`
and the standard library, and is committed without outputs. (00, 02 and 03 are tested in
tests/publication/test_notebooks.py.)"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support import read_notebook

WALKTHROUGH = Path(__file__).resolve().parents[2] / "notebooks" / "01_analysis_walkthrough.ipynb"
IMPORT = re.compile(r"^\s*(?:from|import)\s+([\w.]+)", re.MULTILINE)
ALLOWED = {"analysis", "json", "pathlib", "tempfile"}


if TYPE_CHECKING:
    import nbformat


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_committed_without_outputs_and_imports_only_analysis() -> None:
    for cell in code_cells(read_notebook(WALKTHROUGH, as_version=4)):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]
        for module in IMPORT.findall(cell.source):
            assert module.split(".")[0] in ALLOWED, module


def test_walkthrough_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # silence jupyter_core's path migration
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    for name in ("JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    copy = tmp_path / WALKTHROUGH.name
    shutil.copy(WALKTHROUGH, copy)
    notebook = read_notebook(copy, as_version=4)
    from nbclient import NotebookClient  # a missing nbclient is an error, never a skip

    client = NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    outputs = [output for cell in code_cells(notebook) for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert not [output for output in outputs if output.get("name") == "stderr"]  # no warnings
    text = "".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for output in outputs
    )
    assert "covered: True" in text and "all valid pairs" in text
    figures = [output["data"]["image/svg+xml"] for output in outputs
               if "image/svg+xml" in output.get("data", {})]  # fmt: skip
    assert len(figures) == 2 and all("<title" in figure for figure in figures)
