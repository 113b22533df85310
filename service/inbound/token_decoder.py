"""The inbound side's view of the shared token codec (VERP and reply+ addresses)."""

from __future__ import annotations

from service.inbound.routing import ReplyTarget
from service.mail.tokens import codec


class MailTokenDecoder:
    """Decodes the address tokens minted by service/mail/tokens.py for the send path."""

    def bounce(self, token: str) -> tuple[int, int] | None:
        """(campaign_id, subscriber_id) of a genuine VERP token."""
        ids = codec().decode_verp(token.lower())
        return None if ids is None else (ids.campaign_id, ids.subscriber_id)

    def reply(self, token: str) -> ReplyTarget | None:
        """The campaign, subscriber and announcement (0 = whole edition) a reply token names."""
        ids = codec().decode_reply(token.lower())
        if ids is None:
            return None
        return ReplyTarget(ids.campaign_id, ids.subscriber_id, ids.announcement_id or None)

    def unsubscribe(self, token: str) -> tuple[int, int] | None:
        """(subscriber_id, campaign_id) of a genuine List-Unsubscribe token (same as the URL's)."""
        ids = codec().decode_unsubscribe(token.lower())
        return None if ids is None else (ids.subscriber_id, ids.campaign_id)
