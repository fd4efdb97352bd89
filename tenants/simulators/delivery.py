"""Posting a simulated gateway's notification to the merchant, as a gateway does: a form POST to
the notify URL, done when the answer is "success", otherwise re-sent later with growing gaps."""

from __future__ import annotations

import http.client
from urllib.parse import urlencode, urlsplit

from django.utils import timezone

from tenants.simulators.models import SimNotification

MAX_ATTEMPTS = 8


def post_form(url: str, fields: dict, timeout: float = 10) -> tuple[int, str]:
    parts = urlsplit(url)
    # Browsers resolve *.localhost to loopback; the resolver of a worker's libc may not.
    host = parts.hostname or ""
    address = "127.0.0.1" if host == "localhost" or host.endswith(".localhost") else host
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = connection_class(address, parts.port, timeout=timeout)
    try:
        conn.request(
            "POST",
            parts.path + (f"?{parts.query}" if parts.query else ""),
            urlencode(fields),
            {"Host": parts.netloc, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        return response.status, response.read(200).decode("utf-8", "replace").strip()
    finally:
        conn.close()


def deliver(notification_id: int, duplicate: bool = False) -> str:
    """One delivery attempt. Returns "acknowledged", "skipped" or "retry"."""
    notification = SimNotification.objects.select_related("payment").get(pk=notification_id)
    if notification.acknowledged_at and not duplicate:
        return "skipped"
    try:
        status, body = post_form(notification.payment.notify_url, notification.fields)
        error = "" if status == 200 and body == "success" else f"HTTP {status}: {body[:100]}"
    except OSError as exc:
        error = f"{type(exc).__name__}: {exc}"[:200]
    update = {"attempts": notification.attempts + 1, "last_error": error}
    if not error and not notification.acknowledged_at:
        update["acknowledged_at"] = timezone.now()
    SimNotification.objects.filter(pk=notification.pk).update(**update)
    if error and not duplicate and update["attempts"] < MAX_ATTEMPTS:
        return "retry"
    return "acknowledged" if not error else "given up"
