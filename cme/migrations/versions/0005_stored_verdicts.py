"""stored verdicts on credit_summaries, institution-year rollups, staff counts, recorded settings

The new columns start empty; `cme.ops.setup.init_db` notices that no verdict rule is recorded yet and
judges every person-year once (cme.credits.verdicts.rejudge_all), then rebuilds the rollups.

Revision ID: 0002_verdicts
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002_verdicts'
down_revision = '0004_audit_append_only'
branch_labels = None
depends_on = None

CREDITS = sa.Numeric(precision=8, scale=1)


def upgrade() -> None:
    with op.batch_alter_table('credit_summaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_records', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('standard_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('standard_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('title_level', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('verdict', sa.String(length=8), nullable=False, server_default='unset'))
        batch_op.add_column(sa.Column('national_i_cycle', CREDITS, nullable=True))
        for name in ('short_national_i', 'short_provincial_i', 'short_class_ii', 'short_total'):
            batch_op.add_column(sa.Column(name, CREDITS, nullable=False, server_default='0'))
        batch_op.create_foreign_key(batch_op.f('fk_credit_summaries_standard_id_credit_standards'), 'credit_standards',
                                    ['standard_id'], ['id'])
        batch_op.create_check_constraint('verdict', "verdict in ('met','not_met','unset')")
    op.create_table('verdict_rollups',
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('title_level', sa.String(length=10), nullable=False),
    sa.Column('standard_code', sa.String(length=20), nullable=False),
    sa.Column('met', sa.Integer(), nullable=False),
    sa.Column('not_met', sa.Integer(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('institution_id', 'year', 'department_id', 'title_level', 'standard_code',
                            name=op.f('pk_verdict_rollups'))
    )
    op.create_table('institution_year_rollups',
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('met', sa.Integer(), nullable=False),
    sa.Column('not_met', sa.Integer(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('institution_id', 'year', name=op.f('pk_institution_year_rollups'))
    )
    op.create_index('ix_institution_year_rollups_year', 'institution_year_rollups', ['year'], unique=False)
    op.create_table('staff_counts',
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('staff', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('institution_id', 'department_id', name=op.f('pk_staff_counts'))
    )
    op.create_table('app_settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_app_settings'))
    )
    op.create_index('ix_users_pending', 'users', ['institution_id'], unique=False,
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_credit_records_pending_user', 'credit_records', ['user_id', 'created_at'], unique=False,
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index('ix_credit_records_pending_user', table_name='credit_records')
    op.drop_index('ix_users_pending', table_name='users')
    op.drop_table('app_settings')
    op.drop_table('staff_counts')
    op.drop_index('ix_institution_year_rollups_year', table_name='institution_year_rollups')
    op.drop_table('institution_year_rollups')
    op.drop_table('verdict_rollups')
    with op.batch_alter_table('credit_summaries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_credit_summaries_verdict'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_credit_summaries_standard_id_credit_standards'), type_='foreignkey')
        for name in ('short_total', 'short_class_ii', 'short_provincial_i', 'short_national_i', 'national_i_cycle',
                     'verdict', 'title_level', 'standard_code', 'standard_id', 'pending_records'):
            batch_op.drop_column(name)
