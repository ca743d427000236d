"""consultation: market consultations with numbered questions, private answers and a summary (issue #18, part 2)

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

DISPOSITIONS = ('adopted', 'considered', 'not_adopted')


def upgrade():
    op.create_table(
        'consultations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=100), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('body_source', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.Enum('draft', 'open', 'summarised', name='consultationstatus', native_enum=False,
                                    length=20), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('follow_up_call_id', sa.Integer(), nullable=True),
        sa.Column('summary_source', sa.Text(), nullable=False),
        sa.Column('summary_html', sa.Text(), nullable=False),
        sa.Column('summary_published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id'],
                                name=op.f('fk_consultations_category_id_categories')),
        sa.ForeignKeyConstraint(['follow_up_call_id'], ['calls.id'],
                                name=op.f('fk_consultations_follow_up_call_id_calls'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_consultations_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations')),
        sa.UniqueConstraint('slug', name=op.f('uq_consultations_slug')),
    )
    op.create_index(op.f('ix_consultations_category_id'), 'consultations', ['category_id'])
    op.create_index(op.f('ix_consultations_follow_up_call_id'), 'consultations', ['follow_up_call_id'])
    op.create_index(op.f('ix_consultations_created_by_id'), 'consultations', ['created_by_id'])
    op.create_index(op.f('ix_consultations_status'), 'consultations', ['status'])
    op.create_index('ix_consultations_status_closes_at', 'consultations', ['status', 'closes_at'])
    op.create_index('ix_consultations_closes_at_id', 'consultations', ['closes_at', 'id'])

    op.create_table(
        'consultation_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_consultation_questions_consultation_id_consultations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_questions')),
        sa.UniqueConstraint('consultation_id', 'number', name=op.f('uq_consultation_questions_consultation_id_number')),
    )
    op.create_index(op.f('ix_consultation_questions_consultation_id'), 'consultation_questions', ['consultation_id'])

    op.create_table(
        'consultation_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=120), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('storage_key', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_consultation_documents_consultation_id_consultations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_documents')),
        sa.UniqueConstraint('storage_key', name=op.f('uq_consultation_documents_storage_key')),
    )
    op.create_index(op.f('ix_consultation_documents_consultation_id'), 'consultation_documents', ['consultation_id'])

    op.create_table(
        'consultation_responses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('draft', 'submitted', name='responsestatus', native_enum=False, length=20),
                  nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('last_edited_by_id', sa.Integer(), nullable=True),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_consultation_responses_consultation_id_consultations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_consultation_responses_organisation_id_organisations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['last_edited_by_id'], ['users.id'],
                                name=op.f('fk_consultation_responses_last_edited_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'],
                                name=op.f('fk_consultation_responses_submitted_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_responses')),
        sa.UniqueConstraint('consultation_id', 'organisation_id',
                            name=op.f('uq_consultation_responses_consultation_id_organisation_id')),
    )
    for column in ('consultation_id', 'organisation_id', 'last_edited_by_id', 'submitted_by_id'):
        op.create_index(op.f(f'ix_consultation_responses_{column}'), 'consultation_responses', [column])

    op.create_table(
        'consultation_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['response_id'], ['consultation_responses.id'],
                                name=op.f('fk_consultation_answers_response_id_consultation_responses'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['consultation_questions.id'],
                                name=op.f('fk_consultation_answers_question_id_consultation_questions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_answers')),
        sa.UniqueConstraint('response_id', 'question_id', name=op.f('uq_consultation_answers_response_id_question_id')),
    )
    op.create_index(op.f('ix_consultation_answers_response_id'), 'consultation_answers', ['response_id'])
    op.create_index(op.f('ix_consultation_answers_question_id'), 'consultation_answers', ['question_id'])

    op.create_table(
        'consultation_themes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('disposition', sa.Enum(*DISPOSITIONS, name='disposition', native_enum=False, length=20),
                  nullable=False),
        sa.Column('action_source', sa.Text(), nullable=False),
        sa.Column('action_html', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_consultation_themes_consultation_id_consultations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_themes')),
    )
    op.create_index(op.f('ix_consultation_themes_consultation_id'), 'consultation_themes', ['consultation_id'])


def downgrade():
    op.drop_table('consultation_themes')
    op.drop_table('consultation_answers')
    op.drop_table('consultation_responses')
    op.drop_table('consultation_documents')
    op.drop_table('consultation_questions')
    op.drop_table('consultations')
