"""ocds releases: stored once per stage of a contracting process (issue #20, part 1)

The table starts empty; existing calls get their releases from `flask ocds-backfill` (run by
`make run` through seed-demo as well) or, failing that, the first time the package shows them.

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ocds_releases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('release_id', sa.String(length=200), nullable=False),
        sa.Column('ocid', sa.String(length=100), nullable=False),
        sa.Column('stage', sa.String(length=100), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('tag', sa.String(length=40), nullable=False),
        sa.Column('date', sa.DateTime(timezone=True), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_ocds_releases_call_id_calls'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ocds_releases')),
        sa.UniqueConstraint('call_id', 'stage', 'version', name=op.f('uq_ocds_releases_call_id_stage_version')),
        sa.UniqueConstraint('release_id', name=op.f('uq_ocds_releases_release_id')),
    )
    op.create_index('ix_ocds_releases_call_order', 'ocds_releases', ['call_id', 'date', 'release_id'], unique=False)


def downgrade():
    op.drop_index('ix_ocds_releases_call_order', table_name='ocds_releases')
    op.drop_table('ocds_releases')
