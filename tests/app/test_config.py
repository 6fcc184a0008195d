"""Settings: no default secret in production, a generated one for development."""

from __future__ import annotations

import pytest

from fieldwork import create_app
from fieldwork.config import ConfigError


def test_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("MYSTERYGUEST_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})


def test_development_generates_a_secret_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("MYSTERYGUEST_ENV", "development")
    from flask import Flask

    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "inst"))
    first = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    second = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 64
    for app in (first, second):
        app.extensions["mysteryguest.engine"].dispose()


def test_unknown_environment_name_is_explained(monkeypatch):
    monkeypatch.setenv("MYSTERYGUEST_ENV", "prod")
    with pytest.raises(ConfigError, match="Use one of: production, development, testing"):
        create_app()


def test_importing_the_package_does_no_work():
    import subprocess
    import sys

    code = "import fieldwork, sys; assert 'sqlalchemy' not in sys.modules, 'work at import'"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
