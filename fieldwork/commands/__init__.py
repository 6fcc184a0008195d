"""The app's commands of the ``mysteryguest`` group, one module per area.

``setup`` (init-db, create-user, demo), ``studies`` (import-targets), ``reports``
(import-unsent), ``export`` (export),
``releases`` (release), ``retention`` (backup, retention, purge, tester-export). The analysis
commands (analyze, power, simulate) live in :mod:`analysis.cli` and need no app.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Add every app command to ``app.cli``."""
    from fieldwork.commands import export, releases, reports, retention, setup, studies

    for command in (
        setup.init_db,
        setup.create_user,
        setup.demo,
        studies.import_targets_command,
        reports.import_unsent,
        export.export,
        releases.release,
        retention.backup,
        retention.retention,
        retention.purge,
        retention.tester_export,
    ):
        app.cli.add_command(command)
