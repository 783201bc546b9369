"""API: personal API tokens (stored as SHA-256 with a prefix, expiry and revocation) and the per-token request counters of the fixed-window rate limit

Revision ID: 7c3247c5e4c2
Revises: 9af9c92711c2
Create Date: 2026-11-30 11:05:43.048359

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3247c5e4c2'
down_revision = '9af9c92711c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_rate_counters',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint('count >= 0', name=op.f('ck_api_rate_counters_not_negative')),
    sa.PrimaryKeyConstraint('key', 'window_start', name=op.f('pk_api_rate_counters'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('expires_at IS NULL OR expires_at > created_at', name=op.f('ck_api_tokens_expires_after_creation')),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_api_tokens_has_name')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('api_rate_counters')
