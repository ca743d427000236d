"""performance indexes: the public call and dialogue lists read in index order

The call list (site, API) orders by publication time and id and skips drafts; with status in
the index a page, a deep page and the count are read from the index alone. The dialogue list
orders by start time and id. The OCDS package pages through public calls in id order: its
keys are read from an index too. The dashboard counts proposals received and awards published
in a year: by submission time and by the phase's publication of decisions.

Revision ID: 0009
Revises: 0008
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_calls_public_order', 'calls', ['published_at', 'id', 'status'], unique=False)
    op.create_index('ix_calls_open_data_order', 'calls', ['id', 'status', 'published_at'], unique=False)
    op.create_index('ix_dialogues_starts_at_id', 'dialogues', ['starts_at', 'id'], unique=False)
    op.create_index('ix_proposals_submitted', 'proposals', ['submitted_at', 'status', 'call_id'], unique=False)
    op.create_index('ix_phases_decisions_published_at', 'phases', ['decisions_published_at'], unique=False)


def downgrade():
    op.drop_index('ix_phases_decisions_published_at', table_name='phases')
    op.drop_index('ix_proposals_submitted', table_name='proposals')
    op.drop_index('ix_dialogues_starts_at_id', table_name='dialogues')
    op.drop_index('ix_calls_open_data_order', table_name='calls')
    op.drop_index('ix_calls_public_order', table_name='calls')
