"""Zones for the DNS preflight tests: the records the default settings need, and breakages."""

from __future__ import annotations

from pathlib import Path

from service.mail.dkim_keys import generate_keypair
from tests.support.dns_zone import Zone

FROM_DOMAIN = "news.partnership.example.org"  # the settings' default From domain
BOUNCE_DOMAIN = "bounces.news.partnership.example.org"  # the VERP Return-Path domain
HELO = "mail.news.partnership.example.org"
IP4, IP6 = "192.0.2.10", "2001:db8::10"


def dkim_key(folder: Path) -> tuple[Path, str]:
    """A fresh RSA key file and its TXT record."""
    pem, record = generate_keypair()
    path = folder / "dkim.pem"
    path.write_bytes(pem)
    return path, record


def good_zone(dkim_record: str) -> Zone:
    """Everything A1-A4 want for the default settings, both egress addresses."""
    zone = Zone()
    zone.add(BOUNCE_DOMAIN, "TXT", "v=spf1 include:_spf.partnership.example.org -all")
    zone.add(
        "_spf.partnership.example.org", "TXT", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/64 ~all"
    )
    zone.add(f"nd2026._domainkey.{FROM_DOMAIN}", "TXT", dkim_record)
    zone.add(
        f"_dmarc.{FROM_DOMAIN}",
        "TXT",
        "v=DMARC1; p=quarantine; rua=mailto:dmarc@partnership.example.org",
    )
    zone.add("10.2.0.192.in-addr.arpa", "PTR", HELO + ".")
    zone.add(
        "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
        "PTR",
        HELO + ".",
    )
    zone.add(HELO, "A", IP4).add(HELO, "AAAA", IP6)
    return zone


def dns_env(port: int, key: Path) -> dict[str, str]:
    """Settings pointing the resolver at the local server, with our egress and EHLO name."""
    return {
        "NEWSDESK_DNS_NAMESERVERS": '["127.0.0.1"]',
        "NEWSDESK_DNS_PORT": str(port),
        "NEWSDESK_DNS_TIMEOUT_S": "2",
        "NEWSDESK_SENDING_IPS": f'["{IP4}", "{IP6}"]',
        "NEWSDESK_SMTP_HELO_NAME": HELO,
        "NEWSDESK_DKIM_PRIVATE_KEY_PATH": str(key),
    }
