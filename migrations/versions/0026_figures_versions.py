"""figures versions: one row per set of figures (the monitoring dashboard and staff's monitoring
lists), drawn anew in the transaction of every change to what they count, so they are kept under
it instead of computed per request (issue #20)

Revision ID: 0026
Revises: 0025
"""
import secrets

import sqlalchemy as sa
from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'figures_versions',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_figures_versions')),
    )
    op.bulk_insert(table, [{'name': 'monitoring', 'version': secrets.randbits(62)}])


def downgrade():
    op.drop_table('figures_versions')
