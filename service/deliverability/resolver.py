"""The one DNS seam: a dnspython resolver from the settings (a local server in tests).

`NEWSDESK_DNS_NAMESERVERS` (JSON list of IPs) and `NEWSDESK_DNS_PORT` point every lookup of
the preflight, of SPF evaluation and of DKIM verification at a chosen server; empty means the
system's resolver (/etc/resolv.conf).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import dns.exception
import dns.resolver
import dns.reversename

from service.settings import Settings, get_settings


class DnsFailure(Exception):
    """A temporary DNS failure (timeout, SERVFAIL): the answer is unknown, not empty."""


@dataclass
class Dns:
    """Lookups: [] for NXDOMAIN or NODATA; DnsFailure when the answer is unknown."""

    resolver: dns.resolver.Resolver

    def txt(self, name: str) -> list[str]:
        """Each TXT record at `name`, its strings joined (RFC 7208 §3.3)."""
        return [b"".join(r.strings).decode("utf-8", "replace") for r in self._query(name, "TXT")]

    def addresses(self, name: str) -> list[str]:
        """A and AAAA records of `name`."""
        return [r.to_text() for kind in ("A", "AAAA") for r in self._query(name, kind)]

    def mx(self, name: str) -> list[str]:
        """MX exchange names of `name`, by preference."""
        answers = sorted(self._query(name, "MX"), key=lambda r: r.preference)
        return [r.exchange.to_text().rstrip(".") for r in answers]

    def ptr(self, ip: str) -> list[str]:
        """The PTR names of an address (without the trailing dot)."""
        name = dns.reversename.from_address(str(ipaddress.ip_address(ip))).to_text()
        return [r.to_text().rstrip(".") for r in self._query(name, "PTR")]

    def _query(self, name: str, kind: str) -> list:  # type: ignore[type-arg]
        try:
            return list(self.resolver.resolve(name, kind, search=False))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.resolver.NoNameservers as exc:
            raise DnsFailure(f"{kind} {name}: no nameserver answered ({exc})") from exc
        except dns.exception.DNSException as exc:  # timeout, bad name
            raise DnsFailure(f"{kind} {name}: {exc}") from exc


def make_dns(settings: Settings | None = None) -> Dns:
    """A resolver per the settings: the configured nameservers and port, or the system's."""
    s = settings or get_settings()
    if s.dns_nameservers:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = list(s.dns_nameservers)
        resolver.port = s.dns_port
    else:
        resolver = dns.resolver.Resolver()
    resolver.lifetime = s.dns_timeout_s
    resolver.timeout = min(s.dns_timeout_s, 2.0)
    return Dns(resolver)
