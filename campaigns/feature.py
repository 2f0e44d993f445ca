"""The campaigns package as the core sees it: its one declaration (see chamber/features.py)."""
from flask_babel import lazy_gettext as _l

from chamber.features import CreditInput, Feature
from chamber.rules import N_

ANNOUNCEMENTS_ACCESS = {
    "announcements.api_create_announcement": "organizer",
    "announcements.api_preview_announcement": "organizer",
    "announcements.api_list_announcements": "organizer",
    "announcements.api_get_announcement": "organizer",
    "announcements.api_patch_announcement": "organizer",
    "announcements.api_cancel_announcement": "organizer",
    "announcements.api_retry_announcement": "organizer",
    "announcements.index": "organizer",
    "announcements.create": "organizer",
    "announcements.detail": "organizer",
    "announcements.edit": "organizer",
    "announcements.cancel": "organizer",
    "announcements.retry": "organizer",
    "announcements.chamber_feed": "public",
    "announcements.campaign_feed": "public",
    "announcements.chamber_calendar": "public",
    "announcements.campaign_calendar": "public",
}

FEATURE = Feature(
    name="campaigns",
    blueprints=["campaigns.blueprint:bp", "campaigns.announcements.blueprint:bp"],
    jobs=[("campaigns.jobs:advance_campaigns", 60), ("campaigns.jobs:remind_optin_deadlines", 300),
          ("campaigns.announcements.jobs:fire_due_announcements", 5)],  # a safety net: tasks send on time
    models=["campaigns.models", "campaigns.announcements.models"],
    migrations="migrations",
    # the public campaign page (templates/campaigns/public.html) offers these slots to the packages after it
    slots={
        "campaign.public.prices": "the public campaign page, under the merchants' offers (e.g. alliance prices); "
                                  "context: chamber, campaign (its public data), campaign_id. Public pages are "
                                  "cached: show nothing internal, and keep the queries constant",
        "campaign.public.offer": "one merchant's offer card on the public campaign page (e.g. its alliance prices "
                                 "with was/now); context: chamber, campaign (its public data), campaign_id, "
                                 "member_id. Called once per card: load everything for the page once (flask.g) "
                                 "to keep the queries constant",
    },
    template_hooks={
        "chamber.dashboard.member": "campaigns/_dashboard_member.html",
        "chamber.manage.organizer": "campaigns/_manage_section.html",
        "chamber.public.top": "campaigns.public:chamber_campaigns_hook",
        "member.public.activity": "campaigns.public:member_campaigns_hook",
    },
    access={
        # API
        "campaigns.api_list_campaigns": "public",
        "campaigns.api_get_campaign": "public",
        "campaigns.api_create_campaign": "organizer",
        "campaigns.api_update_campaign": "organizer",
        "campaigns.api_transition": "organizer",
        "campaigns.api_settle": "organizer",
        "campaigns.api_put_participation": "merchant",
        "campaigns.api_put_offer_image": "merchant",
        "campaigns.api_delete_offer_image": "merchant",
        "campaigns.api_delete_participation": "merchant",
        "campaigns.api_get_shares": "member",
        "campaigns.api_post_payment": "organizer",
        "campaigns.api_post_expense": "organizer",
        "campaigns.api_post_reversal": "organizer",
        "campaigns.api_get_ledger": "member",
        "campaigns.api_get_receipt": "member",
        "campaigns.api_get_notices": "member",
        "campaigns.api_statement_pdf": "member",  # that member's owner and organizers
        "campaigns.api_report_pdf": "member",
        "campaigns.api_shares_csv": "member",
        "campaigns.api_ledger_csv": "member",
        # pages
        "campaigns.manage_list": "organizer",
        "campaigns.create": "organizer",
        "campaigns.manage": "organizer",
        "campaigns.edit": "organizer",
        "campaigns.transition": "organizer",
        "campaigns.settle": "organizer",
        "campaigns.payment": "organizer",
        "campaigns.expense": "organizer",
        "campaigns.reversal": "organizer",
        "campaigns.write_off": "organizer",
        "campaigns.refund_payout": "organizer",
        "campaigns.collection_settings": "organizer",
        "campaigns.collection_qr": "member",
        "campaigns.api_post_write_off": "organizer",
        "campaigns.api_post_refund_payout": "organizer",
        "campaigns.api_get_collection": "member",
        "campaigns.api_put_collection": "organizer",
        "campaigns.api_get_collection_qr": "member",
        "campaigns.index": "member",
        "campaigns.campaign": "member",
        "campaigns.participate": "merchant",
        "campaigns.withdraw": "merchant",
        "campaigns.ledger": "member",
        "campaigns.receipt": "member",
        "campaigns.statement_pdf": "member",
        "campaigns.report_pdf": "member",
        "campaigns.shares_csv": "member",
        "campaigns.ledger_csv": "member",
        # for shoppers
        "campaigns.public_campaign": "public",
        "campaigns.flyer": "public",
        "campaigns.share_image": "public",
        "campaigns.offer_image": "public",
        "campaigns.public_ledger": "public",  # 404 unless the chamber publishes its ledgers
        # announcements (campaigns/announcements/)
        **ANNOUNCEMENTS_ACCESS,
    },
    demo="campaigns.demo:load_demo",
    campaign_lookup="campaigns.queries:lookup_public_campaign",
    member_campaigns="campaigns.queries:member_public_campaigns",
    credit_inputs=[CreditInput("on_time_payments", "campaigns.queries:on_time_payments", weight=2.0,
                               label=_l("Campaign budget paid on time"))],
    # sent through the core's delivery service (campaigns/notify.py; templates/campaigns/notifications/)
    notification_kinds={
        "campaigns.opened": N_("A campaign opened for opt-in"),
        "campaigns.deadline_soon": N_("The opt-in deadline of a campaign you have not joined is 24 hours away"),
        "campaigns.locked": N_("A campaign you joined locked its shares: what you owe, by when, how to pay"),
        "campaigns.cancelled": N_("A campaign you joined was cancelled, with the reason"),
        "campaigns.settled": N_("A campaign you joined was settled: your refund, or the remainder carried to the fund"),
    },
)
