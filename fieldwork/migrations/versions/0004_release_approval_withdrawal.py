"""release approval, final withdrawal and line tests; study types whose names the purge removes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 14:09:06.889755
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("release", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line_tests", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(
            sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("withdrawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "withdrawn_reason",
                sqlmodel.sql.sqltypes.AutoString(length=1000),
                nullable=False,
                server_default="",
            )
        )
        batch_op.create_foreign_key(
            "fk_release_approved_by_id_user", "user", ["approved_by_id"], ["id"]
        )
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("generalise_target_types", sa.JSON(), server_default="[]", nullable=False)
        )
    _copy_withdrawals()


def _copy_withdrawals() -> None:
    """Releases withdrawn before this revision: their reason and date came from the audit log;
    copy the newest withdrawal of each into the new columns (the 410 page shows them)."""
    bind = op.get_bind()
    release = sa.table(
        "release", sa.column("id", sa.Integer), sa.column("status", sa.String),
        sa.column("withdrawn_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("withdrawn_reason", sa.String),
    )  # fmt: skip
    event = sa.table(
        "auditevent", sa.column("id", sa.Integer), sa.column("at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("action", sa.String), sa.column("object_type", sa.String),
        sa.column("object_id", sa.Integer), sa.column("after", sa.JSON),
    )  # fmt: skip
    withdrawn = bind.execute(sa.select(release.c.id).where(release.c.status == "withdrawn"))
    for (release_id,) in withdrawn.all():
        newest = bind.execute(
            sa.select(event.c.at, event.c.after)
            .where(event.c.action == "release.withdraw", event.c.object_type == "release",
                   event.c.object_id == release_id)
            .order_by(event.c.id.desc()).limit(1)
        ).first()  # fmt: skip
        if newest is None:
            continue
        reason = str((newest.after or {}).get("reason") or "")[:1000]
        bind.execute(
            release.update().where(release.c.id == release_id)
            .values(withdrawn_at=newest.at, withdrawn_reason=reason)
        )  # fmt: skip


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite ≥ 3.35): rebuilding "study" would trip the foreign keys of
    # every table that refers to it.
    op.drop_column("study", "generalise_target_types")
    with op.batch_alter_table("release", schema=None) as batch_op:
        batch_op.drop_constraint("fk_release_approved_by_id_user", type_="foreignkey")
        batch_op.drop_column("withdrawn_reason")
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("approved_by_id")
        batch_op.drop_column("approved_at")
        batch_op.drop_column("line_tests")
