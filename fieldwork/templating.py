"""Jinja filters and globals: local times, nights and answers in the user's language."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import format_date
from flask_babel import format_datetime
from flask_babel import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from fieldwork.labels import label
from fieldwork.timeutil import local


def register(app: Flask) -> None:
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["night"] = night
    app.jinja_env.filters["moment"] = moment
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["answer"] = answer
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["username"] = username


def clock(value: datetime) -> str:
    return local(value).strftime("%H:%M")


def night(value: date) -> str:
    return format_date(value, "full")


def moment(value: datetime) -> str:
    return format_datetime(local(value), "medium", rebase=False)


def number(value: float | int) -> str:
    return format_decimal(value)


def username(name: str) -> Markup:
    """A user name in running text: data, not words of the sentence, so marked not to be
    translated (by a browser's translator, and by tests that read the page as Dutch)."""
    return Markup('<span translate="no">%s</span>') % name


def answer(value: Any, question: Any) -> str:
    """A stored answer as a person reads it, in the current language."""
    lang = str(get_locale())
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(question.choice_label(item, lang) for item in value)
    if question.type == "choice":
        return question.choice_label(value, lang)
    if question.type == "decimal":
        return format_decimal(value)
    return str(value)
