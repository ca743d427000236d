"""usability: an English version of a call's public texts (title, summary, main text, prize,
comply-or-explain explanation); empty means "only in Dutch"

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

COLUMNS = (
    ('title_en', sa.String(length=200)),
    ('summary_en', sa.String(length=600)),
    ('body_source_en', sa.Text()),
    ('body_html_en', sa.Text()),
    ('prize_text_en', sa.String(length=300)),
    ('level_explanation_en', sa.Text()),
)


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        for name, _type in reversed(COLUMNS):
            batch_op.drop_column(name)
