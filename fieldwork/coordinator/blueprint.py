"""The coordinator blueprint; the views live in one module per area and attach to ``bp``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")


def blueprint() -> Blueprint:
    """``bp`` with every coordinator and researcher page on it (laptop pages)."""
    from fieldwork.coordinator import (  # noqa: F401  (each module adds its views to bp)
        accounts,
        audit_pages,
        incidents,
        monitoring,
        people,
        releases,
        review,
        schedule,
        studies,
        targets,
        tonight,
        unsent,
    )

    return bp
