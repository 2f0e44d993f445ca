"""The site's own absolute address, for links that leave the page (QR codes, og:url, feeds, .ics, mails).

`public_root()`: ``CHAMBER_PUBLIC_URL`` (config ``PUBLIC_URL``) when it is set; else, inside a
request, the request's own host (``request.url_root``: the address the visitor used); else — jobs
and commands outside a request, such as the scheduler's mail — `DEFAULT_PUBLIC_URL`. A deployment
that sends mail from the scheduler sets ``CHAMBER_PUBLIC_URL``.
"""
from __future__ import annotations

from typing import Any

#: the address outside a request when CHAMBER_PUBLIC_URL is not set (`make run`'s server)
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"


def public_root() -> str:
    """The site's root URL, without the trailing slash (see the module docstring)."""
    from flask import current_app, has_app_context, has_request_context, request

    configured = str(current_app.config.get("PUBLIC_URL") or "") if has_app_context() else ""
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    return DEFAULT_PUBLIC_URL


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of an endpoint on this site (see `public_root`)."""
    from flask import url_for

    return public_root() + url_for(endpoint, **values)
