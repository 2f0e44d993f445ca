"""Webhooks: the JSON a chamber's webhook receives, signed with HMAC-SHA256, and the POST itself.

Headers of every POST:
- `X-Chamber-Signature: sha256=<hex>`: HMAC-SHA256 with the webhook's secret of
  `"<X-Chamber-Timestamp>." + body` (`chamber.notifications.rules.sign_webhook`);
- `X-Chamber-Timestamp`: seconds since the epoch when it was sent (reject old ones);
- `Idempotency-Key`: the delivery's key, equal on every resend of the same delivery (drop copies).

The body is `{"id", "source", "kind", "title", "text", "link", "language", "sent_at"}`. WeChat Work
(qyapi.weixin.qq.com) and DingTalk (oapi.dingtalk.com) group robots get their own markdown message
shape instead, with the same headers.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .rules import sign_webhook

USER_AGENT = "Chamber-Webhooks/1"


def payload(delivery: Mapping[str, Any], url: str) -> dict[str, Any]:
    """The JSON body for delivery, in the shape the receiver at url understands."""
    host = (urlsplit(url).hostname or "").lower()
    title, text, link = delivery["subject"], delivery["body_text"], delivery["link"]
    markdown = f"**{title}**\n\n{text}" + (f"\n\n[{link}]({link})" if link and link not in text else "")
    if host == "qyapi.weixin.qq.com":
        return {"msgtype": "markdown", "markdown": {"content": markdown}}
    if host == "oapi.dingtalk.com":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}
    return {
        "id": delivery["message_key"], "source": delivery["source"], "kind": delivery["kind"], "title": title,
        "text": text, "link": link, "language": delivery["language"],
        "sent_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


class WebhookError(Exception):
    pass


def post(url: str, secret: str, delivery: Mapping[str, Any], timeout: float = 5.0) -> int:
    """POST the delivery to url, signed; the status code (2xx) or WebhookError with the reason."""
    body = json.dumps(payload(delivery, url), ensure_ascii=False).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Chamber-Timestamp": str(timestamp),
        "X-Chamber-Signature": sign_webhook(secret, timestamp, body),
        "Idempotency-Key": delivery["message_key"],
    })
    if urlsplit(url).scheme not in ("http", "https"):
        raise WebhookError("not an http(s) URL")
    try:
        # the scheme is checked above (and by the webhook's CHECK constraint): no file: or ftp:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec B310 - http(s) only, checked
            status = int(response.status)
            response.read(1024)
    except urllib.error.HTTPError as err:
        raise WebhookError(f"HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise WebhookError(f"{type(err).__name__}: {reason}") from None
    if not 200 <= status < 300:
        raise WebhookError(f"HTTP {status}")
    return status
