"""consortia: partners of a proposal, invited by the lead, and the consortium of each submitted version
(issue #18, part 3)

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'consortium_partners',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('invited_email', sa.String(length=320), nullable=False),
        sa.Column('invited_kvk', sa.String(length=8), nullable=False),
        sa.Column('role', sa.String(length=200), nullable=False),
        sa.Column('share_cents', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.Enum('invited', 'confirmed', 'declined', 'withdrawn', name='partnerstatus',
                                    native_enum=False, length=20), nullable=False),
        sa.Column('nonce', sa.String(length=64), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('responded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'],
                                name=op.f('fk_consortium_partners_proposal_id_proposals'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_consortium_partners_organisation_id_organisations'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'],
                                name=op.f('fk_consortium_partners_invited_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['responded_by_id'], ['users.id'],
                                name=op.f('fk_consortium_partners_responded_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consortium_partners')),
        sa.UniqueConstraint('proposal_id', 'organisation_id',
                            name=op.f('uq_consortium_partners_proposal_id_organisation_id')),
    )
    with op.batch_alter_table('consortium_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consortium_partners_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consortium_partners_organisation_id'), ['organisation_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_consortium_partners_invited_kvk'), ['invited_kvk'], unique=False)
        batch_op.create_index(batch_op.f('ix_consortium_partners_responded_by_id'), ['responded_by_id'],
                              unique=False)
        batch_op.create_index('ix_consortium_partners_proposal_status', ['proposal_id', 'status'], unique=False)
    with op.batch_alter_table('proposal_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consortium', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('proposal_versions', schema=None) as batch_op:
        batch_op.drop_column('consortium')
    with op.batch_alter_table('consortium_partners', schema=None) as batch_op:
        batch_op.drop_index('ix_consortium_partners_proposal_status')
        batch_op.drop_index(batch_op.f('ix_consortium_partners_responded_by_id'))
        batch_op.drop_index(batch_op.f('ix_consortium_partners_invited_kvk'))
        batch_op.drop_index(batch_op.f('ix_consortium_partners_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_consortium_partners_proposal_id'))
    op.drop_table('consortium_partners')
