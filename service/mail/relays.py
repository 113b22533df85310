"""SMTP relays from settings: weighted choice, and a cool-down for relays that refuse us."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from service.errors import InvalidInput
from service.settings import Settings, SmtpTarget


@dataclass
class Relay:
    """One relay: where, how (TLS, AUTH), its weight, and until when it is considered down."""

    target: SmtpTarget
    weight: float = 1.0
    down_until: float = field(default=0.0)

    @property
    def name(self) -> str:
        """host:port, for messages (never the password)."""
        return f"{self.target.host}:{self.target.port}"


def parse_relays(settings: Settings) -> list[Relay]:
    """settings.smtp_relays (comma-separated URLs with optional ?weight=N), else smtp_url."""
    urls = [u.strip() for u in settings.smtp_relays.split(",") if u.strip()] or [settings.smtp_url]
    relays = []
    for url in urls:
        try:
            target = SmtpTarget(url)
            weight = float(parse_qs(urlsplit(url).query).get("weight", ["1"])[0])
        except ValueError as exc:
            raise InvalidInput(f"NEWSDESK_SMTP_RELAYS entry {_redact(url)!r}: {exc}") from exc
        if weight <= 0:
            raise InvalidInput(f"NEWSDESK_SMTP_RELAYS entry {_redact(url)!r}: weight must be > 0")
        relays.append(Relay(target=target, weight=weight))
    return relays


def _redact(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


class RelaySet:
    """Picks relays by weight, skipping the ones in cool-down; failover order for one send."""

    def __init__(self, relays: list[Relay], cooldown_s: float) -> None:
        self.relays = relays
        self.cooldown_s = cooldown_s

    def order(self, now: float | None = None) -> list[Relay]:
        """Every relay once: live ones in weighted-random order (load spreading), cooling last."""
        moment = time.monotonic() if now is None else now
        live = [r for r in self.relays if r.down_until <= moment]
        cooling = [r for r in self.relays if r.down_until > moment]
        cooling.sort(key=lambda r: r.down_until)
        ordered = []
        while live:
            pick = random.choices(live, weights=[r.weight for r in live])[0]
            ordered.append(pick)
            live.remove(pick)
        return ordered + cooling

    def mark_down(self, relay: Relay) -> None:
        """Skip this relay for the cool-down period."""
        relay.down_until = time.monotonic() + self.cooldown_s
