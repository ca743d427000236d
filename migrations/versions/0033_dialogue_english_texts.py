"""usability: an English version of a city or market dialogue's title and description, and of its
report; empty means "only in Dutch" (as for calls, migration 0014, and consultations, 0030/0031)

Revision ID: 0033
Revises: 0032
"""
from alembic import op
import sqlalchemy as sa


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

COLUMNS = (
    ('title_en', sa.String(length=200)),
    ('body_source_en', sa.Text()),
    ('body_html_en', sa.Text()),
    ('report_source_en', sa.Text()),
    ('report_html_en', sa.Text()),
)


def upgrade():
    with op.batch_alter_table('dialogues', schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('dialogues', schema=None) as batch_op:
        for name, _type in reversed(COLUMNS):
            batch_op.drop_column(name)
