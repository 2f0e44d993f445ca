"""Chamber operations: create, tiers, applications, decisions, organizers."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from ..db import utcnow
from ..errors import Conflict, Invalid
from ..models import Chamber, Member, Organizer, Tier, User
from ..slugs import slugify, unique_slug

DEFAULT_TIERS = (("micro", "小微", Decimal(1)), ("growth", "成长", Decimal(2)), ("core", "骨干", Decimal(4)))


def create_chamber(session: Session, user: User, **fields: Any) -> Chamber:
    """Create a chamber with default tiers; its creator becomes its organizer."""
    if session.scalar(select(Chamber.id).where(Chamber.slug == fields["slug"])):
        raise Conflict(_("This web address is taken; choose another slug."), field="slug")
    chamber = Chamber(**fields)
    session.add(chamber)
    session.flush()
    session.add(Organizer(chamber_id=chamber.id, user_id=user.id, granted_by_id=user.id))
    for key, name, weight in DEFAULT_TIERS:
        session.add(Tier(chamber_id=chamber.id, key=key, name=name, weight=weight))
    session.flush()
    return chamber


def list_tiers(session: Session, chamber: Chamber) -> list[Tier]:
    """The chamber's tiers, lightest first."""
    return list(session.scalars(select(Tier).where(Tier.chamber_id == chamber.id).order_by(Tier.weight, Tier.key)))


def set_tiers(session: Session, chamber: Chamber, items: list[tuple[str | None, str, Decimal]]) -> list[Tier]:
    """Replace the chamber's tiers by key (a new tier without a key gets one made from its name).

    A tier still held by members cannot go: nothing changes and the message names the tier.
    """
    existing = {t.key: t for t in list_tiers(session, chamber)}
    wanted = {key for key, _name, _weight in items if key}
    for old_key, tier in existing.items():
        if old_key not in wanted:
            used = session.scalar(
                select(func.count(Member.id)).where(Member.chamber_id == chamber.id, Member.tier_id == tier.id)
            )
            if used:
                raise Conflict(
                    ngettext("Tier “%(name)s” still has %(num)d member; move it to another tier first.",
                             "Tier “%(name)s” still has %(num)d members; move them to another tier first.",
                             used, name=tier.name),
                    field="items",
                )
    for old_key, tier in existing.items():
        if old_key not in wanted:
            session.delete(tier)
    taken = set(existing) | wanted
    for key, name, weight in items:
        kept = existing.get(key) if key else None
        if kept is None:
            new_key = key or unique_slug(slugify(name), taken, fallback="tier")
            taken.add(new_key)
            session.add(Tier(chamber_id=chamber.id, key=new_key, name=name, weight=weight))
        else:
            kept.name, kept.weight = name, weight
    session.flush()
    return list_tiers(session, chamber)


def apply_for_membership(session: Session, chamber: Chamber, user: User, **fields: Any) -> Member:
    """File a business's application; one membership per business per chamber."""
    member = session.scalar(select(Member).where(Member.chamber_id == chamber.id, Member.uscc == fields["uscc"]))
    if member is not None and member.status != "rejected":
        raise Conflict(
            _("This business (USCC %(uscc)s) already has a membership or an application here.", uscc=fields["uscc"]),
            field="uscc",
        )
    if member is None:
        member = Member(chamber_id=chamber.id, user_id=user.id, **fields)
        session.add(member)
    else:  # a rejected business may apply again, with corrected details
        for name, value in fields.items():
            setattr(member, name, value)
        member.user_id = user.id
        member.status, member.reason, member.tier_id = "pending", "", None
        member.applied_at, member.decided_at, member.decided_by_id = utcnow(), None, None
    session.flush()
    return member


# which decisions are allowed from which status, and where they lead
TRANSITIONS = {
    ("pending", "approve"): "approved",
    ("pending", "reject"): "rejected",
    ("approved", "approve"): "approved",  # re-tiering an approved member
    ("approved", "suspend"): "suspended",
    ("suspended", "approve"): "approved",
}


def status_label(status: str) -> str:
    """A membership status in the user's language."""
    return {"pending": _("pending"), "approved": _("approved"), "rejected": _("rejected"),
            "suspended": _("suspended")}.get(status, status)


def decision_label(decision: str) -> str:
    return {"approve": _("approve"), "reject": _("reject"), "suspend": _("suspend")}.get(decision, decision)


def _lock_organizers(session: Session, chamber: Chamber) -> int:
    """Lock the chamber's row (changes to its organizers go one at a time) and count its organizers.

    Two organizers suspending or demoting each other at once would otherwise both see two
    organizers and leave none.
    """
    session.scalars(select(Chamber.id).where(Chamber.id == chamber.id).with_for_update()).one()
    return session.scalar(select(func.count(Organizer.id)).where(Organizer.chamber_id == chamber.id)) or 0


def _last_organizer_message() -> str:
    return _("The chamber needs at least one organizer: make another member an organizer first.")


def decide_membership(
    session: Session, chamber: Chamber, member: Member, decision: str, tier_key: str | None, reason: str, by: User
) -> Member:
    """Approve (with a tier), reject (with a reason) or suspend a member.

    Suspending or rejecting a business ends its owner's organizer rights in the same step (they
    are not given back on reinstatement); the chamber's last organizer cannot lose them this way.
    """
    target = TRANSITIONS.get((member.status, decision))
    if target is None:
        raise Conflict(
            _("A membership that is %(status)s cannot be given the decision “%(decision)s”.",
              status=status_label(member.status), decision=decision_label(decision))
        )
    if decision == "approve":
        tier = None
        if tier_key:
            tier = session.scalar(select(Tier).where(Tier.chamber_id == chamber.id, Tier.key == tier_key))
            if tier is None:
                raise Invalid(_("Unknown tier “%(key)s”.", key=tier_key), field="tier")
        elif member.tier_id is None:
            raise Invalid(_("Choose a size tier to approve a member."), field="tier")
        if tier is not None:
            member.tier_id = tier.id
    elif not reason:
        raise Invalid(_("Give a reason: the merchant will see it."), field="reason")
    if target in ("suspended", "rejected"):
        organizers = _lock_organizers(session, chamber)
        organizer = session.scalar(
            select(Organizer).where(Organizer.chamber_id == chamber.id, Organizer.user_id == member.user_id)
        )
        if organizer is not None:
            if organizers <= 1:
                raise Conflict(_last_organizer_message(), field="decision")
            session.delete(organizer)
    member.status = target
    member.reason = reason if decision != "approve" else ""
    member.decided_at = utcnow()
    member.decided_by_id = by.id
    session.flush()
    _tell_applicant(session, chamber, member, target)
    return member


def _tell_applicant(session: Session, chamber: Chamber, member: Member, status: str) -> None:
    """The applicant learns the decision in the inbox and by email (their preferences, their language)."""
    from ..notifications.operations import event_source, notify

    if status not in ("approved", "rejected"):
        return
    kind = f"chamber.application_{status}"
    link = f"/chambers/{chamber.slug}/dashboard" if status == "approved" else f"/c/{chamber.slug}/apply"
    notify(session, chamber_id=chamber.id, kind=kind,
           source=event_source(kind, f"{member.id}:{member.decided_at.isoformat() if member.decided_at else ''}"),
           recipients=[member.user_id], link=link,
           context={"chamber_name": chamber.name, "business_name": member.business_name, "reason": member.reason})


def make_organizer(session: Session, chamber: Chamber, member: Member, by: User) -> Organizer:
    """Let an approved member's user run the chamber too."""
    if member.status != "approved":
        raise Conflict(_("Only approved members can become organizers."))
    existing = session.scalar(
        select(Organizer).where(Organizer.chamber_id == chamber.id, Organizer.user_id == member.user_id)
    )
    if existing is not None:
        raise Conflict(_("%(name)s is already an organizer.", name=member.user.display_name))
    organizer = Organizer(chamber_id=chamber.id, user_id=member.user_id, granted_by_id=by.id)
    session.add(organizer)
    session.flush()
    return organizer


def remove_organizer(session: Session, chamber: Chamber, user_id: int) -> bool:
    """Take a user's organizer rights in this chamber (their membership stays); False if they had none.

    Conflict if they are the chamber's last organizer.
    """
    organizers = _lock_organizers(session, chamber)
    organizer = get_organizer(session, chamber, user_id)
    if organizer is None:
        return False
    if organizers <= 1:
        raise Conflict(_last_organizer_message())
    session.delete(organizer)
    session.flush()
    return True


def get_organizer(session: Session, chamber: Chamber, user_id: int) -> Organizer | None:
    """The chamber's organizer row of this user, or None."""
    return session.scalar(select(Organizer).where(Organizer.chamber_id == chamber.id, Organizer.user_id == user_id))


def get_member(session: Session, chamber: Chamber, member_id: int) -> Member | None:
    """The chamber's member with this id, or None."""
    return session.scalar(select(Member).where(Member.chamber_id == chamber.id, Member.id == member_id))


def list_members(session: Session, chamber: Chamber, statuses: tuple[str, ...] = ("approved",)) -> list[Member]:
    """The chamber's members with these statuses, by name, their tiers loaded (one query)."""
    return list(
        session.scalars(
            select(Member)
            .outerjoin(Tier, (Tier.id == Member.tier_id) & (Tier.chamber_id == Member.chamber_id))
            .options(contains_eager(Member.tier))
            .where(Member.chamber_id == chamber.id, Member.status.in_(statuses))
            .order_by(Member.status, Member.business_name, Member.id)
        )
    )


#: members per page of the public directory
DIRECTORY_PAGE = 50


def directory_page(
    session: Session, chamber: Chamber, statuses: tuple[str, ...] = ("approved",), *, query: str = "",
    tier_key: str = "", page: int = 1, per_page: int = DIRECTORY_PAGE,
) -> tuple[list[Member], int, int]:
    """One page of the chamber's members by name: (members with their tiers loaded, total, page).

    ``query`` keeps names containing it (case-insensitive, % and _ taken literally), ``tier_key``
    members of that tier. Two queries, whatever the number of members: the count, and the page with
    its tiers joined in (no lazy load per member). ``page`` is clamped to the pages there are.
    """
    where = [Member.chamber_id == chamber.id, Member.status.in_(statuses)]
    query = query.strip()
    if query:
        where.append(func.lower(Member.business_name).contains(query.lower(), autoescape=True))
    if tier_key:
        where.append(Member.tier_id.in_(select(Tier.id).where(Tier.chamber_id == chamber.id, Tier.key == tier_key)))
    total = session.scalar(select(func.count(Member.id)).where(*where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    members = list(session.scalars(
        select(Member)
        .outerjoin(Tier, (Tier.id == Member.tier_id) & (Tier.chamber_id == Member.chamber_id))
        .options(contains_eager(Member.tier))
        .where(*where)
        .order_by(Member.status, Member.business_name, Member.id)
        .limit(per_page).offset((page - 1) * per_page)
    ))
    return members, total, page


def member_count(session: Session, chamber: Chamber) -> int:
    """How many approved members the chamber has."""
    return session.scalar(
        select(func.count(Member.id)).where(Member.chamber_id == chamber.id, Member.status == "approved")
    ) or 0


def list_organizers(session: Session, chamber: Chamber) -> list[Organizer]:
    """The chamber's organizers."""
    return list(session.scalars(select(Organizer).where(Organizer.chamber_id == chamber.id).order_by(Organizer.id)))


def update_profile(session: Session, member: Member, *, shop_url: str, wechat_id: str) -> Member:
    """Change what shoppers see of a merchant: the shop link and the WeChat ID (empty: not shown)."""
    member.shop_url = shop_url
    member.wechat_id = wechat_id
    session.flush()
    return member


def profile_member(session: Session, chamber: Chamber, user: User, member_id: int | None) -> Member | None:
    """The user's approved business whose profile they edit: the one asked for, else their first."""
    query = select(Member).where(
        Member.chamber_id == chamber.id, Member.user_id == user.id, Member.status == "approved"
    )
    if member_id is not None:
        query = query.where(Member.id == member_id)
    return session.scalars(query.order_by(Member.id).limit(1)).first()


def own_memberships(session: Session, chamber: Chamber, user: User) -> list[Member]:
    """The user's businesses in this chamber, whatever their status."""
    return list(
        session.scalars(
            select(Member).where(Member.chamber_id == chamber.id, Member.user_id == user.id).order_by(Member.id)
        )
    )


def memberships_of(session: Session, user: User) -> list[dict[str, Any]]:
    """The user's roles across chambers, as the API's /me lists them."""
    organizer_of = set(session.scalars(select(Organizer.chamber_id).where(Organizer.user_id == user.id)))
    rows = session.execute(
        select(Member, Chamber.slug).join(Chamber, Chamber.id == Member.chamber_id)
        .where(Member.user_id == user.id).order_by(Member.id)
    ).all()
    items: list[dict[str, Any]] = []
    seen: set[int] = set()
    for member, slug in rows:
        seen.add(member.chamber_id)
        # the contract's roles are organizer and member; status says how far a member's application is
        role = "organizer" if member.chamber_id in organizer_of else "member"
        items.append({"chamber": slug, "role": role, "member_id": member.id, "status": member.status})
    if organizer_of - seen:
        for chamber in session.scalars(select(Chamber).where(Chamber.id.in_(organizer_of - seen)).order_by(Chamber.id)):
            items.append({"chamber": chamber.slug, "role": "organizer", "member_id": None, "status": None})
    return items


def chambers_of(session: Session, user: User) -> list[Chamber]:
    """The chambers the user organizes or belongs to."""
    ids = set(session.scalars(select(Organizer.chamber_id).where(Organizer.user_id == user.id)))
    ids |= set(session.scalars(select(Member.chamber_id).where(Member.user_id == user.id)))
    return list(session.scalars(select(Chamber).where(Chamber.id.in_(ids)).order_by(Chamber.name))) if ids else []


def list_chambers(session: Session) -> list[Chamber]:
    """The newest chambers, for the start page."""
    return list(session.scalars(select(Chamber).order_by(Chamber.created_at.desc()).limit(50)))
