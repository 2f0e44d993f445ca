"""core: session version per user, client address of login attempts

Revision ID: 0003_access
Revises: 0001
Create Date: 2026-11-29 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_access'
down_revision = '0001'
branch_labels = None
depends_on = None


# Plain ALTER TABLE ADD/DROP COLUMN (SQLite 3.35+ has both), not batch mode: batch would copy
# `users`, and SQLite refuses to drop a table that other tables' foreign keys point at.


def upgrade() -> None:
    op.add_column('users', sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    op.add_column('login_attempts', sa.Column('address', sa.String(length=45), nullable=True))


def downgrade() -> None:
    op.drop_column('login_attempts', 'address')
    op.drop_column('users', 'session_version')
