"""usability: an English version of a market consultation's title, document and questions; empty
means "only in Dutch" (as for calls, migration 0014)

Revision ID: 0030
Revises: 0029
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

COLUMNS = (
    ('title_en', sa.String(length=200)),
    ('body_source_en', sa.Text()),
    ('body_html_en', sa.Text()),
)


def upgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, server_default='', nullable=False))
    with op.batch_alter_table('consultation_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_en', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('consultation_questions', schema=None) as batch_op:
        batch_op.drop_column('text_en')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        for name, _type in reversed(COLUMNS):
            batch_op.drop_column(name)
