"""The coordinator blueprint; the views live in one module per area and attach to ``bp``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")


def blueprint() -> Blueprint:
    """``bp`` with every coordinator and researcher page on it (laptop pages)."""
    from fieldwork.coordinator import accounts  # noqa: F401  (each module adds its views to bp)
    from fieldwork.coordinator import audit_pages  # noqa: F401  (each module adds its views to bp)
    from fieldwork.coordinator import incidents  # noqa: F401  (each module adds its views to bp)
    from fieldwork.coordinator import monitoring  # noqa: F401  (each module adds its views to bp)
    from fieldwork.coordinator import people  # noqa: F401  (each module adds its views to bp)
    from fieldwork.coordinator import releases  # noqa: F401  (each module adds its views to bp)
    from fieldwork.coordinator import review  # noqa: F401  (each module adds its views to bp)
    from fieldwork.coordinator import schedule  # noqa: F401  (each module adds its views to bp)
    from fieldwork.coordinator import studies  # noqa: F401  (each module adds its views to bp)
    from fieldwork.coordinator import targets  # noqa: F401  (each module adds its views to bp)
    from fieldwork.coordinator import tonight  # noqa: F401  (each module adds its views to bp)
    from fieldwork.coordinator import unsent  # noqa: F401  (each module adds its views to bp)

    return bp
