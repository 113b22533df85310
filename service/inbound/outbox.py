"""Send the mails process_inbound returns (hand-offs, relayed answers, acknowledgements)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage

from service.settings import Settings, get_settings


def send_outgoing(messages: Iterable[EmailMessage], *, settings: Settings | None = None) -> int:
    """Send over one SMTP connection to settings.smtp_url; returns how many were accepted.

    Call after the transaction that produced them commits. The envelope sender is the
    bounce domain, so a failed hand-off comes back to Newsdesk rather than to a person.
    """
    s = settings or get_settings()
    target = s.smtp
    batch = list(messages)
    if not batch:
        return 0
    cls = smtplib.SMTP_SSL if target.implicit_tls else smtplib.SMTP
    with cls(target.host, target.port, timeout=s.smtp_timeout_s) as client:
        if target.starttls or (s.smtp_require_tls and not target.implicit_tls):
            client.starttls(context=ssl.create_default_context())
        if target.username and target.password:
            client.login(target.username, target.password)
        for msg in batch:
            client.send_message(msg, from_addr=f"bounces@{s.bounce_domain}")
    return len(batch)
