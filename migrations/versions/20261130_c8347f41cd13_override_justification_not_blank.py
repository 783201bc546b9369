"""A recommendation that departs from the computed result must carry a justification with some
text in it: the old check let through a justification of only tabs, line breaks or Thai/Unicode
spaces (``trim`` removes plain spaces only), which the service would never write but a direct
write could. The new check trims every kind of blank and treats NULL as blank.

Revision ID: c8347f41cd13
Revises: f1604266971f
Create Date: 2026-11-30 14:21:00

"""
from alembic import op


revision = 'c8347f41cd13'
down_revision = 'f1604266971f'
branch_labels = None
depends_on = None

_BLANKS = " \t\n\r\v\f\u00a0\u2007\u200b\u202f\u3000\ufeff"
_NEW = f"NOT is_flagged_to_dla OR length(trim(coalesce(justification, ''), '{_BLANKS}')) > 0"
_OLD = ("NOT is_flagged_to_dla OR (justification IS NOT NULL "
        "AND length(trim(justification)) > 0)")
_NAME = "override_has_justification"


def _replace(condition: str) -> None:
    with op.batch_alter_table("recommendations") as batch_op:
        batch_op.drop_constraint(op.f(f"ck_recommendations_{_NAME}"), type_="check")
        batch_op.create_check_constraint(_NAME, condition)


def upgrade():
    _replace(_NEW)


def downgrade():
    _replace(_OLD)
