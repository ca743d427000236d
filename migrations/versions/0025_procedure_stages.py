"""stages: procedure kinds as rows of one model of stages (issue #18, part 1): a stage type, R&D
targets and prizes per place on phases, up to 8 stages; the place of an awarded proposal; a pitch
session (dialogue with slots) linked to its stage

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('phases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage_type', sa.Enum('phase', 'selection', 'rnd', 'purchase', 'round', 'pitch',
                                                            name='stagetype', native_enum=False, length=20),
                                      server_default='phase', nullable=False))
        batch_op.add_column(sa.Column('targets', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('prizes_cents', sa.JSON(), server_default='[]', nullable=False))
        # An innovation partnership has a selection, several R&D stages and a purchase: more than 3.
        batch_op.drop_constraint(batch_op.f('ck_phases_number_range'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_phases_number_range'), 'number BETWEEN 1 AND 8')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('place', sa.Integer(), nullable=True))
    with op.batch_alter_table('dialogues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pitch_phase_id', sa.Integer(), nullable=True))
        # Partial (see the model): the public list's "IS NULL" keeps using its ordered index.
        batch_op.create_index(batch_op.f('ix_dialogues_pitch_phase_id'), ['pitch_phase_id'], unique=False,
                              sqlite_where=sa.text('pitch_phase_id IS NOT NULL'),
                              postgresql_where=sa.text('pitch_phase_id IS NOT NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_dialogues_pitch_phase_id_phases'), 'phases', ['pitch_phase_id'],
                                    ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('dialogues', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dialogues_pitch_phase_id_phases'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_dialogues_pitch_phase_id'))
        batch_op.drop_column('pitch_phase_id')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('place')
    with op.batch_alter_table('phases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_phases_number_range'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_phases_number_range'), 'number BETWEEN 1 AND 3')
        batch_op.drop_column('prizes_cents')
        batch_op.drop_column('targets')
        batch_op.drop_column('stage_type')
