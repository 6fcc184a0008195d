"""Extensions, created unbound here and bound to the app in ``create_app``."""

from __future__ import annotations

from flask import current_app
from flask import request
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None  # the sign-in page itself says what to do

LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """The language the user chose (cookie), else the browser's best match, else Dutch."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )
