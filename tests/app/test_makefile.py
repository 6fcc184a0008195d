"""The Makefile's vocabulary does what the README says: `make demo` keeps a demo unless
RESET=1, `make test` runs `npm ci` only when axe-core is missing, `make phone` serves HTTPS with
the lan-cert certificate, `make notebooks` opens Jupyter (installed with the dev extras).
Dry runs (`make -n`) in a scratch folder: nothing is installed or served."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.fixtures import require

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A folder with the Makefile and an installed-looking .venv (stamps newer than pyproject)."""
    require(shutil.which("make") is not None, "make is needed for the Makefile's tests")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "package-lock.json").write_text("{}", encoding="utf-8")
    stamps = tmp_path / ".venv"
    (stamps / "bin").mkdir(parents=True)
    for name in ("bin/activate", ".installed", ".installed-dev", ".installed-phone"):
        (stamps / name).touch()
        os.utime(stamps / name, (2e9, 2e9))
    return tmp_path


def dry_run(folder: Path, *args: str) -> str:
    result = subprocess.run(["make", "-n", *args], cwd=folder, capture_output=True, text=True,
                            timeout=60, check=True)  # fmt: skip
    return result.stdout


def test_demo_keeps_a_demo_unless_reset(scratch: Path):
    assert "mysteryguest demo --keep" in dry_run(scratch, "demo")
    assert "mysteryguest demo --reset" in dry_run(scratch, "demo", "RESET=1")
    assert "mysteryguest run --host 127.0.0.1 --port 5001" in dry_run(scratch, "serve", "PORT=5001")
    assert "pip install" not in dry_run(scratch, "demo")  # installed: no second install


def test_test_runs_npm_ci_only_when_axe_core_is_missing(scratch: Path):
    assert "npm ci" in dry_run(scratch, "test")
    axe = scratch / "node_modules" / "axe-core" / "axe.min.js"
    axe.parent.mkdir(parents=True)
    axe.touch()
    os.utime(axe, (5e8, 5e8))  # npm gives its files old times
    planned = dry_run(scratch, "test")
    assert "npm ci" not in planned and "python -m pytest -n 2 --dist loadfile" in planned
    fast = dry_run(scratch, "test-fast")
    assert '-n 2 --dist loadfile -m "not slow and not first_hour and not browser"' in fast
    assert "-n 2" not in dry_run(scratch, "test", "PYTEST_JOBS=0")  # one process when asked


def test_phone_serves_https_on_the_network_with_the_lan_certificate(scratch: Path):
    planned = dry_run(scratch, "phone")
    assert "mysteryguest lan-cert --port 8443" in planned
    assert "--host 0.0.0.0 --port 8443" in planned and "--cert instance/lan/server.crt" in planned


def test_notebooks_open_jupyter_from_the_dev_extras(scratch: Path):
    assert "jupyter notebook notebooks/" in dry_run(scratch, "notebooks")
    jupyter = Path(sys.executable).with_name("jupyter")
    result = subprocess.run([str(jupyter), "notebook", "--version"], capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0 and result.stdout.strip()[0].isdigit(), result.stderr
