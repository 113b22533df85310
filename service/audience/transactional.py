"""Send one transactional message (double opt-in request) over the configured SMTP relay."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from service.addressing.subaddresses import bounce_mailbox
from service.settings import get_settings


def send_transactional(msg: EmailMessage) -> None:
    """Deliver `msg` now; STARTTLS/implicit TLS and login as settings.smtp_url says."""
    settings = get_settings()
    target = settings.smtp
    envelope_from = bounce_mailbox(settings.bounce_domain)
    context = ssl.create_default_context()
    timeout = settings.smtp_timeout_s
    smtp = (
        smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
        if target.implicit_tls
        else smtplib.SMTP(target.host, target.port, timeout=timeout)
    )
    with smtp:
        if not target.implicit_tls and (target.starttls or settings.smtp_require_tls):
            smtp.starttls(context=context)  # fails closed when the server offers no STARTTLS
        if target.username:
            smtp.login(target.username, target.password or "")
        smtp.send_message(msg, from_addr=envelope_from)
