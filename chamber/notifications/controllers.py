"""Pages of the delivery service: deliveries and webhooks (organizers), one-click unsubscribe, the
inbox and notification preferences (every user), public subscriptions (double opt-in)."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_session
from ..errors import Conflict, Invalid
from ..i18n import recipient_language
from ..tokens import client_hash
from ..web import fail, form_page, load_chamber, operation_failed, route_limit
from . import operations as ops
from .forms import MarkReadForm, PreferencesPageForm, RetryForm, SubscribeForm, WebhookForm
from .mail import read_unsubscribe_token
from .models import CHANNELS, USER_CHANNELS


def channel_labels() -> dict[str, str]:
    return {"inbox": _("In-app inbox"), "email": _("Email"), "webhook": _("Webhooks")}


def status_labels() -> dict[str, str]:
    return {"pending": _("Waiting"), "sending": _("Sending"), "sent": _("Sent"), "failed": _("Failed")}


def deliveries(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    source = (request.args.get("source") or "")[:120] or None
    return render_template(
        "notifications/deliveries.html", chamber=chamber,
        totals={ch: ops.delivery_counts(session, chamber.id, source, channel=ch) for ch in CHANNELS},
        recent=ops.recent_sources(session, chamber.id), failed=ops.failed_deliveries(session, chamber.id, source),
        source=source, retry_form=RetryForm(source=source or ""), channel_labels=channel_labels(),
        status_labels=status_labels(),
    )


def retry(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    form = RetryForm()
    if not form.validate():
        fail(400, _("Some fields are not valid."))
    n = ops.retry_failed(get_session(), chamber.id, form.source.data or None)
    flash(_("%(n)d failed deliveries will be tried again.", n=n) if n else _("There was nothing to try again."),
          "success" if n else "info")
    return redirect(url_for("notifications.deliveries", slug=chamber.slug, source=form.source.data or None))


def webhooks(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    form = WebhookForm()
    return form_page(
        form, lambda: ops.add_webhook(session, chamber.id, name=form.name.data, url=form.url.data,
                                      secret=form.secret.data or None),
        done=lambda hook: (_("Webhook %(name)s added.", name=hook.name),
                           url_for("notifications.webhooks", slug=chamber.slug)),
        page=lambda status: (render_template("notifications/webhooks.html", chamber=chamber, form=form,
                                             hooks=ops.list_webhooks(session, chamber.id)), status),
        field="url")


def remove_webhook(slug: str, webhook_id: int) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    hook = ops.get_webhook(session, chamber.id, webhook_id)
    if hook is None:  # removed already (a second press, another organizer): nothing to do
        flash(_("That webhook was removed already."), "info")
    else:
        flash(_("Webhook %(name)s removed.", name=hook.name), "success")
        ops.remove_webhook(session, hook)
    return redirect(url_for("notifications.webhooks", slug=chamber.slug))


def unsubscribe(token: str) -> Any:
    """GET: a page with one button (link scanners must not unsubscribe anyone); POST: unsubscribe
    (the button, or a mail provider's RFC 8058 one-click POST)."""
    found = read_unsubscribe_token(current_app.config["SECRET_KEY"], token) if len(token) <= 300 else None
    if found is None:
        fail(400, _("This unsubscribe link is not valid. Use the link from the latest email."))
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", token=token, done=None)
    try:
        message = ops.unsubscribe(get_session(), *found)
    except (Conflict, Invalid) as err:
        status = operation_failed(err)
        return render_template("notifications/unsubscribe.html", token=token, done=err.message), status
    return render_template("notifications/unsubscribe.html", token=token, done=message)


unsubscribe.csrf_exempt = True  # type: ignore[attr-defined]  # the token in the URL is the proof (RFC 8058)


# --- the inbox and preferences -------------------------------------------------------------


@login_required
def inbox() -> Any:
    session = get_session()
    messages = ops.inbox(session, current_user.id, limit=100)
    chambers = ops.message_chambers(session, {m.chamber_id for m in messages})
    return render_template("notifications/inbox.html", messages=messages,
                           unread=ops.unread_count(session, current_user.id), form=MarkReadForm(), chambers=chambers,
                           several_zones=len({c.timezone for c in chambers.values()}) > 1)


@login_required
def inbox_message(message_id: int) -> Any:
    session = get_session()
    message = ops.inbox_message(session, current_user.id, message_id)
    if message is None:
        fail(404, _("There is no such message."))
    ops.mark_read(session, current_user.id, [message.id])
    return render_template("notifications/message.html", message=message,
                           chamber=ops.message_chambers(session, {message.chamber_id})[message.chamber_id])


@login_required
def mark_read() -> Any:
    form = MarkReadForm()
    if not form.validate():
        fail(400, _("Some fields are not valid."))
    n = ops.mark_read(get_session(), current_user.id, [i for i in form.ids.data if i] or None)
    flash(_("%(n)d messages marked read.", n=n), "success")
    return redirect(url_for("notifications.inbox"))


@login_required
def preferences() -> Any:
    session = get_session()
    kinds = ops.known_kinds()
    form = PreferencesPageForm()
    if form.validate_on_submit():
        on = set(request.form.getlist("on"))
        for kind in kinds:
            for channel in USER_CHANNELS:
                ops.set_preference(session, current_user.id, kind, channel, f"{kind}|{channel}" in on)
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form, kinds=kinds, kind_labels=kind_labels(),
                           choices=ops.preferences(session, current_user.id, kinds), channels=USER_CHANNELS,
                           channel_labels=channel_labels())


def kind_labels() -> dict[str, str]:
    """What the preferences page calls each kind (the declared description, translated where known)."""
    return {kind: _(str(description)) for kind, description in ops.known_kinds().items()}


# --- public subscriptions ------------------------------------------------------------------


def confirmation_mail(chamber: Any, campaign_title: str | None) -> tuple[str, str]:
    what = _("%(campaign)s of %(chamber)s", campaign=campaign_title, chamber=chamber.name) if campaign_title \
        else chamber.name
    subject = _("Confirm your subscription to %(what)s", what=what)
    text = _("Someone (we hope you) asked for the news of %(what)s by email. Nothing is sent until you confirm:"
             "\n\n%%(link)s\n\nIf it was not you, ignore this email.", what=what)
    return subject, text


@route_limit("subscribe")
def subscribe(slug: str) -> Any:
    """Long: the form page and its POST (from the cached public pages, so without a CSRF token: the
    confirmation mail is the proof); the campaign by its slug; the same answer whoever subscribed."""
    chamber = load_chamber(slug)
    session = get_session()
    form = SubscribeForm(campaign=request.args.get("campaign") or "")
    status, sent = 200, False
    if form.validate_on_submit():
        campaign = ops.find_campaign(session, chamber.id, form.campaign.data) if form.campaign.data else None
        if form.campaign.data and campaign is None:
            form.campaign.errors = [_("There is no such campaign in this chamber.")]
            status = 400
        else:
            subject, text = confirmation_mail(chamber, campaign[1] if campaign else None)
            try:
                ops.request_subscription(
                    session, chamber_id=chamber.id, campaign_id=campaign[0] if campaign else 0,
                    email=form.email.data, language=recipient_language(),
                    ip_hash=client_hash(request.remote_addr or ""),
                    confirm_url=lambda t: url_for("notifications.confirm_subscription", slug=chamber.slug, token=t,
                                                  _external=True), subject=subject, text=text)
                sent = True
            except Invalid as err:
                status = operation_failed(err, form)
    elif form.is_submitted():
        status = 400
    return render_template("notifications/subscribe.html", chamber=chamber, form=form, sent=sent), status


subscribe.csrf_exempt = True


def confirm_subscription(slug: str, token: str) -> Any:
    """GET: the page with the button (a link scanner must not confirm); POST: confirm."""
    chamber = load_chamber(slug)
    if request.method == "GET":
        return render_template("notifications/confirm.html", chamber=chamber, token=token, done=None)
    try:
        ops.confirm_subscription(get_session(), token)
    except (Conflict, Invalid) as err:
        status = operation_failed(err)
        return render_template("notifications/confirm.html", chamber=chamber, token=token, error=err.message), status
    return render_template("notifications/confirm.html", chamber=chamber, token=token, done=True)


confirm_subscription.csrf_exempt = True  # type: ignore[attr-defined]
