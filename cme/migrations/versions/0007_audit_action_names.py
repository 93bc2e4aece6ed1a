"""audit action names in one style, `<subject>.<verb>` (cme.domain.enums.AuditAction)

Renames the action of existing audit rows; downgrade renames them back. On PostgreSQL the audit log
is append-only (0004: a trigger refuses UPDATE), so the trigger is lifted and restored around the
rename inside this migration's transaction: no other writer ever sees it off.

Revision ID: 0007_audit_action_names
Revises: 0007_sms_outbox
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_audit_action_names"
down_revision = "0007_sms_outbox"  # chained after the outbox (both were written on 0006_attendance)
branch_labels = None
depends_on = None

# Frozen here (old → new): a migration must not change when the enum does later.
RENAMED = {
    "access.denied": "access.deny",
    "account.disabled": "account.disable",
    "account.enabled": "account.enable",
    "account.locked": "account.lock",
    "admin.created": "admin.create",
    "attendance.walk_in": "attendance.add_walk_in",
    "export": "data.export",
    "institution.admin_add": "institution.add_admin",
    "issue_certificate": "certificate.issue",
    "login.failure": "login.fail",
    "login.success": "login.succeed",
    "password.admin_reset": "password.reset_by_admin",
    "password.changed": "password.change",
    "profile_approve": "profile.approve",
    "profile_delete_entry": "profile.delete_entry",
    "profile_first_submit": "profile.submit_first",
    "profile_reject": "profile.reject",
    "profile_save_basic": "profile.save_basic",
    "profile_save_entry": "profile.save_entry",
    "profile_upload_photo": "profile.upload_photo",
    "registration.approved": "registration.approve",
    "registration.rejected": "registration.reject",
    "registration.resubmitted": "registration.resubmit",
    "registration.status_query": "registration.query_status",
    "registration.submitted": "registration.submit",
    "transfer_approve": "transfer.approve",
    "transfer_reject": "transfer.reject",
    "transfer_request": "transfer.request",
    "transfer_withdraw": "transfer.withdraw",
    "user.created": "user.create",
    "void_certificate": "certificate.void",
}


def _rename(pairs: dict[str, str]) -> None:
    bind = op.get_bind()
    guarded = bind.dialect.name == "postgresql"
    if guarded:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    bind.execute(sa.text("UPDATE audit_log SET action = :new WHERE action = :old"),
                 [{"old": old, "new": new} for old, new in pairs.items()])
    if guarded:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


def upgrade() -> None:
    _rename(RENAMED)


def downgrade() -> None:
    _rename({new: old for old, new in RENAMED.items()})
