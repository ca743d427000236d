"""revisions and indexes for the jury results' fingerprint

The chair's ranking of a phase is kept until something it depends on changes; each request checks
that with one query (evaluation.services.results_fingerprint): per table the number of rows and the
sum of their `revision`, a random number drawn anew at every insert and update. Unlike the latest
change time, that sum changes whatever order concurrent changes commit in. With these indexes the
sums are read from the index alone, on PostgreSQL as on SQLite.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ('proposals', 'score_sheets', 'conflict_declarations', 'consensus_scores', 'decisions')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))
    op.create_index('ix_proposals_phase_fingerprint', 'proposals', ['phase_id', 'status', 'revision'], unique=False)
    op.create_index('ix_score_sheets_fingerprint', 'score_sheets', ['member_id', 'status', 'revision'], unique=False)
    op.create_index('ix_conflict_declarations_fingerprint', 'conflict_declarations',
                    ['member_id', 'has_conflict', 'revision'], unique=False)
    op.create_index('ix_consensus_scores_fingerprint', 'consensus_scores', ['proposal_id', 'revision'], unique=False)
    op.create_index('ix_decisions_fingerprint', 'decisions', ['proposal_id', 'revision'], unique=False)


def downgrade():
    op.drop_index('ix_decisions_fingerprint', table_name='decisions')
    op.drop_index('ix_consensus_scores_fingerprint', table_name='consensus_scores')
    op.drop_index('ix_conflict_declarations_fingerprint', table_name='conflict_declarations')
    op.drop_index('ix_score_sheets_fingerprint', table_name='score_sheets')
    op.drop_index('ix_proposals_phase_fingerprint', table_name='proposals')
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('revision')
