"""Foundation: sessions, roster, attendance, candidate lists, votes, audit log.

Revision ID: 0001_foundation
Revises:
Create Date: 2025-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from voting.models import UTCDateTime

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "congress_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("deputies_total", sa.Integer(), nullable=False),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_congress_session"),
        sa.UniqueConstraint("code", name="uq_congress_session_code"),
    )
    op.create_table(
        "deputy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("delegation", sa.String(length=64), nullable=False),
        sa.Column("seat", sa.String(length=32), nullable=False),
        sa.Column("is_presidium", sa.Boolean(), nullable=False),
        sa.Column("is_scrutineer", sa.Boolean(), nullable=False),
        sa.Column("is_chief_scrutineer", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deputy"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["congress_session.id"],
            name="fk_deputy_session_id_congress_session",
        ),
        sa.UniqueConstraint("session_id", "seat", name="uq_deputy_session_id_seat"),
    )
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.Column("checked_in_at", UTCDateTime(), nullable=False),
        sa.Column("operator", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attendance"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["congress_session.id"],
            name="fk_attendance_session_id_congress_session",
        ),
        sa.ForeignKeyConstraint(
            ["deputy_id"], ["deputy.id"], name="fk_attendance_deputy_id_deputy"
        ),
        sa.UniqueConstraint(
            "session_id", "deputy_id", name="uq_attendance_session_id_deputy_id"
        ),
    )
    op.create_table(
        "candidate_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_candidate_list"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["congress_session.id"],
            name="fk_candidate_list_session_id_congress_session",
        ),
        sa.UniqueConstraint("session_id", "title", name="uq_candidate_list_session_id_title"),
    )
    op.create_table(
        "candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("investment", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_candidate"),
        sa.ForeignKeyConstraint(
            ["list_id"], ["candidate_list.id"], name="fk_candidate_list_id_candidate_list"
        ),
        sa.UniqueConstraint("list_id", "position", name="uq_candidate_list_id_position"),
    )
    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("scale", sa.JSON(), nullable=True),
        sa.Column("select_min", sa.Integer(), nullable=True),
        sa.Column("select_max", sa.Integer(), nullable=True),
        sa.Column("threshold_rule", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("candidate_list_id", sa.Integer(), nullable=True),
        sa.Column("parent_vote_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vote"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["congress_session.id"], name="fk_vote_session_id_congress_session"
        ),
        sa.ForeignKeyConstraint(
            ["candidate_list_id"], ["candidate_list.id"],
            name="fk_vote_candidate_list_id_candidate_list",
        ),
        sa.ForeignKeyConstraint(
            ["parent_vote_id"], ["vote.id"], name="fk_vote_parent_vote_id_vote"
        ),
        sa.UniqueConstraint("session_id", "slug", name="uq_vote_session_id_slug"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    for table in ("audit_log", "vote", "candidate", "candidate_list", "attendance", "deputy",
                  "congress_session"):
        op.drop_table(table)
