"""Audit events are append-only in the database itself: triggers refuse UPDATE and DELETE on
``audit_events`` (and TRUNCATE on PostgreSQL), so neither a bug nor a stray SQL session can
rewrite history; the hash chain still detects what someone with the power to drop the triggers
might do.

SQLite's batch mode rebuilds a table without its triggers: a later migration that alters
``audit_events`` in batch mode must create them again (tests/integration/test_audit.py fails if
they are missing at head).

Revision ID: f1604266971f
Revises: a13d8850bfd4
Create Date: 2026-11-30 14:20:00

"""
from alembic import op


revision = 'f1604266971f'
down_revision = 'a13d8850bfd4'
branch_labels = None
depends_on = None

_MESSAGE = "audit_events is append-only"

_SQLITE = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: UPDATE refused'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: DELETE refused'); END",
]

_POSTGRES = [
    "CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{_MESSAGE}: % refused', TG_OP "
    "USING ERRCODE = 'integrity_constraint_violation'; END $$",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()",
]


def upgrade():
    statements = _POSTGRES if op.get_bind().dialect.name == "postgresql" else _SQLITE
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_refuse_change()")
    else:
        op.execute("DROP TRIGGER audit_events_no_delete")
        op.execute("DROP TRIGGER audit_events_no_update")
