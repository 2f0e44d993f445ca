"""Routes of the campaigns package: the JSON API now; the pages are added below "# pages"."""
from flask import Blueprint

from chamber.api import api_route
from chamber.rules import megabytes

from . import api, labels
from .forms import (
    CampaignForm,
    CollectionForm,
    ExpenseForm,
    OfferImageForm,
    ParticipationForm,
    PaymentForm,
    RefundPayoutForm,
    ReversalForm,
    SettlementForm,
    TransitionForm,
    WriteOffForm,
)
from .models import MAX_OFFER_IMAGE, MAX_QR, QR_TYPES
from .rules import MAX_RECEIPT_BYTES, RECEIPT_TYPES

bp = Blueprint("campaigns", __name__)

C = "/chambers/<slug>/campaigns"
K = C + "/<key>"

# --------------------------------------------------------------------------- API
api_route(bp, C, ["GET"], auth="public",
          summary="The chamber's campaigns (everyone sees non-drafts; organizers also see drafts).",
          responses={200: "{items: [campaign]}"})(api.list_campaigns)
api_route(bp, C, ["POST"], auth="organizer", form=CampaignForm,
          summary="Create a draft campaign. Body: {slug, title, festival, description, starts_at, ends_at, "
                  "optin_deadline, opens_at (optional: the draft opens by itself then), budget, "
                  "apportionment: {method, min_share, max_share_pct}, min_participants, min_pooled (at most the "
                  "budget; compared at the deadline with min(budget, participants × cap))}. Times without an "
                  "offset are in the chamber's zone. A rule that cannot be met → 400.",
          responses={201: "The campaign", 400: "Invalid fields or rule", 409: "Slug taken"})(api.create_campaign)
api_route(bp, K, ["GET"], auth="public",
          summary="A campaign with status and participant_count (drafts: organizers only).",
          responses={200: "The campaign"})(api.get_campaign)
api_route(bp, K, ["PUT"], auth="organizer", form=CampaignForm,
          summary="Replace a draft or open campaign's settings (same body as creating); the rule is checked "
                  "against the current participants.",
          responses={200: "The campaign", 409: "Not draft/open any more, or slug taken"})(api.update_campaign)
api_route(bp, K + "/transitions", ["POST"], auth="organizer", form=TransitionForm,
          summary="Move the campaign: {to: open|locked|live|ended|settled|cancelled, mode (for settled): "
                  "refund|carry, reason (for cancelled)}. Locking freezes the shares as pledges.",
          responses={200: "The campaign", 409: "Move not allowed, or rule/threshold not met"})(api.transition)
api_route(bp, K + "/settlement", ["POST"], auth="organizer", form=SettlementForm,
          summary="Settle an ended campaign: {mode: refund|carry}. refund returns the unspent remainder in "
                  "proportion to what each member paid; carry moves it to the chamber's fund. Closes the ledger.",
          responses={200: "The campaign", 409: "Not ended"})(api.settle)
api_route(bp, K + "/participation", ["PUT"], auth="member", form=ParticipationForm,
          summary="Opt in with an offer, or update the offer (member_id only if you have several businesses).",
          responses={200: "The participation",
                     409: "Not open, past the deadline, a declared revenue of 0 in a revenue-shared campaign, "
                          "or one participant too many for the minimum share"})(api.put_participation)
api_route(bp, K + "/participation/image", ["PUT"], auth="member", form=OfferImageForm,
          summary="Put a picture on your offer card (multipart/form-data: image; member_id only if you have several "
                  f"businesses). JPEG, PNG or WebP, judged by content; at most {megabytes(MAX_OFFER_IMAGE)}.",
          responses={200: "{member_id, picture_url}", 400: "Not such an image", 409: "Not taking part",
                     413: f"Above {megabytes(MAX_OFFER_IMAGE)}"})(api.put_offer_image)
api_route(bp, K + "/participation/image", ["DELETE"], auth="member",
          summary="Take the picture off your offer card (?member_id= if you have several businesses).",
          responses={204: "Removed", 409: "Opting in is over: the offer no longer changes"})(api.delete_offer_image)
api_route(bp, K + "/participation", ["DELETE"], auth="member",
          summary="Withdraw (?member_id= if you have several businesses).",
          responses={204: "Withdrawn", 409: "After the deadline or lock"})(api.delete_participation)
api_route(bp, K + "/shares", ["GET"], auth="member",
          summary="Each participant's share: frozen pledges once locked, otherwise a preview computed now.",
          responses={200: "{total, items: [{member_id, business_name, weight, share}]}",
                     409: "The rule cannot share the budget among the current participants"})(api.get_shares)
api_route(bp, K + "/payments", ["POST"], auth="organizer", form=PaymentForm,
          summary="Record a (partial) payment from a participant; paid_on between 2000-01-01 and today "
                  "(in the chamber's zone).",
          responses={201: "The ledger entry", 400: "Not a participant, or a bad date",
                     409: "Ledger not open, or more than the member still owes"})(api.post_payment)
api_route(bp, K + "/expenses", ["POST"], auth="organizer", form=ExpenseForm,
          summary="Record an expense; JSON, or multipart/form-data with a receipt file "
                  f"(PDF/JPEG/PNG, ≤ {megabytes(MAX_RECEIPT_BYTES)}).",
          responses={201: "The ledger entry", 400: "Invalid, or receipt not PDF/JPEG/PNG",
                     409: "More than is available",
                     413: f"Receipt above {megabytes(MAX_RECEIPT_BYTES)}"})(api.post_expense)
api_route(bp, K + "/ledger/<int:entry_id>/reversal", ["POST"], auth="organizer", form=ReversalForm,
          summary="Reverse a payment or an expense ({reason}); entries are never edited or deleted.",
          responses={201: "The reversal entry",
                     409: "Already reversed, a reversal, or not reversible"})(api.post_reversal)
api_route(bp, K + "/write-offs", ["POST"], auth="organizer", form=WriteOffForm,
          summary="Write off what a participant still owes: {member_id, amount (optional: all still owed), reason}. "
                  "A ledger entry of type write_off; it moves no money and lowers what the member owes.",
          responses={201: "The ledger entry", 409: "Ledger not open, the member owes nothing, or more than it owes"}
          )(api.post_write_off)
api_route(bp, K + "/ledger/<int:refund_id>/payout", ["POST"], auth="organizer", form=RefundPayoutForm,
          summary="Mark a refund entry as paid back: {method, reference, paid_on} (once per refund).",
          responses={201: "{refund_id, method, reference, paid_on}", 404: "Not a refund of this campaign",
                     409: "Already marked as paid back"})(api.post_refund_payout)
api_route(bp, "/chambers/<slug>/collection", ["GET"], auth="member",
          summary="How members pay the chamber: {account, qr: {kind: wechat_pay|alipay, content_type, sha256, url} "
                  "or null}.",
          responses={200: "The collection details"})(api.get_collection)
api_route(bp, "/chambers/<slug>/collection", ["PUT"], auth="organizer", form=CollectionForm,
          summary="Set the collection details: JSON {account, qr_kind, remove_qr}, or multipart/form-data with the "
                  "same fields and a qr file (a PNG or JPEG image, checked by decoding it, at most "
                  f"{megabytes(MAX_QR)}).",
          responses={200: "The collection details", 400: "Not a PNG or JPEG image, or no qr_kind",
                     413: f"Image above {megabytes(MAX_QR)}"})(api.put_collection)
api_route(bp, "/chambers/<slug>/collection/qr", ["GET"], auth="member",
          summary="The chamber's collection QR image.", responses={200: "The image"},
          content=QR_TYPES)(api.get_collection_qr)
api_route(bp, K + "/ledger", ["GET"], auth="member",
          summary="The whole ledger: {items (refunds with paid_out: {method, reference, paid_on} or null), "
                  "balances: {pledged, paid, spent, refunded, written_off, carried, available}, "
                  "members: [{member_id, business_name, share, paid, written_off, outstanding, refund}]}. "
                  "Each item has "
                  "direction: in, out or null (pledges). ?member_id= and ?kind= (an entry type) filter the items; "
                  "balances and members are always over the whole ledger.",
          responses={200: "The ledger"})(api.get_ledger)
api_route(bp, K + "/receipts/<int:receipt_id>", ["GET"], auth="member",
          summary="An expense's receipt file.", responses={200: "The file"},
          content=RECEIPT_TYPES)(api.get_receipt)
api_route(bp, "/chambers/<slug>/campaign-notices", ["GET"], auth="member",
          summary="Notices for the caller's businesses, e.g. why a campaign was cancelled (read from the "
          "caller's inbox, GET /me/inbox; cancellations the caller turned off in the inbox are not listed).",
          responses={200: "{items: [{campaign, member_id, kind, message, created_at}]}"})(api.get_notices)

# --------------------------------------------------------------------------- pages
from . import controllers as pages  # noqa: E402

M = "/chambers/<slug>/manage/campaigns"
MK = M + "/<key>"
GP = ["GET", "POST"]
# organizers
bp.add_url_rule(M, "manage_list", pages.manage_list)
bp.add_url_rule(M + "/new", "create", pages.create, methods=GP)
bp.add_url_rule(MK, "manage", pages.manage)
bp.add_url_rule(MK + "/edit", "edit", pages.edit, methods=GP)
bp.add_url_rule(MK + "/transition", "transition", pages.transition, methods=["POST"])
bp.add_url_rule(MK + "/settlement", "settle", pages.settle, methods=GP)
bp.add_url_rule(MK + "/payments", "payment", pages.payment, methods=GP)
bp.add_url_rule(MK + "/expenses", "expense", pages.expense, methods=GP)
bp.add_url_rule(MK + "/ledger/<int:entry_id>/reversal", "reversal", pages.reversal, methods=GP)
bp.add_url_rule(MK + "/write-offs", "write_off", pages.write_off, methods=GP)
bp.add_url_rule(MK + "/ledger/<int:refund_id>/payout", "refund_payout", pages.refund_payout, methods=GP)
bp.add_url_rule("/chambers/<slug>/manage/collection", "collection_settings", pages.collection_settings, methods=GP)
bp.add_url_rule("/chambers/<slug>/collection/qr", "collection_qr", pages.collection_qr)
# members (and organizers)
bp.add_url_rule(C, "index", pages.index)
bp.add_url_rule(K, "campaign", pages.campaign)
bp.add_url_rule(K + "/participation", "participate", pages.participate, methods=["POST"])
bp.add_url_rule(K + "/withdrawal", "withdraw", pages.withdraw, methods=["POST"])
bp.add_url_rule(K + "/ledger", "ledger", pages.ledger)
bp.add_url_rule(K + "/receipts/<int:receipt_id>", "receipt", pages.receipt)
# for the hook in templates/chambers/dashboard.html
bp.add_app_template_global(pages.dashboard_notices, "campaign_notices")
bp.record_once(lambda state: state.app.jinja_env.globals.update(campaign_labels=labels))  # a module, not a function
bp.add_app_template_global(pages.dashboard_campaigns, "open_campaigns_for_member")
bp.add_app_template_global(pages.dashboard_accounts, "campaign_accounts_for_member")

# --------------------------------------------------------------------------- documents
# PDFs and CSVs (campaigns/documents.py). Each view serves its API route and its page URL:
# API endpoints "campaigns.api_<view>", page endpoints "campaigns.<view>".
from . import documents  # noqa: E402

api_route(bp, K + "/statements/<int:member_id>.pdf", ["GET"], auth="member",
          summary="A member's contribution statement (share, payments, balance, refund) as PDF: "
                  "that member's owner and organizers only (others 404).",
          responses={200: "The PDF"}, content="application/pdf")(documents.statement_pdf)
api_route(bp, K + "/report.pdf", ["GET"], auth="member",
          summary="The campaign's budget report as PDF: apportionment, expenses by category, balances.",
          responses={200: "The PDF"}, content="application/pdf")(documents.report_pdf)
api_route(bp, K + "/shares.csv", ["GET"], auth="member",
          summary="The shares as CSV (UTF-8 with BOM): member_id, business_name, weight, share.",
          responses={200: "The CSV", 409: "The rule cannot share the budget among the current participants"},
          content="text/csv")(documents.shares_csv)
api_route(bp, K + "/ledger.csv", ["GET"], auth="member",
          summary="The whole ledger as CSV (UTF-8 with BOM), times in the chamber's zone as YYYY-MM-DD HH:MM (spreadsheets read "  # noqa: E501
                  "them as dates), amounts as decimals.",
          responses={200: "The CSV"}, content="text/csv")(documents.ledger_csv)
bp.add_url_rule(K + "/statements/<int:member_id>.pdf", "statement_pdf", documents.statement_pdf)
bp.add_url_rule(K + "/report.pdf", "report_pdf", documents.report_pdf)
bp.add_url_rule(K + "/shares.csv", "shares_csv", documents.shares_csv)
bp.add_url_rule(K + "/ledger.csv", "ledger_csv", documents.ledger_csv)

# --------------------------------------------------------------------------- for shoppers
from . import public  # noqa: E402

bp.add_url_rule("/c/<slug>/<key>", "public_campaign", public.campaign_page)
bp.add_url_rule("/c/<slug>/<key>/flyer.pdf", "flyer", public.flyer)
bp.add_url_rule("/c/<slug>/<key>/share.png", "share_image", public.share_image)
bp.add_url_rule("/c/<slug>/<key>/offers/<int:member_id>/picture", "offer_image", public.offer_image)
bp.add_url_rule("/c/<slug>/<key>/ledger", "public_ledger", public.public_ledger)
