"""E-mail through Django's own e-mail backends (SMTP in production, the console in development)."""

from __future__ import annotations

import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from renda.notifications.gateways.base import Message, Permanent, Sent, Transient


class DjangoEmailGateway:
    def __init__(self, *, channel: str = "email", backend: str | None = None, **options: Any) -> None:
        self.channel = channel
        self.backend = backend  # None: settings.EMAIL_BACKEND

    def send(self, message: Message) -> Sent:
        site = getattr(settings, "RENDA_SITE_URL", "").rstrip("/")
        body = f"{message.text}\n\n{site}{message.link}" if message.link else message.text
        mail = EmailMessage(
            subject=f"{settings.RENDA_NAME} · {message.kind_label}"[:150],
            body=body,
            to=[message.address],
            connection=get_connection(self.backend),
        )
        try:
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as refused:
            raise Permanent("smtp_refused", "the mail server refused the address") from refused
        except (smtplib.SMTPException, OSError) as fault:  # (socket timeouts are OSErrors)
            reason = str(fault).replace(message.address, "***")  # the log never holds the address
            raise Transient("smtp_error", f"{type(fault).__name__}: {reason}") from fault
        return Sent(code="OK")
