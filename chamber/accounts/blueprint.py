"""Routes of the accounts package (pages and API)."""
from flask import Blueprint

from ..api import api_route
from ..web import login_failure_limit, route_limit
from . import api, controllers
from .forms import ApiPasswordForm, LoginForm, RegisterForm

bp = Blueprint("accounts", __name__)

bp.add_url_rule("/register", view_func=controllers.register, methods=["GET", "POST"])
bp.add_url_rule("/login", view_func=login_failure_limit(route_limit("login")(controllers.login)),
                methods=["GET", "POST"])
bp.add_url_rule("/logout", view_func=controllers.logout, methods=["POST"])
bp.add_url_rule("/account/sessions/revoke", view_func=controllers.logout_everywhere, methods=["POST"])
bp.add_url_rule("/account", view_func=controllers.account, methods=["GET", "POST"])
bp.add_url_rule("/account/tokens/<int:token_id>/revoke", view_func=controllers.revoke, methods=["POST"])
bp.add_url_rule("/language", view_func=controllers.set_language, methods=["POST"])
bp.add_url_rule("/language/<locale>", "language_link", view_func=controllers.language_link)

api_route(bp, "/users", ["POST"], summary="Register an account.", auth="public", form=RegisterForm,
          responses={201: "Created: {id, email, display_name}", 409: "Email taken"})(api.create_user)
api_route(bp, "/auth/tokens", ["POST"], summary="Create a bearer token from email and password.", auth="public",
          form=LoginForm, responses={201: "{token}", 401: "Wrong credentials",
                                     409: "Already 20 active tokens: revoke one first",
                                     429: "Too many attempts (lock-out) or requests (rate limit)"},
          )(login_failure_limit(route_limit("login")(api.create_api_token)))
api_route(bp, "/auth/tokens", ["GET"], summary="The caller's API tokens (never their secrets).", auth="token",
          responses={200: "{items: [{id, name, prefix, created_at, revoked_at}]}"})(api.list_api_tokens)
api_route(bp, "/auth/tokens/<int:token_id>", ["DELETE"], summary="Revoke one of the caller's tokens (log out).",
          auth="token", responses={204: "Revoked", 404: "No such token of yours"})(api.revoke_api_token)
api_route(bp, "/me/password", ["PUT"], summary="Change the password: {current_password, new_password}.",
          auth="token", form=ApiPasswordForm,
          responses={200: "{revoked_tokens, message}: changed; every API token of the caller (this one too) is "
                          "revoked and every browser session ended", 400: "Wrong current password",
                     429: "Too many attempts"})(api.change_api_password)
api_route(bp, "/me/sessions/revoke", ["POST"], summary="Log out everywhere: end every browser session of the caller "
          "(API tokens stay; revoke them with DELETE /auth/tokens/{id}).", auth="token",
          responses={204: "Ended"})(api.revoke_sessions)
api_route(bp, "/me", ["GET"], summary="The caller and their chamber memberships.", auth="token",
          responses={200: "{id, email, display_name, memberships}"})(api.me)
