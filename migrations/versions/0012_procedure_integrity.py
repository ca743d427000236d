"""procedure integrity: the opening of a phase, the standstill period, reasons kept with decisions
and lifted conflicts

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('phases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('standstill_days', sa.Integer(), server_default='20', nullable=False))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('knockout_reason', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('conflict_declarations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lift_reason', sa.Text(), server_default='', nullable=False))
    # Outcomes recorded but not yet published were already written into proposals.status: from now
    # on the status changes only at publication, so such proposals go back to "submitted".
    op.execute(
        "UPDATE proposals SET status = 'submitted' WHERE status IN ('advanced', 'shortlisted', 'awarded', "
        "'not_awarded') AND phase_id IN (SELECT id FROM phases WHERE decisions_published_at IS NULL)"
    )
    # Calls whose last phase's decisions are published are decided.
    op.execute(
        "UPDATE calls SET status = 'decided' WHERE status IN ('published', 'closed') AND EXISTS ("
        "SELECT 1 FROM phases p WHERE p.call_id = calls.id AND p.decisions_published_at IS NOT NULL "
        "AND p.number = (SELECT MAX(q.number) FROM phases q WHERE q.call_id = calls.id))"
    )


def downgrade():
    with op.batch_alter_table('conflict_declarations', schema=None) as batch_op:
        batch_op.drop_column('lift_reason')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('knockout_reason')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('standstill_days')
    with op.batch_alter_table('phases', schema=None) as batch_op:
        batch_op.drop_column('opened_at')
