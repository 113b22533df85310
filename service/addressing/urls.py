"""Public URLs carrying tokens: unsubscribe, preferences, open pixel, click, web view, confirm."""

from __future__ import annotations

from service.addressing.tokens import TokenCodec, codec
from service.settings import Settings


class PublicUrls:
    """Builds every URL that appears in mail, from ids, under settings.public_url."""

    def __init__(self, settings: Settings, tokens: TokenCodec | None = None) -> None:
        self.base = settings.public_url.rstrip("/")
        self.tokens = tokens or codec(settings)

    def unsubscribe(self, subscriber_id: int, campaign_id: int) -> str:
        """One-click (POST) and confirmation page (GET): /u/{token}."""
        return f"{self.base}/u/{self.tokens.unsubscribe(subscriber_id, campaign_id)}"

    def preferences(self, subscriber_id: int) -> str:
        """Preference centre: /p/{token}."""
        return f"{self.base}/p/{self.tokens.preferences(subscriber_id)}"

    def open_pixel(self, campaign_id: int, subscriber_id: int) -> str:
        """Open pixel: /t/o/{token}.gif."""
        return f"{self.base}/t/o/{self.tokens.open(campaign_id, subscriber_id)}.gif"

    def click(self, campaign_id: int, subscriber_id: int, link_index: int) -> str:
        """Tracked link: /t/c/{token}; the target is the edition's link table entry."""
        return f"{self.base}/t/c/{self.tokens.click(campaign_id, subscriber_id, link_index)}"

    def webview(self, campaign_id: int, subscriber_id: int) -> str:
        """Web view: /w/{token}."""
        return f"{self.base}/w/{self.tokens.webview(campaign_id, subscriber_id)}"

    def confirm(self, subscriber_id: int, issued_day: int) -> str:
        """Double opt-in confirmation: /confirm/{token}."""
        return f"{self.base}/confirm/{self.tokens.confirm(subscriber_id, issued_day)}"
