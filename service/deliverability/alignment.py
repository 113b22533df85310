"""DMARC identifier alignment (RFC 7489 §3.1) on a Public Suffix List snapshot (publicsuffixlist).

`identities` reads the three domains our mail carries from the settings: From, the VERP
Return-Path and DKIM d=. `settings_problems` is what start-up warns about in production:
alignment that no DNS record could repair.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from service.settings import Settings


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()  # the snapshot shipped with the package: no network at run time


def organisational_domain(domain: str) -> str:
    """The registrable domain (news.x.org -> x.org); the name itself when the PSL has none."""
    name = domain.lower().rstrip(".")
    return _psl().privatesuffix(name) or name


def is_aligned(a: str, b: str, *, strict: bool = False) -> bool:
    """Relaxed: same organisational domain; strict: the same name."""
    x, y = a.lower().rstrip("."), b.lower().rstrip(".")
    if strict:
        return x == y
    return bool(x and y) and organisational_domain(x) == organisational_domain(y)


@dataclass(frozen=True)
class Identities:
    """The domains one of our messages carries."""

    from_domain: str
    return_path_domain: str  # the VERP bounce address's domain (SPF is checked for it)
    dkim_domain: str  # d=
    helo: str | None


def identities(settings: Settings) -> Identities:
    """From, Return-Path and DKIM d= as the settings make them."""
    return Identities(
        from_domain=settings.from_address.rpartition("@")[2].lower(),
        return_path_domain=settings.bounce_domain.lower(),
        dkim_domain=settings.dkim_domain.lower(),
        helo=settings.smtp_helo_name,
    )


def settings_problems(settings: Settings) -> list[str]:
    """Why DMARC alignment cannot hold whatever DNS publishes (empty: it can)."""
    ids = identities(settings)
    dkim_ok = is_aligned(ids.from_domain, ids.dkim_domain)
    spf_ok = is_aligned(ids.from_domain, ids.return_path_domain)
    if dkim_ok or spf_ok:
        return []
    org = organisational_domain(ids.from_domain)
    return [
        f"From domain {ids.from_domain} (organisational domain {org}) aligns with neither "
        f"DKIM d={ids.dkim_domain} (NEWSDESK_DKIM_DOMAIN) nor the Return-Path domain "
        f"{ids.return_path_domain} (NEWSDESK_BOUNCE_DOMAIN): DMARC fails for every message"
    ]


def settings_warnings(settings: Settings) -> list[str]:
    """Alignment that holds, but by SPF alone (DKIM d= unrelated to From): forwarding breaks it."""
    ids = identities(settings)
    if settings_problems(settings) or is_aligned(ids.from_domain, ids.dkim_domain):
        return []
    return [
        f"DKIM d={ids.dkim_domain} is not aligned with From {ids.from_domain}: DMARC rests on "
        "SPF alone, which forwarding breaks; sign with a domain under the From domain"
    ]
