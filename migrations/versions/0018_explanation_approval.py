"""approval: the call's manager approves a below-target explanation (issue #19, part 3)

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('explanation_written_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('explanation_approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('explanation_approved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('explanation_remark', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_calls_explanation_written_by_id_users'), 'users',
                                    ['explanation_written_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_calls_explanation_approved_by_id_users'), 'users',
                                    ['explanation_approved_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_calls_explanation_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_calls_explanation_written_by_id_users'), type_='foreignkey')
        batch_op.drop_column('explanation_remark')
        batch_op.drop_column('explanation_approved_at')
        batch_op.drop_column('explanation_written_by_id')
        batch_op.drop_column('explanation_approved_by_id')
