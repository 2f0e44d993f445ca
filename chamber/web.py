"""Web plumbing shared by every blueprint: login, CSRF, errors, permissions, template helpers."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NoReturn

from flask import Flask, Response, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from limits import parse_many
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import IntegerConverter

from . import api, hardening
from .db import get_session
from .errors import Conflict, Invalid
from .models import Chamber, Member, Organizer, User
from .rules import MAX_ID, MAX_SLUG, MAX_UPLOAD_BYTES, display_money, local_path, megabytes, plain_decimal

csrf = CSRFProtect()
login_manager = LoginManager()
#: per client address; storage from RATELIMIT_STORAGE_URI (memory:// : each process counts alone)
limiter = Limiter(key_func=get_remote_address)

#: the session cookie's copy of User.session_version
SESSION_VERSION = "sv"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    # a cookie from before the last logout, password change or "log out everywhere" opens nothing
    if user is None or cookie_session.get(SESSION_VERSION) != user.session_version:
        return None
    return user


def start_session(user: User) -> None:
    """Log the user in on this browser: a permanent (PERMANENT_SESSION_LIFETIME) cookie with their session version."""
    login_user(user)
    cookie_session.permanent = True
    cookie_session[SESSION_VERSION] = user.session_version


def rate_limit(name: str) -> None:
    """Count this request against RATE_LIMITS[name] for the client's address; 429 once over it.

    For limits that fit no route decorator (one action of a form that does several things).
    """
    for item in parse_many(current_app.config["RATE_LIMITS"][name]):
        if not limiter.limiter.hit(item, "chamber", name, get_remote_address()):
            fail(429, _("Too many requests from your address. Try again in a few minutes."))


def login_failure_limit(view: Any) -> Any:
    """RATE_LIMITS["login_failures"]: failed logins from one address, whatever the account (spraying)."""
    return limiter.shared_limit(lambda: current_app.config["RATE_LIMITS"]["login_failures"], scope="login_failures",
                                methods=["POST"], deduct_when=lambda resp: resp.status_code in (400, 401))(view)


def route_limit(name: str) -> Any:
    """Flask-Limiter's limit for a view, read from RATE_LIMITS[name] at request time, shared by the
    views with the same name (the login page and the token API count together)."""
    return limiter.shared_limit(lambda: current_app.config["RATE_LIMITS"][name], scope=name, methods=["POST"])


class IdConverter(IntegerConverter):
    """<int:…> in URLs: ids that fit the database's integer columns; larger ones are 404s."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _storable(value: Any) -> bool:
    """Text the databases can store: no NUL (PostgreSQL refuses it) and no lone surrogates."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    return True


def upload_limit(max_bytes: int) -> Any:
    """Let a view accept a request body up to max_bytes (e.g. a 5 MB file plus the form around it)."""

    def decorate(view: Any) -> Any:
        view.max_content_length = max_bytes
        return view

    return decorate


def _apply_upload_limit() -> None:
    # before anything reads the body: the form parser enforces request.max_content_length
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "max_content_length", None)
    if limit is not None:
        request.max_content_length = limit


#: translated only when it is shown (a gettext on every request cost ~0.1 ms)
_UNSTORABLE = _l("The text contains characters that cannot be stored (a NUL byte or broken Unicode).")


def _refuse_unstorable_text() -> None:
    """Bad characters are bad input (400, or 404 in a URL), never a database error."""
    if not all(_storable(v) for v in (request.view_args or {}).values()):
        fail(404, _("There is nothing here."))
    if not all(_storable(v) for _key, values in request.args.lists() for v in values):
        fail(400, str(_UNSTORABLE))
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json:
            if not _storable(request.get_json(silent=True)):
                fail(400, str(_UNSTORABLE))
        elif not all(_storable(v) for _key, values in request.form.lists() for v in values):
            fail(400, str(_UNSTORABLE))


def init_app(app: Flask) -> None:
    """Login, CSRF, error handlers, filters; runs before the blueprints are registered."""
    app.url_map.converters["int"] = IdConverter
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None

    app.before_request(_apply_upload_limit)  # first: the others read the body
    app.before_request(_refuse_unstorable_text)

    @app.before_request
    def _csrf_for_pages() -> None:
        # API calls authenticate with bearer tokens, never cookies, so CSRF cannot reach them.
        if not api.is_api_request() and app.config.get("WTF_CSRF_ENABLED", True):
            view = app.view_functions.get(request.endpoint or "")
            if not getattr(view, "csrf_exempt", False):  # e.g. RFC 8058 one-click unsubscribe, token in the URL
                csrf.protect()

    app.register_error_handler(api.ApiError, _api_error)
    app.register_error_handler(Conflict, _operation_error)
    app.register_error_handler(Invalid, _operation_error)
    app.register_error_handler(IntegrityError, _integrity_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.jinja_env.filters["money"] = money_filter
    app.jinja_env.filters["plain"] = plain_decimal
    app.jinja_env.globals["chamber_role"] = chamber_role
    hardening.init_app(app)  # JSON depth, security headers
    app.add_url_rule(api.API_PREFIX + "/openapi.json", "openapi", _openapi)


def _openapi() -> Response:
    return jsonify(api.openapi_document("Chamber API", "1"))


# --- one transaction per request -----------------------------------------------------------
#
# Views call operations (which flush, never commit) and never commit or roll back themselves
# (tests/test_views.py checks): the view wrapper below, put around every view by init_transactions,
# commits the request's session once the view has answered with a success (< 400) and rolls it
# back otherwise; error handlers roll back too. Mail and files wait for the commit (after_commit).


def _rollback() -> None:
    session = g.get("db_session")
    if session is not None:
        session.rollback()
    g.pop("after_commit", None)


def _commit() -> None:
    session = g.get("db_session")
    if session is not None:
        session.commit()
    for callback in g.pop("after_commit", []):
        callback()


def after_commit(callback: Callable[[], None]) -> None:
    """Run callback (send a mail, write a file) once this request's changes are committed; never if
    they are rolled back."""
    g.setdefault("after_commit", []).append(callback)


def keep_changes() -> None:
    """Commit what this request has done so far, whatever it answers afterwards (a failed login is
    recorded: it counts towards the lock-out, also when the answer is an error)."""
    _commit()


def end_transaction() -> None:
    """Reading is done: end the transaction now, before slow work such as rendering a PDF
    (chamber.pdf's rule: on SQLite every transaction holds the write lock)."""
    if g.get("operation_failed"):
        _rollback()
    else:
        _commit()


def operation_failed(err: Conflict | Invalid, form: Any = None, *, field: str | None = None,
                     rename: dict[str, str] | None = None, flash_it: bool = False) -> int:
    """A page's answer to an operation's Conflict or Invalid, the same everywhere: what the failed
    operation wrote is rolled back (and nothing more of this request is committed); with a form the
    message goes by its field (err.field, renamed by ``rename``, else ``field``, else at the top of
    the form), with flash_it into a flash; the status (409, 400, 413 …) is returned for the page to
    answer with. (The API's counterpart is chamber.api.operation_error.)"""
    _rollback()
    g.operation_failed = True
    if flash_it:
        flash(err.message, "error")
    if form is not None:
        name = (rename or {}).get(err.field or "", err.field) or field
        target = getattr(form, name, None) if name and name != "csrf_token" else None
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, err.message]
        else:
            form.form_errors.append(err.message)
    return err.status


def form_page(form: Any, operation: Callable[[], Any], *, done: Callable[[Any], tuple[str, str]],
              page: Callable[[int], Any], field: str | None = None) -> Any:
    """The page with a form, the same everywhere: on a valid POST run the operation; done(result)
    gives the success message and where to go (flashed, then a redirect); a refusal goes by its
    field (operation_failed, default ``field``) and the page (page(status)) comes again with 409/400;
    input the form refuses answers 400; a GET is the page (200)."""
    status = 200
    if form.validate_on_submit():
        try:
            result = operation()
        except (Conflict, Invalid) as err:
            status = operation_failed(err, form, field=field)
        else:
            message, target = done(result)
            flash(message, "success")
            return redirect(target)
    elif form.errors:
        status = 400
    return page(status)


def list_action(form: Any, operation: Callable[[], Any], *, done: str, back: str) -> Any:
    """A small form posted from a page that lists many (the trust desk's replies, decisions, settings):
    refused input and refusals are flashed (changing nothing), success is flashed; either way the
    person goes back to the list. An operation may return a callable, run after the commit (a mail)."""
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back)
    try:
        result = operation()
    except (Conflict, Invalid) as err:
        operation_failed(err, flash_it=True)
        return redirect(back)
    flash(done, "success")
    if callable(result):
        after_commit(result)  # the mail goes out once the request's changes are committed
    return redirect(back)


def _finish(response: Response) -> None:
    if g.get("operation_failed") or response.status_code >= 400:
        _rollback()
    else:
        _commit()


def transactional(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a view in the request's transaction: commit after a success (< 400), roll back otherwise;
    an exception goes to the error handlers, which roll back."""

    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        response = current_app.make_response(view(*args, **kwargs))
        _finish(response)
        return response

    run.transactional = True  # type: ignore[attr-defined]
    return run


def init_transactions(app: Flask) -> None:
    """Put every view (registered by now: core and feature blueprints) in the request's transaction."""
    for endpoint, view in list(app.view_functions.items()):
        if not getattr(view, "transactional", False):
            app.view_functions[endpoint] = transactional(view)


def _operation_error(err: Conflict | Invalid) -> Any:
    """An operation's Conflict or Invalid a view let through: the API's error body (by the field),
    or the error page."""
    if api.is_api_request():
        return _api_error(api.operation_error(err))
    _rollback()
    return render_template("error.html", status=err.status, message=err.message), err.status


def _api_error(err: api.ApiError) -> Response:
    _rollback()
    return api.error_response(err.status, err.message, err.fields, err.code)


def _integrity_error(err: IntegrityError) -> Any:
    # The checks before a write passed, but another request wrote the same thing at the same
    # moment (two sign-ups with one email, two chambers with one slug): a conflict, not a bug.
    _rollback()
    current_app.logger.info("integrity error answered with 409: %s", err.orig)
    message = _("Someone else just saved the same thing. Reload and try again.")
    if api.is_api_request():
        return api.error_response(409, message)
    return render_template("error.html", status=409, message=message), 409


def _csrf_error(err: CSRFError) -> Any:
    _rollback()
    return render_template("error.html", status=400,
                           message=_("The form expired. Go back, reload the page and try again.")), 400


def _http_error(err: HTTPException) -> Any:
    _rollback()
    status = err.code or 500
    messages = {
        400: _("The request was not understood."),
        401: _("Please log in."),
        403: _("You may not do that."),
        404: _("There is nothing here."),
        405: _("That method is not allowed here."),
        409: _("That conflicts with the current state."),
        413: _("The upload is too large: at most %(size)s.", size=megabytes(MAX_UPLOAD_BYTES)),
        429: _("Too many attempts. Try again later."),
    }
    message = (err.description or "") if getattr(err, "chamber_message", False) else messages.get(status, err.name)
    if api.is_api_request():
        resp = api.error_response(status, message)
        if isinstance(err, MethodNotAllowed) and err.valid_methods:
            resp.headers["Allow"] = ", ".join(err.valid_methods)
        return resp
    return render_template("error.html", status=status, message=message,
                           link=getattr(err, "chamber_link", None)), status


def _unexpected_error(err: Exception) -> Any:
    # A bug must still answer in the contract's shape and leave nothing half-written.
    _rollback()
    current_app.logger.exception("unhandled error")
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise err
    if api.is_api_request():
        return api.error_response(500, _("Something went wrong on our side."), code="internal_error")
    return render_template("error.html", status=500, message=_("Something went wrong on our side.")), 500


def fail(status: int, message: str) -> NoReturn:
    """Abort with a status and a message the user sees (page or API)."""
    if api.is_api_request():
        raise api.ApiError(status, message)
    try:
        abort(status, description=message)
    except HTTPException as exc:
        exc.chamber_message = True  # type: ignore[attr-defined]  # show this text, not the generic one
        raise


# --- who may see a chamber ---------------------------------------------------------------

def acting_user() -> User | None:
    """The bearer-token user on API routes, the logged-in user on pages."""
    if api.is_api_request():
        return api.token_user(optional=True)
    return current_user if current_user.is_authenticated else None


def chamber_role(chamber: Chamber, user: User | None = None) -> str | None:
    """'organizer', 'member' (approved merchant) or None, for this user in this chamber."""
    user = user if user is not None else acting_user()
    if user is None:
        return None
    cache = g.setdefault("chamber_roles", {})
    key = (chamber.id, user.id)
    if key not in cache:
        session = get_session()
        if session.scalar(select(Organizer.id).where(Organizer.chamber_id == chamber.id, Organizer.user_id == user.id)):
            cache[key] = "organizer"
        elif session.scalar(
            select(Member.id).where(Member.chamber_id == chamber.id, Member.user_id == user.id,
                                    Member.status == "approved")
        ):
            cache[key] = "member"
        else:
            cache[key] = None
    return cache[key]


def load_chamber(slug: str, *, role: str | None = None) -> Chamber:
    """The chamber by slug; 404 if missing or if the caller lacks role ('member' admits organizers)."""
    session = get_session()
    chamber = session.scalar(select(Chamber).where(Chamber.slug == slug)) if len(slug) <= MAX_SLUG else None
    if chamber is None:
        fail(404, _("There is no such chamber."))
    if role is not None:
        if api.is_api_request():
            api.token_user()  # 401 without a token, before anything about the chamber leaks
        elif not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        actual = chamber_role(chamber)
        allowed = ("organizer",) if role == "organizer" else ("organizer", "member")
        if actual not in allowed:
            not_for_you(chamber, organizers=role == "organizer")
    g.chamber = chamber
    return chamber


def not_for_you(chamber: Chamber, *, organizers: bool = False) -> NoReturn:
    """404 for a page of the chamber's members (or organizers) opened by someone else.

    The page says whom it is for and links to the chamber's public page; it says nothing about
    the resource asked for (whether it exists or not, the answer is the same), and the status
    stays 404. The API answers its usual 404.
    """
    if api.is_api_request():
        fail(404, _("There is no such chamber."))
    if organizers:
        message = _("This page is for the organizers of %(chamber)s.", chamber=chamber.name)
    else:
        message = _("This page is for the members of %(chamber)s.", chamber=chamber.name)
    try:
        abort(404, description=message)
    except HTTPException as exc:
        exc.chamber_message = True  # type: ignore[attr-defined]
        exc.chamber_link = (url_for("chambers.public_page", slug=chamber.slug),  # type: ignore[attr-defined]
                            _("The public page of %(chamber)s", chamber=chamber.name))
        raise


def safe_next(target: str | None = None, default: str | None = None) -> str:
    """Where to send someone after a form: target (by default the request's ?next=) when it is a
    path on this site (rules.local_path), else default (by default the home page)."""
    if target is None:
        target = request.args.get("next")
    return local_path(target) or default or url_for("chambers.home")


def money_filter(amount_minor: int | None, currency: str) -> str:
    """Jinja's |money(chamber.currency): display_money, and nothing for no amount (the currency is always given:
    there is no default currency to fall back on)."""
    return "" if amount_minor is None else display_money(amount_minor, currency)
