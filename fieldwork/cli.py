"""The ``mysteryguest`` console script: a Flask CLI group bound to this app."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app() -> Flask:
    from fieldwork import create_app
    from fieldwork.config import ConfigError

    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from error


main = FlaskGroup(
    name="mysteryguest",
    create_app=_create_app,
    load_dotenv=False,
    help="Mystery-guest (paired-testing) field studies: field app, analysis and publication.",
)
