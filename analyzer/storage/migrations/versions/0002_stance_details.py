"""Stance details: abstention, language support, target stances and reply agreement.

The server defaults are the ``StanceResult`` defaults, so rows stored before this revision
read back as a classifier that did not fill these fields.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 15:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Keep in step with analyzer.storage.tables.JSONValue.
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_COLUMNS = (
    "abstained",
    "language",
    "supported",
    "unsupported_reason",
    "targets",
    "reply_agreement",
)


def upgrade() -> None:
    op.add_column(
        "stance_results",
        sa.Column("abstained", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("stance_results", sa.Column("language", sa.String(length=16), nullable=True))
    op.add_column(
        "stance_results",
        sa.Column("supported", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column("stance_results", sa.Column("unsupported_reason", sa.Text(), nullable=True))
    op.add_column(
        "stance_results",
        sa.Column("targets", JSON_TYPE, server_default=sa.text("'[]'"), nullable=False),
    )
    op.add_column("stance_results", sa.Column("reply_agreement", JSON_TYPE, nullable=True))


def downgrade() -> None:
    # Batch mode: SQLite rebuilds the table where it cannot drop a column in place.
    with op.batch_alter_table("stance_results") as batch:
        for column in reversed(_COLUMNS):
            batch.drop_column(column)
