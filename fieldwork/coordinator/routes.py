"""Coordinator and researcher pages (laptop). This first page is the study overview."""

from __future__ import annotations

from flask import Blueprint, render_template

from fieldwork.auth.access import roles_required
from fieldwork.db import get_session
from fieldwork.services.studies import study_overview

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")


@bp.get("/")
@roles_required("coordinator", "researcher", "admin")
def index() -> str:
    return render_template("coordinator/index.html", rows=study_overview(get_session()))
