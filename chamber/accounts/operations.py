"""Account operations: registration, login with lock-out, passwords, API tokens."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import utcnow
from ..errors import Conflict
from ..models import ApiToken, LoginAttempt, User
from ..rules import LOCKOUT_WINDOW, lockout_remaining, minutes_ceil
from ..tokens import hash_token, new_token_secret


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


def authenticate(session: Session, email: str, password: str, now: dt.datetime | None = None) -> User | None:
    """Check a password, enforcing the lock-out before looking at the password at all."""
    now = now or utcnow()
    email = normalize_email(email)[:254]
    if session.get_bind().dialect.name == "postgresql":
        # one password check per account at a time, or parallel guesses would all see < 5 failures
        # (SQLite needs nothing: BEGIN IMMEDIATE already serialises writers)
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:email))"), {"email": email})
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(True))
    )
    since = now - LOCKOUT_WINDOW
    if last_success is not None and last_success > since:
        since = last_success
    failures = session.scalars(
        select(LoginAttempt.at).where(
            LoginAttempt.email == email, LoginAttempt.succeeded.is_(False), LoginAttempt.at > since
        )
    ).all()
    remaining = lockout_remaining(failures, now)
    if remaining is not None:
        raise LoginLocked(remaining)
    user = session.scalar(select(User).where(User.email == email))
    ok = user is not None and check_password_hash(user.password_hash, password)
    session.add(LoginAttempt(email=email, succeeded=ok, at=now))
    session.flush()
    return user if ok else None


def change_password(session: Session, user: User, current: str, new: str) -> bool:
    """Set a new password if the current one is right (checked under the login lock-out)."""
    if authenticate(session, user.email, current) is None:
        return False
    user.password_hash = hash_password(new)
    session.flush()
    return True


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Make an API token; the secret is returned once and only its hash is kept."""
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
