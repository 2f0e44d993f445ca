"""Routes of the delivery service (pages with add_url_rule, the API through chamber.api.api_route)."""
from flask import Blueprint

from ..api import api_route
from . import api
from . import controllers as c
from .forms import ConfirmSubscriptionForm, MarkReadForm, PreferenceForm, RetryForm, SubscribeForm, WebhookForm

bp = Blueprint("notifications", __name__)
GP = ["GET", "POST"]

bp.add_url_rule("/chambers/<slug>/deliveries", "deliveries", c.deliveries)
bp.add_url_rule("/chambers/<slug>/deliveries/retry", "retry", c.retry, methods=["POST"])
bp.add_url_rule("/chambers/<slug>/webhooks", "webhooks", c.webhooks, methods=GP)
bp.add_url_rule("/chambers/<slug>/webhooks/<int:webhook_id>/delete", "remove_webhook", c.remove_webhook,
                methods=["POST"])
bp.add_url_rule("/unsubscribe/<token>", "unsubscribe", c.unsubscribe, methods=GP)
bp.add_url_rule("/inbox", "inbox", c.inbox)
bp.add_url_rule("/inbox/read", "mark_read", c.mark_read, methods=["POST"])
bp.add_url_rule("/inbox/<int:message_id>", "inbox_message", c.inbox_message)
bp.add_url_rule("/account/notifications", "preferences", c.preferences, methods=GP)
bp.add_url_rule("/c/<slug>/subscribe", "subscribe", c.subscribe, methods=GP)
bp.add_url_rule("/c/<slug>/subscriptions/confirm/<token>", "confirm_subscription", c.confirm_subscription,
                methods=GP)

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

api_route(bp, "/me/inbox", ["GET"], auth="token",
          summary="The caller's in-app messages, newest first (50 at a time; ?before=<id> for older ones), with "
          "the number of unread ones.",
          responses={200: "{items: [{id, chamber, kind, title, text, html, link, created_at, read}], unread, next}"},
          )(api.get_inbox)
api_route(bp, "/me/inbox/read", ["POST"], auth="token", form=MarkReadForm,
          summary="Mark messages read: {ids: [...]}, or every message with no ids.",
          responses={200: "{marked, unread}"})(api.mark_inbox_read)
api_route(bp, "/me/notification-preferences", ["GET"], auth="token",
          summary="The caller's choice per kind of notification: in the inbox, by email (defaults: both).",
          responses={200: "{items: [{kind, description, inbox, email}]}"})(api.get_preferences)
api_route(bp, "/me/notification-preferences/<kind>", ["PUT"], auth="token", form=PreferenceForm,
          summary="Choose the channels of one kind: {inbox: true|false, email: true|false} (a missing one is false).",
          responses={200: "{kind, description, inbox, email}"})(api.put_preference)
api_route(bp, "/chambers/<slug>/subscriptions", ["POST"], auth="public", form=SubscribeForm,
          summary="Subscribe an email to the chamber's (or one campaign's) announcements: {email, campaign "
          "(its slug, optional)}. A confirmation mail is sent; nothing is subscribed until its link is followed.",
          responses={202: "Confirmation mail sent", 429: "Too many from this address or for this email"},
          )(api.create_subscription)
api_route(bp, "/chambers/<slug>/subscriptions/confirmations", ["POST"], auth="public",
          form=ConfirmSubscriptionForm,
          summary="Confirm a subscription with the token from the mail: {token}.",
          responses={200: "{status: confirmed, email}", 409: "Confirmed already"})(api.confirm_subscription)


@bp.app_template_global()
def inbox_unread() -> int:
    """The logged-in user's unread messages, for the top bar (one query, only where it is shown)."""
    from flask_login import current_user

    from ..db import get_session
    from .operations import unread_count

    return unread_count(get_session(), current_user.id) if current_user.is_authenticated else 0
