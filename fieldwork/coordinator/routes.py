"""Coordinator and researcher pages (laptop): studies, targets, people, schedule, monitoring,
review and the audit trail. Importing this module registers every view on ``bp``."""

from __future__ import annotations

from fieldwork.coordinator import (  # noqa: F401  (the imports register the views)
    audit_pages,
    monitoring,
    people,
    releases,
    review,
    schedule,
    studies,
    targets,
)
from fieldwork.coordinator.blueprint import bp

__all__ = ["bp"]
