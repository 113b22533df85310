"""Test sends ("proofs"): a segment's edition to a few staff addresses, subject marked [TEST].

Messages are composed by the real send path (`service.mail.compose.EditionSkeleton`, built once,
`message_for` per address: same MIME, headers, DKIM and tokens as a campaign message). They are
handed to SMTP by `deliver_with_smtplib`, a plain one-connection transport kept separate so it can
be swapped for the pooled transport (`service.mail.smtp_pool`) once that module exists on main.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from service.campaigns.lifecycle import get_campaign
from service.campaigns.preview import preview_input
from service.domain.addresses import email_hash, normalise_email
from service.domain.errors import InvalidInput
from service.models import Suppression
from service.rendering.edition import render_edition
from service.settings import Settings, get_settings

if TYPE_CHECKING:
    from service.mail.compose import OutgoingMessage

TEST_PREFIX = "[TEST] "
MAX_PROOF_ADDRESSES = 20
PROOF_SUBSCRIBER_ID = 0  # no subscriber: the proof's tokens lead nowhere when used


@dataclass(frozen=True)
class ProofResult:
    """What the SMTP server said about one test message."""

    address: str
    accepted: bool
    detail: str


def proof_addresses(session: Session, *, addresses: list[str], secret: bytes) -> list[str]:
    """Normalised, de-duplicated addresses; suppressed ones are refused, never mailed."""
    if not addresses:
        raise InvalidInput("a test send needs at least one address")
    if len(addresses) > MAX_PROOF_ADDRESSES:
        raise InvalidInput(f"a test send goes to at most {MAX_PROOF_ADDRESSES} addresses")
    cleaned = list(dict.fromkeys(normalise_email(a) for a in addresses))
    hashes = {email_hash(a, secret): a for a in cleaned}
    suppressed = session.exec(
        select(Suppression.email_hash).where(Suppression.email_hash.in_(hashes))  # type: ignore[attr-defined]
    ).all()
    if suppressed:
        names = ", ".join(sorted(hashes[h] for h in suppressed))
        raise InvalidInput(f"suppressed address(es) cannot receive test sends: {names}")
    return cleaned


def build_proofs(
    session: Session,
    *,
    campaign_id: int,
    addresses: list[str],
    segment_slug: str | None,
    language: str,
    settings: Settings,
) -> list[OutgoingMessage]:
    """One signed message per address, composed like a campaign message, subject '[TEST] ...'."""
    from service.mail.compose import EditionSkeleton, Recipient  # on main once `mail` is merged

    recipients = proof_addresses(session, addresses=addresses, secret=settings.secret_bytes)
    campaign = get_campaign(session, campaign_id=campaign_id)
    spec = preview_input(
        session, campaign_id=campaign_id, segment_slug=segment_slug, language=language
    )
    if not spec.announcements:
        raise InvalidInput(
            f"no announcement of campaign {campaign_id} targets {segment_slug!r}: nothing to send"
        )
    skeleton = EditionSkeleton.build(
        edition=render_edition(spec),
        subject=TEST_PREFIX + spec.subject,
        language=language,
        campaign_id=campaign_id,
        list_id=campaign.list_slug,
        list_name=campaign.list_name,
        announcement_ids=tuple(a.id for a in spec.announcements),
        settings=settings,
    )
    return [
        skeleton.message_for(
            Recipient(subscriber_id=PROOF_SUBSCRIBER_ID, email=address, name=None, tracking=False)
        )
        for address in recipients
    ]


def _connect(settings: Settings) -> smtplib.SMTP:
    """An SMTP connection per settings.smtp_url, upgraded to TLS when configured or required."""
    target = settings.smtp
    if target.implicit_tls:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            target.host, target.port, timeout=settings.smtp_timeout_s
        )
    else:
        smtp = smtplib.SMTP(target.host, target.port, timeout=settings.smtp_timeout_s)
        smtp.ehlo()
        if target.starttls or settings.smtp_require_tls:
            if not smtp.has_extn("starttls"):
                smtp.close()
                raise InvalidInput(f"{target.host}:{target.port} offers no STARTTLS; refusing")
            smtp.starttls()
    if target.username:
        smtp.login(target.username, target.password or "")
    return smtp


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def deliver_with_smtplib(
    messages: list[OutgoingMessage], *, settings: Settings
) -> list[ProofResult]:
    """Send each message in its own transaction over one connection; report every outcome."""
    results: list[ProofResult] = []
    with _connect(settings) as smtp:
        for message in messages:
            try:
                smtp.sendmail(message.envelope_from, [message.rcpt], message.data)
                results.append(ProofResult(message.rcpt, True, "accepted"))
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = exc.recipients[message.rcpt]
                results.append(ProofResult(message.rcpt, False, f"{code} {_text(text)}"))
            except smtplib.SMTPResponseException as exc:
                results.append(
                    ProofResult(message.rcpt, False, f"{exc.smtp_code} {_text(exc.smtp_error)}")
                )
    return results


def send_proofs(
    session: Session,
    *,
    campaign_id: int,
    addresses: list[str],
    segment_slug: str | None,
    language: str,
    settings: Settings | None = None,
) -> list[ProofResult]:
    """Compose and send the test edition to every address."""
    settings = settings or get_settings()
    messages = build_proofs(
        session,
        campaign_id=campaign_id,
        addresses=addresses,
        segment_slug=segment_slug,
        language=language,
        settings=settings,
    )
    return deliver_with_smtplib(messages, settings=settings)
