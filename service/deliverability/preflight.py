"""`newsdesk dns check` and the newsroom's DNS table: every check, from the settings alone."""

from __future__ import annotations

import ipaddress

from service.deliverability.alignment import identities
from service.deliverability.auth_checks import dkim_check, dmarc_checks, spf_checks
from service.deliverability.check import PASS, Check
from service.deliverability.host_checks import fcrdns_checks
from service.deliverability.resolver import Dns, DnsFailure, make_dns
from service.mail.overview import dkim_status
from service.mail.relays import parse_relays
from service.settings import Settings


def sending_ips(settings: Settings, dns: Dns) -> list[str]:
    """NEWSDESK_SENDING_IPS, else the relays' addresses (IP literals, or their A/AAAA)."""
    if settings.sending_ips:
        return [str(ipaddress.ip_address(ip)) for ip in settings.sending_ips]
    found: list[str] = []
    for relay in parse_relays(settings):
        try:
            found.append(str(ipaddress.ip_address(relay.target.host)))
        except ValueError:
            try:
                found += dns.addresses(relay.target.host)
            except DnsFailure:
                continue
    return list(dict.fromkeys(found))


def run_checks(settings: Settings, dns: Dns | None = None) -> list[Check]:
    """A1, A2, A3, A4 for these settings against DNS."""
    dns = dns or make_dns(settings)
    ids = identities(settings)
    ips = sending_ips(settings, dns)
    spf = spf_checks(dns, ids, ips)
    dkim = dkim_check(dns, dkim_status(settings))
    spf_pass = all(c.status == PASS for c in spf)
    dmarc = dmarc_checks(dns, ids, spf_pass=spf_pass, dkim_pass=dkim.status == PASS)
    return [*spf, dkim, *dmarc, *fcrdns_checks(dns, helo=ids.helo, ips=ips)]


def must_failures(checks: list[Check]) -> list[Check]:
    """The MUST checks that do not pass."""
    return [c for c in checks if c.failed_must]
