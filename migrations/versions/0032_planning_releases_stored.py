"""ocds-store: the planning releases of public planned purchases are stored like the calls' releases

A release belongs to a call or to a planned purchase, exactly one of them: `call_id` becomes
optional, `planned_purchase_id` joins it, and a check says one of the two is set. The plans'
releases were built per request until now, so there is nothing to copy: `flask ocds-backfill` (or
the package page, the first time it shows a public plan) writes the first release of each public
plan.

Revision ID: 0032
Revises: 0031
"""
import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ocds_releases', schema=None) as batch_op:
        batch_op.alter_column('call_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('planned_purchase_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ocds_releases_planned_purchase_id_planned_purchases'),
                                    'planned_purchases', ['planned_purchase_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_ocds_releases_planned_purchase_id_stage_version'),
                                          ['planned_purchase_id', 'stage', 'version'])
        batch_op.create_check_constraint(batch_op.f('ck_ocds_releases_one_process'),
                                         '(call_id IS NULL) <> (planned_purchase_id IS NULL)')
        batch_op.create_index('ix_ocds_releases_plan_order', ['planned_purchase_id', 'date', 'release_id'],
                              unique=False)


def downgrade():
    # A call's release table has no room for a plan's: those releases go (the planning releases are
    # then built per request again, as before this revision).
    op.execute('DELETE FROM ocds_releases WHERE planned_purchase_id IS NOT NULL')
    with op.batch_alter_table('ocds_releases', schema=None) as batch_op:
        batch_op.drop_index('ix_ocds_releases_plan_order')
        batch_op.drop_constraint(batch_op.f('ck_ocds_releases_one_process'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_ocds_releases_planned_purchase_id_stage_version'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_ocds_releases_planned_purchase_id_planned_purchases'),
                                 type_='foreignkey')
        batch_op.drop_column('planned_purchase_id')
        batch_op.alter_column('call_id', existing_type=sa.Integer(), nullable=False)
