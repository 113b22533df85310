"""Test sends ("proofs"): a segment's edition to a few staff addresses, subject marked [TEST].

Messages are composed by the real send path (`service.mail.compose.EditionSkeleton`, built once,
`message_for` per address: same MIME, headers, DKIM and tokens as a campaign message) and handed
to the campaign transport (`service.mail.smtp_pool`). Both come from branch `mail` and are imported
where used, so the rest of the API works before that branch is merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from service.campaigns.lifecycle import get_campaign
from service.campaigns.preview import preview_input
from service.domain.addresses import email_hash, normalise_email
from service.errors import InvalidInput
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
    from service.mail.compose import EditionSkeleton
    from service.mail.personalise import Recipient  # on main once `mail` is merged

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


def deliver(messages: list[OutgoingMessage], *, settings: Settings) -> list[ProofResult]:
    """Hand each message to the campaign transport (pooled SMTP); report every outcome."""
    from service.mail.smtp_pool import SendOutcome, get_pool  # on main once `mail` is merged

    pool = get_pool(settings)
    results = []
    for message in messages:
        result = pool.send(message)
        accepted = result.outcome == SendOutcome.SENT
        results.append(ProofResult(message.rcpt, accepted, result.detail or result.outcome))
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
    return deliver(messages, settings=settings)
