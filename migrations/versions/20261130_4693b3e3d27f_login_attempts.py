"""login attempts: failed logins counted per e-mail and per IP address for throttling

Revision ID: 4693b3e3d27f
Revises: 2870b726e989
Create Date: 2026-11-30 10:21:52.367970

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4693b3e3d27f'
down_revision = '2870b726e989'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempts_attempted_at'), ['attempted_at'], unique=False)
        batch_op.create_index('ix_login_attempts_email_attempted_at', ['email', 'attempted_at'], unique=False)
        batch_op.create_index('ix_login_attempts_ip_address_attempted_at', ['ip_address', 'attempted_at'], unique=False)



def downgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_ip_address_attempted_at')
        batch_op.drop_index('ix_login_attempts_email_attempted_at')
        batch_op.drop_index(batch_op.f('ix_login_attempts_attempted_at'))

    op.drop_table('login_attempts')
