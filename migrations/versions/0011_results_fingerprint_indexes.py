"""indexes for the jury results' fingerprint

The chair's ranking of a phase is kept until something it depends on changes; each request checks
that with one query of counts and latest times (evaluation.services.results_fingerprint). With
these indexes those aggregates are read from the index alone, in PostgreSQL as in SQLite, instead
of visiting every score sheet, declaration, consensus score and decision of the phase.

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_score_sheets_fingerprint', 'score_sheets', ['member_id', 'status', 'finalised_at'],
                    unique=False)
    op.create_index('ix_conflict_declarations_fingerprint', 'conflict_declarations',
                    ['member_id', 'has_conflict', 'declared_at'], unique=False)
    op.create_index('ix_consensus_scores_fingerprint', 'consensus_scores', ['proposal_id', 'decided_at'],
                    unique=False)
    op.create_index('ix_decisions_fingerprint', 'decisions', ['proposal_id', 'decided_at'], unique=False)
    op.create_index('ix_proposals_phase_fingerprint', 'proposals', ['phase_id', 'status', 'updated_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_proposals_phase_fingerprint', table_name='proposals')
    op.drop_index('ix_decisions_fingerprint', table_name='decisions')
    op.drop_index('ix_consensus_scores_fingerprint', table_name='consensus_scores')
    op.drop_index('ix_conflict_declarations_fingerprint', table_name='conflict_declarations')
    op.drop_index('ix_score_sheets_fingerprint', table_name='score_sheets')
