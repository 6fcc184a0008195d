"""The release freeze: a frozen release's content can never be updated, whatever code tries.

A table-level rule on ``Release``, installed by :func:`install` when the app makes its database
engine (:func:`fieldwork.db.make_engine`), not as a side effect of importing a module. A
correction is a new release that replaces the old one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect

from fieldwork.models import Release
from fieldwork.services.errors import Refused

FROZEN_COLUMNS = (
    "content", "checksum", "line_tests", "line_targets", "study_id", "replaces_id", "created_at",
    "created_by_id",
)  # fmt: skip


class FrozenRelease(Refused):
    """Someone tried to change a release's frozen content."""


def _refuse_frozen_changes(_mapper: Any, _connection: Any, release: Release) -> None:
    state = sa_inspect(release)
    changed = [name for name in FROZEN_COLUMNS if state.attrs[name].history.has_changes()]
    if changed:
        raise FrozenRelease(
            f"Release {release.id} is frozen: {', '.join(changed)} cannot change. "
            "Create a new release that replaces it instead."
        )


def install() -> None:
    """Refuse UPDATEs of a release's frozen columns (idempotent)."""
    if not event.contains(Release, "before_update", _refuse_frozen_changes):
        event.listen(Release, "before_update", _refuse_frozen_changes)
