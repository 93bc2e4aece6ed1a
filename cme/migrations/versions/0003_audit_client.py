"""the client address in the audit log (logins, public queries, exports)

Revision ID: 0003_audit_client
Revises: 0002_login_tickets
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_audit_client"
down_revision = "0002_login_tickets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("client")
