"""Trust read queries the pages, the API and other packages share.

Session first; they read, never write or commit (operations.py holds the commands): reviews, complaints
and their history, the desk's counts and statistics, credit scores.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Chamber, Member
from . import rules
from .models import UNDECIDED, Complaint, ComplaintEvent, CreditScore, Review


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


def public_member(session: Session, chamber: Chamber, member_id: int) -> Member | None:
    """An approved (verified) member of the chamber, or None."""
    return session.scalar(
        select(Member).where(Member.chamber_id == chamber.id, Member.id == member_id, Member.status == "approved")
    )




def get_review(session: Session, chamber: Chamber, review_id: int) -> Review | None:
    return session.scalar(select(Review).where(Review.chamber_id == chamber.id, Review.id == review_id))


def reviews_of(session: Session, chamber_id: int, member_id: int, limit: int = 50) -> list[Review]:
    """The member's published reviews (hidden ones too: the page shows that they were hidden), newest first."""
    return list(
        session.scalars(
            select(Review)
            .where(Review.chamber_id == chamber_id, Review.member_id == member_id, Review.confirmed_at.is_not(None))
            .order_by(Review.confirmed_at.desc(), Review.id.desc())
            .limit(limit)
        )
    )


def reviews_for_merchant(session: Session, chamber_id: int, member_ids: Sequence[int]) -> list[Review]:
    """Published, visible reviews of these members (the merchant's own reply desk)."""
    if not member_ids:
        return []
    return list(
        session.scalars(
            select(Review)
            .where(Review.chamber_id == chamber_id, Review.member_id.in_(member_ids), Review.confirmed_at.is_not(None))
            .order_by(Review.id.desc())
            .limit(200)
        )
    )


def get_complaint(session: Session, tracking_code: str) -> Complaint | None:
    code = tracking_code.strip().upper()
    if len(code) > 24:
        return None
    return session.scalar(select(Complaint).where(Complaint.tracking_code == code))


def get_chamber_complaint(session: Session, chamber: Chamber, complaint_id: int) -> Complaint | None:
    return session.scalar(select(Complaint).where(Complaint.chamber_id == chamber.id, Complaint.id == complaint_id))


def complaint_events(session: Session, complaint: Complaint) -> list[ComplaintEvent]:
    return list(
        session.scalars(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == complaint.id)
            .order_by(ComplaintEvent.created_at, ComplaintEvent.id)
        )
    )


def complaints_of_chamber(
    session: Session, chamber_id: int, member_ids: Sequence[int] | None = None, limit: int = 200
) -> list[Complaint]:
    """The chamber's complaints (or those against these members), open ones first, newest first."""
    query = select(Complaint).where(Complaint.chamber_id == chamber_id)
    if member_ids is not None:
        if not member_ids:
            return []
        query = query.where(Complaint.member_id.in_(member_ids))
    open_first = (Complaint.decided_at.is_(None)).desc()
    return list(session.scalars(query.order_by(open_first, Complaint.id.desc()).limit(limit)))


def open_complaint_counts(session: Session, chamber_id: int, member_ids: Sequence[int] | None = None) -> dict[str, int]:
    """{"awaiting_response": complaints against these members (all: None) still waiting for the merchant,
    "to_decide": those not yet decided}; one query (the dashboards' counts)."""
    query = select(Complaint.status, func.count()).where(
        Complaint.chamber_id == chamber_id, Complaint.status.in_(UNDECIDED)
    )
    if member_ids is not None:
        if not member_ids:
            return {"awaiting_response": 0, "to_decide": 0}
        query = query.where(Complaint.member_id.in_(list(member_ids)))
    counts = dict(session.execute(query.group_by(Complaint.status)).all())
    submitted, responded = int(counts.get("submitted", 0)), int(counts.get("responded", 0))
    return {"awaiting_response": submitted, "to_decide": submitted + responded}


def complaint_stats(session: Session, chamber_id: int) -> dict[str, Any]:
    """Received, resolved (decided) and the median days to resolve, as the chamber page publishes them."""
    rows = session.execute(
        select(Complaint.created_at, Complaint.decided_at).where(Complaint.chamber_id == chamber_id)
    ).all()
    days = [(decided - created).total_seconds() / 86400 for created, decided in rows if decided is not None]
    median = rules.median_days(days)
    return {"received": len(rows), "resolved": len(days), "median_days": None if median is None else round(median, 1)}


def current_scores(
    session: Session, chamber_id: int, member_ids: Sequence[int] | None = None
) -> dict[int, dict[str, Any]]:
    """member_id → {score, breakdown, computed_at} of the newest score row; one query."""
    newest = select(func.max(CreditScore.id)).where(CreditScore.chamber_id == chamber_id)
    if member_ids is not None:
        if not member_ids:
            return {}
        newest = newest.where(CreditScore.member_id.in_(list(member_ids)))
    newest = newest.group_by(CreditScore.member_id)
    rows = session.execute(
        select(CreditScore.member_id, CreditScore.score, CreditScore.breakdown, CreditScore.computed_at).where(
            CreditScore.id.in_(newest.scalar_subquery())
        )
    )
    return {mid: {"score": score, "breakdown": breakdown, "computed_at": at} for mid, score, breakdown, at in rows}


def score_history(session: Session, chamber_id: int, member_id: int, limit: int = 20) -> list[CreditScore]:
    return list(
        session.scalars(
            select(CreditScore)
            .where(CreditScore.chamber_id == chamber_id, CreditScore.member_id == member_id)
            .order_by(CreditScore.id.desc())
            .limit(limit)
        )
    )
