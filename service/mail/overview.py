"""What the sending side is configured with, for the newsroom's settings: DKIM, relays, rates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from service.errors import InvalidInput
from service.mail.dkim_keys import dns_txt_record, zone_file_line
from service.mail.dkim_sign import load_private_key
from service.mail.relays import parse_relays
from service.settings import Settings


@dataclass(frozen=True)
class DkimStatus:
    """Whether the signing key loads, and the TXT record to publish for it."""

    selector: str
    domain: str
    key_path: str | None
    loaded: bool
    problem: str | None
    record: str | None

    @property
    def name(self) -> str:
        """The DNS name of the record."""
        return f"{self.selector}._domainkey.{self.domain}"

    @property
    def zone_line(self) -> str | None:
        """The record as a BIND zone line."""
        return zone_file_line(self.selector, self.domain, self.record) if self.record else None


def dkim_status(settings: Settings) -> DkimStatus:
    """Load the configured key (without signing anything) and derive its public record."""
    path = settings.dkim_private_key_path
    base = {"selector": settings.dkim_selector, "domain": settings.dkim_domain}
    if path is None:
        return DkimStatus(
            **base, key_path=None, loaded=False, problem="no key configured", record=None
        )
    try:
        key = load_private_key(Path(path).read_bytes(), "rsa")
    except (OSError, InvalidInput) as exc:
        return DkimStatus(**base, key_path=str(path), loaded=False, problem=str(exc), record=None)
    record = dns_txt_record(key.public_key())
    return DkimStatus(**base, key_path=str(path), loaded=True, problem=None, record=record)


@dataclass(frozen=True)
class RelayLine:
    """One relay as configured (never its password)."""

    name: str
    security: str  # "implicit TLS" | "STARTTLS" | "none"
    authenticated: bool
    weight: float


def relay_lines(settings: Settings) -> list[RelayLine]:
    """The relays the sender uses, in configuration order."""
    lines = []
    for relay in parse_relays(settings):
        t = relay.target
        security = "implicit TLS" if t.implicit_tls else "STARTTLS" if t.starttls else "none"
        lines.append(RelayLine(relay.name, security, t.username is not None, relay.weight))
    return lines


def rate_limits(settings: Settings) -> dict[str, str]:
    """The send-rate settings by environment variable name (empty = no limit)."""
    return {
        "NEWSDESK_RATE_GLOBAL_PER_S": _show(settings.rate_global_per_s),
        "NEWSDESK_RATE_GLOBAL_PER_HOUR": _show(settings.rate_global_per_hour),
        "NEWSDESK_RATE_DOMAIN_PER_S": settings.rate_domain_per_s,
        "NEWSDESK_RATE_MAX_WAIT_S": _show(settings.rate_max_wait_s),
        "NEWSDESK_SMTP_REQUIRE_TLS": _show(settings.smtp_require_tls),
        "NEWSDESK_SEND_BATCH_SIZE": _show(settings.send_batch_size),
        "NEWSDESK_MAX_CONSECUTIVE_ERRORS": _show(settings.max_consecutive_errors),
    }


def _show(value: object) -> str:
    return "" if value is None else str(value)
