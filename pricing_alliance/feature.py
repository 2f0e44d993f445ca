"""The pricing alliance package as the core sees it: its one declaration (see chamber/features.py)."""
from flask_babel import lazy_gettext as _l

from chamber.features import CreditInput, Feature
from chamber.rules import N_

API_ACCESS = {
    "pricing_alliance.api_get_settings": "member",
    "pricing_alliance.api_put_settings": "organizer",
    "pricing_alliance.api_list_products": "member",
    "pricing_alliance.api_create_product": "organizer",
    "pricing_alliance.api_product_image": "public",
    "pricing_alliance.api_put_price": "merchant",  # the campaign's participants
    "pricing_alliance.api_my_prices": "member",
    "pricing_alliance.api_compliance": "organizer",
    "pricing_alliance.api_create_proposal": "member",  # participants and organizers
    "pricing_alliance.api_list_proposals": "member",
    "pricing_alliance.api_get_proposal": "member",
    "pricing_alliance.api_put_vote": "merchant",
    "pricing_alliance.api_close_proposal": "organizer",
    "pricing_alliance.api_alliance_prices": "public",
    "pricing_alliance.api_put_demand": "merchant",
    "pricing_alliance.api_delete_demand": "merchant",
    "pricing_alliance.api_put_supplier_price": "organizer",
    "pricing_alliance.api_joint_purchase": "organizer",
    "pricing_alliance.api_record_dues": "organizer",
    "pricing_alliance.api_joint_purchase_pdf": "organizer",
    "pricing_alliance.api_notices": "member",
}

PAGE_ACCESS = {
    "pricing_alliance.home": "member",
    "pricing_alliance.product_image": "public",
    "pricing_alliance.add_product": "organizer",
    "pricing_alliance.settings": "organizer",
    "pricing_alliance.campaign": "member",
    "pricing_alliance.list_price": "merchant",
    "pricing_alliance.set_demand": "merchant",
    "pricing_alliance.propose": "member",  # participants and organizers
    "pricing_alliance.proposal": "member",
    "pricing_alliance.vote": "merchant",
    "pricing_alliance.close": "organizer",
    "pricing_alliance.compliance": "organizer",
    "pricing_alliance.joint_purchase": "organizer",
    "pricing_alliance.supplier_price": "organizer",
    "pricing_alliance.record_dues": "organizer",
    "pricing_alliance.joint_purchase_pdf": "organizer",
}

FEATURE = Feature(
    name="pricing_alliance",
    blueprints=["pricing_alliance.blueprint:bp"],
    jobs=[("pricing_alliance.jobs:close_and_remind", 60)],
    models=["pricing_alliance.models"],
    migrations="migrations",
    template_hooks={
        "chamber.dashboard.member": "pricing_alliance/_dashboard_member.html",
        "chamber.manage.organizer": "pricing_alliance/_manage_section.html",
        "campaign.public.prices": "pricing_alliance.public:prices_hook",
        "campaign.public.offer": "pricing_alliance.public:offer_hook",
    },
    flyer_sections=["pricing_alliance.public:flyer_section"],
    access={**API_ACCESS, **PAGE_ACCESS},
    demo="pricing_alliance.demo:load_demo",
    notification_kinds={
        "pricing_alliance.vote_reminder": N_("A price proposal you have not voted on closes within 24 hours"),
        "pricing_alliance.proposal_result": N_("A price proposal of a campaign you take part in was closed: adopted, "
                                               "rejected or without quorum"),
    },
    credit_inputs=[CreditInput("price_compliance", "pricing_alliance.queries:credit_compliance",
                               label=_l("Keeping to the alliance prices"))],
)
