"""Trust read queries the pages and the API share: the member a review or complaint is about, and its chamber.

Session first; they read, never write or commit. The rest of the trust service's reads sit with its
operations (operations.py: get_complaint, reviews_of, current_scores …).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Chamber, Member


def chamber_member(session: Session, chamber_id: int, member_id: int) -> Member | None:
    """The chamber's member (whatever their status), or None."""
    return session.scalar(select(Member).where(Member.chamber_id == chamber_id, Member.id == member_id))


def business_name(session: Session, chamber_id: int, member_id: int) -> str:
    """The business name of the chamber's member ("" for none)."""
    return session.scalar(
        select(Member.business_name).where(Member.chamber_id == chamber_id, Member.id == member_id)
    ) or ""


def chamber_of(session: Session, chamber_id: int) -> Chamber:
    """The chamber a complaint or review belongs to (by its id, which its foreign key guarantees)."""
    chamber = session.get(Chamber, chamber_id)
    assert chamber is not None
    return chamber
