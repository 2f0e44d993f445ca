"""campaigns: announcements and their posts (campaigns/announcements/)

Revision ID: campaigns_0006_announcements
Revises: campaigns_0005
Create Date: 2026-11-29 11:22:01.046804
"""
from alembic import op
import sqlalchemy as sa
import chamber.db


revision = 'campaigns_0006_announcements'  # a name of its own: two 0005s met once
down_revision = 'campaigns_0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chamber_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=80), nullable=False),
    sa.Column('channels', sa.String(length=60), nullable=False),
    sa.Column('send_at', chamber.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('relative_to', sa.String(length=20), nullable=True),
    sa.Column('offset_iso', sa.String(length=60), nullable=True),
    sa.Column('at_clock', sa.String(length=5), nullable=True),
    sa.Column('daily_countdown', sa.Boolean(), nullable=False),
    sa.Column('scheduled_for', chamber.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', chamber.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', chamber.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fired_at', chamber.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', chamber.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("relative_to IS NULL OR relative_to IN ('optin_deadline', 'starts_at', 'ends_at')", name=op.f('ck_announcements_relative_to')),
    sa.CheckConstraint("status = 'draft' OR scheduled_for IS NOT NULL OR status = 'cancelled'", name=op.f('ck_announcements_scheduled_has_time')),
    sa.CheckConstraint("status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled', 'missed')", name=op.f('ck_announcements_status')),
    sa.CheckConstraint('NOT daily_countdown OR campaign_id IS NOT NULL', name=op.f('ck_announcements_countdown_needs_campaign')),
    sa.CheckConstraint('occurrences >= 0', name=op.f('ck_announcements_occurrences_nonnegative')),
    sa.CheckConstraint('relative_to IS NULL OR (campaign_id IS NOT NULL AND offset_iso IS NOT NULL)', name=op.f('ck_announcements_relative_needs_campaign')),
    sa.ForeignKeyConstraint(['chamber_id', 'campaign_id'], ['campaigns.chamber_id', 'campaigns.id'], name=op.f('fk_announcements_chamber_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chamber_id'], ['chambers.id'], name=op.f('fk_announcements_chamber_id_chambers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_announcements_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements')),
    sa.UniqueConstraint('chamber_id', 'id', name=op.f('uq_announcements_chamber_id_id'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index('ix_announcements_campaign', ['chamber_id', 'campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_chamber_id'), ['chamber_id'], unique=False)
        batch_op.create_index('ix_announcements_due', ['status', 'scheduled_for'], unique=False)

    op.create_table('announcement_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chamber_id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('occurrence', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=240), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('scheduled_for', chamber.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', chamber.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('occurrence >= 1', name=op.f('ck_announcement_posts_occurrence_positive')),
    sa.ForeignKeyConstraint(['chamber_id', 'announcement_id'], ['announcements.chamber_id', 'announcements.id'], name=op.f('fk_announcement_posts_chamber_id_announcements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chamber_id', 'campaign_id'], ['campaigns.chamber_id', 'campaigns.id'], name=op.f('fk_announcement_posts_chamber_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chamber_id'], ['chambers.id'], name=op.f('fk_announcement_posts_chamber_id_chambers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_posts')),
    sa.UniqueConstraint('announcement_id', 'occurrence', name=op.f('uq_announcement_posts_announcement_id_occurrence'))
    )
    with op.batch_alter_table('announcement_posts', schema=None) as batch_op:
        batch_op.create_index('ix_announcement_posts_campaign', ['campaign_id', 'public', 'published_at'], unique=False)
        batch_op.create_index('ix_announcement_posts_feed', ['chamber_id', 'public', 'published_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('announcement_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_posts_feed')
        batch_op.drop_index('ix_announcement_posts_campaign')

    op.drop_table('announcement_posts')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index('ix_announcements_due')
        batch_op.drop_index(batch_op.f('ix_announcements_chamber_id'))
        batch_op.drop_index('ix_announcements_campaign')

    op.drop_table('announcements')
