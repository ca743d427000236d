"""usability: an English version of a market consultation's published summary and of its themes;
empty means "only in Dutch" (as for the consultation itself, migration 0030)

Revision ID: 0031
Revises: 0030
"""
from alembic import op
import sqlalchemy as sa


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

CONSULTATION_COLUMNS = (
    ('summary_source_en', sa.Text()),
    ('summary_html_en', sa.Text()),
)
THEME_COLUMNS = (
    ('title_en', sa.String(length=200)),
    ('action_source_en', sa.Text()),
    ('action_html_en', sa.Text()),
)


def upgrade():
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        for name, type_ in CONSULTATION_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, server_default='', nullable=False))
    with op.batch_alter_table('consultation_themes', schema=None) as batch_op:
        for name, type_ in THEME_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('consultation_themes', schema=None) as batch_op:
        for name, _type in reversed(THEME_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        for name, _type in reversed(CONSULTATION_COLUMNS):
            batch_op.drop_column(name)
