"""Send the mails process_inbound returns (hand-offs, relayed answers, acknowledgements)."""

from __future__ import annotations

import email.policy
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import getaddresses

from service.addressing.subaddresses import bounce_mailbox
from service.mail.compose import OutgoingMessage
from service.mail.dkim_keys import load_signer
from service.mail.smtp_pool import SendOutcome, get_pool
from service.settings import Settings, get_settings


class OutboxError(RuntimeError):
    """The relay did not accept a hand-off; the task fails and keeps it as a dead letter."""


def send_outgoing(messages: Iterable[EmailMessage], *, settings: Settings | None = None) -> int:
    """Send through this process's SMTP pool (TLS, relays, limits); returns how many went out.

    Call after the transaction that produced them commits. The envelope sender is the
    bounce domain, so a failed hand-off comes back to Newsdesk rather than to a person. Every
    message is DKIM-signed with the campaign key when one is configured (answers to
    subscribers leave from the partnership address and must pass DMARC like campaign mail).
    """
    s = settings or get_settings()
    pool, sent, signer = get_pool(s), 0, load_signer(s)
    for msg in messages:
        data = msg.as_bytes(policy=email.policy.SMTP)
        if signer is not None:  # system mail is ours too: signed like every campaign message
            data = signer.sign(data)
        targets = [a for _n, a in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", [])) if a]
        for rcpt in targets:
            outgoing = OutgoingMessage(
                bounce_mailbox(s.bounce_domain), rcpt, data, str(msg["Message-ID"])
            )
            result = pool.send(outgoing)
            if result.outcome is not SendOutcome.SENT:
                raise OutboxError(f"relay refused mail to {rcpt}: {result.detail}")
        sent += 1
    return sent
