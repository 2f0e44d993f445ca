"""The campaigns package as the core sees it: its one declaration (see chamber/features.py)."""
from flask_babel import lazy_gettext as _l

from chamber.features import CreditInput, Feature

FEATURE = Feature(
    name="campaigns",
    blueprints=["campaigns.blueprint:bp"],
    jobs=[("campaigns.jobs:advance_campaigns", 60)],
    models=["campaigns.models"],
    migrations="migrations",
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
        "campaigns.public_ledger": "public",  # 404 unless the chamber publishes its ledgers
    },
    demo="campaigns.demo:load_demo",
    campaign_lookup="campaigns.public:lookup_public_campaign",
    credit_inputs=[CreditInput("on_time_payments", "campaigns.public:on_time_payments", weight=2.0,
                               label=_l("Campaign budget paid on time"))],
    # the cancellation notice; the delivery service (issue 10) will send these
    notification_kinds={"campaigns.cancelled": "A campaign the member joined was cancelled, with the reason."},
)
