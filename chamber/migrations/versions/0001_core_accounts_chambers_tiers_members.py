"""core: accounts, chambers, tiers, members

Revision ID: 0001
Revises:
Create Date: 2026-11-25 23:10:42.404196
"""
from alembic import op
import sqlalchemy as sa
import chamber.db


revision = '0001'
down_revision = None
branch_labels = ('chamber',)
depends_on = None


def upgrade() -> None:
    op.create_table('chambers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=120), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', chamber.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('regional', 'brand')", name=op.f('ck_chambers_kind')),
    sa.CheckConstraint('length(currency) = 3', name=op.f('ck_chambers_currency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chambers')),
    sa.UniqueConstraint('slug', name=op.f('uq_chambers_slug'))
    )
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('at', chamber.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_email_at', ['email', 'at'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=True),
    sa.Column('created_at', chamber.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_users_email_lower')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', chamber.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', chamber.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('organizers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chamber_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('granted_at', chamber.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['chamber_id'], ['chambers.id'], name=op.f('fk_organizers_chamber_id_chambers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_organizers_granted_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organizers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizers')),
    sa.UniqueConstraint('chamber_id', 'user_id', name=op.f('uq_organizers_chamber_id_user_id'))
    )
    with op.batch_alter_table('organizers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizers_user_id'), ['user_id'], unique=False)

    op.create_table('tiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chamber_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('weight', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.CheckConstraint('weight > 0', name=op.f('ck_tiers_weight_positive')),
    sa.ForeignKeyConstraint(['chamber_id'], ['chambers.id'], name=op.f('fk_tiers_chamber_id_chambers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tiers')),
    sa.UniqueConstraint('chamber_id', 'id', name=op.f('uq_tiers_chamber_id_id')),
    sa.UniqueConstraint('chamber_id', 'key', name=op.f('uq_tiers_chamber_id_key'))
    )
    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chamber_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('business_name', sa.String(length=120), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('contact_name', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('shop_url', sa.String(length=500), nullable=False),
    sa.Column('annual_revenue_minor', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tier_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('applied_at', chamber.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', chamber.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status != 'approved' OR tier_id IS NOT NULL", name=op.f('ck_members_approved_has_tier')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'suspended')", name=op.f('ck_members_status')),
    sa.CheckConstraint('annual_revenue_minor >= 0', name=op.f('ck_members_revenue_nonnegative')),
    sa.ForeignKeyConstraint(['chamber_id', 'tier_id'], ['tiers.chamber_id', 'tiers.id'], name=op.f('fk_members_chamber_id_tiers')),
    sa.ForeignKeyConstraint(['chamber_id'], ['chambers.id'], name=op.f('fk_members_chamber_id_chambers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_members_decided_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('chamber_id', 'id', name=op.f('uq_members_chamber_id_id')),
    sa.UniqueConstraint('chamber_id', 'uscc', name=op.f('uq_members_chamber_id_uscc'))
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_chamber_id'), ['chamber_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_members_chamber_id'))

    op.drop_table('members')
    op.drop_table('tiers')
    with op.batch_alter_table('organizers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizers_user_id'))

    op.drop_table('organizers')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_email_at')

    op.drop_table('login_attempts')
    op.drop_table('chambers')
