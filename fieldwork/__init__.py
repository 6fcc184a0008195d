"""The mysteryguest Flask app: ``create_app`` reads as a list of what the app is made of."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app. Importing ``fieldwork`` does nothing; all work happens here."""
    app = Flask(__name__, instance_relative_config=True)
    from fieldwork.config import load_config

    load_config(app, test_config)
    from fieldwork.security import init_converters

    init_converters(app)  # before the routes: ids in URLs stay within the database's range
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from fieldwork import compression
    from fieldwork import db
    from fieldwork.extensions import babel
    from fieldwork.extensions import csrf
    from fieldwork.extensions import login_manager
    from fieldwork.extensions import select_locale

    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    compression.init_app(app)
    from fieldwork import templating

    templating.register(app)


def register_blueprints(app: Flask) -> None:
    from fieldwork.api.pwa import bp as pwa_bp
    from fieldwork.api.routes import bp as api_bp
    from fieldwork.auth.routes import bp as auth_bp
    from fieldwork.coordinator.blueprint import blueprint as coordinator_blueprint
    from fieldwork.main.routes import bp as main_bp
    from fieldwork.public.routes import bp as public_bp
    from fieldwork.tester.routes import bp as tester_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(tester_bp)
    app.register_blueprint(coordinator_blueprint())
    app.register_blueprint(api_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(public_bp)


def register_errorhandlers(app: Flask) -> None:
    from fieldwork.main.errors import register

    register(app)


def register_security(app: Flask) -> None:
    from fieldwork import security

    security.init_app(app)  # headers, throttling, session expiry


def register_commands(app: Flask) -> None:
    from fieldwork.commands import register

    register(app)
