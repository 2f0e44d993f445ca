"""Announcement operations: write, schedule, edit, cancel, fire, follow the campaign's dates.

Verb-first, session first, may flush(), never commit().  Firing locks the announcement's row
(``SELECT … FOR UPDATE``; SQLite serialises writers with BEGIN IMMEDIATE) and decides on the
row read after the lock, so two schedulers racing for the same announcement send it once; the
post's unique (announcement, occurrence) and the outbox's unique delivery key refuse a second
copy even if that were ever got wrong.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from chamber.db import utcnow
from chamber.errors import Conflict, Invalid, rule_message
from chamber.models import Chamber, Member, Organizer, User
from chamber.notifications import operations as delivery
from chamber.notifications.models import Delivery, Subscriber, Webhook

from ..models import Campaign, Participation
from . import markup, rules
from .models import Announcement, AnnouncementPost, join_codes
from .rules import AUDIENCES, CHANNELS, MOMENTS, RuleError

#: how many due announcements one scheduler run takes on
BATCH = 100


@dataclass
class Draft:
    """What an organizer typed, validated by the form (times aware UTC, codes checked)."""

    title: str
    body: str
    audience: list[str]
    channels: list[str]
    campaign: Campaign | None = None
    send_at: dt.datetime | None = None
    relative_to: str | None = None
    offset: str | None = None
    at_clock: str | None = None
    daily_countdown: bool = False
    #: save without scheduling
    draft: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _rule_error(err: RuleError, field: str | None) -> Invalid:
    return Invalid(rule_message(err), field=field)


# --------------------------------------------------------------------------- schedule


def moment_of(campaign: Campaign, name: str) -> dt.datetime:
    """A campaign moment by name: optin_deadline, starts_at or ends_at."""
    if name not in MOMENTS:
        raise Invalid(_("Choose the opt-in deadline, the start or the end."), field="relative_to")
    value: dt.datetime = getattr(campaign, name)
    return value


def _clock(text: str | None) -> dt.time | None:
    if not text:
        return None
    try:
        return rules.parse_clock(text)
    except RuleError as err:
        raise _rule_error(err, "at_clock") from None


def first_countdown(campaign: Campaign, clock: dt.time, timezone: str, now: dt.datetime) -> dt.datetime | None:
    """The first countdown time: the clock time on or after the start, and after now, before the end."""
    after = max(now, campaign.starts_at - dt.timedelta(microseconds=1))
    return rules.next_daily(after, clock, timezone, campaign.ends_at)


def schedule_of(announcement: Announcement, campaign: Campaign | None, timezone: str,
                now: dt.datetime) -> dt.datetime | None:
    """When the announcement is due (next), from its settings and the campaign's current dates.

    A countdown goes out at its clock time on every day from the start to the end, the next one
    after now and after the last one that went out; None when no day is left.
    """
    if announcement.daily_countdown and campaign is not None:
        clock = _clock(announcement.at_clock) or dt.time(10, 0)
        after = max(now, announcement.fired_at or now)
        return first_countdown(campaign, clock, timezone, after)
    if announcement.relative_to and campaign is not None:
        return rules.relative_time(moment_of(campaign, announcement.relative_to), announcement.offset_iso or "PT0S",
                                   timezone, _clock(announcement.at_clock))
    return announcement.send_at


def _validate(session: Session, chamber: Chamber, d: Draft, now: dt.datetime) -> dt.datetime | None:
    """Check a draft; the time it is due (None when saved as a draft). Invalid by the field."""
    try:
        rules.check_choice(d.audience, d.channels, campaign=d.campaign is not None,
                           relative=bool(d.relative_to) or d.daily_countdown)
    except RuleError as err:
        raise _rule_error(err, rules.FIELDS.get(err.code, "audience")) from None
    unknown = [a for a in d.audience if a not in AUDIENCES] + [c for c in d.channels if c not in CHANNELS]
    if unknown:
        raise Invalid(_("Unknown choice: %(value)s.", value=", ".join(unknown)))
    if d.campaign is not None and d.campaign.chamber_id != chamber.id:
        raise Invalid(_("There is no such campaign."), field="campaign")
    if d.daily_countdown:
        if d.campaign is None:
            raise Invalid(_("A countdown needs the campaign it counts down to."), field="campaign")
        clock = _clock(d.at_clock) or dt.time(10, 0)
        when = first_countdown(d.campaign, clock, chamber.timezone, now)
        if when is None:
            raise Invalid(_("The campaign is over: there is no day left to count down."), field="daily_countdown")
        return None if d.draft else when
    if d.relative_to:
        if d.campaign is None:
            raise Invalid(_("A time relative to a campaign needs the campaign."), field="campaign")
        if not d.offset:
            raise Invalid(_("Give the offset as an ISO 8601 duration, such as -P3D (3 days before) or PT2H "
                            "(2 hours after)."), field="offset")
        try:
            when = rules.relative_time(moment_of(d.campaign, d.relative_to), d.offset, chamber.timezone,
                                       _clock(d.at_clock))
        except RuleError as err:
            raise _rule_error(err, "offset") from None
        except OverflowError:
            raise Invalid(_("The offset moves the time out of range."), field="offset") from None
        field_name = "offset"
    elif d.send_at is not None:
        when, field_name = d.send_at, "send_at"
    elif d.draft:
        return None
    else:
        raise Invalid(_("Give a send time, or a time relative to a campaign moment."), field="send_at")
    if d.draft:
        return None
    try:
        rules.check_schedule(when, now)
    except RuleError as err:
        raise _rule_error(err, field_name) from None
    return when


def _apply(announcement: Announcement, d: Draft, when: dt.datetime | None) -> None:
    announcement.title = d.title
    announcement.body = d.body
    announcement.audience = join_codes(d.audience, AUDIENCES)
    announcement.channels = join_codes(d.channels, CHANNELS)
    announcement.campaign_id = d.campaign.id if d.campaign is not None else None
    relative = bool(d.relative_to) and not d.daily_countdown
    announcement.send_at = None if relative or d.daily_countdown else d.send_at
    announcement.relative_to = d.relative_to if relative else None
    announcement.offset_iso = (format_offset(d.offset) if relative and d.offset else None)
    announcement.at_clock = (d.at_clock or ("10:00" if d.daily_countdown else None)) if relative or d.daily_countdown \
        else None
    announcement.daily_countdown = d.daily_countdown
    announcement.scheduled_for = when
    announcement.status = "draft" if when is None else "scheduled"
    announcement.note = ""


def format_offset(text: str) -> str:
    """An offset in its canonical ISO 8601 spelling."""
    return rules.format_duration(rules.parse_duration(text))


def create_announcement(session: Session, chamber: Chamber, by: User, d: Draft, *,
                        now: dt.datetime | None = None) -> Announcement:
    """Write an announcement and schedule it (or keep it as a draft)."""
    now = now or utcnow()
    when = _validate(session, chamber, d, now)
    announcement = Announcement(chamber_id=chamber.id, created_by_id=by.id, created_at=now, updated_at=now,
                                occurrences=0)
    _apply(announcement, d, when)
    session.add(announcement)
    session.flush()
    sync_task(session, announcement)
    return announcement


def _lock(session: Session, announcement: Announcement) -> Announcement:
    """The announcement's row locked and read again (the same object, refreshed)."""
    return session.scalars(
        select(Announcement)
        .where(Announcement.chamber_id == announcement.chamber_id, Announcement.id == announcement.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


#: the scheduler's task that sends an announcement at its time (chamber.scheduler: APScheduler's
#: SQLAlchemy job store), and what it calls
TASK_FUNCTION = "campaigns.announcements.jobs:fire_task"
TASK_MISSED = "campaigns.announcements.jobs:missed_task"


def task_key(announcement_id: int) -> str:
    return f"announcement:{announcement_id}"


def sync_task(session: Session, announcement: Announcement) -> None:
    """Keep the scheduler's task of the announcement in step with it: due at scheduled_for while it
    is scheduled, cancelled otherwise (in this transaction: a rolled-back edit moves nothing)."""
    key = task_key(announcement.id)
    task = delivery.get_task(session, announcement.chamber_id, key)
    if announcement.status == "scheduled" and announcement.scheduled_for is not None:
        if task is None or task.status != "pending" or task.run_at != announcement.scheduled_for:
            delivery.schedule_task(session, chamber_id=announcement.chamber_id, key=key,
                                   run_at=announcement.scheduled_for, function=TASK_FUNCTION,
                                   payload={"announcement_id": announcement.id}, on_missed=TASK_MISSED)
    elif task is not None and task.status == "pending":
        delivery.cancel_task(session, announcement.chamber_id, key)


#: every announcement status (rules.STATUSES) in words, written once: (as its badge shows it, as a
#: sentence names it: "This announcement is already sent.")
STATUS_WORDS: dict[str, tuple[Any, Any]] = {
    "draft": (_l("draft"), _l("a draft")),
    "scheduled": (_l("scheduled"), _l("scheduled")),
    "sending": (_l("sending"), _l("being sent")),
    "sent": (_l("sent"), _l("sent")),
    "cancelled": (_l("cancelled"), _l("cancelled")),
    "missed": (_l("missed"), _l("missed")),
}


def status_label(status: str) -> str:
    """An announcement status as its badge shows it (the announcement_status template global)."""
    words = STATUS_WORDS.get(status)
    return str(words[0]) if words else status


def status_name(status: str) -> str:
    """An announcement status as a sentence names it."""
    words = STATUS_WORDS.get(status)
    return str(words[1]) if words else status


def _check_editable(announcement: Announcement) -> None:
    if announcement.status not in rules.EDITABLE or (announcement.daily_countdown and announcement.occurrences):
        raise Conflict(_("This announcement is %(status)s: it can no longer be changed.",
                         status=status_name(announcement.status)))


def update_announcement(session: Session, chamber: Chamber, announcement: Announcement, d: Draft, *,
                        now: dt.datetime | None = None) -> Announcement:
    """Replace a draft, scheduled or missed announcement (nothing of it has gone out yet)."""
    now = now or utcnow()
    announcement = _lock(session, announcement)
    _check_editable(announcement)
    when = _validate(session, chamber, d, now)
    _apply(announcement, d, when)
    announcement.updated_at = now
    session.flush()
    sync_task(session, announcement)
    return announcement


def cancel_announcement(session: Session, announcement: Announcement, *,
                        now: dt.datetime | None = None) -> Announcement:
    """Cancel an announcement that has not gone out (a countdown: its remaining days)."""
    now = now or utcnow()
    announcement = _lock(session, announcement)
    if announcement.status == "cancelled":
        raise Conflict(_("The announcement is already cancelled."))
    if announcement.status not in rules.EDITABLE:
        raise Conflict(_("This announcement is %(status)s: it can no longer be cancelled.",
                         status=status_name(announcement.status)))
    announcement.status = "cancelled"
    announcement.cancelled_at = announcement.updated_at = now
    session.flush()
    sync_task(session, announcement)
    return announcement


def preview(chamber: Chamber, d: Draft, when: dt.datetime | None) -> dict[str, Any]:
    """What the page's preview shows: the rendered body and when it would go out."""
    return {"title": d.title, "html": markup.render_html(d.body), "text": markup.render_text(d.body),
            "scheduled_for": when}


def check_draft(session: Session, chamber: Chamber, d: Draft, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """Validate without saving (the preview): the time it would go out, or Invalid."""
    return _validate(session, chamber, d, now or utcnow())


# --------------------------------------------------------------------------- recipients


@dataclass
class Audience:
    """Who an announcement reaches: users (inbox, email) and confirmed public subscribers (email)."""

    user_ids: list[int]
    subscribers: list[Subscriber]


def resolve_audience(session: Session, announcement: Announcement) -> Audience:
    """The users and subscribers an announcement is for, each once, in a fixed order."""
    users: set[int] = set()
    chamber_id = announcement.chamber_id
    audience = announcement.audience_list
    if "organizers" in audience:
        users.update(session.scalars(select(Organizer.user_id).where(Organizer.chamber_id == chamber_id)))
    if "members" in audience:
        users.update(session.scalars(
            select(Member.user_id).where(Member.chamber_id == chamber_id, Member.status == "approved")))
    if "participants" in audience and announcement.campaign_id is not None:
        users.update(session.scalars(
            select(Member.user_id)
            .join(Participation,
                  (Participation.member_id == Member.id) & (Participation.chamber_id == Member.chamber_id))
            .where(Participation.chamber_id == chamber_id, Participation.campaign_id == announcement.campaign_id,
                   Member.status == "approved")))
    subscribers: list[Subscriber] = []
    if "subscribers" in audience:
        subscribers = confirmed_subscribers(session, chamber_id, announcement.campaign_id)
    return Audience(sorted(users), subscribers)


def confirmed_subscribers(session: Session, chamber_id: int, campaign_id: int | None) -> list[Subscriber]:
    """Confirmed subscribers of the chamber (and of the campaign), one per address (the chamber-wide
    subscription first)."""
    campaigns = [0] if campaign_id is None else [0, campaign_id]
    rows = session.scalars(
        select(Subscriber).where(Subscriber.chamber_id == chamber_id, Subscriber.status == "confirmed",
                                 Subscriber.campaign_id.in_(campaigns))
        .order_by(Subscriber.campaign_id, Subscriber.id)
    )
    seen: set[str] = set()
    out = []
    for sub in rows:
        if sub.email not in seen:
            seen.add(sub.email)
            out.append(sub)
    return out


# --------------------------------------------------------------------------- firing


def due_announcement_ids(session: Session, now: dt.datetime, limit: int = BATCH) -> list[int]:
    """Scheduled announcements whose time has come, oldest first."""
    return list(session.scalars(
        select(Announcement.id).where(Announcement.status == "scheduled", Announcement.scheduled_for <= now)
        .order_by(Announcement.scheduled_for, Announcement.id).limit(limit)
    ))


def next_due(session: Session) -> dt.datetime | None:
    """When the next scheduled announcement is due."""
    return session.scalar(
        select(Announcement.scheduled_for).where(Announcement.status == "scheduled")
        .order_by(Announcement.scheduled_for).limit(1)
    )


def fire_announcement(session: Session, announcement_id: int, now: dt.datetime, *,
                      grace: dt.timedelta = rules.DEFAULT_GRACE) -> str:
    """Send a due announcement once: lock its row, decide on the fresh row, publish and enqueue.

    Returns what happened: "fired", "missed", "rescheduled" (its campaign moved), "cancelled"
    (its campaign was cancelled) or "skipped" (someone else fired, edited or cancelled it first).
    The scheduler's task follows (a countdown's next day, a new time, or none).
    """
    outcome = _fire(session, announcement_id, now, grace)
    announcement = session.get(Announcement, announcement_id)
    if announcement is not None:
        sync_task(session, announcement)
    return outcome


def mark_missed(session: Session, announcement_id: int, now: dt.datetime, *,
                grace: dt.timedelta = rules.DEFAULT_GRACE) -> bool:
    """The scheduler found the announcement's time passed longer ago than the grace (it was not
    running): mark it missed, if it is still scheduled and due; whether it was."""
    announcement = session.scalars(
        select(Announcement).where(Announcement.id == announcement_id)
        .with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if announcement is None or announcement.status != "scheduled" or announcement.scheduled_for is None \
            or announcement.scheduled_for > now:
        return False
    _miss(session, announcement, now, grace)
    return True


def _miss(session: Session, announcement: Announcement, now: dt.datetime, grace: dt.timedelta) -> None:
    chamber = session.get(Chamber, announcement.chamber_id)
    assert chamber is not None and announcement.scheduled_for is not None
    announcement.status = "missed"
    announcement.updated_at = now
    announcement.note = _("Not sent: the scheduler was not running at %(time)s and came back more than "
                          "%(minutes)d minutes later. Edit it to send it at a new time.",
                          time=announcement.scheduled_for.astimezone(ZoneInfo(chamber.timezone))
                          .strftime("%Y-%m-%d %H:%M"),
                          minutes=int(grace.total_seconds() // 60))
    session.flush()


def _fire(session: Session, announcement_id: int, now: dt.datetime, grace: dt.timedelta) -> str:
    announcement = session.scalars(
        select(Announcement).where(Announcement.id == announcement_id)
        .with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if announcement is None or announcement.status != "scheduled" or announcement.scheduled_for is None:
        return "skipped"
    chamber = session.get(Chamber, announcement.chamber_id)
    assert chamber is not None
    campaign = session.get(Campaign, announcement.campaign_id) if announcement.campaign_id is not None else None
    if campaign is not None and (announcement.relative_to or announcement.daily_countdown):
        if campaign.cancelled:
            announcement.status = "cancelled"
            announcement.cancelled_at = announcement.updated_at = now
            announcement.note = _("The campaign was cancelled.")
            session.flush()
            return "cancelled"
        if announcement.daily_countdown and announcement.scheduled_for >= campaign.ends_at:
            announcement.status = "sent" if announcement.occurrences else "cancelled"
            announcement.note = _("The campaign has no day left to count down.")
            session.flush()
            return "skipped"
        if announcement.relative_to:
            # the campaign's dates are the truth: recompute (they may have moved since)
            fresh = schedule_of(announcement, campaign, chamber.timezone, now)
            if fresh is not None and fresh != announcement.scheduled_for:
                announcement.scheduled_for = fresh
                if fresh > now:
                    session.flush()
                    return "rescheduled"
    when = announcement.scheduled_for
    decision = rules.due(when, now, grace)
    if decision == "wait":
        return "skipped"
    if decision == "missed":
        _miss(session, announcement, now, grace)
        return "missed"
    occurrence = announcement.occurrences + 1
    title = announcement.title
    if announcement.daily_countdown and campaign is not None:
        title = rules.countdown_text(announcement.title, rules.days_left(when, campaign.ends_at, chamber.timezone),
                                     str(_locale_language()))
    post = AnnouncementPost(
        chamber_id=announcement.chamber_id, announcement_id=announcement.id, campaign_id=announcement.campaign_id,
        occurrence=occurrence, title=title[:240], body_html=markup.render_html(announcement.body),
        body_text=markup.render_text(announcement.body), public="feed" in announcement.channel_list,
        scheduled_for=when, published_at=now,
    )
    session.add(post)
    announcement.occurrences = occurrence
    announcement.fired_at = announcement.updated_at = now
    deliveries = deliver(session, chamber, announcement, post, campaign)
    next_time = (first_countdown(campaign, _clock(announcement.at_clock) or dt.time(10, 0), chamber.timezone,
                                 max(now, when))
                 if announcement.daily_countdown and campaign is not None else None)
    if next_time is not None:
        announcement.scheduled_for = next_time
        announcement.status = "scheduled"
    else:
        announcement.status = "sending" if deliveries else "sent"
    session.flush()
    return "fired"


def _locale_language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else "zh"


def source_of(announcement_id: int, occurrence: int) -> str:
    """The outbox source of one firing: "announcement:<id>" (a countdown's later days: "…:<id>:<n>")."""
    return f"announcement:{announcement_id}" if occurrence <= 1 else f"announcement:{announcement_id}:{occurrence}"


def sources_of(announcement: Announcement) -> list[str]:
    return [source_of(announcement.id, n) for n in range(1, max(1, announcement.occurrences) + 1)]


def link_of(chamber: Chamber, campaign: Campaign | None) -> str:
    """Where a message leads: the campaign's public page, or the chamber's."""
    if campaign is not None and campaign.status != "draft":
        return f"/c/{chamber.slug}/{campaign.slug}"
    return f"/c/{chamber.slug}"


def deliver(session: Session, chamber: Chamber, announcement: Announcement, post: AnnouncementPost,
            campaign: Campaign | None = None) -> int:
    """Put one delivery per recipient × channel into the outbox (inbox messages are written at
    once); how many rows were made. Users get the inbox and email channels they have not turned off
    for announcements; subscribers get email; the chamber's active webhooks get the webhook."""
    channels = announcement.channel_list
    audience = resolve_audience(session, announcement)
    users = list(session.scalars(select(User).where(User.id.in_(audience.user_ids)).order_by(User.id))) \
        if audience.user_ids else []
    source = source_of(announcement.id, post.occurrence)
    link = link_of(chamber, campaign)
    text = post.body_text
    made = 0
    for channel in ("inbox", "email", "webhook"):
        if channel not in channels:
            continue
        recipients: list[Any]
        if channel == "webhook":
            recipients = list(session.scalars(select(Webhook).where(Webhook.chamber_id == chamber.id,
                                                                    Webhook.active.is_(True)).order_by(Webhook.id)))
        else:
            chosen = delivery.wanted(session, [u.id for u in users], delivery.ANNOUNCEMENT_KIND, channel)
            recipients = [u for u in users if u.id in chosen]
            if channel == "email":
                addresses = {u.email.lower() for u in recipients}
                recipients += [s for s in audience.subscribers if s.email not in addresses]
        if recipients:
            made += delivery.enqueue(session, chamber_id=chamber.id, source=source, channel=channel,
                                     recipients=recipients, subject=post.title, text=text, html=post.body_html,
                                     link=link)
    return made


def _counts(rows: dict[str, int]) -> dict[str, int]:
    return {"pending": rows.get("pending", 0) + rows.get("sending", 0), "sent": rows.get("sent", 0),
            "failed": rows.get("failed", 0)}


def delivery_counts(session: Session, chamber: Chamber, ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """{announcement id: {pending, sent, failed}} over all its deliveries (pending includes those
    being sent): one query."""
    announcements = list(session.scalars(select(Announcement).where(
        Announcement.chamber_id == chamber.id, Announcement.id.in_(list(ids))))) if ids else []
    sources = {a.id: sources_of(a) for a in announcements if a.occurrences}
    by_source = delivery.counts_by_source(session, chamber.id, [s for group in sources.values() for s in group])
    out: dict[int, dict[str, int]] = {}
    for i in ids:
        total: dict[str, int] = {}
        for source in sources.get(i, []):
            for status, n in by_source[source].items():
                total[status] = total.get(status, 0) + n
        out[i] = _counts(total)
    return out


def count_deliveries(session: Session, ids: Sequence[int]) -> dict[int, int]:
    """How many outbox rows each announcement has (all channels and days)."""
    out = dict.fromkeys(ids, 0)
    rows = session.execute(select(Delivery.source, func.count()).where(
        Delivery.source.like("announcement:%")).group_by(Delivery.source))
    for source, n in rows:
        announcement_id = int(source.split(":")[1])
        if announcement_id in out:
            out[announcement_id] += int(n)
    return out


def finish_sending(session: Session, now: dt.datetime) -> int:
    """Mark announcements whose deliveries are all done (sent or failed) as sent; how many."""
    sending = list(session.scalars(select(Announcement).where(Announcement.status == "sending").limit(500)))
    if not sending:
        return 0
    all_sources = {s: a for a in sending for s in sources_of(a)}
    busy = set(session.scalars(select(Delivery.source).where(
        Delivery.source.in_(list(all_sources)), Delivery.status.in_(("pending", "sending"))).distinct()))
    waiting = {all_sources[s].id for s in busy}
    done = 0
    for a in sending:
        if a.id not in waiting:
            a.status = "sent"
            a.updated_at = now
            done += 1
    session.flush()
    return done


def retry_failed(session: Session, announcement: Announcement) -> int:
    """Queue the failed deliveries of an announcement again (same message keys); how many."""
    announcement = _lock(session, announcement)
    n = sum(delivery.retry_failed(session, announcement.chamber_id, source) for source in sources_of(announcement))
    if n and announcement.status == "sent":
        announcement.status = "sending"
        session.flush()
    return n


# --------------------------------------------------------------------------- the campaign's dates move


def follow_campaign_dates(session: Session, campaign: Campaign, now: dt.datetime | None = None) -> int:
    """Recompute when the campaign's relative and countdown announcements are due; how many moved."""
    now = now or utcnow()
    chamber = session.get(Chamber, campaign.chamber_id)
    if chamber is None:
        return 0
    moved = 0
    for announcement in session.scalars(
        select(Announcement).where(
            Announcement.chamber_id == campaign.chamber_id, Announcement.campaign_id == campaign.id,
            Announcement.status == "scheduled",
            (Announcement.relative_to.is_not(None)) | (Announcement.daily_countdown.is_(True)),
        )
    ):
        fresh = schedule_of(announcement, campaign, chamber.timezone, now)
        if fresh is None:  # a countdown whose campaign no longer has a day left
            announcement.status = "sent" if announcement.occurrences else "cancelled"
            announcement.note = _("The campaign has no day left to count down.")
            moved += 1
        elif fresh != announcement.scheduled_for:
            announcement.scheduled_for = fresh
            moved += 1
        else:
            continue
        session.info.setdefault(_RESYNC, set()).add(announcement.id)
    return moved


def _campaign_dates_changed(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Before a flush: a campaign whose opt-in deadline, start or end changed takes its
    announcements along (whatever changed it: the edit page, the API, going live or ending early)."""
    moved = []
    for obj in session.dirty:
        if isinstance(obj, Campaign):
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in MOMENTS):
                moved.append(obj)
    if moved:
        with session.no_autoflush:
            for campaign in moved:
                follow_campaign_dates(session, campaign)


_RESYNC = "announcements.resync_tasks"


def _resync_tasks(session: Session) -> None:
    """Before the commit: move the scheduler's tasks of the announcements a campaign took along (a
    flush cannot run inside the flush that noticed the move)."""
    ids = session.info.pop(_RESYNC, None)
    if ids:
        for announcement in session.scalars(select(Announcement).where(Announcement.id.in_(sorted(ids)))):
            sync_task(session, announcement)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_RESYNC, None)


event.listen(Session, "before_flush", _campaign_dates_changed)
event.listen(Session, "before_commit", _resync_tasks)
event.listen(Session, "after_rollback", _forget)
