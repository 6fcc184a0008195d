"""The ``mysteryguest`` console script: a Flask CLI group bound to this app.

The analysis commands (``analyze``, ``power``, ``simulate``, ``compare``) are registered on the group itself
and imported only when named: they need neither the app nor a database nor SECRET_KEY, and
``mysteryguest --help`` or an app command does not pay for importing pandas and scipy.
"""

from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo


def _create_app() -> Flask:
    from fieldwork import create_app
    from fieldwork.config import ConfigError

    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from error


class LazyFlaskGroup(FlaskGroup):
    """A FlaskGroup with extra commands imported from "module:attribute" on first use."""

    def __init__(self, *args: object, lazy_commands: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        try:
            ctx.ensure_object(ScriptInfo).load_app()  # cached: the listing below reuses it
        except click.ClickException as error:
            # e.g. production without SECRET_KEY: say so in one line instead of a traceback;
            # the group's own and the analysis commands still work and are listed.
            click.echo(f"Note: app commands not listed: {error.format_message()}", err=True)
            return sorted({*click.Group.list_commands(self, ctx), *self.lazy_commands})
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = self.lazy_commands.get(name)
        if target is None:
            return super().get_command(ctx, name)
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


main = LazyFlaskGroup(
    name="mysteryguest",
    create_app=_create_app,
    load_dotenv=False,
    help="Mystery-guest (paired-testing) field studies: field app, analysis and publication.",
    lazy_commands={
        "analyze": "analysis.cli:analyze",
        "power": "analysis.cli:power",
        "simulate": "analysis.cli:simulate",
        "compare": "analysis.cli:compare",
    },
)
