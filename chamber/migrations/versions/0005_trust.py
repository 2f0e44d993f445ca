"""core: trust (reviews, complaints, credit scores), chamber content versions, chamber and member settings

Revision ID: 0005_trust
Revises: 0003_access
Create Date: 2026-11-29 08:10:00
"""
from alembic import op
import sqlalchemy as sa
import chamber.db


revision = '0005_trust'
down_revision = '0003_access'
branch_labels = None
depends_on = None

UTC = chamber.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy: on SQLite a copy drops and recreates chambers and
    # members, which every other table references (refused with foreign keys on). The CHECKs
    # are added where the database can add them to an existing table (PostgreSQL).
    op.add_column('chambers', sa.Column('complaint_days', sa.Integer(), server_default='7', nullable=False))
    op.add_column('chambers', sa.Column('public_ledger', sa.String(length=8), server_default='off', nullable=False))
    op.add_column('members', sa.Column('wechat_id', sa.String(length=40), server_default='', nullable=False))
    if op.get_bind().dialect.name != 'sqlite':
        op.create_check_constraint('complaint_days', 'chambers', 'complaint_days BETWEEN 1 AND 60')
        op.create_check_constraint('public_ledger', 'chambers', "public_ledger IN ('off', 'names', 'totals')")

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chamber_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('campaign_title', sa.String(length=120), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('ip_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('confirmed_at', UTC, nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_at', UTC, nullable=True),
    sa.Column('hidden_at', UTC, nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_reviews_rating')),
    sa.CheckConstraint('length(text) <= 2000', name=op.f('ck_reviews_text_length')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_reviews_email_lower')),
    sa.CheckConstraint('(reply IS NULL) = (replied_at IS NULL)', name=op.f('ck_reviews_reply_once')),
    sa.CheckConstraint('hidden_at IS NULL OR hidden_reason IS NOT NULL', name=op.f('ck_reviews_hidden_has_reason')),
    sa.ForeignKeyConstraint(['chamber_id'], ['chambers.id'], name=op.f('fk_reviews_chamber_id_chambers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chamber_id', 'member_id'], ['members.chamber_id', 'members.id'], name=op.f('fk_reviews_chamber_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_reviews_hidden_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('chamber_id', 'member_id', 'campaign_id', 'email', name='uq_reviews_one_per_email'),
    sa.UniqueConstraint('token_hash', name=op.f('uq_reviews_token_hash')),
    )
    op.create_index('ix_reviews_member_id', 'reviews', ['member_id'])
    op.create_index('ix_reviews_ip_created', 'reviews', ['ip_hash', 'created_at'])
    op.create_index('ix_reviews_email_created', 'reviews', ['email', 'created_at'])

    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chamber_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('campaign_title', sa.String(length=120), nullable=False),
    sa.Column('tracking_code', sa.String(length=24), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('ip_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('respond_by', UTC, nullable=False),
    sa.Column('evidence', sa.LargeBinary(), nullable=True),
    sa.Column('evidence_type', sa.String(length=20), nullable=True),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('decided_at', UTC, nullable=True),
    sa.CheckConstraint("category IN ('quality', 'refund_refused', 'not_delivered', 'false_advertising', 'price')", name=op.f('ck_complaints_category')),
    sa.CheckConstraint("status IN ('submitted', 'responded', 'upheld', 'dismissed', 'resolved')", name=op.f('ck_complaints_status')),
    sa.CheckConstraint('length(description) <= 2000', name=op.f('ck_complaints_description_length')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_complaints_email_lower')),
    sa.CheckConstraint("evidence_type IS NULL OR evidence_type IN ('image/jpeg', 'image/png', 'image/webp')", name=op.f('ck_complaints_evidence_type')),
    sa.CheckConstraint('evidence IS NULL OR length(evidence) <= 5242880', name=op.f('ck_complaints_evidence_size')),
    sa.CheckConstraint("(decided_at IS NULL) = (status IN ('submitted', 'responded'))", name=op.f('ck_complaints_decided')),
    sa.ForeignKeyConstraint(['chamber_id'], ['chambers.id'], name=op.f('fk_complaints_chamber_id_chambers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chamber_id', 'member_id'], ['members.chamber_id', 'members.id'], name=op.f('fk_complaints_chamber_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_complaints_tracking_code')),
    )
    op.create_index('ix_complaints_chamber_id', 'complaints', ['chamber_id'])
    op.create_index('ix_complaints_member_id', 'complaints', ['member_id'])
    op.create_index('ix_complaints_ip_created', 'complaints', ['ip_hash', 'created_at'])
    op.create_index('ix_complaints_email_created', 'complaints', ['email', 'created_at'])

    op.create_table('complaint_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chamber_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTC, nullable=False),
    sa.CheckConstraint("kind IN ('submitted', 'responded', 'upheld', 'dismissed', 'resolved')", name=op.f('ck_complaint_events_kind')),
    sa.ForeignKeyConstraint(['chamber_id'], ['chambers.id'], name=op.f('fk_complaint_events_chamber_id_chambers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_events_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_complaint_events_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_events')),
    sa.UniqueConstraint('complaint_id', 'kind', name=op.f('uq_complaint_events_complaint_id_kind')),
    )
    op.create_index('ix_complaint_events_complaint_id', 'complaint_events', ['complaint_id'])

    op.create_table('credit_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chamber_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('computed_at', UTC, nullable=False),
    sa.CheckConstraint('score BETWEEN 0 AND 100', name=op.f('ck_credit_scores_score')),
    sa.ForeignKeyConstraint(['chamber_id'], ['chambers.id'], name=op.f('fk_credit_scores_chamber_id_chambers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chamber_id', 'member_id'], ['members.chamber_id', 'members.id'], name=op.f('fk_credit_scores_chamber_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_scores')),
    )
    op.create_index('ix_credit_scores_member', 'credit_scores', ['chamber_id', 'member_id', 'id'])

    op.create_table('chamber_versions',
    sa.Column('chamber_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['chamber_id'], ['chambers.id'], name=op.f('fk_chamber_versions_chamber_id_chambers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chamber_id', name=op.f('pk_chamber_versions')),
    )
    op.execute("INSERT INTO chamber_versions (chamber_id, version, changed_at) SELECT id, 1, created_at FROM chambers")


def downgrade() -> None:
    op.drop_table('chamber_versions')
    op.drop_index('ix_credit_scores_member', table_name='credit_scores')
    op.drop_table('credit_scores')
    op.drop_index('ix_complaint_events_complaint_id', table_name='complaint_events')
    op.drop_table('complaint_events')
    for name in ('ix_complaints_email_created', 'ix_complaints_ip_created', 'ix_complaints_member_id', 'ix_complaints_chamber_id'):
        op.drop_index(name, table_name='complaints')
    op.drop_table('complaints')
    for name in ('ix_reviews_email_created', 'ix_reviews_ip_created', 'ix_reviews_member_id'):
        op.drop_index(name, table_name='reviews')
    op.drop_table('reviews')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('ck_chambers_public_ledger', 'chambers', type_='check')
        op.drop_constraint('ck_chambers_complaint_days', 'chambers', type_='check')
    op.drop_column('members', 'wechat_id')  # SQLite ≥ 3.35 drops a column in place
    op.drop_column('chambers', 'public_ledger')
    op.drop_column('chambers', 'complaint_days')
