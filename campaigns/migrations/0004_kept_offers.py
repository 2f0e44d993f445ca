"""campaigns: the offers of members who withdrew, kept for re-joining

Revision ID: campaigns_0004
Revises: campaigns_0003
Create Date: 2026-11-29 08:50:00
"""
from alembic import op
import sqlalchemy as sa
import chamber.db


revision = 'campaigns_0004'
down_revision = 'campaigns_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign_kept_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chamber_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('offer_headline', sa.String(length=120), nullable=False),
    sa.Column('offer_details', sa.Text(), nullable=False),
    sa.Column('kept_at', chamber.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chamber_id', 'campaign_id'], ['campaigns.chamber_id', 'campaigns.id'], name=op.f('fk_campaign_kept_offers_chamber_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chamber_id', 'member_id'], ['members.chamber_id', 'members.id'], name=op.f('fk_campaign_kept_offers_chamber_id_members')),
    sa.ForeignKeyConstraint(['chamber_id'], ['chambers.id'], name=op.f('fk_campaign_kept_offers_chamber_id_chambers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_kept_offers')),
    sa.UniqueConstraint('campaign_id', 'member_id', name=op.f('uq_campaign_kept_offers_campaign_id_member_id'))
    )


def downgrade() -> None:
    op.drop_table('campaign_kept_offers')
