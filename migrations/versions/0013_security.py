"""security: the lock-out that protects the owner (failures per account, known addresses) and
verified organisations

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('failed_logins_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attacked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attack_warned_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('known_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_known_addresses_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_known_addresses')),
    sa.UniqueConstraint('user_id', 'address_hash', name=op.f('uq_known_addresses_user_id_address_hash'))
    )
    with op.batch_alter_table('known_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_known_addresses_user_id'), ['user_id'], unique=False)
    # Organisations registered before this rule were accepted then: they start out verified; new ones
    # start unverified (the server default after this revision).
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kvk_status', sa.Enum('unverified', 'verified', 'rejected', name='kvkstatus',
                                                            native_enum=False, length=20),
                                      server_default='verified', nullable=False))
        batch_op.add_column(sa.Column('kvk_checked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('kvk_rejection_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_organisations_kvk_status'), ['kvk_status'], unique=False)
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.alter_column('kvk_status', server_default='unverified', existing_nullable=False,
                              existing_type=sa.Enum('unverified', 'verified', 'rejected', name='kvkstatus',
                                                    native_enum=False, length=20))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_kvk_status'))
        batch_op.drop_column('kvk_rejection_reason')
        batch_op.drop_column('kvk_checked_at')
        batch_op.drop_column('kvk_status')
    with op.batch_alter_table('known_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_known_addresses_user_id'))
    op.drop_table('known_addresses')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('attack_warned_at')
        batch_op.drop_column('attacked_at')
        batch_op.drop_column('failed_logins_since')
        batch_op.drop_column('failed_logins')
