"""Writing the consent ledger, and the consent texts subscribers agree to (by version)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from service import webhooks
from service.errors import InvalidInput
from service.models._common import utcnow
from service.models.consent import ConsentEvent, ConsentEventKind, WithdrawalChannel
from service.settings import get_settings

# The exact wording shown next to the consent checkbox, per version and language. A new wording
# gets a new version; old versions stay here because ledger rows point at them.
CONSENT_TEXTS: dict[str, dict[str, str]] = {
    "2026-11": {
        "en": (
            "Yes, I would like to receive the newsletters I selected from the Munich-Chicago "
            "partnership by email. I can withdraw this consent at any time via the link in every "
            "email or the preference centre."
        ),
        "de": (
            "Ja, ich möchte die ausgewählten Newsletter der Partnerschaft München-Chicago per "
            "E-Mail erhalten. Diese Einwilligung kann ich jederzeit über den Link in jeder E-Mail "
            "oder das Präferenzzentrum widerrufen."
        ),
    },
}
DOI_TEMPLATE_VERSION = "doi-confirm-1"


def consent_text(version: str, language: str) -> str:
    """The consent wording of `version` in `language` (English when not translated)."""
    texts = CONSENT_TEXTS.get(version)
    if texts is None:
        raise InvalidInput(f"consent_version: unknown consent text version {version!r}")
    return texts.get(language, texts["en"])


def record(
    session: Session,
    *,
    subscriber_id: int,
    event: ConsentEventKind,
    source: str,
    ip: str | None = None,
    consent_text: str = "",
    consent_version: str = "",
    channel: WithdrawalChannel | None = None,
    doi_sent_at: datetime | None = None,
    template_version: str | None = None,
    detail: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    privacy_notice_version: str | None = None,
) -> ConsentEvent:
    """Append one ledger entry (UTC), stamped with the privacy notice in force, and flush."""
    if privacy_notice_version is None:
        privacy_notice_version = get_settings().privacy_notice_version
    row = ConsentEvent(
        subscriber_id=subscriber_id,
        event=event.value,
        occurred_at=occurred_at or utcnow(),
        ip=ip,
        source=source[:500],
        consent_text=consent_text,
        consent_version=consent_version,
        privacy_notice_version=privacy_notice_version,
        channel=channel.value if channel else None,
        doi_sent_at=doi_sent_at,
        template_version=template_version,
        detail=detail or {},
    )
    session.add(row)
    session.flush()
    if event is ConsentEventKind.WITHDRAWAL:  # every unsubscribe path passes through here
        webhooks.emit(
            session,
            event_type="unsubscribed",
            events=[{"subscriber_id": subscriber_id, "channel": row.channel, **(detail or {})}],
        )
    return row


def latest(session: Session, *, subscriber_id: int, event: ConsentEventKind) -> ConsentEvent | None:
    """The most recent entry of a kind for a subscriber."""
    stmt = (
        select(ConsentEvent)
        .where(ConsentEvent.subscriber_id == subscriber_id, ConsentEvent.event == event.value)
        .order_by(col(ConsentEvent.id).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def history(session: Session, *, subscriber_id: int) -> list[ConsentEvent]:
    """All entries for a subscriber, oldest first."""
    stmt = select(ConsentEvent).where(ConsentEvent.subscriber_id == subscriber_id)
    return list(session.exec(stmt.order_by(col(ConsentEvent.id))))
