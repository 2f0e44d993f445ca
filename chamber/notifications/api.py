"""JSON API of the delivery service: delivery counts and retries, webhooks (organizers)."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from ..api import ApiError, local_iso, token_user, validate_json
from ..db import get_session
from ..i18n import recipient_language
from ..tokens import client_hash
from ..web import load_chamber, route_limit
from . import operations as ops
from .controllers import confirmation_mail
from .forms import ConfirmSubscriptionForm, MarkReadForm, PreferenceForm, RetryForm, SubscribeForm, WebhookForm
from .models import CHANNELS, Webhook


def get_deliveries(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    source = (request.args.get("source") or "")[:120] or None
    failed = ops.failed_deliveries(session, chamber.id, source)
    return jsonify(
        source=source,
        counts=ops.delivery_counts(session, chamber.id, source),
        by_channel={ch: ops.delivery_counts(session, chamber.id, source, channel=ch) for ch in CHANNELS},
        failed=[{"id": d.id, "source": d.source, "channel": d.channel, "recipient": d.recipient,
                 "attempts": d.attempts, "last_error": d.last_error,
                 "created_at": local_iso(d.created_at, chamber.timezone)} for d in failed],
    )


def retry_deliveries(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    form = validate_json(RetryForm)
    session = get_session()
    n = ops.retry_failed(session, chamber.id, form.source.data or None)
    return jsonify(retried=n)


def _hook(hook: Webhook, chamber: Any) -> dict[str, Any]:
    return {"id": hook.id, "name": hook.name, "url": hook.url, "secret": hook.secret, "active": hook.active,
            "created_at": local_iso(hook.created_at, chamber.timezone)}


def list_webhooks(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    return jsonify(items=[_hook(h, chamber) for h in ops.list_webhooks(get_session(), chamber.id)])


def create_webhook(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    form = validate_json(WebhookForm)
    session = get_session()
    hook = ops.add_webhook(session, chamber.id, name=form.name.data, url=form.url.data,
                           secret=form.secret.data or None)
    return jsonify(_hook(hook, chamber)), 201


def delete_webhook(slug: str, webhook_id: int) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    hook = ops.get_webhook(session, chamber.id, webhook_id)
    if hook is None:
        raise ApiError(404, _("There is no such webhook."))
    ops.remove_webhook(session, hook)
    return "", 204


# --- the inbox and preferences -------------------------------------------------------------


def _message(m: Any, chambers: dict[int, ops.MessageChamber]) -> dict[str, Any]:
    return {"id": m.id, "chamber": chambers[m.chamber_id].name, "kind": m.kind, "title": m.title,
            "text": m.body_text, "html": m.body_html, "link": m.link,
            "created_at": m.created_at.isoformat(), "read": m.read_at is not None}


def get_inbox() -> Any:
    user = token_user()
    session = get_session()
    before = request.args.get("before", "")
    messages = ops.inbox(session, user.id, limit=50, before_id=int(before) if before.isdigit() and
                         len(before) < 10 else None)
    chambers = ops.message_chambers(session, {m.chamber_id for m in messages})
    return jsonify(items=[_message(m, chambers) for m in messages], unread=ops.unread_count(session, user.id),
                   next=messages[-1].id if len(messages) == 50 else None)


def mark_inbox_read() -> Any:
    user = token_user()
    form = validate_json(MarkReadForm)
    session = get_session()
    marked = ops.mark_read(session, user.id, [i for i in form.ids.data if i] or None)
    return jsonify(marked=marked, unread=ops.unread_count(session, user.id))


def get_preferences() -> Any:
    user = token_user()
    kinds = ops.known_kinds()
    choices = ops.preferences(get_session(), user.id, kinds)
    return jsonify(items=[{"kind": kind, "description": description, **choices[kind]}
                          for kind, description in kinds.items()])


def put_preference(kind: str) -> Any:
    user = token_user()
    kinds = ops.known_kinds()
    if kind not in kinds:
        raise ApiError(404, _("There is no such kind of notification."))
    form = validate_json(PreferenceForm)
    session = get_session()
    for channel in ("inbox", "email"):
        ops.set_preference(session, user.id, kind, channel, bool(getattr(form, channel).data))
    return jsonify(kind=kind, description=kinds[kind], **ops.preferences(session, user.id, [kind])[kind])


# --- public subscriptions ------------------------------------------------------------------


@route_limit("subscribe")
def create_subscription(slug: str) -> Any:
    """Long: the campaign by its slug, the confirmation mail in the caller's language, 202 whoever
    subscribed (nobody learns who is subscribed)."""
    chamber = load_chamber(slug)
    form = validate_json(SubscribeForm)
    session = get_session()
    campaign = ops.find_campaign(session, chamber.id, form.campaign.data) if form.campaign.data else None
    if form.campaign.data and campaign is None:
        message = _("There is no such campaign in this chamber.")
        raise ApiError(400, message, fields={"campaign": message})
    subject, text = confirmation_mail(chamber, campaign[1] if campaign else None)
    ops.request_subscription(
        session, chamber_id=chamber.id, campaign_id=campaign[0] if campaign else 0, email=form.email.data,
        language=recipient_language(), ip_hash=client_hash(request.remote_addr or ""), subject=subject, text=text,
        confirm_url=lambda t: url_for("notifications.confirm_subscription", slug=chamber.slug, token=t,
                                      _external=True))
    return jsonify(status="pending_confirmation",
                   message=_("Check your email and follow the link to confirm the subscription.")), 202


def confirm_subscription(slug: str) -> Any:
    load_chamber(slug)
    form = validate_json(ConfirmSubscriptionForm)
    subscriber = ops.confirm_subscription(get_session(), form.token.data)
    return jsonify(status="confirmed", email=subscriber.email)
