"""drop the unused PairReview.message_to_testers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 13:57:44.410266
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pairreview", schema=None) as batch_op:
        batch_op.drop_column("message_to_testers")


def downgrade() -> None:
    with op.batch_alter_table("pairreview", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "message_to_testers", sa.VARCHAR(length=2000), nullable=False, server_default=""
            )
        )
