"""email confirmation at registration

Self-registered accounts wait for the owner of the address to confirm it; an entrepreneur's
organisation (by KvK number) is created or joined only then, so nobody can claim a KvK number
with somebody else's address. Accounts that existed before count as confirmed.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pending_kvk_number', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('pending_organisation_name', sa.String(length=200), nullable=True))
    op.execute("UPDATE users SET email_confirmed_at = created_at")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('pending_organisation_name')
        batch_op.drop_column('pending_kvk_number')
        batch_op.drop_column('email_confirmed_at')
