"""Routes of the delivery service (pages with add_url_rule, the API through chamber.api.api_route)."""
from flask import Blueprint

from ..api import api_route
from . import api
from . import controllers as c
from .forms import RetryForm, WebhookForm

bp = Blueprint("notifications", __name__)
GP = ["GET", "POST"]

bp.add_url_rule("/chambers/<slug>/deliveries", "deliveries", c.deliveries)
bp.add_url_rule("/chambers/<slug>/deliveries/retry", "retry", c.retry, methods=["POST"])
bp.add_url_rule("/chambers/<slug>/webhooks", "webhooks", c.webhooks, methods=GP)
bp.add_url_rule("/chambers/<slug>/webhooks/<int:webhook_id>/delete", "remove_webhook", c.remove_webhook,
                methods=["POST"])
bp.add_url_rule("/unsubscribe/<token>", "unsubscribe", c.unsubscribe, methods=GP)

api_route(bp, "/chambers/<slug>/deliveries", ["GET"], auth="organizer",
          summary="Delivery counts of the chamber's outbox ({pending, sending, sent, failed}, also by channel) "
          "and the failed deliveries with their reasons; ?source=announcement:42 narrows to one source "
          "(a trailing * to a prefix).",
          responses={200: "{source, counts, by_channel, failed: [...]}"})(api.get_deliveries)
api_route(bp, "/chambers/<slug>/deliveries/retry", ["POST"], auth="organizer", form=RetryForm,
          summary="Try the failed deliveries again (of {source}, or all); same Message-ID / Idempotency-Key.",
          responses={200: "{retried}"})(api.retry_deliveries)
api_route(bp, "/chambers/<slug>/webhooks", ["GET"], auth="organizer",
          summary="The chamber's webhooks (with their secrets).",
          responses={200: "{items: [{id, name, url, secret, active, created_at}]}"})(api.list_webhooks)
api_route(bp, "/chambers/<slug>/webhooks", ["POST"], auth="organizer", form=WebhookForm,
          summary="Add a webhook: {name, url (http or https), secret (optional, 16–128 characters; made if "
          "missing)}. Each delivery is a JSON POST signed with HMAC-SHA256 (X-Chamber-Signature), with an "
          "Idempotency-Key equal across resends.",
          responses={201: "{id, name, url, secret, active, created_at}"})(api.create_webhook)
api_route(bp, "/chambers/<slug>/webhooks/<int:webhook_id>", ["DELETE"], auth="organizer",
          summary="Remove a webhook.", responses={204: "Removed"})(api.delete_webhook)
