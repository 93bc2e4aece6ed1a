"""credit form drafts, kept on the server across F5 (issue #13)

Revision ID: 0008_credit_drafts
Revises: 0007_audit_action_names
Create Date: 2026-11-26 02:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_credit_drafts'
down_revision = '0007_audit_action_names'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credit_drafts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_credit_drafts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_credit_drafts'))
    )


def downgrade() -> None:
    op.drop_table('credit_drafts')
