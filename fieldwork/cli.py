"""The ``mysteryguest`` console script: a Flask CLI group bound to this app.

Every command is known by name without building the app: the field app's commands from
:data:`fieldwork.commands.COMMANDS`, the analysis commands (``analyze``, ``power``, ``simulate``,
``compare``)
from :data:`ANALYSIS_COMMANDS`, and Flask's ``run``, ``shell`` and ``routes``. So
``mysteryguest --help`` lists all of them in any environment (no ``MYSTERYGUEST_ENV``, no
``SECRET_KEY``, no database touched), the app-specific ones first. A command is imported only
when it is named or listed; the analysis commands import pandas and scipy only when they run.
The app itself is built when an app command runs (``with_appcontext``).
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from fieldwork.commands import COMMANDS
from fieldwork.commands import load

ANALYSIS_COMMANDS: dict[str, str] = {
    "analyze": "analysis.cli:analyze",
    "power": "analysis.cli:power",
    "simulate": "analysis.cli:simulate",
    "compare": "analysis.cli:compare",
}
# Flask's own options that make no sense here: the app is fixed and no .env file is read.
_DROPPED_OPTIONS = ("env_file", "app")


def _create_app() -> Flask:
    from fieldwork import create_app
    from fieldwork.config import ConfigError

    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from error


class LazyFlaskGroup(FlaskGroup):
    """A FlaskGroup whose commands are listed by name and imported from "module:attribute"."""

    def __init__(
        self, *args: object, sections: list[tuple[str, dict[str, str]]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.params = [param for param in self.params if param.name not in _DROPPED_OPTIONS]
        self.sections = sections
        self.lazy_commands = {
            name: target for _, table in sections for name, target in table.items()
        }

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, app-specific first, without building the app."""
        names = [name for _, table in self.sections for name in table]
        return names + [name for name in self.commands if name not in names]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = self.lazy_commands.get(name)
        if target is None:
            return click.Group.get_command(self, ctx, name)
        return load(target)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands by section first, then the few options of the group itself."""
        sections = [*self.sections, ("Server (Flask)", {name: "" for name in self.commands})]
        width = max(len(name) for name in self.list_commands(ctx))
        limit = formatter.width - 6 - width
        for title, table in sections:
            rows = [
                (name, command.get_short_help_str(limit))
                for name in table
                if (command := self.get_command(ctx, name)) is not None and not command.hidden
            ]
            with formatter.section(title):
                formatter.write_dl(rows)
        click.Command.format_options(self, ctx, formatter)


main = LazyFlaskGroup(
    name="mysteryguest",
    create_app=_create_app,
    load_dotenv=False,
    help=(
        "Mystery-guest (paired-testing) field studies: field app, analysis and publication. "
        "The field app's commands read MYSTERYGUEST_ENV, DATABASE_URL and SECRET_KEY (for a "
        "local try-out: MYSTERYGUEST_ENV=development); the analysis commands need none of them."
    ),
    sections=[("Field app", COMMANDS), ("Analysis (no database)", ANALYSIS_COMMANDS)],
)
