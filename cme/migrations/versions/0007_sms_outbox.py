"""SMS outbox: messages written in the deciding transaction, sent after its commit (issue #9)

Revision ID: 0007_sms_outbox
Revises: 0006_attendance
Create Date: 2026-11-26 01:18:39.197262
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_sms_outbox'
down_revision = '0006_attendance'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sms_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_enc', sa.Text(), nullable=False),
    sa.Column('body_enc', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind in ('code','notice')", name=op.f('ck_sms_outbox_kind')),
    sa.CheckConstraint("status in ('pending','sent','expired')", name=op.f('ck_sms_outbox_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_outbox'))
    )
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_sms_outbox_status_created', ['status', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_outbox_status_created')

    op.drop_table('sms_outbox')
