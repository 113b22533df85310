"""The one outbox for every mail that is not a campaign message: DOI requests, hand-offs, acks,
relayed answers, bounce notices, reminders, inbox notices.

Campaign messages are built from an edition skeleton and signed in compose.py; everything else
comes here as an EmailMessage. Both leave through the same per-process SMTP pool (relays and
failover, TLS with the configured CA file, the configured EHLO name, per-domain rate limits)
with the same DKIM signer, so no mail of ours goes out unsigned, undated or without a
Message-ID (STANDARDS A2, A6). Production refuses to start without a DKIM key
(service/production.py). Each transaction is logged with its Message-ID, relay and reply: the
record of a system mail's delivery (the mail itself may hold personal data, the log does not).
"""

from __future__ import annotations

import email.policy
import logging
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses

from service.addressing.subaddresses import bounce_mailbox
from service.mail.compose import OutgoingMessage, new_message_id
from service.mail.dkim_keys import load_signer
from service.mail.smtp_pool import SendOutcome, get_pool
from service.models._common import utcnow
from service.settings import Settings, get_settings

log = logging.getLogger("newsdesk.outbox")


class OutboxError(RuntimeError):
    """The relay did not take a message; the caller's task retries or keeps a dead letter."""


def prepared(msg: EmailMessage, settings: Settings) -> bytes:
    """The bytes as sent: Date and Message-ID filled in when the builder left them out, signed."""
    if msg["Date"] is None:
        msg["Date"] = format_datetime(utcnow())
    if msg["Message-ID"] is None:
        msg["Message-ID"] = new_message_id(settings.message_id_domain)
    data = msg.as_bytes(policy=email.policy.SMTP)
    signer = load_signer(settings)
    return signer.sign(data) if signer is not None else data


def send_outgoing(messages: Iterable[EmailMessage], *, settings: Settings | None = None) -> int:
    """Send each message to its To and Cc recipients; returns how many messages went out.

    Call after the transaction that produced them commits. The envelope sender is the bounce
    mailbox, so a failed hand-off or confirmation request comes back to Newsdesk.
    """
    s = settings or get_settings()
    pool, sent = get_pool(s), 0
    for msg in messages:
        data = prepared(msg, s)
        message_id = str(msg["Message-ID"])
        targets = [a for _n, a in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", [])) if a]
        for rcpt in targets:
            result = pool.send(
                OutgoingMessage(bounce_mailbox(s.bounce_domain), rcpt, data, message_id)
            )
            domain = rcpt.rpartition("@")[2]
            if result.outcome is not SendOutcome.SENT:
                log.warning("outbox %s to @%s refused: %s", message_id, domain, result.detail)
                raise OutboxError(f"relay refused mail to {rcpt}: {result.detail}")
            log.info("outbox %s to @%s via %s: %s", message_id, domain, result.relay, result.code)
        sent += 1
    return sent


def send_message(msg: EmailMessage) -> None:
    """One message now (the signup form's and the importer's sender); OutboxError if refused."""
    send_outgoing([msg])
