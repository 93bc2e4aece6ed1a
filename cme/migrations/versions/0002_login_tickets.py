"""login tickets: a session is opened pending, with a one-time ticket the browser swaps for its cookie

Revision ID: 0002_login_tickets
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_login_tickets"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.alter_column("token_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(sa.Column("ticket_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("ticket_expires_at", sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_login_sessions_ticket_hash"), ["ticket_hash"])


def downgrade() -> None:
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_login_sessions_ticket_hash"), type_="unique")
        batch_op.drop_column("ticket_expires_at")
        batch_op.drop_column("ticket_hash")
        batch_op.execute("DELETE FROM login_sessions WHERE token_hash IS NULL")
        batch_op.alter_column("token_hash", existing_type=sa.String(length=64), nullable=False)
