"""Routes of the announcements: the JSON API, the organizers' pages, the public feeds and calendars."""
from flask import Blueprint

from chamber.api import api_route

from . import api
from . import operations as ops
from .forms import AnnouncementForm, describe_schedule, label_of

bp = Blueprint("announcements", __name__)

A = "/chambers/<slug>/announcements"
ONE = A + "/<int:announcement_id>"
_WHEN = ("send_at (ISO 8601, without an offset in the chamber's zone) or, instead, relative_to (optin_deadline, "
         "starts_at or ends_at of the campaign) with offset (ISO 8601 duration, e.g. -P3D) and optionally at_time "
         "(HH:MM: that time of day on the day the offset gives), or daily_countdown (every day at at_time while the "
         "campaign is live), or draft: true (saved, not scheduled)")

# --------------------------------------------------------------------------- API
api_route(bp, A, ["POST"], auth="organizer", form=AnnouncementForm,
          summary="Write and schedule an announcement: {title, body (Markdown), campaign (slug, optional), audience: "
                  "[organizers|members|participants|subscribers], channels: [inbox|email|feed|webhook], " + _WHEN
                  + "}. A time in the past, no channel, no audience for inbox/email, an offset that is not an ISO 8601 "
                  "duration or a relative time without a campaign → 400.",
          responses={201: "{announcement_id, scheduled_for, status}", 400: "Invalid fields"})(api.create_announcement)
api_route(bp, A + "/preview", ["POST"], auth="organizer", form=AnnouncementForm,
          summary="Check an announcement without saving it (same body as creating): the sanitised HTML and plain "
                  "text of the body and when it would go out.",
          responses={200: "{title, html, text, scheduled_for}", 400: "Invalid fields"})(api.preview_announcement)
api_route(bp, A, ["GET"], auth="organizer",
          summary="The chamber's announcements, those still to go out first, each with status and delivery counts.",
          responses={200: "{items: [announcement]}"})(api.list_announcements)
api_route(bp, ONE, ["GET"], auth="organizer",
          summary="One announcement: {announcement_id, title, body, campaign, audience, channels, send_at, "
                  "relative_to, offset, at_time, daily_countdown, "
                  "status (draft|scheduled|sending|sent|cancelled|missed), scheduled_for, occurrences, note, "
                  "deliveries: {pending, sent, failed}}.",
          responses={200: "The announcement"})(api.get_announcement)
api_route(bp, ONE, ["PATCH"], auth="organizer", form=AnnouncementForm,
          summary="Change a draft, scheduled or missed announcement: the fields sent replace theirs, the others stay "
                  "(send_at replaces a relative time, relative_to an absolute one).",
          responses={200: "The announcement", 409: "Already sent or cancelled"})(api.patch_announcement)
api_route(bp, ONE + "/cancel", ["POST"], auth="organizer",
          summary="Cancel an announcement that has not gone out (a countdown: its remaining days).",
          responses={200: "The announcement", 409: "Already sent or cancelled"})(api.cancel_announcement)
api_route(bp, ONE + "/retry", ["POST"], auth="organizer",
          summary="Queue the announcement's failed deliveries again.",
          responses={200: "{retried, ...the announcement}"})(api.retry_announcement)

# --------------------------------------------------------------------------- pages
from . import controllers as pages  # noqa: E402

M = "/chambers/<slug>/manage/announcements"
MA = M + "/<int:announcement_id>"
GP = ["GET", "POST"]
bp.add_url_rule(M, "index", pages.index)
bp.add_url_rule(M + "/new", "create", pages.create, methods=GP)
bp.add_url_rule(MA, "detail", pages.detail)
bp.add_url_rule(MA + "/edit", "edit", pages.edit, methods=GP)
bp.add_url_rule(MA + "/cancel", "cancel", pages.cancel, methods=GP)
bp.add_url_rule(MA + "/retry", "retry", pages.retry, methods=["POST"])
bp.add_app_template_filter(label_of, "announcement_label")
bp.add_app_template_global(describe_schedule, "announcement_schedule")
bp.add_app_template_global(ops.status_label, "announcement_status")

# --------------------------------------------------------------------------- public feeds and calendars
from . import public  # noqa: E402

bp.add_url_rule("/c/<slug>/feed.atom", "chamber_feed", public.chamber_feed)
bp.add_url_rule("/c/<slug>/calendar.ics", "chamber_calendar", public.chamber_calendar)
bp.add_url_rule("/c/<slug>/<key>/feed.atom", "campaign_feed", public.campaign_feed)
bp.add_url_rule("/c/<slug>/<key>/calendar.ics", "campaign_calendar", public.campaign_calendar)
