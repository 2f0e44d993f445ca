"""JSON API of the delivery service: delivery counts and retries, webhooks (organizers)."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _

from ..api import ApiError, local_iso, operation_error, validate_json
from ..db import get_session
from ..errors import Invalid
from ..web import load_chamber
from . import operations as ops
from .forms import RetryForm, WebhookForm
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
    try:
        hook = ops.add_webhook(session, chamber.id, name=form.name.data, url=form.url.data,
                               secret=form.secret.data or None)
    except Invalid as err:
        raise operation_error(err) from None
    return jsonify(_hook(hook, chamber)), 201


def delete_webhook(slug: str, webhook_id: int) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    hook = ops.get_webhook(session, chamber.id, webhook_id)
    if hook is None:
        raise ApiError(404, _("There is no such webhook."))
    ops.remove_webhook(session, hook)
    return "", 204
