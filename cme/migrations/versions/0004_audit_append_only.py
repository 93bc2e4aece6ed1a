"""audit log append-only on PostgreSQL: a trigger refuses UPDATE and DELETE of its rows

The application only ever inserts audit rows; the trigger makes that a property of the database, so
neither a bug nor someone with the application's credentials can rewrite the trail. (TRUNCATE, an
owner's operation, is not covered: tests empty tables with it.)

Revision ID: 0004_audit_append_only
Revises: 0003_audit_client
"""
from alembic import op

revision = "0004_audit_append_only"
down_revision = "0003_audit_client"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
        END $$;
    """)
    op.execute("""
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
