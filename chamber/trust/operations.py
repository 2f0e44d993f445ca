"""Trust operations: reviews, complaints, credit scores. They flush, never commit; mail is the
caller's, after its commit (each operation returns what the mail needs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import features
from ..db import utcnow
from ..errors import Conflict, Invalid, RateLimited
from ..images import image_type
from ..models import Chamber, Member, Organizer, User
from ..rules import megabytes
from . import queries, rules
from .models import (
    COMPLAINT_CATEGORIES,
    DECISIONS,
    EVIDENCE_TYPES,
    MAX_EVIDENCE,
    UNDECIDED,
    Complaint,
    ComplaintEvent,
    CreditScore,
    Review,
)

#: submissions a client address, and an email address, may make per hour (reviews and complaints each)
PER_IP_PER_HOUR = 10
PER_EMAIL_PER_HOUR = 5
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class EvidenceTooLarge(Invalid):
    status = 413


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_rate(session: Session, model: Any, ip_hash: str, email: str, now: dt.datetime) -> None:
    since = now - dt.timedelta(hours=1)
    by_ip = (
        session.scalar(
            select(func.count()).select_from(model).where(model.ip_hash == ip_hash, model.created_at > since)
        )
        or 0
    )
    if by_ip >= PER_IP_PER_HOUR:
        raise RateLimited(
            _(
                "Too many submissions from your network in the last hour: at most %(n)d. Try again later.",
                n=PER_IP_PER_HOUR,
            )
        )
    by_email = (
        session.scalar(select(func.count()).select_from(model).where(model.email == email, model.created_at > since))
        or 0
    )
    if by_email >= PER_EMAIL_PER_HOUR:
        raise RateLimited(
            _(
                "Too many submissions with this email address in the last hour: at most %(n)d. Try again later.",
                n=PER_EMAIL_PER_HOUR,
            ),
            field="email",
        )



def find_campaign(session: Session, chamber: Chamber, key: str) -> tuple[int, str] | None:
    """(id, title) of a public campaign of the chamber by its slug (features.lookup_campaign)."""
    return features.lookup_campaign(features.enabled(current_app), session, chamber.id, key)


def member_campaigns(session: Session, chamber: Chamber, member_id: int) -> list[tuple[str, str]]:
    """(slug, title) of the public campaigns the member took part in (features.member_campaigns)."""
    return features.member_campaigns(features.enabled(current_app), session, chamber.id, member_id)


# --- reviews ---------------------------------------------------------------------------------


def submit_review(
    session: Session,
    chamber: Chamber,
    member: Member,
    campaign: tuple[int, str],
    *,
    rating: int,
    text: str,
    email: str,
    ip_hash: str,
    now: dt.datetime | None = None,
) -> tuple[Review, str]:
    """Keep an unconfirmed review; returns it and the confirmation token to mail."""
    now = now or utcnow()
    email = email.strip().lower()
    if not 1 <= rating <= 5:
        raise Invalid(_("A rating is from 1 to 5 stars."), field="rating")
    _check_rate(session, Review, ip_hash, email, now)
    exists = session.scalar(
        select(Review.id).where(
            Review.chamber_id == chamber.id,
            Review.member_id == member.id,
            Review.campaign_id == campaign[0],
            Review.email == email,
        )
    )
    if exists:
        raise Conflict(_("This email address has already reviewed this merchant for this campaign."), field="email")
    token = secrets.token_urlsafe(24)
    review = Review(
        chamber_id=chamber.id,
        member_id=member.id,
        campaign_id=campaign[0],
        campaign_title=campaign[1],
        rating=rating,
        text=text.strip(),
        email=email,
        token_hash=_token_hash(token),
        ip_hash=ip_hash,
        created_at=now,
    )
    session.add(review)
    session.flush()
    return review, token



def review_by_token(session: Session, token: str) -> Review | None:
    """The review a confirmation token belongs to (published or not), or None."""
    if not 0 < len(token) <= 100:
        return None
    return session.scalar(select(Review).where(Review.token_hash == _token_hash(token)))


def confirm_review(session: Session, token: str, *, now: dt.datetime | None = None) -> Review:
    """Publish the review the token belongs to (confirming twice is harmless)."""
    review = review_by_token(session, token)
    if review is None:
        raise Invalid(_("This confirmation link is not valid."), field="token")
    if review.confirmed_at is None:
        review.confirmed_at = now or utcnow()
        session.flush()
        recompute_credit(session, review.chamber_id, [review.member_id])
        chamber = session.get(Chamber, review.chamber_id)
        user_id, name = _merchant_user(session, review.chamber_id, review.member_id)
        if chamber is not None and user_id is not None:
            _tell(session, chamber, "chamber.review_published", str(review.id), [user_id],
                  {"business_name": name, "rating": review.rating, "text": review.text[:300],
                   "campaign_title": review.campaign_title})
    return review



def reply_to_review(session: Session, review: Review, text: str, *, now: dt.datetime | None = None) -> Review:
    """The merchant's one reply to a published review."""
    if review.confirmed_at is None:
        raise Conflict(_("This review is not published."))
    if review.reply is not None:
        raise Conflict(_("You have already replied to this review; a reply cannot be changed."))
    review.reply, review.replied_at = text.strip(), now or utcnow()
    session.flush()
    return review


def hide_review(session: Session, review: Review, reason: str, by: User, *, now: dt.datetime | None = None) -> Review:
    """An organizer hides an abusive review; the reason is kept and the page says the chamber hid it."""
    if not reason.strip():
        raise Invalid(_("Say why the review is hidden."), field="reason")
    if review.hidden_at is not None:
        raise Conflict(_("This review is already hidden."))
    review.hidden_at, review.hidden_reason, review.hidden_by_id = now or utcnow(), reason.strip(), by.id
    session.flush()
    recompute_credit(session, review.chamber_id, [review.member_id])
    return review



# --- telling the merchant and the organizers (the core delivery service) ----------------------


def _desk_link(chamber: Chamber) -> str:
    return f"/chambers/{chamber.slug}/trust"


def _tell(session: Session, chamber: Chamber, kind: str, object_key: str, recipients: Sequence[int],
          context: dict[str, Any]) -> None:
    """Notify these users of a trust event (inbox and email, their choice and language) with the desk's link."""
    from ..notifications.operations import event_source, notify

    if not recipients:
        return
    notify(session, chamber_id=chamber.id, kind=kind, source=event_source(kind, object_key),
           recipients=list(dict.fromkeys(recipients)), link=_desk_link(chamber),
           context={"chamber_name": chamber.name, "timezone": chamber.timezone, **context})


def _merchant_user(session: Session, chamber_id: int, member_id: int) -> tuple[int | None, str]:
    row = session.execute(
        select(Member.user_id, Member.business_name).where(Member.chamber_id == chamber_id, Member.id == member_id)
    ).first()
    return (row[0], row[1]) if row else (None, "")


def _organizer_ids(session: Session, chamber_id: int) -> list[int]:
    return list(session.scalars(select(Organizer.user_id).where(Organizer.chamber_id == chamber_id)))


def _complaint_context(complaint: Complaint, business_name: str) -> dict[str, Any]:
    return {"business_name": business_name, "code": complaint.tracking_code, "category": complaint.category,
            "description": complaint.description[:300], "respond_by": complaint.respond_by,
            "campaign_title": complaint.campaign_title}


# --- settings --------------------------------------------------------------------------------


def update_trust_settings(session: Session, chamber: Chamber, *, complaint_days: int, public_ledger: str) -> None:
    """Set how long merchants have to respond to a complaint and whether campaign ledgers are public."""
    chamber.complaint_days, chamber.public_ledger = complaint_days, public_ledger
    session.flush()


# --- complaints ------------------------------------------------------------------------------


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def check_evidence(data: bytes) -> str:
    """The image type of evidence bytes (JPEG, PNG or WebP, by content), else Invalid; > MAX_EVIDENCE → 413."""
    if len(data) > MAX_EVIDENCE:
        raise EvidenceTooLarge(_("The image is too large: at most %(size)s.", size=megabytes(MAX_EVIDENCE)),
                               field="evidence")
    kind = image_type(data, EVIDENCE_TYPES)
    if kind is None:
        raise Invalid(_("The evidence must be a JPEG, PNG or WebP image."), field="evidence")
    return kind


def submit_complaint(
    session: Session,
    chamber: Chamber,
    member: Member,
    campaign: tuple[int, str] | None,
    *,
    category: str,
    description: str,
    email: str,
    ip_hash: str,
    evidence: bytes | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """Record a complaint with its tracking code; the merchant is asked to respond within the chamber's days."""
    now = now or utcnow()
    email = email.strip().lower()
    if category not in COMPLAINT_CATEGORIES:
        raise Invalid(_("Choose what the complaint is about."), field="category")
    evidence_type = check_evidence(evidence) if evidence else None
    _check_rate(session, Complaint, ip_hash, email, now)
    complaint = Complaint(
        chamber_id=chamber.id,
        member_id=member.id,
        campaign_id=campaign[0] if campaign else None,
        campaign_title=campaign[1] if campaign else "",
        tracking_code=new_tracking_code(),
        category=category,
        description=description.strip(),
        email=email,
        ip_hash=ip_hash,
        status="submitted",
        respond_by=now + dt.timedelta(days=chamber.complaint_days),
        evidence=evidence or None,
        evidence_type=evidence_type,
        created_at=now,
    )
    session.add(complaint)
    session.flush()
    session.add(ComplaintEvent(chamber_id=chamber.id, complaint_id=complaint.id, kind="submitted", created_at=now))
    session.flush()
    _tell(session, chamber, "chamber.complaint_received", str(complaint.id), [member.user_id],
          _complaint_context(complaint, member.business_name))
    return complaint



def respond_to_complaint(
    session: Session, complaint: Complaint, text: str, by: User, *, now: dt.datetime | None = None
) -> Complaint:
    """The merchant's response (once, before the chamber decides)."""
    if not text.strip():
        raise Invalid(_("Write your response."), field="text")
    if complaint.status != "submitted":
        raise Conflict(_("This complaint has already been answered or decided."))
    now = now or utcnow()
    complaint.status = "responded"
    session.add(
        ComplaintEvent(
            chamber_id=complaint.chamber_id,
            complaint_id=complaint.id,
            kind="responded",
            text=text.strip(),
            by_id=by.id,
            created_at=now,
        )
    )
    session.flush()
    chamber = session.get(Chamber, complaint.chamber_id)
    if chamber is not None:
        name = _merchant_user(session, complaint.chamber_id, complaint.member_id)[1]
        _tell(session, chamber, "chamber.complaint_responded", str(complaint.id),
              _organizer_ids(session, chamber.id), {**_complaint_context(complaint, name), "response": text.strip()})
    return complaint


def decide_complaint(
    session: Session, complaint: Complaint, decision: str, reason: str, by: User, *, now: dt.datetime | None = None
) -> Complaint:
    """The chamber's decision: upheld, dismissed or resolved by agreement, with the reason."""
    if decision not in DECISIONS:
        raise Invalid(_("Choose upheld, dismissed or resolved by agreement."), field="decision")
    if not reason.strip():
        raise Invalid(_("Give the reason for the decision."), field="reason")
    if complaint.status not in UNDECIDED:
        raise Conflict(_("This complaint has already been decided."))
    now = now or utcnow()
    complaint.status, complaint.decided_at = decision, now
    session.add(
        ComplaintEvent(
            chamber_id=complaint.chamber_id,
            complaint_id=complaint.id,
            kind=decision,
            text=reason.strip(),
            by_id=by.id,
            created_at=now,
        )
    )
    session.flush()
    recompute_credit(session, complaint.chamber_id, [complaint.member_id])
    chamber = session.get(Chamber, complaint.chamber_id)
    user_id, name = _merchant_user(session, complaint.chamber_id, complaint.member_id)
    if chamber is not None and user_id is not None:
        _tell(session, chamber, "chamber.complaint_decided", str(complaint.id), [user_id],
              {**_complaint_context(complaint, name), "decision": decision, "reason": reason.strip()})
    return complaint



# --- credit scores ---------------------------------------------------------------------------


def _credit_inputs() -> list[features.CreditInput]:
    return features.credit_inputs(features.enabled(current_app))


def recompute_credit(
    session: Session, chamber_id: int, member_ids: Sequence[int] | None = None, *, now: dt.datetime | None = None
) -> int:
    """Compute the scores of these (default: all approved) members; a changed score adds a history row.

    Returns how many scores changed. A constant number of queries whatever the number of members.
    """
    now = now or utcnow()
    query = select(Member.id, Member.status).where(Member.chamber_id == chamber_id)
    if member_ids is not None:
        query = query.where(Member.id.in_(list(member_ids)))
    members = dict(session.execute(query).all())
    if not members:
        return 0
    ids = list(members)
    ratings = {
        mid: (total, count)
        for mid, total, count in session.execute(
            select(Review.member_id, func.sum(Review.rating), func.count())
            .where(
                Review.chamber_id == chamber_id,
                Review.member_id.in_(ids),
                Review.confirmed_at.is_not(None),
                Review.hidden_at.is_(None),
            )
            .group_by(Review.member_id)
        )
    }
    upheld = dict(
        session.execute(
            select(Complaint.member_id, func.count())
            .where(Complaint.chamber_id == chamber_id, Complaint.member_id.in_(ids), Complaint.status == "upheld")
            .group_by(Complaint.member_id)
        ).all()
    )
    inputs = [(item, features.resolve(item.function)(session, chamber_id, ids)) for item in _credit_inputs()]
    current = queries.current_scores(session, chamber_id, ids)
    changed = 0
    for mid, status in members.items():
        total, count = ratings.get(mid, (0, 0))
        score, components = rules.credit_score(
            status == "approved",
            int(total or 0),
            int(count),
            int(upheld.get(mid, 0)),
            {item.name: (values.get(mid), item.weight) for item, values in inputs},
        )
        breakdown = [
            {"name": c.name, "value": round(c.value, 4), "weight": c.weight, "points": round(c.points, 1)}
            for c in components
        ]
        old = current.get(mid)
        if old is None or old["score"] != score or old["breakdown"] != breakdown:
            session.add(
                CreditScore(chamber_id=chamber_id, member_id=mid, score=score, breakdown=breakdown, computed_at=now)
            )
            changed += 1
    session.flush()
    return changed



