"""Routes of the pricing alliance: API routes through chamber.api.api_route, pages with add_url_rule."""
from flask import Blueprint

from chamber.api import api_route

from . import api, documents
from .forms import DemandForm, PriceForm, ProductForm, ProposalForm, SettingsForm, SupplierPriceForm, VoteForm
from .models import IMAGE_TYPES

bp = Blueprint("pricing_alliance", __name__)

CH = "/chambers/<slug>"
K = CH + "/campaigns/<key>"
P = CH + "/price-proposals/<int:proposal_id>"

# --------------------------------------------------------------------------- API
api_route(bp, CH + "/alliance-settings", ["GET"], auth="member",
          summary="How the chamber agrees prices: {weighting: member|tier, quorum, threshold (percentages, with "
                  "quorum_fraction/threshold_fraction exact), lookback_days, max_markup_pct}.",
          responses={200: "The settings"})(api.get_settings)
api_route(bp, CH + "/alliance-settings", ["PUT"], auth="organizer", form=SettingsForm,
          summary="Set the weighting, quorum and threshold (a percentage number, or a string such as \"2/3\"), "
                  "the lookback window for original prices (1–90 days; 7 by default, 30 for the EU rule) and the "
                  "maximum mark-up over the supplier price (percent, or null for none).",
          responses={200: "The settings"})(api.put_settings)
api_route(bp, CH + "/products", ["GET"], auth="member",
          summary="The chamber's product catalogue.", responses={200: "{items: [product]}"})(api.list_products)
api_route(bp, CH + "/products", ["POST"], auth="organizer", form=ProductForm,
          summary="Add a product: {name, unit, category, reference_price (optional)}.",
          responses={201: "{product_id, …}", 409: "Same name and unit already in the catalogue"})(api.create_product)
api_route(bp, CH + "/products/<int:product_id>/image", ["GET"], auth="public",
          summary="A product's image.", responses={200: "The image"}, content=IMAGE_TYPES)(api.product_image)
api_route(bp, K + "/prices/<int:product_id>", ["PUT"], auth="member", form=PriceForm,
          summary="A participant lists its price for a product: {price, original_price (optional), member_id (if "
                  "several businesses)} → {compliant, problems}. A dishonest original price → 400 with the reason "
                  "and the price found.",
          responses={200: "{compliant, problems}", 400: "Invalid or dishonest original price",
                     404: "Not a participant", 409: "Campaign not open, locked or live"})(api.put_price)
api_route(bp, K + "/prices", ["GET"], auth="member",
          summary="The caller's own current prices in the campaign, each with its problems.",
          responses={200: "{items: [listing]}"})(api.my_prices)
api_route(bp, K + "/compliance", ["GET"], auth="organizer",
          summary="The compliance report: every participant's current price against the adopted band and the "
                  "mark-up cap (who, product, listed vs band, since when).",
          responses={200: "{items: [listing], violations}"})(api.compliance)
api_route(bp, K + "/price-proposals", ["POST"], auth="member", form=ProposalForm,
          summary="Propose an alliance price (participants and organizers): {product_id, price, floor, ceiling, "
                  "closes_at} → 201 {proposal_id}.",
          responses={201: "{proposal_id, …}", 400: "Bad price, band, closing time or above the mark-up cap",
                     404: "Not a participant"})(api.create_proposal)
api_route(bp, K + "/price-proposals", ["GET"], auth="member",
          summary="The campaign's price proposals (open ones show only the turnout).",
          responses={200: "{items: [proposal]}"})(api.list_proposals)
api_route(bp, P + "/vote", ["PUT"], auth="member", form=VoteForm,
          summary="Vote {choice: approve|reject|abstain, member_id (if several businesses)}; change it until the "
                  "proposal closes.",
          responses={200: "The vote", 404: "Not a participant", 409: "The proposal has closed"})(api.put_vote)
api_route(bp, P + "/close", ["POST"], auth="organizer",
          summary="Close a proposal now: allowed before its closing time only once every participant has voted.",
          responses={200: "The proposal with the result", 409: "Closed already, or not everyone has voted"})(
    api.close_proposal)
api_route(bp, P, ["GET"], auth="member",
          summary="A proposal: {status: open|adopted|rejected|no_quorum, tally}. While open the tally is only the "
                  "turnout; who voted how and the running result are never shown.",
          responses={200: "The proposal"})(api.get_proposal)
api_route(bp, K + "/alliance-prices", ["GET"], auth="public",
          summary="The campaign's adopted alliance prices: {items: [{product_id, name, price, floor, ceiling}]}.",
          responses={200: "{items}"})(api.alliance_prices)
api_route(bp, K + "/demand/<int:product_id>", ["PUT"], auth="member", form=DemandForm,
          summary="A participant states the quantity it will buy: {quantity (a whole number above 0), member_id}.",
          responses={200: "The demand", 400: "Not a positive whole number", 404: "Not a participant"})(api.put_demand)
api_route(bp, K + "/demand/<int:product_id>", ["DELETE"], auth="member",
          summary="Withdraw the caller's demand for a product (?member_id= if several businesses).",
          responses={204: "Withdrawn"})(api.delete_demand)
api_route(bp, K + "/supplier-prices/<int:product_id>", ["PUT"], auth="organizer", form=SupplierPriceForm,
          summary="Record the supplier's negotiated unit price: {supplier, unit_price, delivery_notes, tiers: "
                  "[{min_quantity, unit_price}]} (a lower unit price from a total quantity on).",
          responses={200: "The joint purchase"})(api.put_supplier_price)
api_route(bp, K + "/joint-purchase", ["GET"], auth="organizer",
          summary="Aggregated demand, unit prices for the totals, each member's allocation and amount due.",
          responses={200: "The joint purchase"})(api.joint_purchase)
api_route(bp, K + "/joint-purchase/dues", ["POST"], auth="organizer",
          summary="Write the amounts due to the joint-purchase account (its own append-only ledger, apart from "
                  "the promotion budget): a due or credit entry for each change since the last time.",
          responses={201: "The joint purchase with entries_written", 409: "A product with demand has no supplier "
                                                                         "price"})(api.record_dues)
api_route(bp, K + "/joint-purchase.pdf", ["GET"], auth="organizer",
          summary="The purchase request for the supplier (PDF): total quantities, per-member breakdown, delivery "
                  "notes, amounts due.",
          responses={200: "The PDF"}, content="application/pdf")(documents.joint_purchase_pdf)
api_route(bp, CH + "/alliance-notices", ["GET"], auth="member",
          summary="Price-alliance notices for the caller's businesses (vote reminders, results).",
          responses={200: "{items}"})(api.notices)

# --------------------------------------------------------------------------- pages
from . import controllers as pages  # noqa: E402
from . import labels, public  # noqa: E402

GP = ["GET", "POST"]
A = CH + "/alliance"
MA = CH + "/manage/alliance"
KA = K + "/alliance"
MKA = CH + "/manage/campaigns/<key>/alliance"
bp.add_url_rule(A, "home", pages.home)
bp.add_url_rule(A + "/products/<int:product_id>/image", "product_image", pages.product_image)
bp.add_url_rule(MA + "/products/new", "add_product", pages.add_product, methods=GP)
bp.add_url_rule(MA + "/settings", "settings", pages.settings, methods=GP)
bp.add_url_rule(KA, "campaign", pages.campaign)
bp.add_url_rule(KA + "/prices/<int:product_id>", "list_price", pages.list_price, methods=["POST"])
bp.add_url_rule(KA + "/demand/<int:product_id>", "set_demand", pages.set_demand, methods=["POST"])
bp.add_url_rule(KA + "/proposals/new", "propose", pages.propose, methods=GP)
bp.add_url_rule(A + "/proposals/<int:proposal_id>", "proposal", pages.proposal)
bp.add_url_rule(A + "/proposals/<int:proposal_id>/vote", "vote", pages.vote, methods=["POST"])
bp.add_url_rule(A + "/proposals/<int:proposal_id>/close", "close", pages.close, methods=["POST"])
bp.add_url_rule(MKA + "/compliance", "compliance", pages.compliance)
bp.add_url_rule(MKA + "/joint-purchase", "joint_purchase", pages.joint_purchase)
bp.add_url_rule(MKA + "/joint-purchase/<int:product_id>/supplier", "supplier_price", pages.supplier_price, methods=GP)
bp.add_url_rule(MKA + "/joint-purchase/dues", "record_dues", pages.record_dues, methods=["POST"])
bp.add_url_rule(K + "/joint-purchase.pdf", "joint_purchase_pdf", documents.joint_purchase_pdf)
bp.record_once(lambda state: state.app.jinja_env.globals.update(alliance_labels=labels))  # a module, not a function
bp.add_app_template_global(pages.dashboard_notices, "alliance_notices")
bp.add_app_template_global(public.alliance_view, "alliance_public")
bp.add_app_template_filter(labels.plain_fraction, "plain_fraction")
