"""campaigns: a picture on each merchant's offer card (offer_images)

Revision ID: campaigns_0007_offer_images
Revises: campaigns_0006_announcements
Create Date: 2026-11-29 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import chamber.db


revision = 'campaigns_0007_offer_images'
down_revision = 'campaigns_0006_announcements'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('offer_images',
    sa.Column('chamber_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=20), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', chamber.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name=op.f('ck_offer_images_content_type')),
    sa.CheckConstraint('length(data) > 0 AND length(data) <= 2097152', name=op.f('ck_offer_images_size')),
    sa.ForeignKeyConstraint(['chamber_id', 'campaign_id'], ['campaigns.chamber_id', 'campaigns.id'], name=op.f('fk_offer_images_chamber_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chamber_id', 'member_id'], ['members.chamber_id', 'members.id'], name=op.f('fk_offer_images_chamber_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chamber_id'], ['chambers.id'], name=op.f('fk_offer_images_chamber_id_chambers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chamber_id', 'campaign_id', 'member_id', name=op.f('pk_offer_images'))
    )


def downgrade() -> None:
    op.drop_table('offer_images')
