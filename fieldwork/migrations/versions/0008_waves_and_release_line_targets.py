"""waves of a study (the next wave of an earlier one), per-target counts of a release's lines

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 16:04:32
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A table of its own rather than a column of "study": adding a foreign key to "study" would
    # rebuild it on SQLite, which trips the foreign keys of every table that refers to it.
    op.create_table(
        "wavelink",
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["previous_id"], ["study.id"]),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"]),
        sa.PrimaryKeyConstraint("study_id"),
    )
    op.create_index("ix_wavelink_previous_id", "wavelink", ["previous_id"], unique=True)
    with op.batch_alter_table("release", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("line_targets", sa.JSON(), server_default="{}", nullable=False)
        )


def downgrade() -> None:
    op.drop_column("release", "line_targets")
    op.drop_index("ix_wavelink_previous_id", table_name="wavelink")
    op.drop_table("wavelink")
