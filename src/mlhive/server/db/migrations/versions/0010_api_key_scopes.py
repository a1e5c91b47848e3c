"""API keys get a scope: read or write (every existing key stays a write key)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scope", sa.String(length=8), server_default="write", nullable=False)
        )


def downgrade() -> None:
    # Without scopes every key could write: a read key must not silently become one.
    op.execute("UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP WHERE scope = 'read'")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("scope")
