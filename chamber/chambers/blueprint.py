"""Routes of the chambers package (pages and API)."""
from flask import Blueprint

from ..api import api_route
from . import api
from . import controllers as c
from .forms import ApplicationForm, ChamberForm, DecisionForm, OrganizerForm, ProfileForm, TiersForm

bp = Blueprint("chambers", __name__)

bp.add_url_rule("/", "home", c.home)
bp.add_url_rule("/chambers/new", "create", c.create, methods=["GET", "POST"])
bp.add_url_rule("/c/<slug>", "public_page", c.public_page)
bp.add_url_rule("/c/<slug>/members", "directory", c.directory)
bp.add_url_rule("/c/<slug>/apply", "apply", c.apply, methods=["GET", "POST"])
bp.add_url_rule("/chambers/<slug>/dashboard", "dashboard", c.dashboard)
bp.add_url_rule("/chambers/<slug>/profile", "profile", c.profile, methods=["GET", "POST"])
bp.add_url_rule("/chambers/<slug>/manage", "manage", c.manage)
bp.add_url_rule("/chambers/<slug>/manage/tiers", "tiers", c.tiers, methods=["GET", "POST"])
bp.add_url_rule("/chambers/<slug>/manage/members/<int:member_id>", "member_detail", c.member_detail,
                methods=["GET", "POST"])
bp.add_url_rule("/chambers/<slug>/manage/members/<int:member_id>/organizer", "promote", c.promote, methods=["POST"])
bp.add_url_rule("/chambers/<slug>/manage/demote/<int:user_id>", "demote", c.demote, methods=["GET", "POST"])

api_route(bp, "/chambers", ["POST"], summary="Create a chamber; the caller becomes its organizer.", form=ChamberForm,
          responses={201: "The chamber", 409: "Slug taken"})(api.create_chamber)
api_route(bp, "/chambers/<slug>", ["GET"], summary="A chamber's public profile.", auth="public")(api.get_chamber)
api_route(bp, "/chambers/<slug>/tiers", ["GET"], summary="The chamber's size tiers.", auth="public")(api.get_tiers)
api_route(bp, "/chambers/<slug>/tiers", ["PUT"], summary="Replace the size tiers.", auth="organizer", form=TiersForm,
          responses={200: "{items}", 409: "A removed tier still has members"})(api.put_tiers)
api_route(bp, "/chambers/<slug>/applications", ["POST"], summary="Apply to join with a business profile.",
          form=ApplicationForm,
          responses={201: "{member_id, status}", 409: "Business already a member"})(api.create_application)
api_route(bp, "/chambers/<slug>/profile", ["PUT"],
          summary="Set your business's public profile (shop link, WeChat ID); member_id picks one of several.",
          auth="login", form=ProfileForm,
          responses={200: "{member_id, shop_url, wechat_id}", 403: "Your business is not approved here"},
          )(api.put_profile)
api_route(bp, "/chambers/<slug>/members/<int:member_id>/decision", ["POST"], summary="Approve, reject or suspend.",
          auth="organizer", form=DecisionForm,
          responses={200: "The member", 409: "Not allowed from this status"})(api.decide)
api_route(bp, "/chambers/<slug>/members", ["GET"],
          summary="Member directory (organizers also see pending and contacts).",
          auth="public")(api.list_members)
api_route(bp, "/chambers/<slug>/organizers", ["POST"], summary="Make an approved member an organizer.",
          auth="organizer",
          form=OrganizerForm, responses={201: "Added"})(api.add_organizer)
api_route(bp, "/chambers/<slug>/organizers", ["GET"], summary="The chamber's organizers.", auth="organizer",
          responses={200: "{items: [{user_id, display_name, email, granted_at}]}"})(api.list_organizers)
api_route(bp, "/chambers/<slug>/organizers/<int:user_id>", ["DELETE"],
          summary="Take an organizer's rights (their membership stays); the last organizer cannot be removed.",
          auth="organizer",
          responses={204: "Removed", 404: "Not an organizer here", 409: "The last organizer"})(api.remove_organizer)
