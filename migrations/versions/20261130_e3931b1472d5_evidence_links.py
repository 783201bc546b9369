"""Evidence links: an item of the LGO's evidence library cited for one criterion of one assessment

Revision ID: e3931b1472d5
Revises: 59466d863444
Create Date: 2026-11-30 10:51:44.180389

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3931b1472d5'
down_revision = '59466d863444'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('criterion_code', sa.String(length=20), nullable=False),
    sa.Column('evidence_item_id', sa.Integer(), nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('linked_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('length(criterion_code) > 0', name=op.f('ck_evidence_links_has_criterion_code')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_evidence_links_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_item_id'], ['evidence_items.id'], name=op.f('fk_evidence_links_evidence_item_id_evidence_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], name=op.f('fk_evidence_links_linked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_links')),
    sa.UniqueConstraint('assessment_id', 'criterion_code', 'evidence_item_id', name=op.f('uq_evidence_links_assessment_id_criterion_code_evidence_item_id'))
    )
    with op.batch_alter_table('evidence_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_links_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_links_evidence_item_id'), ['evidence_item_id'], unique=False)


def downgrade():
    with op.batch_alter_table('evidence_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_links_evidence_item_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_links_assessment_id'))

    op.drop_table('evidence_links')
