"""speed: the public call list filtered by kind and level, counted and paged in order from one index

Revision ID: 0029
Revises: 0028
"""
from alembic import op


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index('ix_calls_kind_level_order', ['kind', 'ambition_level', 'published_at', 'id', 'status'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_kind_level_order')
