"""speed: an owner's proposals (Mijn voorstellen, a citizen's /my) in index order, newest change first

Revision ID: 0027
Revises: 0026
"""
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index('ix_proposals_owner_updated', ['owner_key', 'updated_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_owner_updated')
