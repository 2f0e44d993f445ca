"""Account operations: registration, login with lock-out, passwords, API tokens."""
from __future__ import annotations

import datetime as dt
import functools

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import utcnow
from ..errors import Conflict
from ..models import ApiToken, LoginAttempt, User
from ..rules import ACCOUNT_WINDOW, login_lockout, minutes_ceil
from ..tokens import hash_token, new_token_secret

#: active (unrevoked) API tokens one user may hold
MAX_ACTIVE_TOKENS = 20


class LoginLocked(Exception):
    """Too many failed logins for this account; minutes until the next try."""

    def __init__(self, remaining: dt.timedelta) -> None:
        super().__init__(str(remaining))
        self.remaining = remaining

    @property
    def message(self) -> str:
        n = minutes_ceil(self.remaining)
        return ngettext("Too many attempts, try again in %(num)d minute.",
                        "Too many attempts, try again in %(num)d minutes.", n)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


@functools.cache
def _dummy_hash() -> str:
    # checked instead of a real hash for unknown emails: a wrong password then costs one scrypt either
    # way, so the answer's timing does not tell who has an account
    return hash_password("no account has this password")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def register_user(session: Session, email: str, password: str, display_name: str) -> User:
    """Create an account; Conflict if the email is taken."""
    email = normalize_email(email)
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(_("An account with this email already exists."), field="email")
    user = User(email=email, password_hash=hash_password(password), display_name=display_name)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str, now: dt.datetime | None = None,
                 address: str | None = None) -> User | None:
    """Check a password from a client address, enforcing the lock-out (rules.login_lockout) first."""
    now = now or utcnow()
    address = address[:45] if address else None
    email = normalize_email(email)[:254]
    if session.get_bind().dialect.name == "postgresql":
        # one password check per account at a time, or parallel guesses would all see < 5 failures
        # (SQLite needs nothing: BEGIN IMMEDIATE already serialises writers)
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:email))"), {"email": email})
    attempts: list[tuple[dt.datetime, bool, str | None]] = [(at, ok, addr) for at, ok, addr in session.execute(
        select(LoginAttempt.at, LoginAttempt.succeeded, LoginAttempt.address)
        .where(LoginAttempt.email == email, LoginAttempt.at > now - ACCOUNT_WINDOW)
    )]
    remaining = login_lockout(attempts, address, now)
    if remaining is not None:
        raise LoginLocked(remaining)
    user = session.scalar(select(User).where(User.email == email))
    ok = check_password_hash(user.password_hash if user is not None else _dummy_hash(), password) and user is not None
    session.add(LoginAttempt(email=email, succeeded=ok, at=now, address=address))
    session.flush()
    return user if ok else None


def change_password(session: Session, user: User, current: str, new: str, address: str | None = None) -> int | None:
    """Set a new password if the current one is right (checked under the login lock-out), end the
    user's browser sessions and revoke all their API tokens; how many tokens, or None if wrong."""
    if authenticate(session, user.email, current, address=address) is None:
        return None
    user.password_hash = hash_password(new)
    end_sessions(session, user)
    return revoke_all_tokens(session, user)


def end_sessions(session: Session, user: User) -> int:
    """End every browser session of the user (the session version in their cookies no longer matches)."""
    # in SQL, so two bumps at once both count
    user.session_version = User.session_version + 1
    session.flush()
    session.refresh(user, ["session_version"])
    return user.session_version


def revoke_all_tokens(session: Session, user: User) -> int:
    """Revoke every active API token of the user; how many."""
    ids = list(session.scalars(select(ApiToken.id).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))))
    if ids:
        session.execute(update(ApiToken).where(ApiToken.id.in_(ids)).values(revoked_at=utcnow()))
    return len(ids)


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Make an API token; the secret is returned once and only its hash is kept.

    Conflict when the user already has MAX_ACTIVE_TOKENS active ones.
    """
    # one creation per user at a time, or parallel requests would all see room for one more
    session.scalars(select(User.id).where(User.id == user.id).with_for_update()).one()
    active = session.scalar(
        select(func.count(ApiToken.id)).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ) or 0
    if active >= MAX_ACTIVE_TOKENS:
        raise Conflict(
            _("You have %(n)d active API tokens, the most allowed: revoke one you no longer use first.", n=active),
            field="name",
        )
    secret = new_token_secret()
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    return token, secret


def revoke_token(session: Session, user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens."""
    token = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    session.flush()
    return True


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's API tokens, newest first."""
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc()))
    )


def set_locale(session: Session, user: User | None, locale: str) -> None:
    """Remember a signed-in user's language."""
    if user is not None:
        user.locale = locale
        session.flush()
