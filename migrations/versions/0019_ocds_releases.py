"""ocds releases: stored once per stage of a contracting process (issue #20, parts 1 and 2)

Also each contract target's latest measured value, kept on write so the dashboard adds targets up
in SQL (filled here from the measurements already reported), and an index for the awarded
proposals that still wait for a contract (staff's work list, part 3).

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
    op.create_index('ix_proposals_status_phase_call', 'proposals', ['status', 'phase_id', 'call_id'], unique=False)
    with op.batch_alter_table('contract_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latest_measured', sa.BigInteger(), nullable=True))
    # The latest report by date, then entry order (measurements are cumulative); plain SQL that
    # SQLite and PostgreSQL both run.
    op.execute(
        "UPDATE contract_targets SET latest_measured = ("
        " SELECT m.value FROM result_measurements m JOIN result_updates u ON m.update_id = u.id"
        " WHERE m.target_id = contract_targets.id ORDER BY u.reported_on DESC, u.id DESC LIMIT 1)")


def downgrade():
    with op.batch_alter_table('contract_targets', schema=None) as batch_op:
        batch_op.drop_column('latest_measured')
    op.drop_index('ix_proposals_status_phase_call', table_name='proposals')
    op.drop_index('ix_ocds_releases_call_order', table_name='ocds_releases')
    op.drop_table('ocds_releases')
