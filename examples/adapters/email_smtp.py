"""An e-mail adapter over the standard library's SMTP client (``smtplib``).

Host code, not library code: copy it and adapt.  It shows the three answers an adapter gives.
A refused recipient is ``Failed`` and not retryable; a server that cannot be reached is
``Failed`` and retryable (nothing was handed over yet); a connection lost while the message
was being handed over is ``Unknown``, because the server may have queued it, and SMTP has no
idempotency key that would make a second try safe.  That is also why ``honours_keys`` is
``False``: after a crash, the dispatcher reports such an e-mail for a human instead of sending
it again.  The ``Message-ID`` is derived from the idempotency key, so a mailbox that receives
it twice can still tell.
"""

from __future__ import annotations

import hashlib
import smtplib
from email.message import EmailMessage
from email.utils import formataddr

from overdue.dispatch import Action, Delivered, Failed, Message, Unknown
from overdue.dispatch.outcomes import SendOutcome


class SmtpEmailAdapter:
    """Sends the rendered message as a plain-text e-mail through an SMTP server."""

    channel = "email"
    honours_keys = False

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str,
        sender_name: str | None = None,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.sender_name = sender_name
        self.username = username
        self._password = password
        self.starttls = starttls
        self.timeout = timeout

    def __repr__(self) -> str:
        secret = ", password='***'" if self._password else ""
        return f"SmtpEmailAdapter({self.host!r}, {self.port!r}, sender={self.sender!r}{secret})"

    @staticmethod
    def message_id(idempotency_key: str) -> str:
        """A stable Message-ID per idempotency key."""
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        return f"<{digest}@overdue.invalid>"

    def build(self, action: Action, idempotency_key: str, message: Message) -> EmailMessage:
        """The e-mail for *message* (separate from sending, so it can be tested)."""
        email = EmailMessage()
        email["From"] = formataddr((self.sender_name or "", self.sender))
        email["To"] = action.contact.address if action.contact is not None else ""
        email["Subject"] = message.subject or action.template
        email["Message-ID"] = self.message_id(idempotency_key)
        email.set_content(message.body)
        return email

    def send(self, action: Action, *, idempotency_key: str, message: Message) -> SendOutcome:
        """Hand the e-mail to the SMTP server and report what it said."""
        if action.contact is None:
            return Failed("no_address", detail="the action has no e-mail contact point")
        email = self.build(action, idempotency_key, message)
        handing_over = False
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self._password or "")
                handing_over = True
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused:
            return Failed("rejected", detail=f"recipient {action.contact.masked} refused")
        except smtplib.SMTPResponseException as exc:
            # 4xx: try again later; 5xx: permanent.  The server text may echo the address.
            return Failed(f"smtp_{exc.smtp_code}", retryable=400 <= exc.smtp_code < 500)
        except (smtplib.SMTPException, OSError) as exc:
            if handing_over:
                return Unknown(f"connection lost while handing over: {type(exc).__name__}")
            return Failed("unreachable", retryable=True, detail=type(exc).__name__)
        return Delivered(email["Message-ID"])
