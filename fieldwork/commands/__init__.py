"""The app's commands of the ``mysteryguest`` group, one module per area.

:data:`COMMANDS` is the one list of them (name → "module:attribute", in the order ``--help``
shows them): ``setup`` (init-db, create-user, demo, lan-cert), ``studies`` (import-targets),
``reports`` (import-unsent), ``export`` (export, export-summary), ``releases`` (release), ``retention`` (backup,
retention, purge, tester-export). The console script lists them without building the app (so
``mysteryguest --help`` works in any environment and touches no database); :func:`register`
adds them to ``app.cli``. The analysis commands (analyze, power, simulate) live in
:mod:`analysis.cli` and need no app.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask

COMMANDS: dict[str, str] = {
    "init-db": "fieldwork.commands.setup:init_db",
    "create-user": "fieldwork.commands.setup:create_user",
    "demo": "fieldwork.commands.setup:demo",
    "lan-cert": "fieldwork.commands.lan:lan_cert",
    "import-targets": "fieldwork.commands.studies:import_targets_command",
    "import-unsent": "fieldwork.commands.reports:import_unsent",
    "export": "fieldwork.commands.export:export",
    "export-summary": "fieldwork.commands.export:export_summary",
    "release": "fieldwork.commands.releases:release",
    "backup": "fieldwork.commands.retention:backup",
    "retention": "fieldwork.commands.retention:retention",
    "purge": "fieldwork.commands.retention:purge",
    "tester-export": "fieldwork.commands.retention:tester_export",
}


@contextmanager
def stated(*errors: type[Exception]) -> Iterator[None]:
    """A service's refusal (one of ``errors``) ends the command with its message and status 1."""
    try:
        yield
    except errors as error:
        raise click.ClickException(str(error)) from error


def load(target: str) -> click.Command:
    """The click command at ``target`` ("module:attribute"), imported now."""
    module, _, attribute = target.partition(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command


def register(app: Flask) -> None:
    """Add every app command to ``app.cli``."""
    for name, target in COMMANDS.items():
        app.cli.add_command(load(target), name)
