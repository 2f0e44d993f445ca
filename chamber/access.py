"""Who may reach each route: the vocabulary, and the core's own routes.

Feature packages declare theirs in their `Feature(access=...)`; tests/test_tenant_isolation.py
walks every route of the app as four people and checks each answer against these rules, so a
route nobody declared fails the test.
"""
from __future__ import annotations

#: who may reach an endpoint
KINDS: dict[str, str] = {
    "public": "anyone",
    "login": "any logged-in user (their own things only)",
    "own": "a logged-in user's own thing by id: anyone else's (or none) is a 404 for them",
    "member": "approved members and organizers of that chamber (outsiders get 404)",
    "organizer": "organizers of that chamber (members and outsiders get 404)",
    "merchant": "approved members acting for their business; an organizer without a business of their "
                "own is inside the chamber and is refused (400/403/409), outsiders get 404",
}

CORE_ACCESS: dict[str, str] = {
    "static": "public",
    "openapi": "public",
    "accounts.register": "public",
    "accounts.login": "public",
    "accounts.logout": "public",
    "accounts.logout_everywhere": "login",
    "accounts.api_revoke_sessions": "login",
    "accounts.set_language": "public",
    "accounts.language_link": "public",
    "accounts.account": "login",
    "accounts.revoke": "login",
    "accounts.api_create_user": "public",
    "accounts.api_create_api_token": "public",
    "accounts.api_me": "login",
    "accounts.api_list_api_tokens": "login",
    "accounts.api_revoke_api_token": "own",
    "accounts.api_change_api_password": "login",
    "chambers.home": "public",
    "chambers.create": "login",
    "chambers.public_page": "public",
    "chambers.directory": "public",
    "chambers.apply": "login",
    "chambers.dashboard": "member",
    "chambers.profile": "merchant",
    "chambers.api_put_profile": "merchant",
    "chambers.manage": "organizer",
    "chambers.tiers": "organizer",
    "chambers.member_detail": "organizer",
    "chambers.promote": "organizer",
    "chambers.demote": "organizer",  # walked before promote: the last organizer, so 409 and no change
    "chambers.api_create_chamber": "login",
    "chambers.api_get_chamber": "public",
    "chambers.api_get_tiers": "public",
    "chambers.api_put_tiers": "organizer",
    "chambers.api_create_application": "login",
    "chambers.api_decide": "organizer",
    "chambers.api_list_members": "public",
    "chambers.api_add_organizer": "organizer",
    "chambers.api_list_organizers": "organizer",
    "chambers.api_remove_organizer": "organizer",
    "notifications.deliveries": "organizer",
    "notifications.retry": "organizer",
    "notifications.webhooks": "organizer",
    "notifications.remove_webhook": "organizer",
    "notifications.unsubscribe": "public",
    "notifications.api_get_deliveries": "organizer",
    "notifications.api_retry_deliveries": "organizer",
    "notifications.api_list_webhooks": "organizer",
    "notifications.api_create_webhook": "organizer",
    "notifications.api_delete_webhook": "organizer",
    "trust.merchant_page": "public",
    "trust.write_review": "public",
    "trust.confirm": "public",
    "trust.new_complaint": "public",
    "trust.tracking": "public",
    "trust.desk": "member",
    "trust.settings": "organizer",
    "trust.reply": "merchant",
    "trust.hide": "organizer",
    "trust.respond": "merchant",
    "trust.decide": "organizer",
    "trust.evidence": "member",  # the merchant complained about and organizers
    "trust.api_create_review": "public",
    "trust.api_confirm_review": "public",
    "trust.api_create_complaint": "public",
    "trust.api_get_complaint": "public",
}
