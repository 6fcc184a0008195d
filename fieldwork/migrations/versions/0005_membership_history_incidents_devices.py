"""membership history, conflicts without a stored report, incidents handled, emergency contact,
devices known from sign-in

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 14:08:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Team membership gets its own id and a history (joined_on / left_on). The primary key changes
    # from (team_id, tester_id), so the table is rebuilt: new table, copy, drop, rename.
    op.create_table(
        "teammember_0004",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("tester_id", sa.Integer(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column(
            "reason",
            sqlmodel.sql.sqltypes.AutoString(length=500),
            nullable=False,
            server_default="",
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["tester_id"], ["tester.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(
        "INSERT INTO teammember_0004 (team_id, tester_id, reason) "
        "SELECT team_id, tester_id, '' FROM teammember ORDER BY team_id, tester_id"
    )
    op.drop_index("ix_teammember_tester_id", table_name="teammember")
    op.drop_table("teammember")
    op.rename_table("teammember_0004", "teammember")
    op.create_index("ix_teammember_team_id", "teammember", ["team_id"], unique=False)
    op.create_index("ix_teammember_tester_id", "teammember", ["tester_id"], unique=False)

    with op.batch_alter_table("reportconflict", schema=None) as batch_op:
        batch_op.alter_column("existing_report_id", existing_type=sa.Integer(), nullable=True)

    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "emergency_contact_name",
                sqlmodel.sql.sqltypes.AutoString(length=100),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "emergency_contact_phone",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                nullable=False,
                server_default="",
            )
        )

    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("uuid", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True)
        )
        batch_op.add_column(
            sa.Column("device_time", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("resolved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "resolution_note",
                sqlmodel.sql.sqltypes.AutoString(length=1000),
                nullable=False,
                server_default="",
            )
        )
        batch_op.create_index(batch_op.f("ix_incident_uuid"), ["uuid"], unique=True)
        batch_op.create_foreign_key(
            "fk_incident_resolved_by_id_user", "user", ["resolved_by_id"], ["id"]
        )

    with op.batch_alter_table("devicestatus", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("signed_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("devicestatus", schema=None) as batch_op:
        batch_op.drop_column("signed_in_at")

    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_constraint("fk_incident_resolved_by_id_user", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_incident_uuid"))
        batch_op.drop_column("resolution_note")
        batch_op.drop_column("resolved_by_id")
        batch_op.drop_column("device_time")
        batch_op.drop_column("uuid")

    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.drop_column("emergency_contact_phone")
        batch_op.drop_column("emergency_contact_name")

    # Conflicts without a stored report cannot be kept by the old schema.
    op.execute("DELETE FROM reportconflict WHERE existing_report_id IS NULL")
    with op.batch_alter_table("reportconflict", schema=None) as batch_op:
        batch_op.alter_column("existing_report_id", existing_type=sa.Integer(), nullable=False)

    # Back to one row per (team, tester): the current memberships only.
    op.create_table(
        "teammember_0002",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("tester_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.ForeignKeyConstraint(["tester_id"], ["tester.id"]),
        sa.PrimaryKeyConstraint("team_id", "tester_id"),
    )
    op.execute(
        "INSERT INTO teammember_0002 (team_id, tester_id) "
        "SELECT DISTINCT team_id, tester_id FROM teammember WHERE left_on IS NULL"
    )
    op.drop_index("ix_teammember_tester_id", table_name="teammember")
    op.drop_index("ix_teammember_team_id", table_name="teammember")
    op.drop_table("teammember")
    op.rename_table("teammember_0002", "teammember")
    op.create_index("ix_teammember_tester_id", "teammember", ["tester_id"], unique=False)
