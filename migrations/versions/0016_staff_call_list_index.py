"""speed: staff's call list in index order (most recently changed first)

Revision ID: 0016
Revises: 0015
"""
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index('ix_calls_staff_order', ['updated_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_staff_order')
