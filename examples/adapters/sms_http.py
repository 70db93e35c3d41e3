"""An SMS adapter that posts JSON to an HTTP gateway, with ``urllib`` from the standard library.

Host code, not library code.  The (fictional) gateway contract it assumes::

    POST <url>
    Authorization: Bearer <token>
    Idempotency-Key: <key>
    {"to": "+86...", "text": "...", "idempotency_key": "<key>"}

    200/201/202 {"id": "..."}      accepted (a repeated key answers with the first id)
    409 {"id": "..."}              the key was already used: the first message stands
    429, 5xx                       try again later
    other 4xx                      permanent failure

Because the gateway drops a repeated key, the adapter declares ``honours_keys = True``: after
a crash the dispatcher may safely re-send an in-doubt SMS with the same key, and a timeout is a
retryable failure rather than an unknown outcome.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from overdue.dispatch import Action, Delivered, Failed, Message
from overdue.dispatch.outcomes import SendOutcome


class HttpSmsAdapter:
    """Posts each SMS to the gateway; the token never appears in reprs or outcomes."""

    channel = "sms"
    honours_keys = True
    max_body_len = 500

    def __init__(self, url: str, *, token: str, timeout: float = 10.0) -> None:
        self.url = url
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"HttpSmsAdapter({self.url!r}, token='***')"

    def send(self, action: Action, *, idempotency_key: str, message: Message) -> SendOutcome:
        """Post the message and translate the gateway's answer."""
        if action.contact is None:
            return Failed("no_address", detail="the action has no phone number")
        payload = {
            "to": action.contact.address,
            "text": message.body,
            "idempotency_key": idempotency_key,
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self._token}",
                "Idempotency-Key": idempotency_key,
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read() or b"{}")
                return Delivered(str(body.get("id")) if body.get("id") else None)
        except urllib.error.HTTPError as exc:
            with exc:
                status = exc.code
                body = _json(exc.read())
            if status == 409:
                return Delivered(str(body.get("id")) if body.get("id") else None)
            retryable = status == 429 or status >= 500
            return Failed(f"http_{status}", retryable=retryable, detail=str(body.get("error", "")))
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            # Safe to retry: the gateway drops a repeated idempotency key.
            reason = getattr(exc, "reason", exc)
            return Failed("unreachable", retryable=True, detail=type(reason).__name__)


def _json(raw: bytes) -> dict[str, object]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
