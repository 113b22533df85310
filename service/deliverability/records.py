"""The records our settings need published: SPF for the Return-Path domain, DMARC for From."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from service.deliverability.alignment import Identities, organisational_domain


def spf_value(ips: Iterable[str], existing: str | None = None) -> str:
    """A v=spf1 record allowing `ips` (added before the existing record's last term, or new)."""
    terms = [f"ip{ipaddress.ip_address(ip).version}:{ip}" for ip in ips]
    if existing:
        parts = existing.split()
        missing = [t for t in terms if t.lower() not in {p.lower() for p in parts}]
        tail = parts[-1] if re.match(r"^[-~?+]?all$", parts[-1], re.I) else None
        body = parts[:-1] if tail else parts
        return " ".join([*body, *missing, *([tail] if tail else [])])
    return " ".join(["v=spf1", *terms, "-all"])


def dmarc_value(ids: Identities) -> str:
    """A starting DMARC record: monitoring policy, aggregate reports to the bounce domain."""
    return f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{ids.return_path_domain}; adkim=r; aspf=r"


def dmarc_tags(record: str) -> dict[str, str]:
    """The tag list of a DMARC record, lowercase tag names."""
    tags = {}
    for part in record.split(";"):
        name, eq, value = part.partition("=")
        if eq:
            tags[name.strip().lower()] = value.strip()
    return tags


def dmarc_names(from_domain: str) -> list[str]:
    """Where a receiver looks: _dmarc.<From domain>, then _dmarc.<organisational domain>."""
    org = organisational_domain(from_domain)
    names = [f"_dmarc.{from_domain}"]
    if org != from_domain:
        names.append(f"_dmarc.{org}")
    return names


def dkim_tags(record: str) -> dict[str, str]:
    """The tag list of a DKIM key record (whitespace inside values removed)."""
    return {k: re.sub(r"\s+", "", v) for k, v in dmarc_tags(record).items()}
