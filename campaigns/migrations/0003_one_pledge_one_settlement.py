"""campaigns: one pledge and one refund per member, one carry to the fund per campaign

Two requests that raced used to write these twice (two locks: every member pledged twice).
Partial unique indexes make the database refuse a second one whatever the code does.

Revision ID: campaigns_0003
Revises: 0002
Create Date: 2026-11-29 07:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'campaigns_0003'  # named after its branch: revision ids are global
down_revision = '0002'
branch_labels = None
depends_on = None

#: (index name part, entry type, columns), as campaigns.models.ONE_PER_CAMPAIGN at this revision
ONE_PER_CAMPAIGN = (
    ("pledge", "pledge", ("campaign_id", "member_id")),
    ("refund", "refund", ("campaign_id", "member_id")),
    ("carry", "carry_to_fund", ("campaign_id",)),
)


def upgrade() -> None:
    conn = op.get_bind()
    for kind, entry_type, columns in ONE_PER_CAMPAIGN:
        cols = ", ".join(columns)
        twice = conn.execute(sa.text(
            f"SELECT {cols}, COUNT(*) FROM ledger_entries WHERE entry_type = :t GROUP BY {cols} HAVING COUNT(*) > 1"  # nosec B608 - column names are this migration's constants
        ), {"t": entry_type}).all()
        if twice:
            # the ledger is append-only: a person has to decide how to correct these campaigns
            raise RuntimeError(
                f"ledger_entries holds {entry_type} entries twice (written by racing requests) for "
                f"({cols}) = {[tuple(r[:-1]) for r in twice][:20]}; correct those campaigns' ledgers "
                "before upgrading"
            )
        where = sa.text(f"entry_type = '{entry_type}'")
        op.create_index(f"uq_ledger_entries_one_{kind}", "ledger_entries", list(columns), unique=True,
                        sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for kind, _entry_type, _columns in reversed(ONE_PER_CAMPAIGN):
        op.drop_index(f"uq_ledger_entries_one_{kind}", table_name="ledger_entries")
