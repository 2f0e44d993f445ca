"""Pages of the delivery service: deliveries and webhooks (organizers), one-click unsubscribe."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..db import get_session
from ..errors import Conflict, Invalid
from ..web import fail, load_chamber, operation_failed
from . import operations as ops
from .forms import RetryForm, WebhookForm
from .mail import read_unsubscribe_token
from .models import CHANNELS


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
    session = get_session()
    n = ops.retry_failed(session, chamber.id, form.source.data or None)
    flash(_("%(n)d failed deliveries will be tried again.", n=n) if n else _("There was nothing to try again."),
          "success" if n else "info")
    return redirect(url_for("notifications.deliveries", slug=chamber.slug, source=form.source.data or None))


def webhooks(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            hook = ops.add_webhook(session, chamber.id, name=form.name.data, url=form.url.data,
                                   secret=form.secret.data or None)
        except Invalid as err:
            operation_failed(err, form, field="url")
        else:
            flash(_("Webhook %(name)s added.", name=hook.name), "success")
            return redirect(url_for("notifications.webhooks", slug=chamber.slug))
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("notifications/webhooks.html", chamber=chamber, form=form,
                           hooks=ops.list_webhooks(session, chamber.id)), status


def remove_webhook(slug: str, webhook_id: int) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    hook = ops.get_webhook(session, chamber.id, webhook_id)
    if hook is None:  # removed already (a second press, another organizer): nothing to do
        flash(_("That webhook was removed already."), "info")
        return redirect(url_for("notifications.webhooks", slug=chamber.slug))
    name = hook.name
    ops.remove_webhook(session, hook)
    flash(_("Webhook %(name)s removed.", name=name), "success")
    return redirect(url_for("notifications.webhooks", slug=chamber.slug))


def unsubscribe(token: str) -> Any:
    """GET: a page with one button (link scanners must not unsubscribe anyone); POST: unsubscribe
    (the button, or a mail provider's RFC 8058 one-click POST)."""
    found = read_unsubscribe_token(current_app.config["SECRET_KEY"], token) if len(token) <= 300 else None
    if found is None:
        fail(400, _("This unsubscribe link is not valid. Use the link from the latest email."))
    recipient, chamber_id, kind = found
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", token=token, done=None)
    session = get_session()
    try:
        message = ops.unsubscribe(session, recipient, chamber_id, kind)
    except Conflict as err:
        operation_failed(err)
        return render_template("notifications/unsubscribe.html", token=token, done=err.message), 409
    except Invalid as err:
        fail(400, err.message)
    return render_template("notifications/unsubscribe.html", token=token, done=message)


unsubscribe.csrf_exempt = True  # type: ignore[attr-defined]  # the token in the URL is the proof (RFC 8058)
